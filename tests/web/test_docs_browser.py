"""/docs in Debian's chromium (see test_browser): Swagger UI lists the API's operations with
every file served by the app itself, so the page works without internet."""

from __future__ import annotations

import os

import pytest

from tests.web import test_browser
from tests.web.test_browser import CHROMIUM

# No axe-core here: Swagger UI's markup is not ours to fix.
pytestmark = [
    pytest.mark.skipif(
        not os.access(CHROMIUM, os.X_OK),
        reason=f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)",
    ),
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
METHODS = {"get", "put", "post", "delete", "patch"}
# Its fixtures too: pytest finds fixtures among a module's globals.
chromium, page = test_browser.chromium, test_browser.page


def test_docs_lists_the_operations_from_files_the_app_serves(page, live_server):
    base = live_server.url()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))

    page.goto(f"{base}/docs")

    operations = page.locator(".opblock-summary-path")
    operations.first.wait_for()
    assert {"/api/v1/audiences", "/api/v1/posts/{post_id}", "/api/v1/feeds"} <= set(
        operations.all_inner_texts()
    )
    spec = page.request.get(f"{base}/openapi.json").json()
    methods = [m for ops in spec["paths"].values() for m in ops if m in METHODS]
    assert operations.count() == len(methods)
    outside = [url for url in requested if not url.startswith(f"{base}/")]
    assert not outside, f"/docs fetched from another origin: {outside}"
    assert not failed
