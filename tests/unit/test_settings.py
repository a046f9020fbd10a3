"""app.settings: every variable parsed once, a bad value refused with its variable's name.

What each variable then does in the app, the CLI and ``planner serve`` is
tests/api/test_configuration.py; ``planner serve``'s own variables are tests/cli/test_serve.py.
"""

from __future__ import annotations

import ipaddress

import pytest

from app import settings
from feeds.fetch_policy import FetchPolicy

MiB = 1024 * 1024


def policy(environ: dict[str, str]) -> FetchPolicy:
    return settings.read(environ).feeds.policy()


def test_policy_from_env() -> None:
    built = policy(
        {
            "PLANNER_FEEDS_ALLOW_PRIVATE": "0",
            "PLANNER_FEEDS_ALLOWLIST": "Intranet.Example., 10.20.0.0/16, fd00::1",
            "PLANNER_FEEDS_MAX_BYTES": "1048576",
            "PLANNER_FEEDS_CONNECT_TIMEOUT": "2.5",
            "PLANNER_FEEDS_TIMEOUT": "8",
        }
    )
    assert built.allow_private is False
    assert built.allowed_hosts == frozenset({"intranet.example"})
    assert built.allowed_networks == (
        ipaddress.ip_network("10.20.0.0/16"),
        ipaddress.ip_network("fd00::1/128"),
    )
    assert (built.max_bytes, built.connect_timeout, built.timeout) == (MiB, 2.5, 8.0)
    assert built.address_allowed("x", ipaddress.ip_address("10.20.3.4"))
    assert not built.address_allowed("x", ipaddress.ip_address("10.21.3.4"))
    assert policy({"PLANNER_FEEDS_ALLOW_PRIVATE": "1"}).allow_private
    assert policy({}) == FetchPolicy()


@pytest.mark.parametrize(
    "environ",
    [
        {"PLANNER_FEEDS_ALLOWLIST": "http://bad/"},
        {"PLANNER_FEEDS_MAX_BYTES": "-1"},
        {"PLANNER_FEEDS_TIMEOUT": "soon"},
    ],
)
def test_policy_from_env_rejects_malformed_values(environ: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        policy(environ)


def test_defaults_without_any_variable(tmp_path) -> None:
    read = settings.read({}, instance=str(tmp_path))
    assert read.database_url == f"sqlite:///{tmp_path / 'planner.db'}"
    assert (read.secret_key, read.proxy_fix, read.metrics_public) == (None, 0, False)
    assert (read.db_pool_size, read.db_max_overflow, read.ics_cache_mib) == (None, None, 64)
    assert read.db_answer_timeout == 20  # below PLANNER_TIMEOUT's 30
    assert read.ratelimit_storage_uri == "memory://"
    limits = (read.auth_failure_limit, read.signin_failure_limit, read.feed_refresh_limit)
    assert limits == ("20/minute", "5/minute", "30/minute")
    assert read.metrics_dir is None and not read.owns_metrics_dir
    assert read.public_url == "http://localhost:5000"  # where make run serves


def test_blank_variables_mean_the_default() -> None:
    blank = {name: "  " for name in ("PLANNER_PROXY_FIX", "PLANNER_SECRET_KEY", "DATABASE_URL")}
    assert settings.read(blank) == settings.read({})


def test_a_zero_answer_timeout_means_no_limit() -> None:
    assert settings.read({"PLANNER_DB_ANSWER_TIMEOUT": "0"}).db_answer_timeout is None
    assert settings.read({"PLANNER_DB_ANSWER_TIMEOUT": "5"}).db_answer_timeout == 5


def test_settings_are_frozen() -> None:
    read = settings.read({})
    with pytest.raises(AttributeError):
        read.proxy_fix = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("variable", "value", "complaint"),
    [
        ("PLANNER_PROXY_FIX", "yes", "whole number"),
        ("PLANNER_DB_POOL_SIZE", "0", "at least 1"),
        ("PLANNER_DB_ANSWER_TIMEOUT", "2.5", "whole number"),
        ("PLANNER_ICS_CACHE_MIB", "-1", "whole number"),
        ("PLANNER_METRICS_PUBLIC", "maybe", "1 or 0"),
        ("PLANNER_FEEDS_ALLOW_PRIVATE", "sure", "1 or 0"),
        ("PLANNER_AUTH_FAILURE_LIMIT", "lots/hour", "rate limit"),
        ("PLANNER_SIGNIN_FAILURE_LIMIT", "5 a minute", "rate limit"),
        ("PLANNER_FEED_REFRESH_LIMIT", "often", "rate limit"),
        ("PLANNER_RATELIMIT_STORAGE_URI", "redis", "URI"),
        ("DATABASE_URL", "planner.db", "database URL"),
        ("PLANNER_FEEDS_CONNECT_TIMEOUT", "0", "positive number"),
        ("PLANNER_FEEDS_MAX_BYTES", "1.5", "positive whole number"),
        ("PLANNER_FEEDS_ALLOWLIST", "intranet/feeds", "neither host nor CIDR"),
        ("PLANNER_WORKERS", "many", "whole number"),
        ("PLANNER_PUBLIC_URL", "planner.example.com", "http(s) address"),
        ("PLANNER_PUBLIC_URL", "ftp://planner.example.com", "http(s) address"),
        ("PLANNER_PUBLIC_URL", "https://planner.example.com/?team=1", "http(s) address"),
        ("PLANNER_PUBLIC_URL", "https://admin:pw@planner.example.com", "http(s) address"),
        ("PLANNER_PUBLIC_URL", "https://planner.example.com:99999", "http(s) address"),
        ("PORT", "http", "whole number"),
    ],
)
def test_a_bad_value_is_refused_with_its_variables_name(variable, value, complaint) -> None:
    with pytest.raises(settings.SettingError, match=variable) as refused:
        settings.read({variable: value})
    assert complaint in str(refused.value)
    assert repr(value) in str(refused.value)


def test_switches_take_the_usual_spellings() -> None:
    for on in ("1", "true", "Yes", "ON"):
        assert settings.read({"PLANNER_METRICS_PUBLIC": on}).metrics_public
    for off in ("0", "false", "No", "off"):
        assert not settings.read({"PLANNER_METRICS_PUBLIC": off}).metrics_public


def test_serve_owns_only_the_metrics_directory_it_made() -> None:
    made = {"PROMETHEUS_MULTIPROC_DIR": "/tmp/m", settings.OWNED_METRICS_DIR_VARIABLE: "/tmp/m"}
    assert settings.read(made).owns_metrics_dir
    given = {**made, "PROMETHEUS_MULTIPROC_DIR": "/var/lib/planner/metrics"}
    assert not settings.read(given).owns_metrics_dir


def test_the_public_url_is_the_variable_without_its_slash_else_make_run_s_address() -> None:
    """Webhook payloads append paths to it, so a trailing slash would double."""
    for given in ("https://planner.example.com/team/", "https://planner.example.com/team"):
        read = settings.read({"PLANNER_PUBLIC_URL": given})
        assert read.public_url == "https://planner.example.com/team"
        assert read.flask_config()["PUBLIC_URL"] == "https://planner.example.com/team"
    assert settings.read({"PORT": "5050"}).public_url == "http://localhost:5050"
    both = {"PORT": "5050", "PLANNER_PUBLIC_URL": "http://127.0.0.1:8000"}
    assert settings.read(both).public_url == "http://127.0.0.1:8000"
