"""Flask delivery for Value Planner: HTTP API, CLI and web pages over the domain.

``create_app`` is resolved on first use (PEP 562), so importing a submodule such as the CLI
does not import Flask and every blueprint: most ``planner`` commands never build the app.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from app.factory import create_app

        return create_app
    raise AttributeError(f"module 'app' has no attribute {name!r}")
