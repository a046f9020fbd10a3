"""planner serve: where each gunicorn setting comes from, and the metrics directory it prepares."""

import json
import os

import pytest
from click.testing import CliRunner

from app import serving, settings
from app.cli import cli
from app.serve_cli import serve
from app.settings import SettingError


def resolve(environ=None, **given):
    return settings.read(environ or {}, serve_options=given).serve


def gunicorn(environ=None, **given):
    return serving.gunicorn_config(resolve(environ, **given))


def test_defaults_listen_on_localhost_8000_with_two_threaded_workers_per_core_plus_one():
    serve = resolve()
    assert serve.bind == "127.0.0.1:8000"
    assert serve.workers == 2 * settings.cores() + 1
    assert (serve.worker_class, serve.threads) == ("gthread", settings.DEFAULT_THREADS)
    assert serve.client_timeout == 15
    assert gunicorn()["worker_class"] == "app.serve_worker.ThreadWorker"
    assert (serve.timeout, serve.max_requests, serve.log_level) == (30, 0, "info")


def test_every_setting_comes_from_its_planner_variable():
    environ = {
        "PLANNER_BIND": "0.0.0.0:9000",
        "PLANNER_WORKERS": "7",
        "PLANNER_WORKER_CLASS": "GTHREAD",
        "PLANNER_THREADS": "4",
        "PLANNER_CLIENT_TIMEOUT": "7",
        "PLANNER_TIMEOUT": "90",
        "PLANNER_GRACEFUL_TIMEOUT": "15",
        "PLANNER_KEEPALIVE": "5",
        "PLANNER_MAX_REQUESTS": "1000",
        "PLANNER_LOG_LEVEL": "warning",
    }
    options = gunicorn(environ)
    assert options["bind"] == ["0.0.0.0:9000"]
    assert (options["workers"], options["threads"]) == (7, 4)
    assert options["worker_class"] == "app.serve_worker.ThreadWorker"
    assert (options["timeout"], options["graceful_timeout"], options["keepalive"]) == (90, 15, 5)
    assert (options["max_requests"], options["max_requests_jitter"]) == (1000, 100)
    assert options["loglevel"] == "warning"
    assert resolve(environ).client_timeout == 7


def test_options_win_over_variables_and_blank_variables_mean_the_default():
    environ = {"PLANNER_BIND": "0.0.0.0:9000", "PLANNER_WORKERS": "7", "PLANNER_TIMEOUT": " "}
    serve = resolve(environ, bind="127.0.0.1:8001", workers=None)
    assert (serve.bind, serve.workers, serve.timeout) == ("127.0.0.1:8001", 7, 30)


def test_sync_workers_have_one_thread_and_refuse_more():
    environ = {"PLANNER_WORKER_CLASS": "sync"}
    assert resolve(environ).threads == 1
    assert gunicorn(environ)["worker_class"] == "app.serve_worker.SyncWorker"
    with pytest.raises(SettingError, match="PLANNER_WORKER_CLASS=gthread"):
        resolve({"PLANNER_THREADS": "8", "PLANNER_WORKER_CLASS": "sync"})


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PLANNER_WORKERS", "0"),
        ("PLANNER_WORKERS", "many"),
        ("PLANNER_TIMEOUT", "-1"),
        ("PLANNER_WORKER_CLASS", "gevent"),
        ("PLANNER_LOG_LEVEL", "loud"),
    ],
)
def test_a_bad_variable_is_refused_by_name(variable, value):
    with pytest.raises(SettingError, match=variable):
        resolve({variable: value})


def test_the_command_prints_what_it_would_run_with_options_over_environment():
    result = CliRunner().invoke(
        serve,
        ["--workers", "3", "--print-config"],
        env={"PLANNER_WORKERS": "9", "PLANNER_BIND": "unix:/run/planner.sock"},
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert (printed["workers"], printed["bind"]) == (3, "unix:/run/planner.sock")


def test_the_command_names_a_bad_variable_in_one_line_as_every_command_does():
    result = CliRunner().invoke(cli, ["serve", "--print-config"], env={"PLANNER_THREADS": "lots"})
    assert result.exit_code == 2
    [line] = result.output.strip().splitlines()  # no Usage or Try lines, no traceback
    assert line.startswith("Error: PLANNER_THREADS must be a whole number"), line


def test_a_given_metrics_directory_is_emptied_of_a_previous_runs_counts(tmp_path):
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_123.db").write_bytes(b"old counts")
    (directory / "README").write_text("not ours")
    environ = {"PROMETHEUS_MULTIPROC_DIR": str(directory)}
    path, owned = serving.prepare_metrics_dir(settings.read(environ))
    assert (path, owned) == (directory, False)
    assert sorted(p.name for p in directory.iterdir()) == ["README"]


def test_without_a_metrics_directory_a_fresh_one_is_made_and_exported(monkeypatch):
    environ: dict[str, str] = {}
    monkeypatch.setattr(os, "environ", environ)  # serve exports it to the process's own
    path, owned = serving.prepare_metrics_dir(settings.read())
    try:
        assert owned and path.is_dir() and not any(path.iterdir())
        assert environ["PROMETHEUS_MULTIPROC_DIR"] == str(path)
        # Re-executed with the variable set, serve still knows the directory is its to remove.
        assert serving.prepare_metrics_dir(settings.read()) == (path, True)
    finally:
        path.rmdir()
