"""docs/configuration.md and the code cannot drift: every variable its tables list is set here
and seen to take effect, and every variable app.settings reads is listed there."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.middleware.proxy_fix import ProxyFix

from app import create_app, runtime, serving, settings
from core import accounts_db, passwords_db
from feeds import semantic
from schedules.webhooks.models import WebhookEvent

REPO = Path(__file__).resolve().parents[2]
TABLES = REPO / "docs" / "configuration.md"
VARIABLE = re.compile(r"`([A-Z][A-Z0-9_]*[A-Z0-9])`")
# Whole names only: "PLANNER_FEEDS_*" in a docstring is a family, not a variable.
READ = re.compile(r"\b((?:PLANNER|PROMETHEUS)_[A-Z0-9_]*[A-Z0-9]|DATABASE_URL)\b(?!_?\*)")
PASSWORD = "correct horse battery"


def documented() -> list[str]:
    """The variables in the first column of every table row of docs/configuration.md."""
    names = []
    for line in TABLES.read_text().splitlines():
        if line.startswith("| `"):
            names += VARIABLE.findall(line.split("|")[1])
    return names


def read_by_settings() -> set[str]:
    source = Path(settings.__file__).read_text()
    return set(READ.findall(source)) - {settings.OWNED_METRICS_DIR_VARIABLE}


class Setup:
    """An environment holding only what a test sets, over a migrated SQLite database."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, template: str) -> None:
        self.monkeypatch = monkeypatch
        self.tmp_path = tmp_path
        shutil.copy(template, tmp_path / "planner.db")
        self.database_url = f"sqlite:///{tmp_path / 'planner.db'}"
        self.apps: list = []
        for name in documented():
            monkeypatch.delenv(name, raising=False)
        self.set(DATABASE_URL=self.database_url, PLANNER_SECRET_KEY="test")

    def set(self, **variables: str) -> None:
        for name, value in variables.items():
            self.monkeypatch.setenv(name, value)

    def app(self, **overrides):
        app = create_app(overrides)
        app.instance_path = str(self.tmp_path / "instance")
        self.apps.append(app)
        return app

    def token(self, app, email: str = "rep@acme.example") -> str:
        with app.extensions["planner_db"].writer() as session:
            _user, token = accounts_db.create_user(session, "Acme Sales", email, "rep")
            session.commit()
        return token

    def gunicorn(self):
        """The gunicorn config ``planner serve`` would run with."""
        return serving.PlannerServer(settings.read().serve, self.tmp_path, False).cfg


@pytest.fixture
def setup(monkeypatch, tmp_path, sqlite_template) -> Iterator[Setup]:
    made = Setup(monkeypatch, tmp_path, sqlite_template)
    yield made
    for app in made.apps:
        app.extensions["planner_db"].engine.dispose()


EFFECTS: dict[str, Callable[[Setup], None]] = {}


def effect(variable: str) -> Callable:
    def register(check: Callable[[Setup], None]) -> Callable[[Setup], None]:
        EFFECTS[variable] = check
        return check

    return register


def failures_until_429(client, send: Callable, limit: int) -> None:
    assert [send(client).status_code for _ in range(limit)] == [send.refused] * limit
    blocked = send(client)
    assert blocked.status_code == 429, blocked.get_data(as_text=True)


# --- the service ------------------------------------------------------------------------------


@effect("DATABASE_URL")
def _database_url(setup: Setup) -> None:
    other = setup.tmp_path / "other.db"
    shutil.copy(setup.tmp_path / "planner.db", other)
    setup.set(DATABASE_URL=f"sqlite:///{other}")
    app = setup.app()
    assert app.extensions["planner_db"].engine.url.database == str(other)
    assert app.test_client().get("/healthz").get_json()["database"] == "reachable"
    assert runtime.Runtime().config["DATABASE_URL"] == f"sqlite:///{other}"


@effect("PLANNER_SECRET_KEY")
def _secret_key(setup: Setup) -> None:
    setup.set(PLANNER_SECRET_KEY="another secret")
    assert setup.app().secret_key == "another secret"


@effect("PLANNER_PROXY_FIX")
def _proxy_fix(setup: Setup) -> None:
    assert not isinstance(setup.app().wsgi_app, ProxyFix)
    setup.set(PLANNER_PROXY_FIX="2")
    proxied = setup.app().wsgi_app
    assert isinstance(proxied, ProxyFix) and (proxied.x_for, proxied.x_proto) == (2, 2)


