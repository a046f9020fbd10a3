"""Feeds and articles over HTTP, against real feed files served from 127.0.0.1.

The module's app may fetch from loopback (``FEEDS_ALLOW_PRIVATE``), where pytest-httpserver
listens; the SSRF tests turn that off again to see the default refusals.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import io
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from app.settings import FeedFetching
from feeds.opml import parse_opml
from tests.api.helpers import NEXT, suggestions
from tests.helpers import make_audience

pytestmark = pytest.mark.options(FEEDS_ALLOW_PRIVATE=True)

DATA = Path(__file__).resolve().parents[1] / "data" / "feeds"
KAGAMINO = "corpus_kagamino_rss.xml"  # 4 entries, 3 about PostgreSQL, Oct 2023 - Nov 2025
LUNAR = "corpus_lunar_phase_rss.xml"  # 15 entries, 2023 and earlier
CATEGORISED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Pricing Weekly</title>
<link>https://pricing.example.com/</link>
<item><guid>p1</guid><title>Usage-based pricing, 100% explained</title>
<link>https://pricing.example.com/p1</link><category>Monetisation</category>
<description>&lt;p&gt;Seats versus &lt;b&gt;usage&lt;/b&gt;&lt;/p&gt;</description>
<pubDate>Mon, 03 Mar 2025 09:00:00 GMT</pubDate></item>
</channel></rss>"""


def serve(httpserver: HTTPServer, name: str, body: bytes | None = None) -> str:
    """Serve a feed with a strong ETag, answering 304 when the client already has it."""
    body = body if body is not None else (DATA / name).read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'

    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, content_type="application/rss+xml", headers={"ETag": etag})

    httpserver.expect_request(f"/{name}").respond_with_handler(handler)
    return httpserver.url_for(f"/{name}")


def subscribe(caller, url: str, **fields) -> dict:
    response = caller.post("/api/v1/feeds", json={"url": url, **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def refresh(caller, feed_id: int) -> dict:
    response = caller.post(f"/api/v1/feeds/{feed_id}/refresh")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def error_fields(response) -> list[str]:
    return [error["field"] for error in response.get_json().get("errors", [])]


# --- subscriptions ---------------------------------------------------------------------------


def test_feed_lifecycle(rep, httpserver: HTTPServer) -> None:
    url = serve(httpserver, KAGAMINO)
    created = subscribe(rep, url, tags=["Databases", "databases", "Tech"], interval_minutes=120)
    assert created["url"] == url
    assert created["title"] is None  # taken from the feed on its first fetch
    assert created["tags"] == ["Databases", "Tech"]
    assert created["interval_minutes"] == 120
    assert created["enabled"] is True
    assert (created["last_status"], created["error_count"], created["article_count"]) == (
        None,
        0,
        0,
    )
    assert created["next_check_at"] is not None

    feed_id = created["id"]
    assert rep.get(f"/api/v1/feeds/{feed_id}").get_json() == created
    listing = rep.get("/api/v1/feeds").get_json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == feed_id

    changed = rep.patch(
        f"/api/v1/feeds/{feed_id}", json={"title": "Kagamino", "enabled": False, "tags": []}
    )
    assert changed.status_code == 200
    assert {k: changed.get_json()[k] for k in ("title", "enabled", "tags", "url")} == {
        "title": "Kagamino",
        "enabled": False,
        "tags": [],
        "url": url,
    }

    assert rep.delete(f"/api/v1/feeds/{feed_id}").status_code == 204
    assert rep.get(f"/api/v1/feeds/{feed_id}").status_code == 404
    assert rep.get("/api/v1/feeds").get_json()["total"] == 0


def listing(feeds: int, *, twice: int = 0) -> bytes:
    """An OPML file of ``feeds`` feeds, the first ``twice`` of them also in a folder (as
    Inoreader lists a feed once per folder it is in)."""
    outlines = [b'<outline xmlUrl="https://f%d.example.com/feed"/>' % n for n in range(feeds)]
    return b"".join((
        b'<?xml version="1.0"?><opml version="2.0"><body>',
        *outlines,
        b'<outline text="Again">', *outlines[:twice], b"</outline>",
        b"</body></opml>",
    ))  # fmt: skip


def test_the_feed_list_pages_as_the_other_lists_do(rep) -> None:
    """It answered every subscription at once: 22,400 of them (a 1 MiB OPML file) made a
    7.3 MB answer that took 1.3 s."""
    assert rep.post("/api/v1/feeds/import", data=listing(60), content_type="text/xml").json == {
        "created": 60, "updated": 0, "skipped": []
    }  # fmt: skip
    first = rep.get("/api/v1/feeds").get_json()
    assert first["total"] == 60 and len(first["items"]) == 50  # limit defaults to 50
    assert first["items"][0]["url"] == "https://f0.example.com/feed"
    assert first["items"][0]["article_count"] == 0
    rest = rep.get("/api/v1/feeds?limit=20&offset=50").get_json()
    assert rest["total"] == 60
    assert [f["url"] for f in rest["items"]] == [
        f"https://f{n}.example.com/feed" for n in range(50, 60)
    ]
    ids = [f["id"] for f in first["items"] + rest["items"]]
    assert ids == sorted(ids) and len(set(ids)) == 60
    assert rep.get("/api/v1/feeds?offset=60").get_json() == {"items": [], "total": 60}
    for query in ("limit=0", "limit=201", "offset=-1"):
        refused = rep.get(f"/api/v1/feeds?{query}")
        assert refused.status_code == 422, query
        assert error_fields(refused) == [query.partition("=")[0]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "url"),
        ({"url": ""}, "url"),
        ({"url": "ftp://example.com/feed.xml"}, "url"),
        ({"url": "feed.example.com/rss"}, "url"),
        ({"url": "http://xn--.example/feed"}, "url"),  # no host IDNA can encode
        ({"url": "https://example.com/feed", "tags": "sales"}, "tags"),
        ({"url": "https://example.com/feed", "tags": ["x" * 65]}, "tags.0"),
        ({"url": "https://example.com/feed", "interval_minutes": 5}, "interval_minutes"),
        ({"url": "https://example.com/feed", "last_status": "ok"}, "last_status"),
        ({"url": "https://example.com/feed", "article_count": 3}, "article_count"),
    ],
)
def test_invalid_subscriptions_are_422_naming_the_field(rep, body: dict, field: str) -> None:
    response = rep.post("/api/v1/feeds", json=body)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert field in error_fields(response)
    assert rep.get("/api/v1/feeds").get_json()["total"] == 0


