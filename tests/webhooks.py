"""A webhook receiver on 127.0.0.1 that verifies every message with the standardwebhooks
library, as a receiver would, and helpers to run the worker's deliveries in-process."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pytest_httpserver import HTTPServer
from standardwebhooks import Webhook
from werkzeug import Request, Response

from app.runtime import fetch_policy
from app.webhook_jobs import DeliveryRunner
from core.db import utcnow


@dataclass
class Message:
    id: str
    type: str
    data: dict[str, Any]
    signatures: str


@dataclass
class Receiver:
    """Answers each POST with the next of ``statuses`` (then 200), keeping the verified ones."""

    server: HTTPServer
    secrets: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return self.server.url_for("/hooks")

    def handle(self, request: Request) -> Response:
        body = request.get_data()
        for secret in self.secrets:  # raises WebhookVerificationError on a bad signature
            Webhook(secret).verify(body, dict(request.headers))
        with self.lock:
            status = self.statuses.pop(0) if self.statuses else 200
            if 200 <= status < 300:
                payload = json.loads(body)
                self.messages.append(
                    Message(
                        request.headers["webhook-id"],
                        payload["type"],
                        payload["data"],
                        request.headers["webhook-signature"],
                    )
                )
        return Response(f"answered {status}", status=status)

    def types(self) -> list[str]:
        return [m.type for m in self.messages]

    def of(self, type_: str) -> list[Message]:
        return [m for m in self.messages if m.type == type_]


def make_receiver(server: HTTPServer) -> Receiver:
    receiver = Receiver(server)
    server.expect_request("/hooks", method="POST").respond_with_handler(receiver.handle)
    return receiver


def add_endpoint(caller, receiver: Receiver, **fields: Any) -> dict[str, Any]:
    response = caller.post("/api/v1/webhooks", json={"url": receiver.url, **fields})
    assert response.status_code == 201, response.get_json()
    endpoint = response.get_json()
    receiver.secrets = [endpoint["secret"]]
    return endpoint


def deliver(app, at: dt.datetime | None = None, workers: int = 1, **options: Any) -> int:
    """Run the worker's deliveries once, as if it were ``at`` (now by default); with one
    worker, each endpoint is sent its deliveries one at a time, in order (several may send
    them in any order, as receivers must expect)."""
    clock: Callable[[], dt.datetime] = (lambda: at) if at else utcnow
    writer = app.extensions["planner_db"].writer
    return DeliveryRunner(writer, fetch_policy(app.config), workers, clock=clock, **options).run()
