"""Importing a rep's LinkedIn network: a 20,000-row Connections.csv as LinkedIn's export writes
it (BOM, Notes, ``03 Dec 2026`` dates), into an empty contact list and then again over the
same contacts (every row matched by profile URL; a tenth with a new job title), then that
file once more (nothing changes, nothing is written), each in one transaction as the API does
it, its webhook outbox listening: parse, batched look-ups, one bulk insert or update, commit,
and the answer built. Target (issue 18): "a few seconds", read here as at most 5 s each.

Run: .venv/bin/python bench/bench_import.py [--database-url URL] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from workspaces import drop_workspace

from core import accounts_db, dialects, migrations
from schedules import audiences_db
from schedules.contacts import contacts_db, importing

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from app.runtime import open_database  # noqa: E402
from app.schemas.contacts import ContactImportSchema  # noqa: E402

ROWS = 20_000
ROUNDS = 3
TARGET_S = 5.0
PREAMBLE = (
    'Notes:\r\n"When exporting your connection data, you may notice that some of the email '
    'addresses are missing."\r\n\r\n'
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n"
)


def connections_csv(rows: int, retitled_every: int = 0) -> bytes:
    day = dt.date(2019, 1, 1)
    lines = []
    for i in range(rows):
        title = "Head of Finance" if retitled_every and i % retitled_every == 0 else "CFO"
        email = f"p{i}@example.com" if i % 3 == 0 else ""
        connected = (day + dt.timedelta(days=i % 2500)).strftime("%d %b %Y")
        lines.append(f"Person,Number {i},https://www.linkedin.com/in/person-{i},{email},"
                     f'"Company {i % 997}, Inc.",{title},{connected}')  # fmt: skip
    return b"\xef\xbb\xbf" + (PREAMBLE + "\r\n".join(lines) + "\r\n").encode()


def import_once(writer, workspace_id: int, owner_id: int, audience_id: int, data: bytes):
    began, cpu = time.perf_counter(), time.process_time()
    with writer() as session:
        report = contacts_db.import_contacts(
            session, workspace_id, importing.parse(data), owner_id, audience_id
        )
        session.commit()
        answer = ContactImportSchema().dump(report)  # as the API answers
    return time.perf_counter() - began, time.process_time() - cpu, answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--json", action="store_true", help="end with one JSON result line")
    args = parser.parse_args()
    fresh, again = connections_csv(ROWS), connections_csv(ROWS, retitled_every=10)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database({"DATABASE_URL": args.database_url or f"sqlite:///{tmp}/bench.db"})
        engine, writer = db.engine, db.writer
        migrations.upgrade(engine)
        first, second, first_cpu, second_cpu, same = [], [], [], [], []
        for _ in range(ROUNDS):
            with writer() as session:
                tag = time.time_ns()
                user, _ = accounts_db.create_user(
                    session, f"bench-import-{tag}", f"i{tag}@x.example", "admin"
                )
                audience = audiences_db.create_audience(session, user.workspace_id, name="CFOs")
                ids = (user.workspace_id, user.id, audience.id)
                session.commit()
            seconds, cpu, answer = import_once(writer, *ids, fresh)
            assert len(answer["created"]) == ROWS, len(answer["created"])
            first.append(seconds)
            first_cpu.append(cpu)
            seconds, cpu, answer = import_once(writer, *ids, again)
            assert len(answer["updated"]) == ROWS and not answer["created"]
            assert sum(1 for row in answer["updated"] if row["changed"]) == ROWS // 10
            second.append(seconds)
            second_cpu.append(cpu)
            seconds, cpu, answer = import_once(writer, *ids, again)
            assert len(answer["updated"]) == ROWS and not any(
                r["changed"] for r in answer["updated"]
            )
            same.append(seconds)
            drop_workspace(writer, ids[0])
        database = dialects.of(engine).name
        engine.dispose()
    result = {
        "bench": "import", "database": database, "rows": ROWS, "rounds": ROUNDS,
        "file_mb": len(fresh) / 2**20,
        "first_s": statistics.median(first), "first_cpu_s": statistics.median(first_cpu),
        "again_s": statistics.median(second), "again_cpu_s": statistics.median(second_cpu),
        "unchanged_s": statistics.median(same),
    }  # fmt: skip
    result["met"] = max(result["first_s"], result["again_s"], result["unchanged_s"]) <= TARGET_S
    print(f"{ROWS:,} rows ({result['file_mb']:.1f} MB), {database}: new contacts "
          f"{result['first_s']:.2f} s (CPU {result['first_cpu_s']:.2f} s), again (all matched, "
          f"a tenth changed) {result['again_s']:.2f} s (CPU {result['again_cpu_s']:.2f} s), "
          f"unchanged {result['unchanged_s']:.2f} s; "
          f"target <= {TARGET_S:.0f} s: {'met' if result['met'] else 'MISSED'}")  # fmt: skip
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")  # fmt: skip
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