@effect("PLANNER_PUBLIC_URL")
def _public_url(setup: Setup) -> None:
    setup.set(PLANNER_PUBLIC_URL="https://planner.example.com/team/")
    app = setup.app()
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {setup.token(app)}"
    audience = client.post(
        "/api/v1/audiences", json={"name": "CFOs", "timezone": "Europe/Berlin"}
    ).get_json()
    post = client.post(
        f"/api/v1/audiences/{audience['id']}/posts",
        json={"kind": "give", "title": "Pricing", "scheduled_at": "2030-01-08T09:00"},
    ).get_json()
    with app.extensions["planner_db"].reader() as session:
        (payload,) = session.scalars(
            select(WebhookEvent.payload).where(WebhookEvent.type == "post.scheduled")
        )
    assert payload["data"]["links"] == {
        "api": f"https://planner.example.com/team/api/v1/posts/{post['id']}",
        "web": f"https://planner.example.com/team/posts/{post['id']}/edit",
    }
    # The CLI and the worker write events through the same settings.
    assert runtime.Runtime().config["PUBLIC_URL"] == "https://planner.example.com/team"


@effect("PLANNER_METRICS_PUBLIC")
def _metrics_public(setup: Setup) -> None:
    assert setup.app().test_client().get("/metrics").status_code == 401
    setup.set(PLANNER_METRICS_PUBLIC="1")
    assert setup.app().test_client().get("/metrics").status_code == 200


def _server_pool(setup: Setup, **variables: str):
    # Engines connect lazily, so a PostgreSQL URL nobody listens on shows the pool it would use.
    setup.set(DATABASE_URL="postgresql://planner@127.0.0.1:9/planner", **variables)
    engine = runtime.Runtime().database.engine
    try:
        return engine.pool
    finally:
        engine.dispose()


@effect("PLANNER_DB_POOL_SIZE")
def _db_pool_size(setup: Setup) -> None:
    assert _server_pool(setup).size() == 5
    assert _server_pool(setup, PLANNER_DB_POOL_SIZE="3").size() == 3


@effect("PLANNER_DB_MAX_OVERFLOW")
def _db_max_overflow(setup: Setup) -> None:
    assert _server_pool(setup)._max_overflow == 10
    assert _server_pool(setup, PLANNER_DB_MAX_OVERFLOW="0")._max_overflow == 0


@effect("PLANNER_DB_ANSWER_TIMEOUT")
def _db_answer_timeout(setup: Setup) -> None:
    # Its effect on a silent server is test_database_faults.py's; here, what reaches the engine.
    assert runtime.Runtime().config["DB_ANSWER_TIMEOUT"] == 20
    setup.set(PLANNER_DB_ANSWER_TIMEOUT="0")
    assert runtime.Runtime().config["DB_ANSWER_TIMEOUT"] is None


@effect("PLANNER_WEBHOOK_RETENTION_DAYS")
def _webhook_retention_days(setup: Setup) -> None:
    assert runtime.Runtime().config["WEBHOOK_RETENTION_DAYS"] == 30
    setup.set(PLANNER_WEBHOOK_RETENTION_DAYS="7")
    assert runtime.Runtime().config["WEBHOOK_RETENTION_DAYS"] == 7
    setup.set(PLANNER_WEBHOOK_RETENTION_DAYS="0")
    with pytest.raises(settings.SettingError, match="PLANNER_WEBHOOK_RETENTION_DAYS"):
        settings.read()


@effect("PLANNER_ICS_CACHE_MIB")
def _ics_cache_mib(setup: Setup) -> None:
    setup.set(PLANNER_ICS_CACHE_MIB="2")
    assert setup.app().extensions["planner_calendar_events"].max_bytes == 2**20


@effect("PLANNER_SUGGESTIONS_CACHE_SECONDS")
def _suggestions_cache_seconds(setup: Setup) -> None:
    setup.set(PLANNER_SUGGESTIONS_CACHE_SECONDS="5")
    assert setup.app().extensions["planner_suggestions"].seconds == 5


