"""Log lines carry time, level, logger and the request id, as text or JSON; Sentry when configured."""

from __future__ import annotations

import json
import re
import uuid

from tests.customercenter.test_operations import clean_env, run_python

# A request that Django logs (404 is a warning of django.request), then a line outside any request.
PROBE = """
import logging, django
django.setup()
from django.test import Client
response = Client().get("/gibt-es-nicht/", headers=HEADERS)
print(response["X-Request-ID"])
logging.getLogger("customercenter").info("nach der Anfrage")
"""


def logged(log_format: str, headers: dict | None = None) -> tuple[str, list[str]]:
    """The request id the response carried, and the log lines the process wrote."""
    result = run_python(
        "-c",
        PROBE.replace("HEADERS", repr(headers or {})),
        env=clean_env(
            DJANGO_SETTINGS_MODULE="customercenter.settings",
            DJANGO_TESTING="true",
            DJANGO_ALLOWED_HOSTS="testserver",
            DJANGO_LOG_FORMAT=log_format,
        ),
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "Not Found" in line or "nach der Anfrage" in line]
    return result.stdout.strip(), lines


def test_text_lines_have_time_level_logger_and_request_id():
    request_id, [during, after] = logged("text")

    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    time = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"
    assert re.fullmatch(rf"{time} WARNING django\.request \[{request_id}\] Not Found: /gibt-es-nicht/", during)
    assert re.fullmatch(r"\S+ \S+ INFO customercenter \[None\] nach der Anfrage", after)


def test_json_lines_have_time_level_logger_and_request_id():
    request_id, lines = logged("json")
    during, after = (json.loads(line) for line in lines)

    assert {key: during[key] for key in ("level", "logger", "request_id", "message")} == {
        "level": "WARNING",
        "logger": "django.request",
        "request_id": request_id,
        "message": "Not Found: /gibt-es-nicht/",
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00", during["time"])
    assert (after["level"], after["logger"], after["request_id"]) == ("INFO", "customercenter", None)


def test_the_proxys_request_id_is_kept_and_a_forged_one_replaced():
    from_proxy = uuid.uuid4().hex
    kept, [line, _after] = logged("json", {"X-Request-ID": from_proxy})
    replaced, _lines = logged("json", {"X-Request-ID": "<script>"})

    assert kept == from_proxy == json.loads(line)["request_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", replaced)


def test_an_unknown_log_format_or_level_stops_the_start():
    for variable, value, message in [
        ("DJANGO_LOG_FORMAT", "xml", "DJANGO_LOG_FORMAT must be text or json"),
        ("DJANGO_LOG_LEVEL", "LAUT", "DJANGO_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL"),
    ]:
        result = run_python("-c", "import customercenter.settings", env=clean_env(**{variable: value}))

        assert result.returncode != 0
        assert message in result.stderr


SENTRY_PROBE = """
import json, sentry_sdk, customercenter.settings
client = sentry_sdk.get_client()
print(json.dumps({
    "active": client.is_active(),
    "integrations": sorted(client.integrations),
    "environment": client.options["environment"],
    "send_default_pii": client.options["send_default_pii"],
    "include_local_variables": client.options["include_local_variables"],
}))
"""


def sentry_under(**env: str) -> dict:
    result = run_python("-c", SENTRY_PROBE, env=clean_env(**env))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_errors_go_to_sentry_with_django_and_celery_when_a_dsn_is_set():
    sentry = sentry_under(SENTRY_DSN="https://public@sentry.example.com/1", SENTRY_ENVIRONMENT="staging")

    assert sentry["active"] is True
    assert {"django", "celery"} <= set(sentry["integrations"])
    assert sentry["environment"] == "staging"
    assert sentry["send_default_pii"] is False
    assert sentry["include_local_variables"] is False


def test_no_dsn_no_sentry():
    assert sentry_under()["active"] is False


def test_a_malformed_dsn_stops_the_start():
    result = run_python("-c", "import customercenter.settings", env=clean_env(SENTRY_DSN="kaputt"))

    assert result.returncode != 0
    assert "SENTRY_DSN is not a valid DSN" in result.stderr
