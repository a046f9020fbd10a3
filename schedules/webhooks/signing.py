"""Signing the Standard Webhooks way, with the ``standardwebhooks`` library.

During a rotation a message carries one signature per live secret (space-separated, as the
scheme allows), so receivers that still hold the previous secret keep verifying.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets as random_secrets

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(random_secrets.token_bytes(SECRET_BYTES)).decode()


def message_id(event_id: int) -> str:
    """The ``webhook-id`` of an event: the same on every retry, for idempotent receivers."""
    return f"msg_{event_id}"


def headers(msg_id: str, at: dt.datetime, body: bytes, secrets: list[str]) -> dict[str, str]:
    """The three Standard Webhooks headers, signed with each of ``secrets``."""
    signatures = " ".join(Webhook(secret).sign(msg_id, at, body) for secret in secrets)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
    }
