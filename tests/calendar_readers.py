"""Fixtures that read rendered calendars the way real calendar clients do.

Parsing our own output with icalendar alone would only prove that icalendar agrees with
itself, so the time zone tests also run the bytes through ical.js (the parser inside
Thunderbird, via tests/js/expand.mjs) and, when installed, vobject.
"""

import itertools
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

JS_DIR = Path(__file__).resolve().parent / "js"
VOBJECT_EXPAND = Path(__file__).resolve().parent / "unit" / "ics" / "vobject_expand.py"

# uid -> {"uid", "summary", "description", "status", "sequence", "startUtc", "occurrencesUtc"}
Reader = Callable[..., dict[str, dict]]


def _reader(command: list[str], directory: Path) -> Reader:
    counter = itertools.count()

    def read(ics: bytes, occurrences: int = 60) -> dict[str, dict]:
        path = directory / f"calendar-{next(counter)}.ics"
        path.write_bytes(ics)
        result = subprocess.run(
            [*command, str(path), str(occurrences)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, f"{command[-1]} failed on {path}:\n{result.stderr}"
        return {event["uid"]: event for event in json.loads(result.stdout)["events"]}

    return read


@pytest.fixture(scope="session")
def icaljs(tmp_path_factory: pytest.TempPathFactory) -> Reader:
    """Read a calendar with ical.js, installing tests/js's packages on first use."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node not found on PATH: the ical.js client checks need Node.js >= 18")
    if not (JS_DIR / "node_modules" / "ical.js").is_dir():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("tests/js/node_modules is missing and npm is not on PATH to install it")
        verb = "ci" if (JS_DIR / "package-lock.json").exists() else "install"
        command = [npm, verb, "--no-audit", "--no-fund"]
        try:
            result = subprocess.run(
                command, cwd=JS_DIR, capture_output=True, text=True, timeout=300, check=False
            )
        except subprocess.TimeoutExpired:
            pytest.skip(f"`{' '.join(command[1:])}` in tests/js timed out")
        if result.returncode != 0:
            pytest.skip(f"`npm {verb}` in tests/js failed: {result.stderr.strip()[-400:]}")
    return _reader([node, str(JS_DIR / "expand.mjs")], tmp_path_factory.mktemp("icaljs"))


@pytest.fixture(scope="session")
def vobject_reader(tmp_path_factory: pytest.TempPathFactory) -> Reader:
    """Read a calendar with vobject (an optional test extra) in a fresh interpreter."""
    pytest.importorskip("vobject", reason="vobject not installed: optional third reader")
    return _reader([sys.executable, str(VOBJECT_EXPAND)], tmp_path_factory.mktemp("vobject"))
