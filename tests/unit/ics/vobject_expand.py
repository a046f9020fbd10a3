"""Read an .ics file with vobject and print what it sees, in the JSON shape of expand.mjs.

Usage: python vobject_expand.py CALENDAR.ics [OCCURRENCES=60]

Run in a fresh interpreter per calendar on purpose: vobject keeps a process-wide TZID registry
in which the first VTIMEZONE seen for a TZID wins, so reading several calendars in the test
process would check an earlier calendar's time zone instead of the one under test.
"""

import itertools
import json
import sys
from datetime import UTC
from pathlib import Path

import vobject


def _utc_iso(value) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def main(path: str, count: int) -> None:
    calendar = vobject.readOne(Path(path).read_text(encoding="utf-8"))
    events = []
    for vevent in calendar.vevent_list:
        fields = vevent.contents
        occurrences = None
        if "rrule" in fields:
            starts = itertools.islice(vevent.getrruleset(), count)
            occurrences = [_utc_iso(start) for start in starts]
        events.append(
            {
                "uid": vevent.uid.value,
                "summary": vevent.summary.value,
                "description": vevent.description.value if "description" in fields else None,
                "status": vevent.status.value,
                "sequence": int(vevent.sequence.value) if "sequence" in fields else None,
                "startUtc": _utc_iso(vevent.dtstart.value),
                "occurrencesUtc": occurrences,
            }
        )
    print(json.dumps({"events": events}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 60)
