"""GET /api/v1/posts/export.csv: a rep's posts for spreadsheets, the team's for admins."""

import csv
import io

from tests.helpers import give, make_audience

BOM = "\ufeff"


def exported(caller, **query):
    response = caller.get("/api/v1/posts/export.csv", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith(BOM)
    return list(csv.DictReader(io.StringIO(text.removeprefix(BOM), newline="")))


def test_a_reps_posts_are_rows_on_the_audiences_clock_in_time_order(rep, colleague):
    berlin = make_audience(rep, name="CFOs", timezone="Europe/Berlin")
    tokyo = make_audience(rep, name="CTOs", timezone="Asia/Tokyo")
    late = give(rep, berlin["id"], "2053-01-14T09:00", title="=1+1", url="https://x.example/a")
    early = give(rep, tokyo["id"], "2053-01-10T09:00")
    draft = give(rep, berlin["id"], None, status="draft", title="Someday")
    give(colleague, berlin["id"], "2053-01-12T09:00")
    rows = exported(rep)
    assert [r["post_id"] for r in rows] == [str(p["id"]) for p in (early, late, draft)]
    first, second, third = rows
    assert (first["date"], first["time"], first["audience"]) == (
        "2053-01-10", "09:00+09:00", "CTOs"
    )  # fmt: skip
    assert (second["date"], second["time"], second["timezone"]) == (
        "2053-01-14", "09:00+01:00", "Europe/Berlin"
    )  # fmt: skip
    assert (second["rep"], second["kind"], second["type"], second["status"]) == (
        "rep@acme.example", "give", "shared_article", "scheduled"
    )  # fmt: skip
    assert second["title"] == "'=1+1" and second["link"] == "https://x.example/a"
    assert (third["date"], third["status"]) == ("", "draft")


def test_a_range_and_the_owner_filter_choose_the_rows(rep, colleague):
    audience = make_audience(rep, name="CFOs", timezone="UTC")
    mine = give(rep, audience["id"], "2053-01-14T09:00")
    give(rep, audience["id"], "2053-03-14T09:00")
    theirs = give(colleague, audience["id"], "2053-01-15T09:00")
    window = {"from": "2053-01-01", "to": "2053-02-01"}
    assert [r["post_id"] for r in exported(rep, **window)] == [str(mine["id"])]
    team = exported(rep, owner="all", **window)
    assert [r["rep"] for r in team] == ["rep@acme.example", "sam@acme.example"]
    sam_id = colleague.get("/api/v1/me").get_json()["id"]
    assert [r["post_id"] for r in exported(rep, owner=sam_id)] == [str(theirs["id"])]
    assert colleague.get("/api/v1/posts/export.csv?owner=all").status_code == 403
    bad = rep.get("/api/v1/posts/export.csv?from=2053-02-01&to=2053-01-01")
    assert (bad.status_code, bad.get_json()["errors"][0]["field"]) == (422, "to")
    bad = rep.get("/api/v1/posts/export.csv?from=someday")
    assert (bad.status_code, bad.get_json()["errors"][0]["field"]) == (422, "from")


def test_links_leave_tagged_when_the_audience_tags_them(rep):
    audience = make_audience(rep, utm={"enabled": True})
    post = give(rep, audience["id"], "2053-01-14T09:00", url="https://x.example/a")
    [row] = exported(rep)
    assert row["link"] == (
        "https://x.example/a?utm_source=linkedin&utm_medium=social&utm_campaign=CFOs"
        f"&utm_content=post-{post['id']}"
    )