@pytest.mark.parametrize(
    "url",
    [
        "https://user:pass@example.com/feed",
        "https://token@example.com/feed",
        "https://@example.com/",
    ],
)
def test_a_feed_url_with_a_login_in_it_is_refused_as_the_team_would_see_it(rep, url) -> None:
    response = rep.post("/api/v1/feeds", json={"url": url})
    assert response.status_code == 422 and error_fields(response) == ["url"]
    assert "user name or password" in response.get_json()["errors"][0]["message"]
    assert "pass" not in str(rep.get("/api/v1/feeds").get_json())
    feed = subscribe(rep, "https://example.com/feed")
    response = rep.patch(f"/api/v1/feeds/{feed['id']}", json={"url": url})
    assert response.status_code == 422 and error_fields(response) == ["url"]
    assert rep.get(f"/api/v1/feeds/{feed['id']}").get_json()["url"] == feed["url"]
    opml = f"""<?xml version="1.0"?><opml version="2.0"><body>
      <outline text="private" xmlUrl="{url}"/></body></opml>""".encode()
    imported = rep.post("/api/v1/feeds/import", data=opml, content_type="text/x-opml").get_json()
    assert imported["created"] == 0 and [s["url"] for s in imported["skipped"]] == [url]
    assert "@" not in rep.get("/api/v1/feeds/export").get_data(as_text=True)


