"""Start-up cost: ``planner --help`` and ``planner export-ics`` of an empty calendar.

Each command runs as a fresh process, as a user or a cron job runs it; the figure is the CPU
time (user + sys) of that process and its children, from ``resource.getrusage(RUSAGE_CHILDREN)``
around each run, so other processes on a shared machine slow it less than they slow wall time.
Beside them, in the same run: ``python -c pass`` (the interpreter alone), ``python -c
"import flask"``, so the figures read against this machine's speed, ``python -c "import
sqlalchemy.orm"``, the floor of any command that reads the database, and building the Flask app
(what each gunicorn worker pays once at boot) for comparison. Commands run in turns, one of each
per round, so a busy spell on the machine touches all of them alike; medians are reported.

Bytecode is cached in a directory of this run (PYTHONPYCACHEPREFIX; a warm-up run fills it), as
an installed deployment has it, even when PYTHONDONTWRITEBYTECODE is set in the environment.
The children import the code beside this script (PYTHONPATH), so a copy of this file in another
checkout measures that checkout's code with the same interpreter.

Run: .venv/bin/python bench/bench_startup.py [--rounds 9] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from workspaces import bench_database  # noqa: E402

from core import accounts_db  # noqa: E402
from schedules import audiences_db  # noqa: E402

TARGET_S = 0.5
WORKSPACE = "Start-up bench"
AUDIENCE = "Empty"


def prepare(directory: Path) -> str:
    """A migrated SQLite database with one workspace and one audience without posts."""
    url = f"sqlite:///{directory / 'planner.db'}"
    with bench_database(url) as (_engine, _reader, writer), writer() as session:
        user, _token = accounts_db.create_user(session, WORKSPACE, "bench@startup.example", "rep")
        audiences_db.create_audience(session, user.workspace_id, name=AUDIENCE)
        session.commit()
    return url


def commands() -> dict[str, list[str]]:
    python, planner = sys.executable, str(Path(sys.executable).with_name("planner"))
    return {
        "python -c pass": [python, "-c", "pass"],
        'python -c "import flask"': [python, "-c", "import flask"],
        # The floor of any command that reads the database: SQLAlchemy's ORM alone.
        'python -c "import sqlalchemy.orm"': [python, "-c", "import sqlalchemy.orm"],
        "planner --help": [planner, "--help"],
        "planner export-ics (empty calendar)": [
            planner, "export-ics", "--audience", AUDIENCE, "--workspace", WORKSPACE, "-o", "-",
        ],
        "create_app() (a worker's boot)": [python, "-c", "import app; app.create_app()"],
    }  # fmt: skip


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """CPU seconds (user + sys) and wall seconds of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--json", action="store_true", help="end with one JSON result line")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        directory = Path(tmp)
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env.update(
            DATABASE_URL=prepare(directory),
            PLANNER_SECRET_KEY="bench",
            PYTHONPATH=str(REPO),
            PYTHONPYCACHEPREFIX=str(directory / "pycache"),
        )
        runs = commands()
        for command in runs.values():  # warm-up: compiles and caches the bytecode
            measure(command, env)
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
        for _ in range(args.rounds):
            for name, command in runs.items():
                samples[name].append(measure(command, env))
    figures = {
        name: {
            "cpu_s": statistics.median(cpu for cpu, _ in found),
            "wall_s": statistics.median(wall for _, wall in found),
        }
        for name, found in samples.items()
    }
    flask_s = figures['python -c "import flask"']["cpu_s"]
    targets = {name: TARGET_S for name in ("planner --help", "planner export-ics (empty calendar)")}
    print(f"Median of {args.rounds} runs each; CPU = user + sys of the process and its children.")
    print(f"{'command':40} {'CPU':>8} {'wall':>8} {'vs flask':>9}  target")
    for name, figure in figures.items():
        figure["vs_flask"] = figure["cpu_s"] / flask_s
        goal = f"< {targets[name]} s CPU" if name in targets else ""
        if name in targets:
            figure["target_s"] = targets[name]
            figure["met"] = figure["cpu_s"] < targets[name]
            goal += "  met" if figure["met"] else "  MISSED"
        print(
            f"{name:40} {figure['cpu_s']:7.3f}s {figure['wall_s']:7.3f}s "
            f"{figure['vs_flask']:8.2f}x  {goal}"
        )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        print(json.dumps({"bench": "startup", "rounds": args.rounds, "figures": figures}))


if __name__ == "__main__":
    main()
