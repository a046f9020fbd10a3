"""/docs in Debian's chromium (see test_browser): Swagger UI lists the API's operations with
every file served by the app itself, so the page works without internet."""

from __future__ import annotations

from tests.web.browser import NEEDS_CHROMIUM, SQLITE_ONLY

# No axe-core here: Swagger UI's markup is not ours to fix.
pytestmark = [NEEDS_CHROMIUM, SQLITE_ONLY]
METHODS = {"get", "put", "post", "delete", "patch"}


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