def documented_problem_fields(app, method: str, path: str, status: int) -> set[str]:
    """The fields the OpenAPI document lets this answer carry (its schemas allow no others)."""
    spec = app.extensions["planner_api"].spec.to_dict()
    answer = spec["paths"][path][method]["responses"][str(status)]
    if "$ref" in answer:
        answer = spec["components"]["responses"][answer["$ref"].rsplit("/", 1)[-1]]
    schema = answer["content"]["application/problem+json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    return set(spec["components"]["schemas"][schema]["properties"])


def test_subscribing_twice_is_a_conflict_naming_the_feed_as_stored(rep, app) -> None:
    first = subscribe(rep, "https://Example.com/feed#top")
    other = subscribe(rep, "https://example.com/other")
    taken = {"url": "https://example.com/feed"}
    answers = {
        "post": rep.post("/api/v1/feeds", json=taken),
        "patch": rep.patch(f"/api/v1/feeds/{other['id']}", json=taken),
    }
    for method, response in answers.items():
        assert response.status_code == 409
        assert response.mimetype == "application/problem+json"
        body = response.get_json()
        assert [e["field"] for e in body["errors"]] == ["url"]
        assert body["url"] == first["url"] == "https://example.com/feed"
        path = "/api/v1/feeds" if method == "post" else "/api/v1/feeds/{feed_id}"
        assert set(body) <= documented_problem_fields(app, method, path, 409), method


def test_patch_validates_like_create(rep) -> None:
    feed = subscribe(rep, "https://example.com/feed")
    response = rep.patch(f"/api/v1/feeds/{feed['id']}", json={"url": "gopher://example.com/"})
    assert response.status_code == 422 and error_fields(response) == ["url"]
    response = rep.patch(f"/api/v1/feeds/{feed['id']}", json={"error_count": 0})
    assert response.status_code == 422 and error_fields(response) == ["error_count"]


@pytest.mark.options(FEEDS_ALLOW_PRIVATE=False)
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/feed",
        "http://10.0.0.1/feed",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/feed",
        "http://[::ffff:127.0.0.1]/feed",
        # IPv4 as resolvers also read it: shorthand, decimal, hex.
        "http://127.1/feed",
        "http://2130706433/feed",
        "http://0x7f000001/feed",
    ],
)
def test_private_addresses_are_refused_by_default(rep, url: str) -> None:
    response = rep.post("/api/v1/feeds", json={"url": url})
    assert response.status_code == 422
    assert error_fields(response) == ["url"]
    detail = response.get_json()["detail"]
    assert "not a public address" in detail
    assert "PLANNER_FEEDS_ALLOWLIST" in detail and "PLANNER_FEEDS_ALLOW_PRIVATE=1" in detail


@pytest.mark.options(FEEDS_ALLOW_PRIVATE=False)
def test_a_name_resolving_to_loopback_is_refused_when_fetched(rep, httpserver: HTTPServer) -> None:
    """Names are not resolved on subscribe (DNS may change); the fetch vets the address."""
    serve(httpserver, KAGAMINO)
    feed = subscribe(rep, f"http://localhost:{httpserver.port}/{KAGAMINO}")
    summary = refresh(rep, feed["id"])
    assert summary["errors"] == 1 and not summary["fetched"]
    assert "non-public address" in summary["feed"]["last_error"]
    assert "add localhost to PLANNER_FEEDS_ALLOWLIST" in summary["feed"]["last_error"]
    assert summary["feed"]["error_count"] == 1
    assert httpserver.log == []


def test_other_workspaces_feeds_are_not_found(rep, outsider, httpserver: HTTPServer) -> None:
    feed = subscribe(rep, serve(httpserver, KAGAMINO))
    refresh(rep, feed["id"])
    path = f"/api/v1/feeds/{feed['id']}"
    assert outsider.get(path).status_code == 404
    assert outsider.patch(path, json={"title": "Mine"}).status_code == 404
    assert outsider.delete(path).status_code == 404
    assert outsider.post(f"{path}/refresh").status_code == 404
    assert outsider.get(f"/api/v1/articles?feed={feed['id']}").status_code == 404
    assert outsider.get("/api/v1/feeds").get_json()["total"] == 0
    assert outsider.get("/api/v1/articles").get_json() == {"items": [], "total": 0}
    assert rep.get(path).get_json()["title"] == "Kagamino's Blog"


# --- OPML ------------------------------------------------------------------------------------


