"""Request logs, request ids, /metrics and ProxyFix, as an operator or a proxy sees them."""

import json
import logging
import re

import pytest
from flask import request
from prometheus_client.parser import text_string_to_metric_families

from app import create_app, settings
from app.principal import make_public
from tests.conftest import PG_URL, make_caller
from tests.helpers import ask, make_audience

LOGGER = "planner.requests"


@pytest.fixture
def request_log(caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)

    def lines():
        return [json.loads(r.getMessage()) for r in caplog.records if r.name == LOGGER]

    return lines


@pytest.fixture
def admin(app):
    return make_caller(app, "Acme Sales", "admin@acme.example", role="admin")


def scrape(caller) -> dict[tuple[str, frozenset], float]:
    response = caller.get("/metrics")
    assert response.status_code == 200, response.get_data(as_text=True)
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_each_request_is_one_json_line_with_what_identifies_it(rep, request_log):
    response = rep.get("/api/v1/audiences")
    [line] = request_log()
    assert line["method"] == "GET"
    assert line["path"] == "/api/v1/audiences"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["user_id"] and line["remote_addr"] == "127.0.0.1"


def test_refused_and_unknown_requests_are_logged_too(client, request_log):
    assert client.get("/api/v1/audiences").status_code == 401
    assert client.get("/no/such/page").status_code == 404
    assert [(line["path"], line["status"]) for line in request_log()] == [
        ("/api/v1/audiences", 401),
        ("/no/such/page", 404),
    ]


def test_the_log_never_carries_tokens_cookies_or_secret_query_values(app, rep, request_log):
    secret_in_path = "calendar-secret-0123456789"
    app.add_url_rule("/probe/<token>", "probe", lambda token: "ok")
    rep.get(
        "/api/v1/audiences?from=2053-01-01&access_token=qs-secret&api_key=key-secret",
        headers={"Cookie": "session=cookie-secret"},
    )
    rep.get(f"/probe/{secret_in_path}")
    logged = "\n".join(json.dumps(line) for line in request_log())
    for secret in (rep.token, "qs-secret", "key-secret", "cookie-secret", secret_in_path):
        assert secret not in logged
    first, second = request_log()
    assert first["path"] == (
        "/api/v1/audiences?from=2053-01-01&access_token=REDACTED&api_key=REDACTED"
    )
    assert second["path"] == "/probe/REDACTED"


def test_a_sane_incoming_request_id_is_echoed_and_kept_in_the_log(rep, request_log):
    response = rep.get("/api/v1/audiences", headers={"X-Request-ID": "nginx-7f3a9c.01"})
    assert response.headers["X-Request-ID"] == "nginx-7f3a9c.01"
    assert request_log()[0]["request_id"] == "nginx-7f3a9c.01"


@pytest.mark.parametrize("incoming", ["has spaces", "x" * 129, "-leading-dash", "a\tb", ""])
def test_an_odd_or_missing_request_id_is_replaced_by_a_fresh_one(rep, incoming):
    first = rep.get("/api/v1/audiences", headers={"X-Request-ID": incoming})
    second = rep.get("/api/v1/audiences", headers={"X-Request-ID": incoming})
    ids = [first.headers["X-Request-ID"], second.headers["X-Request-ID"]]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids) and ids[0] != ids[1]


def test_metrics_need_an_admin_token(app, colleague, admin):
    anonymous = app.test_client().get("/metrics")
    assert anonymous.status_code == 401
    assert anonymous.content_type == "application/problem+json"
    assert colleague.get("/metrics").status_code == 403
    response = admin.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=")  # Prometheus text format