@effect("PLANNER_SEMANTIC")
def _semantic(setup: Setup) -> None:
    setup.set(PLANNER_SEMANTIC="0")
    setup.app()
    assert not semantic.ranks_by_meaning()
    assert semantic.embed(["Robots weld car frames"]) != [None]  # vectors are still stored
    setup.set(PLANNER_SEMANTIC="1")
    setup.app()
    assert semantic.ranks_by_meaning()
    setup.set(PLANNER_SEMANTIC="0")
    runtime.Runtime().config  # noqa: B018 - commands read the settings there, without an app
    assert not semantic.ranks_by_meaning()
    setup.set(PLANNER_SEMANTIC="sometimes")
    with pytest.raises(settings.SettingError, match="PLANNER_SEMANTIC must be 1 or 0"):
        setup.app()


# --- rate limits ------------------------------------------------------------------------------


@effect("PLANNER_RATELIMIT_STORAGE_URI")
def _ratelimit_storage_uri(setup: Setup) -> None:
    def warnings() -> list[str]:
        app = setup.app(SERVE_WORKERS=3)
        return app.test_client().get("/healthz").get_json()["warnings"]

    assert warnings() and "PLANNER_RATELIMIT_STORAGE_URI" in warnings()[0]
    setup.set(PLANNER_RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0")
    assert warnings() == []
    assert settings.rate_limit_warning(settings.read().ratelimit_storage_uri, 3) is None


@effect("PLANNER_AUTH_FAILURE_LIMIT")
def _auth_failure_limit(setup: Setup) -> None:
    setup.set(PLANNER_AUTH_FAILURE_LIMIT="2/minute")

    def wrong_token(client):
        return client.get("/api/v1/audiences", headers={"Authorization": "Bearer vp_guess"})

    wrong_token.refused = 401
    failures_until_429(setup.app().test_client(), wrong_token, 2)


@effect("PLANNER_SIGNIN_FAILURE_LIMIT")
def _signin_failure_limit(setup: Setup) -> None:
    setup.set(PLANNER_SIGNIN_FAILURE_LIMIT="2/minute")
    app = setup.app()
    setup.token(app)
    with app.extensions["planner_db"].writer() as session:
        passwords_db.set_password(session, "rep@acme.example", PASSWORD)
        session.commit()
    client = app.test_client()
    page = client.get("/signin").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]

    def wrong_password(client):
        form = {"email": "rep@acme.example", "password": "a guess", "csrf_token": csrf}
        return client.post("/signin", data=form)

    wrong_password.refused = 422
    failures_until_429(client, wrong_password, 2)


@effect("PLANNER_FEED_REFRESH_LIMIT")
def _feed_refresh_limit(setup: Setup) -> None:
    # A closed port here: refused at once, recorded as the feed's error.
    setup.set(PLANNER_FEED_REFRESH_LIMIT="1/minute", PLANNER_FEEDS_ALLOW_PRIVATE="1")
    app = setup.app()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {setup.token(app)}"}
    feed = client.post("/api/v1/feeds", json={"url": "http://127.0.0.1:9/feed"}, headers=headers)
    refresh = f"/api/v1/feeds/{feed.get_json()['id']}/refresh"
    assert client.post(refresh, headers=headers).status_code == 200
    assert client.post(refresh, headers=headers).status_code == 429


# --- fetching feeds: the policy the app's refreshes and the CLI's commands fetch with ----------


def policies(setup: Setup, **variables: str) -> list:
    setup.set(**variables)
    return [setup.app().extensions["planner_feed_policy"], runtime.Runtime().fetch_policy]


@effect("PLANNER_FEEDS_ALLOW_PRIVATE")
def _feeds_allow_private(setup: Setup) -> None:
    assert not any(policy.allow_private for policy in policies(setup))
    assert all(p.allow_private for p in policies(setup, PLANNER_FEEDS_ALLOW_PRIVATE="1"))


@effect("PLANNER_FEEDS_ALLOWLIST")
def _feeds_allowlist(setup: Setup) -> None:
    for policy in policies(setup, PLANNER_FEEDS_ALLOWLIST="feeds.intranet.example,10.20.0.0/16"):
        assert policy.allowed_hosts == frozenset({"feeds.intranet.example"})
        assert [str(network) for network in policy.allowed_networks] == ["10.20.0.0/16"]


@effect("PLANNER_FEEDS_CONNECT_TIMEOUT")
def _feeds_connect_timeout(setup: Setup) -> None:
    for policy in policies(setup, PLANNER_FEEDS_CONNECT_TIMEOUT="2.5"):
        assert policy.connect_timeout == 2.5


