"""/healthz and the environment-driven settings (fail loudly, production passes check --deploy)."""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import sys
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from customercenter import env as env_module
from customercenter import views

BASE_DIR = django_settings.BASE_DIR
PRODUCTION_ENV = {
    "DJANGO_ALLOWED_HOSTS": "kundencenter.example.com",
    "SITE_URL": "https://kundencenter.example.com",
    "DJANGO_DEBUG": "false",
    "DJANGO_TESTING": "false",
}


def clean_env(**variables: str) -> dict[str, str]:
    """The process environment without any setting of ours, plus `variables`."""
    ours = (
        "DJANGO_",
        "DATABASE_",
        "REDIS_",
        "SITE_URL",
        "EMAIL_",
        "ANYMAIL_",
        "SENTRY_",
        "PHP_VERSIONS",
        "SSL_CERTIFICATE_PRICE",
        "DOMAIN_REGISTRATION_PRICE",
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith(ours)}
    return {**env, **variables}


def run_python(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - fixed arguments, our own interpreter
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


class _BrokenCursor:
    def __enter__(self):
        raise ConnectionError("database is down")

    def __exit__(self, *exc):
        return False


class _BrokenConnection:
    def cursor(self):
        return _BrokenCursor()


def test_healthz_is_ok_with_database(client, db, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "oldest_pending_email_seconds": 0}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_when_the_database_check_fails(client, db, monkeypatch, settings):
    settings.REDIS_URL = ""
    monkeypatch.setattr(views, "connection", _BrokenConnection())

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"database": "unavailable"}


def test_healthz_is_503_when_redis_is_unreachable(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "unavailable", "oldest_pending_email_seconds": 0}


def test_healthz_refuses_post(client, db):
    assert client.post("/healthz").status_code == 405


@pytest.mark.parametrize("raw", ["maybe", "2", "ja", "truee"])
def test_env_bool_refuses_bad_values(monkeypatch, raw):
    monkeypatch.setenv("KC_TEST_FLAG", raw)

    with pytest.raises(ImproperlyConfigured, match="KC_TEST_FLAG"):
        env_module.env_bool("KC_TEST_FLAG")


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), (" YES ", True), ("1", True), ("off", False), ("", False)]
)
def test_env_bool_reads_good_values(monkeypatch, raw, expected):
    monkeypatch.setenv("KC_TEST_FLAG", raw)

    assert env_module.env_bool("KC_TEST_FLAG", not expected) is expected


def test_env_bool_default_when_unset(monkeypatch):
    monkeypatch.delenv("KC_TEST_FLAG", raising=False)

    assert env_module.env_bool("KC_TEST_FLAG", True) is True


@pytest.mark.parametrize("raw", ["abc", "1.5", "10s"])
def test_env_int_refuses_bad_values(monkeypatch, raw):
    monkeypatch.setenv("KC_TEST_INT", raw)

    with pytest.raises(ImproperlyConfigured, match="KC_TEST_INT"):
        env_module.env_int("KC_TEST_INT", 3)


def test_env_int_reads_value_or_default(monkeypatch):
    monkeypatch.setenv("KC_TEST_INT", "42")
    assert env_module.env_int("KC_TEST_INT", 3) == 42
    monkeypatch.setenv("KC_TEST_INT", " ")
    assert env_module.env_int("KC_TEST_INT", 3) == 3


@pytest.mark.parametrize("raw", ["kundencenter.example.com", "ftp://example.com", "javascript:alert(1)"])
def test_env_url_refuses_bad_values(monkeypatch, raw):
    monkeypatch.setenv("KC_TEST_URL", raw)

    with pytest.raises(ImproperlyConfigured, match="KC_TEST_URL"):
        env_module.env_url("KC_TEST_URL", "http://127.0.0.1:8000")


def test_env_url_strips_trailing_slash(monkeypatch):
    monkeypatch.setenv("KC_TEST_URL", "https://kundencenter.example.com/")

    assert env_module.env_url("KC_TEST_URL", "http://x") == "https://kundencenter.example.com"


@pytest.mark.parametrize("raw", ["49,00", "49.001", "-1.00", "NaN", "Infinity", "neunundvierzig", "10000000.00"])
def test_env_price_refuses_bad_values(monkeypatch, raw):
    monkeypatch.setenv("KC_TEST_PRICE", raw)

    with pytest.raises(ImproperlyConfigured, match="KC_TEST_PRICE must be a price in euros"):
        env_module.env_price("KC_TEST_PRICE", "49.00")


@pytest.mark.parametrize(
    ("raw", "expected"), [("59.9", Decimal("59.90")), (" 12 ", Decimal("12.00")), ("", Decimal("49.00"))]
)
def test_env_price_reads_a_decimal_or_the_default(monkeypatch, raw, expected):
    monkeypatch.setenv("KC_TEST_PRICE", raw)

    price = env_module.env_price("KC_TEST_PRICE", "49.00")

    assert isinstance(price, Decimal)
    assert price == expected
    assert str(price) == str(expected)


def test_a_price_with_a_decimal_comma_stops_the_start():
    result = run_python(
        "-c",
        "import customercenter.settings",
        env=clean_env(DJANGO_TESTING="false", SSL_CERTIFICATE_PRICE="49,00"),
    )

    assert result.returncode != 0
    assert "SSL_CERTIFICATE_PRICE must be a price in euros" in result.stderr


@pytest.mark.parametrize("raw", ["600", "600/10x", "0/10m", "viele/m", "600/0m"])
def test_a_malformed_api_rate_stops_the_start(raw):
    result = run_python(
        "-c", "import customercenter.settings", env=clean_env(DJANGO_TESTING="false", API_RATE_PER_TOKEN=raw)
    )

    assert result.returncode != 0
    assert "API_RATE_PER_TOKEN must be requests/period" in result.stderr


def test_web_server_without_secret_key_refuses_to_start():
    result = run_python("-c", "import customercenter.wsgi", env=clean_env(DJANGO_TESTING="false"))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_celery_processes_without_secret_key_refuse_to_start():
    result = run_python(
        "-c",
        "from customercenter.celery import _refuse_insecure_secret_key as check; check()",
        env=clean_env(DJANGO_TESTING="false"),
    )

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_local_tooling_runs_without_secret_key_but_deploy_check_flags_it():
    env = clean_env(DJANGO_TESTING="false")
    assert run_python("manage.py", "makemigrations", "--check", "--dry-run", env=env).returncode == 0

    result = run_python("manage.py", "check", "--deploy", env=env)
    assert "security.W009" in result.stderr + result.stdout


def test_settings_with_malformed_variable_name_it():
    result = run_python(
        "-c",
        "import customercenter.settings",
        env=clean_env(DJANGO_TESTING="false", DJANGO_DEBUG="vielleicht"),
    )

    assert result.returncode != 0
    assert "DJANGO_DEBUG must be a boolean" in result.stderr


def test_production_settings_pass_check_deploy():
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    secret_key = "".join(secrets.choice(alphabet) for _ in range(60))

    result = run_python(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=clean_env(DJANGO_SECRET_KEY=secret_key, **PRODUCTION_ENV),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