def test_opml_import_as_upload_and_as_raw_body_then_export_round_trip(rep, outsider) -> None:
    upload = rep.post(
        "/api/v1/feeds/import",
        data={"file": (io.BytesIO((DATA / "feedly.opml").read_bytes()), "feedly.opml")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 200, upload.get_json()
    assert upload.get_json() == {"created": 3, "updated": 0, "skipped": []}

    raw = rep.post(
        "/api/v1/feeds/import",
        data=(DATA / "inoreader.opml").read_bytes(),
        content_type="text/xml",
    )
    assert raw.status_code == 200, raw.get_json()
    assert raw.get_json()["created"] > 0

    mine = {f["url"]: (f["title"], f["tags"]) for f in rep.get("/api/v1/feeds").json["items"]}
    assert mine["https://www.saastr.com/feed/"] == ("SaaStr", ["SaaS"])
    assert mine["https://www.finextra.com/rss/headlines.aspx"][1] == ["Industry", "Fintech"]

    exported = rep.get("/api/v1/feeds/export")
    assert exported.status_code == 200
    assert exported.mimetype == "text/x-opml"
    assert "attachment" in exported.headers["Content-Disposition"]
    assert {f.url for f in parse_opml(exported.data)} == set(mine)

    again = outsider.post(
        "/api/v1/feeds/import", data=exported.data, content_type="application/xml"
    )
    assert again.status_code == 200 and again.get_json()["created"] == len(mine)
    theirs = {
        f["url"]: (f["title"], f["tags"]) for f in outsider.get("/api/v1/feeds").json["items"]
    }
    assert theirs == mine


@pytest.mark.options(FEEDS_ALLOW_PRIVATE=False)
def test_opml_import_skips_unusable_outlines_and_reports_them(rep) -> None:
    opml = b"""<?xml version="1.0"?><opml version="2.0"><body>
      <outline text="ok" xmlUrl="https://ok.example.com/feed"/>
      <outline text="ftp" xmlUrl="ftp://files.example.com/feed"/>
      <outline text="intranet" xmlUrl="http://192.168.1.10/feed"/>
    </body></opml>"""
    response = rep.post("/api/v1/feeds/import", data=opml, content_type="text/x-opml")
    body = response.get_json()
    assert response.status_code == 200 and body["created"] == 1
    assert [s["url"] for s in body["skipped"]] == [
        "ftp://files.example.com/feed",
        "http://192.168.1.10/feed",
    ]


@pytest.mark.parametrize(
    ("data", "content_type", "status", "field"),
    [
        (b"<html><body>hi</body></html>", "text/xml", 422, "file"),
        (b"not xml at all", "application/xml", 422, "file"),
        (b'{"feeds": []}', "application/json", 415, None),
    ],
)
def test_opml_import_refusals(rep, data, content_type: str, status: int, field) -> None:
    response = rep.post("/api/v1/feeds/import", data=data, content_type=content_type)
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    if field:
        assert error_fields(response) == [field]
    assert rep.get("/api/v1/feeds").get_json()["total"] == 0


def folders_deep(folders: int) -> bytes:
    """An OPML file whose one feed sits inside ``folders`` folders, each inside the one before."""
    return b"".join((
        b'<?xml version="1.0"?><opml version="2.0"><body>',
        b'<outline text="f">' * folders,
        b'<outline text="deep" xmlUrl="https://deep.example.com/feed"/>',
        b"</outline>" * folders,
        b"</body></opml>",
    ))  # fmt: skip


@pytest.mark.parametrize("folders", [100, 989, 37_000])  # 37,000: just under the 1 MiB limit
def test_opml_nested_over_100_outlines_deep_is_422_not_a_crash(rep, folders) -> None:
    response = rep.post(
        "/api/v1/feeds/import",
        data={"file": (io.BytesIO(folders_deep(folders)), "deep.opml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422, response.get_json()
    assert "outlines are nested more than 100 deep" in response.get_json()["detail"]
    assert [(e["field"], e["location"]) for e in response.get_json()["errors"]] == [
        ("file", "files")
    ]
    assert rep.get("/api/v1/feeds").get_json()["total"] == 0
    at_the_bound = rep.post("/api/v1/feeds/import", data=folders_deep(99), content_type="text/xml")
    assert at_the_bound.status_code == 200, at_the_bound.get_json()
    assert at_the_bound.get_json()["created"] == 1


def test_an_opml_file_over_the_body_limit_is_413_unread(rep) -> None:
    """OPML is bounded in bytes as every API body is: past 1 MiB it is a 413 before it is read,
    whether uploaded or sent raw."""
    big = listing(1).replace(b"<body>", b"<body>" + b" " * 2**20)
    uploaded = rep.post(
        "/api/v1/feeds/import",
        data={"file": (io.BytesIO(big), "big.opml")},
        content_type="multipart/form-data",
    )
    raw = rep.post("/api/v1/feeds/import", data=big, content_type="text/x-opml")
    for response in (uploaded, raw):
        assert response.status_code == 413
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["detail"] == "Request bodies are limited to 1048576 bytes."
    assert rep.get("/api/v1/feeds").get_json()["total"] == 0


def test_an_opml_file_listing_over_2000_feeds_is_422_and_subscribes_to_none(rep) -> None:
    """A 1 MiB file holds 22,400 feeds; importing them all took 23 s, and each would be polled
    hourly from then on."""
    over = rep.post(
        "/api/v1/feeds/import",
        data={"file": (io.BytesIO(listing(2001)), "many.opml")},
        content_type="multipart/form-data",
    )
    assert over.status_code == 422, over.get_json()
    problem = over.get_json()
    assert problem["detail"] == (
        "file: The file lists 2,001 feeds; one import takes at most 2,000 "
        "(PLANNER_FEEDS_MAX_PER_IMPORT): split it. Feeds already subscribed are matched by "
        "URL, so importing the parts subscribes to none twice."
    )
    assert [(e["field"], e["location"]) for e in problem["errors"]] == [("file", "files")]
    assert rep.get("/api/v1/feeds").get_json()["total"] == 0


@pytest.mark.options(FEED_FETCHING=FeedFetching(max_per_import=3))
def test_feeds_are_counted_not_outlines_and_a_file_at_the_limit_imports(rep) -> None:
    """A feed listed in two folders is one feed to subscribe to, and counts once."""
    taken = rep.post("/api/v1/feeds/import", data=listing(3, twice=3), content_type="text/xml")
    assert taken.status_code == 200, taken.get_json()
    assert taken.get_json()["created"] == 3
    again = rep.post("/api/v1/feeds/import", data=listing(4), content_type="text/xml")
    assert again.status_code == 422
    assert "The file lists 4 feeds; one import takes at most 3 " in again.get_json()["detail"]
    assert rep.get("/api/v1/feeds").get_json()["total"] == 3


def test_opml_upload_needs_the_file_field(rep) -> None:
    response = rep.post(
        "/api/v1/feeds/import",
        data={"other": (io.BytesIO((DATA / "feedly.opml").read_bytes()), "feedly.opml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert error_fields(response) == ["file"]


def test_opml_with_entity_declarations_is_refused_naming_the_file(rep) -> None:
    bomb = b"""<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>
    <opml version="2.0"><body><outline text="&x;" xmlUrl="https://a.example.com/"/></body></opml>"""
    response = rep.post("/api/v1/feeds/import", data=bomb, content_type="text/xml")
    assert response.status_code == 422
    assert response.get_json()["type"] == "/problems/feed-unsafe-xml"
    assert error_fields(response) == ["file"]
    uploaded = rep.post(
        "/api/v1/feeds/import",
        data={"file": (io.BytesIO(bomb), "bomb.opml")},
        content_type="multipart/form-data",
    )
    problem = uploaded.get_json()
    assert (uploaded.status_code, problem["type"]) == (422, "/problems/feed-unsafe-xml")
    assert problem["errors"] == [
        {"field": "file", "location": "files", "message": problem["detail"]}
    ]


def test_opml_uploaded_twice_in_one_request_is_422(rep) -> None:
    opml = (DATA / "feedly.opml").read_bytes()
    response = rep.post(
        "/api/v1/feeds/import",
        data={"file": [(io.BytesIO(opml), "a.opml"), (io.BytesIO(opml), "b.opml")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"] == [
        {"field": "file", "location": "files", "message": "Sent twice: send each field once."}
    ]
    assert rep.get("/api/v1/feeds").get_json()["total"] == 0


# --- refreshing ------------------------------------------------------------------------------


def test_refresh_now_answers_the_summary_and_then_not_modified(rep, httpserver: HTTPServer) -> None:
    feed = subscribe(rep, serve(httpserver, KAGAMINO))
    first = refresh(rep, feed["id"])
    assert {
        k: first[k] for k in ("fetched", "not_modified", "new_articles", "updated", "errors")
    } == {
        "fetched": True,
        "not_modified": False,
        "new_articles": 4,
        "updated": 0,
        "errors": 0,
    }
    status = first["feed"]
    assert (status["title"], status["last_status"], status["article_count"]) == (
        "Kagamino's Blog",
        "ok",
        4,
    )
    assert (
        status["last_fetched_at"] is not None
        and status["next_check_at"] > status["last_fetched_at"]
    )

    second = refresh(rep, feed["id"])
    assert (second["fetched"], second["not_modified"], second["new_articles"]) == (False, True, 0)
    assert second["feed"]["last_status"] == "not_modified"
    assert httpserver.log[-1][0].headers.get("If-None-Match")
    assert rep.get("/api/v1/articles").get_json()["total"] == 4


def test_a_permanent_redirect_to_an_address_with_a_login_is_not_stored(
    rep, httpserver: HTTPServer
) -> None:
    target = serve(httpserver, KAGAMINO).replace("http://", "http://reader:s3cret@")
    httpserver.expect_request("/moved").respond_with_data(
        "", status=301, headers={"Location": target}
    )
    feed = subscribe(rep, httpserver.url_for("/moved"))
    assert refresh(rep, feed["id"])["fetched"] is True
    after = rep.get(f"/api/v1/feeds/{feed['id']}").get_json()
    assert after["url"] == feed["url"] and "s3cret" not in str(after)


def test_a_failing_feed_is_recorded_not_raised(rep, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/broken").respond_with_data("oops", status=500)
    feed = subscribe(rep, httpserver.url_for("/broken"))
    summary = refresh(rep, feed["id"])
    assert summary["errors"] == 1
    assert summary["feed"]["last_status"] == "error"
    assert "HTTP 500" in summary["feed"]["last_error"]
    assert rep.get(f"/api/v1/feeds/{feed['id']}").get_json()["error_count"] == 1


def test_a_feed_the_reader_cannot_read_is_recorded_not_a_500(rep, httpserver: HTTPServer) -> None:
    # A declared codec that is no text encoding: feedparser raises UnicodeError.
    document = '<?xml version="1.0" encoding="punycode"?><rss version="2.0"><channel>' + (
        "<title>x</title><item><title>Story</title><link>https://e.example/1</link></item>"
        "</channel></rss>"
    )
    feed = subscribe(rep, serve(httpserver, "punycode.xml", document.encode()))
    summary = refresh(rep, feed["id"])
    status = summary["feed"]
    assert (summary["errors"], status["last_status"], status["error_count"]) == (1, "error", 1)
    assert "UnicodeError" in status["last_error"]


def test_entries_without_a_title_get_one_and_can_be_planned(rep, httpserver: HTTPServer) -> None:
    """RSS needs only a title or a description; such items ranked into suggestions, and then
    planning refused them ("A post needs a title.") and the page linked an empty heading."""
    today = email.utils.format_datetime(dt.datetime.now(dt.UTC))
    document = (
        '<rss version="2.0"><channel><title>Finance</title>'
        "<item><guid isPermaLink='false'>urn:only-text</guid><description>&lt;p&gt;Pricing and "
        "cash flow: what twelve finance teams changed in their pricing this year&lt;/p&gt;"
        f"</description><pubDate>{today}</pubDate></item>"
        f"<item><link>https://finance.example/pricing-2026</link><pubDate>{today}</pubDate>"
        "<category>pricing</category></item>"
        "</channel></rss>"
    ).encode()
    feed = subscribe(rep, serve(httpserver, "untitled.xml", document))
    assert refresh(rep, feed["id"])["new_articles"] == 2
    expected = [
        "Pricing and cash flow: what twelve finance teams changed in their pricing this…",
        "https://finance.example/pricing-2026",
    ]
    audience = make_audience(rep, keywords=["pricing"])
    assert sorted(item["title"] for item in suggestions(rep, audience["id"])) == expected

    planned = rep.post(
        f"/api/v1/audiences/{audience['id']}/plan",
        json={"from": f"{NEXT}-01-01", "to": f"{NEXT}-03-01"},
    )
    assert planned.status_code == 200, planned.get_json()
    assert sorted(f["post"]["title"] for f in planned.get_json()["filled"]) == expected


@pytest.mark.options(FEEDS_ALLOW_PRIVATE=True, PLANNER_FEED_REFRESH_LIMIT="2/minute")
def test_refresh_now_is_rate_limited_per_workspace(rep, outsider, httpserver: HTTPServer) -> None:
    feed = subscribe(rep, serve(httpserver, KAGAMINO))
    theirs = subscribe(outsider, serve(httpserver, LUNAR))
    for _ in range(2):
        refresh(rep, feed["id"])
    limited = rep.post(f"/api/v1/feeds/{feed['id']}/refresh")
    assert limited.status_code == 429
    assert limited.mimetype == "application/problem+json"
    assert int(limited.headers["Retry-After"]) >= 1
    assert refresh(outsider, theirs["id"])["fetched"]  # another workspace has its own budget


# --- articles --------------------------------------------------------------------------------


@pytest.fixture
def articles_setup(rep, httpserver: HTTPServer) -> dict[str, int]:
    feeds = {
        "kagamino": subscribe(rep, serve(httpserver, KAGAMINO), tags=["Databases"])["id"],
        "lunar": subscribe(rep, serve(httpserver, LUNAR))["id"],
        "pricing": subscribe(rep, serve(httpserver, "pricing.xml", CATEGORISED))["id"],
    }
    for feed_id in feeds.values():
        assert refresh(rep, feed_id)["errors"] == 0
    return feeds


def articles(caller, **query) -> dict:
    response = caller.get("/api/v1/articles", query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_articles_filters(rep, articles_setup: dict[str, int]) -> None:
    assert articles(rep)["total"] == 4 + 15 + 1
    by_feed = articles(rep, feed=articles_setup["kagamino"])
    assert by_feed["total"] == 4
    assert {a["feed_id"] for a in by_feed["items"]} == {articles_setup["kagamino"]}

    # A feed's tag (case-insensitive) and an entry's own category both select articles.
    assert articles(rep, tag="databases")["total"] == 4
    tagged = articles(rep, tag="monetisation")
    assert [a["title"] for a in tagged["items"]] == ["Usage-based pricing, 100% explained"]
    assert tagged["items"][0]["tags"] == ["Monetisation"]
    assert articles(rep, tag="nothing-like-this")["total"] == 0

    since = articles(rep, since="2024-01-01")
    assert sorted(a["title"] for a in since["items"]) == [
        "Comparing aggregation between EdgeDB and Postgres",
        "Computer setup",
        "PostgreSQL aggregation processing speed",
        "Usage-based pricing, 100% explained",
    ]
    assert articles(rep, since="2025-03-03T10:00:00+01:00")["total"] == 3
    assert articles(rep, since="2025-03-03T10:00:00+00:00")["total"] == 2


def test_articles_text_search(rep, articles_setup: dict[str, int]) -> None:
    found = articles(rep, q="POSTGRES")
    assert found["total"] == 3
    assert all("postgres" in a["title"].lower() for a in found["items"])
    assert articles(rep, q="usage")["total"] == 1  # in the summary's text, under <b>
    assert articles(rep, q="100%")["total"] == 1
    assert articles(rep, q="0%")["total"] == 1  # % is literal, not a wildcard
    assert articles(rep, q="%")["total"] == 1
    assert articles(rep, q="_")["total"] == 0
    assert articles(rep, q="postgres", feed=articles_setup["lunar"])["total"] == 0


def test_articles_are_newest_first_and_paginated(rep, articles_setup: dict[str, int]) -> None:
    everything = articles(rep, limit=200)["items"]
    assert len(everything) == 20
    published = [a["published_at"] for a in everything]
    assert published == sorted(published, reverse=True)
    assert everything[0]["title"] == "Computer setup"
    page = articles(rep, limit=5, offset=5)
    assert page["total"] == 20
    assert [a["id"] for a in page["items"]] == [a["id"] for a in everything[5:10]]
    assert articles(rep, limit=5, offset=40) == {"items": [], "total": 20}
    item = everything[0]
    assert item["url"].startswith("https://blog.kagamino.dev/")
    assert set(item) >= {"summary_html", "summary_text", "author", "tags", "updated_at"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": 201}, "limit"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
        ({"since": "last tuesday"}, "since"),
        ({"feed": "abc"}, "feed"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_article_query_validation(rep, query: dict, field: str) -> None:
    response = rep.get("/api/v1/articles", query_string=query)
    assert response.status_code == 422
    assert error_fields(response) == [field]


def test_articles_of_an_unknown_feed_are_not_found(rep) -> None:
    assert rep.get("/api/v1/articles?feed=999").status_code == 404
