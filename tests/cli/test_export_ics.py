"""planner export-ics: files for calendar apps, and clear errors instead of tracebacks."""

import datetime as dt
import re

from icalendar import Calendar

from tests.conftest import make_caller
from tests.helpers import PlannerRunner, give, make_audience


def run(app, *args):
    return PlannerRunner(app).invoke(args=["export-ics", *args])


def uids(data: bytes) -> set[str]:
    return {str(e["UID"]) for e in Calendar.from_ical(data).walk("VEVENT")}


def test_export_by_name_to_stdout_and_by_id_to_a_file(app, rep, tmp_path):
    audience = make_audience(rep, name="CFOs in retail")
    post = give(rep, audience["id"], "2053-05-06T09:30")
    by_name = run(app, "--audience", "CFOs in retail")
    assert by_name.exit_code == 0, by_name.output
    assert f"post-{post['id']}@value-planner" in uids(by_name.stdout_bytes)
    target = tmp_path / "cfos.ics"
    by_id = run(app, "--audience", str(audience["id"]), "-o", str(target))
    assert by_id.exit_code == 0
    assert uids(target.read_bytes()) == uids(by_name.stdout_bytes)


def test_range_drafts_and_gaps_options(app, rep):
    audience = make_audience(rep)
    give(rep, audience["id"], "2053-01-06T09:00")
    give(rep, audience["id"], "2053-06-06T09:00")
    result = run(app, "--all", "--from", "2053-01-01", "--to", "2053-03-01", "--include-gaps")
    calendar = Calendar.from_ical(result.stdout_bytes)
    starts = sorted(str(e["STATUS"]) for e in calendar.walk("VEVENT") if "RRULE" not in e)
    assert starts == ["CONFIRMED", "TENTATIVE"]  # the January give; February's open slot


def test_unknown_audience_is_exit_code_2_without_traceback(app, rep):
    result = run(app, "--audience", "Nobody")
    assert result.exit_code == 2
    assert "No audience 'Nobody'" in result.output
    assert "Traceback" not in result.output


def test_audience_and_all_are_exclusive_and_one_is_required(app, rep):
    assert run(app).exit_code == 2
    assert run(app, "--all", "--audience", "1").exit_code == 2


def test_several_workspaces_need_a_workspace_name(app, rep, outsider):
    make_audience(outsider, name="Globex CFOs")
    assert run(app, "--all").exit_code == 2
    named = run(app, "--all", "--workspace", "Globex Sales")
    assert named.exit_code == 0
    assert "Globex" in Calendar.from_ical(named.stdout_bytes)["X-WR-CALNAME"]
    other = run(app, "--audience", "Globex CFOs", "--workspace", "Acme Sales")
    assert other.exit_code == 2


def test_admin_in_same_workspace_sees_same_calendar(app, rep):
    make_caller(app, "Acme Sales", "boss@acme.example", role="admin")
    make_audience(rep)
    assert run(app, "--all", "--workspace", "Acme Sales").exit_code == 0


def unstamped(data: bytes) -> bytes:
    return re.sub(rb"DTSTAMP:\w+\r\n", b"", data)


def summaries(data: bytes) -> dict[str, str]:
    events = Calendar.from_ical(data).walk("VEVENT")
    return {str(e["UID"]): str(e["SUMMARY"]) for e in events if "RRULE" not in e}


def test_owner_exports_one_rep_s_calendar_and_without_it_the_team_s(app, rep, colleague):
    audience = make_audience(rep, name="CFOs")
    pats = give(rep, audience["id"], "2053-05-06T09:30", title="Pat's notes")
    sams = give(colleague, audience["id"], "2053-05-07T09:30", title="Sam's guide")
    pat, sam = (f"post-{p['id']}@value-planner" for p in (pats, sams))

    one = run(app, "--audience", "CFOs", "--owner", "sam@acme.example")
    assert one.exit_code == 0, one.output
    assert summaries(one.stdout_bytes) == {sam: "Give: Sam's guide"}
    # The same bytes as the API's calendar for Sam, but for the render time.
    api = colleague.get(f"/api/v1/audiences/{audience['id']}/calendar.ics").data
    assert unstamped(one.stdout_bytes) == unstamped(api)

    team = run(app, "--audience", "CFOs")
    assert team.exit_code == 0, team.output
    assert summaries(team.stdout_bytes) == {
        pat: "[rep] Give: Pat's notes",
        sam: "[sam] Give: Sam's guide",
    }
    calendar = Calendar.from_ical(team.stdout_bytes)
    described = {str(e["UID"]): str(e.get("DESCRIPTION")) for e in calendar.walk("VEVENT")}
    assert described[sam] == "Rep: sam@acme.example"
    assert str(calendar["X-WR-CALNAME"]) == "CFOs (team)"


def test_an_audience_named_twice_is_exported_once_under_its_own_name(app, rep):
    audience = make_audience(rep, name="CFOs")
    post = give(rep, audience["id"], "2053-05-06T09:30")
    twice = run(app, "--audience", str(audience["id"]), "--audience", "CFOs")
    assert twice.exit_code == 0, twice.output
    calendar = Calendar.from_ical(twice.stdout_bytes)
    assert str(calendar["X-WR-CALNAME"]) == "CFOs (team)"
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")].count(uid(post)) == 1
    once = run(app, "--audience", "CFOs")
    assert unstamped(twice.stdout_bytes) == unstamped(once.stdout_bytes)


def uid(post: dict) -> str:
    return f"post-{post['id']}@value-planner"


def test_an_owner_of_another_workspace_is_exit_code_2(app, rep, outsider):
    make_audience(rep)
    result = run(app, "--all", "--workspace", "Acme Sales", "--owner", "rep@globex.example")
    assert result.exit_code == 2
    assert "No user with email rep@globex.example in this workspace" in result.output
    assert "Traceback" not in result.output


def test_a_to_before_today_with_open_slots_says_from_defaults_to_today(app, rep):
    make_audience(rep)
    today = dt.datetime.now(dt.UTC).date()
    result = run(app, "--all", "--include-gaps", "--to", f"{today - dt.timedelta(days=6)}")
    assert result.exit_code == 2
    assert result.output == (
        f"Error: to: Must be after from, which defaults to today ({today}, UTC) with open slots.\n"
    )


def test_a_far_date_is_read_alike_by_the_command_and_the_api(app, rep):
    """Both read a date without an offset on the audience's clock (UTC for several audiences):
    0001-01-01 in Berlin is still year 0 in UTC, so both refuse it there, saying so in one
    sentence, and both take it for the workspace's calendar."""
    berlin = make_audience(rep, timezone="Europe/Berlin")
    make_audience(rep, name="CIOs", timezone="UTC")
    for option in ("from", "to"):
        api = rep.get(f"/api/v1/audiences/{berlin['id']}/calendar.ics?{option}=0001-01-01")
        assert api.status_code == 422
        [error] = api.get_json()["errors"]
        assert "on the Europe/Berlin clock" in error["message"]
        cli = run(app, "--audience", "CFOs", f"--{option}", "0001-01-01")
        assert (cli.exit_code, cli.output) == (2, f"Error: {option}: {error['message']}\n")
        assert rep.get(f"/api/v1/calendar.ics?owner=all&{option}=0001-01-01").status_code == 200
        assert run(app, "--all", f"--{option}", "0001-01-01").exit_code == 0