@effect("PLANNER_FEEDS_TIMEOUT")
def _feeds_timeout(setup: Setup) -> None:
    for policy in policies(setup, PLANNER_FEEDS_TIMEOUT="8"):
        assert policy.timeout == 8.0


@effect("PLANNER_FEEDS_MAX_BYTES")
def _feeds_max_bytes(setup: Setup) -> None:
    for policy in policies(setup, PLANNER_FEEDS_MAX_BYTES="1048576"):
        assert policy.max_bytes == 2**20


@effect("PLANNER_FEEDS_MAX_ENTRIES")
def _feeds_max_entries(setup: Setup) -> None:
    for policy in policies(setup, PLANNER_FEEDS_MAX_ENTRIES="50"):
        assert policy.max_entries == 50


@effect("PLANNER_FEEDS_MAX_PER_IMPORT")
def _feeds_max_per_import(setup: Setup) -> None:
    setup.set(PLANNER_FEEDS_MAX_PER_IMPORT="2")
    app = setup.app()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {setup.token(app)}", "Content-Type": "text/xml"}

    def opml(feeds: int) -> str:
        outlines = "".join(f'<outline xmlUrl="https://f{n}.example.com/"/>' for n in range(feeds))
        return f'<opml version="2.0"><body>{outlines}</body></opml>'

    refused = client.post("/api/v1/feeds/import", data=opml(3), headers=headers)
    assert refused.status_code == 422
    assert "one import takes at most 2 " in refused.get_json()["detail"]
    taken = client.post("/api/v1/feeds/import", data=opml(2), headers=headers)
    assert taken.get_json()["created"] == 2


# --- planner serve: the gunicorn config it builds ---------------------------------------------


def serve_effect(variable: str, value: str, attribute: str, expected: object) -> None:
    def check(setup: Setup) -> None:
        setup.set(**{variable: value})
        assert getattr(setup.gunicorn(), attribute) == expected

    effect(variable)(check)


serve_effect("PLANNER_BIND", "unix:/run/planner.sock", "bind", ["unix:/run/planner.sock"])
serve_effect("PLANNER_WORKERS", "3", "workers", 3)
serve_effect("PLANNER_WORKER_CLASS", "sync", "worker_class_str", "app.serve_worker.SyncWorker")
serve_effect("PLANNER_THREADS", "4", "threads", 4)
serve_effect("PLANNER_CLIENT_TIMEOUT", "7", "planner_client_timeout", 7)
serve_effect("PLANNER_TIMEOUT", "90", "timeout", 90)
serve_effect("PLANNER_GRACEFUL_TIMEOUT", "15", "graceful_timeout", 15)
serve_effect("PLANNER_KEEPALIVE", "5", "keepalive", 5)
serve_effect("PLANNER_MAX_REQUESTS", "1000", "max_requests_jitter", 100)
serve_effect("PLANNER_LOG_LEVEL", "warning", "loglevel", "warning")


@effect("PROMETHEUS_MULTIPROC_DIR")
def _prometheus_multiproc_dir(setup: Setup) -> None:
    directory = setup.tmp_path / "metrics"
    setup.set(PROMETHEUS_MULTIPROC_DIR=str(directory), PLANNER_METRICS_PUBLIC="1")
    assert serving.prepare_metrics_dir(settings.read()) == (directory, False)
    # The app sums the workers' files there instead of its own process's counters.
    metrics = setup.app().test_client().get("/metrics").get_data(as_text=True)
    assert "planner_http_requests_total" not in metrics


# --- the drift checks -------------------------------------------------------------------------


@pytest.mark.parametrize("variable", documented())
def test_every_documented_variable_takes_effect(variable: str, setup: Setup) -> None:
    assert variable in EFFECTS, f"{variable} is in {TABLES.name} but no test shows its effect"
    EFFECTS[variable](setup)


def test_the_tables_list_every_variable_the_settings_read_once() -> None:
    listed = documented()
    assert len(listed) == len(set(listed)), "a variable is listed twice"
    unlisted = read_by_settings() - set(listed)
    assert not unlisted, f"read by app/settings.py but not in {TABLES.name}: {sorted(unlisted)}"
    unread = set(listed) - read_by_settings()
    assert not unread, f"in {TABLES.name} but not read by app/settings.py: {sorted(unread)}"


def test_every_effect_shown_here_is_of_a_documented_variable() -> None:
    assert set(EFFECTS) <= set(documented()), sorted(set(EFFECTS) - set(documented()))
