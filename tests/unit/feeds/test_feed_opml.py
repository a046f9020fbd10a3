from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from core.errors import InvalidValue
from core.models import Workspace
from feeds.errors import UnsafeXML
from feeds.opml import OpmlFeed, parse_opml
from feeds.subscriptions_db import create_feed, export_opml, import_opml, list_feeds


def test_feedly_folders_become_tags(data_dir: Path) -> None:
    feeds = parse_opml((data_dir / "feedly.opml").read_bytes())
    assert feeds == [
        OpmlFeed("https://www.saastr.com/feed/", "SaaStr", ("SaaS",)),
        OpmlFeed("https://tomtunguz.com/index.xml", "Tomasz Tunguz", ("SaaS",)),
        OpmlFeed("https://www.saleshacker.com/feed/", "Sales Hacker", ("Sales",)),
    ]


def test_inoreader_nesting_and_repeats_merge_tags(data_dir: Path) -> None:
    feeds = {f.url: f for f in parse_opml((data_dir / "inoreader.opml").read_bytes())}
    assert feeds["https://www.finextra.com/rss/headlines.aspx"].tags == ("Industry", "Fintech")
    assert feeds["https://stratechery.com/feed/"].tags == ("Industry", "Must read")
    assert feeds["https://news.ycombinator.com/rss"].tags == ()


def test_miniflux_categories(data_dir: Path) -> None:
    feeds = parse_opml((data_dir / "miniflux.opml").read_bytes())
    assert [(f.title, f.tags) for f in feeds] == [
        ("Lenny's Newsletter", ("All",)),
        ("Marketing Brew", ("Marketing",)),
        (None, ("Marketing",)),
    ]


def test_opml_2_category_attribute_is_read() -> None:
    data = (
        b'<opml version="2.0"><body><outline text="x" xmlUrl="https://a.example/feed" '
        b'category="/Sales/EMEA,/Weekly"/></body></opml>'
    )
    assert parse_opml(data)[0].tags == ("Sales", "EMEA", "Weekly")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"<html><body/></html>", InvalidValue),
        (b"<opml><body>", InvalidValue),
        (
            b'<!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<opml><body><outline text="&x;" xmlUrl="https://a.example/"/></body></opml>',
            UnsafeXML,
        ),
    ],
)
def test_bad_documents_are_refused(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_opml(data)


def test_import_reports_unusable_entries(
    session: Session, workspace_id: int, data_dir: Path
) -> None:
    summary = import_opml(session, workspace_id, (data_dir / "inoreader.opml").read_bytes())
    assert summary.created == 3
    assert [url for url, _reason in summary.skipped] == [
        "javascript:alert(1)",
        "http://10.1.2.3/feed",
    ]


def test_import_merges_into_existing_subscriptions(
    session: Session, workspace_id: int, data_dir: Path
) -> None:
    create_feed(session, workspace_id, "https://www.saastr.com/feed/", tags=["Mine"])
    summary = import_opml(session, workspace_id, (data_dir / "feedly.opml").read_bytes())
    assert (summary.created, summary.updated) == (2, 1)
    saastr = next(f for f in list_feeds(session, workspace_id) if "saastr" in f.url)
    assert (saastr.title, saastr.tags) == ("SaaStr", ["Mine", "SaaS"])
    again = import_opml(session, workspace_id, (data_dir / "feedly.opml").read_bytes())
    assert (again.created, again.updated) == (0, 0)


@pytest.mark.parametrize("sample", ["feedly.opml", "inoreader.opml", "miniflux.opml"])
def test_round_trip_loses_nothing(
    session: Session, workspace_id: int, data_dir: Path, sample: str
) -> None:
    import_opml(session, workspace_id, (data_dir / sample).read_bytes())
    # Tags in an order folder order alone could not reproduce, and ones "category" cannot hold.
    create_feed(
        session, workspace_id, "https://z.example/feed", tags=["Zeta", "SaaS", "B2B/Enterprise"]
    )
    create_feed(session, workspace_id, "https://u.example/feed")
    exported = export_opml(session, workspace_id)

    other = Workspace(name="Other", timezone="UTC")
    session.add(other)
    session.flush()
    import_opml(session, other.id, exported)

    def snapshot(workspace: int) -> list[tuple[str, str | None, list[str]]]:
        return [(f.url, f.title, f.tags) for f in list_feeds(session, workspace)]

    original, copy = snapshot(workspace_id), snapshot(other.id)
    by_url = {url: (title, set(tags)) for url, title, tags in copy}
    assert {url: (title, set(tags)) for url, title, tags in original} == by_url
    # Order is kept exactly for every tag that fits in OPML's category attribute.
    assert dict((u, t) for u, _, t in copy)["https://z.example/feed"][:2] == ["Zeta", "SaaS"]