@pytest.mark.options(METRICS_PUBLIC=True)
def test_metrics_are_public_when_configured(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert "planner_http_requests_total" in response.get_data(as_text=True)


def test_metrics_count_requests_by_route_and_status_and_time_them(app, rep, admin):
    audience = make_audience(rep)
    route = "/api/v1/audiences/<int:audience_id>"
    before = scrape(admin)
    rep.get(f"/api/v1/audiences/{audience['id']}")
    rep.get(f"/api/v1/audiences/{audience['id']}")
    rep.get("/api/v1/audiences/999999")
    app.test_client().get("/nothing/here")
    after = scrape(admin)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("planner_http_requests_total", method="GET", endpoint=route, status="200") == 2
    assert grew("planner_http_requests_total", method="GET", endpoint=route, status="404") == 1
    unmatched = {"method": "GET", "endpoint": "unmatched", "status": "404"}
    assert grew("planner_http_requests_total", **unmatched) == 1
    assert grew("planner_http_request_duration_seconds_count", endpoint=route) == 3
    assert grew("planner_http_request_duration_seconds_bucket", endpoint=route, le="+Inf") == 3
    assert grew("planner_http_request_duration_seconds_sum", endpoint=route) > 0


def test_metrics_count_refused_asks_and_expose_feed_refresh_outcomes(rep, admin):
    audience = make_audience(rep)
    before = value(scrape(admin), "planner_asks_refused_total")
    assert ask(rep, audience["id"], "2053-03-11T09:00").status_code == 409
    assert ask(rep, audience["id"], "2053-04-08T09:00").status_code == 409
    after = scrape(admin)
    assert value(after, "planner_asks_refused_total") - before == 2
    assert ("planner_feed_refresh_total", frozenset({("outcome", "error")})) in after


def test_behind_proxies_the_client_address_and_scheme_come_from_x_forwarded(database_url):
    def seen_by(proxies: int, forwarded_for: str):
        overrides = {"DATABASE_URL": database_url, "SECRET_KEY": "t", "PROXY_FIX": proxies}
        app = create_app(overrides)
        app.add_url_rule(
            "/probe", "probe", lambda: {"addr": request.remote_addr, "scheme": request.scheme}
        )
        make_public(app, "probe")
        headers = {"X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": "https"}
        try:
            return app.test_client().get("/probe", headers=headers).get_json()
        finally:
            app.extensions["planner_db"].engine.dispose()

    assert seen_by(0, "203.0.113.7") == {"addr": "127.0.0.1", "scheme": "http"}
    assert seen_by(1, "203.0.113.7") == {"addr": "203.0.113.7", "scheme": "https"}
    # A client's own X-Forwarded-For comes first; one proxy's worth of trust skips it.
    assert seen_by(1, "6.6.6.6, 203.0.113.7")["addr"] == "203.0.113.7"
    assert seen_by(2, "6.6.6.6, 203.0.113.7")["addr"] == "6.6.6.6"


def test_proxy_and_pool_settings_come_from_the_environment(tmp_path):
    environ = {
        "PLANNER_PROXY_FIX": "2",
        "PLANNER_METRICS_PUBLIC": "1",
        "PLANNER_DB_POOL_SIZE": "3",
        "PLANNER_DB_MAX_OVERFLOW": "0",
        "PLANNER_SECRET_KEY": "t",
    }
    config = settings.load(str(tmp_path), {}, environ)
    assert (config["PROXY_FIX"], config["METRICS_PUBLIC"]) == (2, True)
    assert (config["DB_POOL_SIZE"], config["DB_MAX_OVERFLOW"]) == (3, 0)
    with pytest.raises(settings.SettingError, match="PLANNER_PROXY_FIX"):
        settings.load(str(tmp_path), {}, {**environ, "PLANNER_PROXY_FIX": "yes"})


@pytest.mark.postgres
def test_the_postgresql_pool_is_sized_from_the_settings(pg_engine):
    app = create_app({"DATABASE_URL": PG_URL, "SECRET_KEY": "t", "DB_POOL_SIZE": 3})
    try:
        assert app.extensions["planner_db"].engine.pool.size() == 3
    finally:
        app.extensions["planner_db"].engine.dispose()
