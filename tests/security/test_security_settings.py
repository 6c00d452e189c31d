"""Security settings at work: production values, the Content Security Policy, secure cookies and
HSTS behind HTTPS, login rate limits, the two-factor option of a release, the anymail webhook secret.

`manage.py check --deploy --fail-level WARNING` with production values is
tests/customercenter/test_operations.py::test_production_settings_pass_check_deploy.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from customercenter import checks
from delegation.models import Caretakership, ProjectRelease
from tests.conftest import login
from tests.factories import PASSWORD

PRODUCTION = {
    "DJANGO_SECRET_KEY": "k" * 10 + "-production-only-" + "Zq8#xV2!pL9@" * 4,
    "DJANGO_ALLOWED_HOSTS": "kundencenter.example.com",
    "SITE_URL": "https://kundencenter.example.com",
    "DJANGO_DEBUG": "false",
    "DJANGO_TESTING": "false",
}
SECURITY_SETTINGS = [
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "DEBUG",
    "ALLAUTH_TRUSTED_PROXY_COUNT",
    "ALLAUTH_TRUSTED_CLIENT_IP_HEADER",
    "STAFF_REQUIRE_MFA",
]


def load_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    """A fresh process that loads the settings from these variables alone and prints the security ones."""
    ours = ("DJANGO_", "DATABASE_", "REDIS_", "SITE_URL", "EMAIL_", "ANYMAIL_", "ALLAUTH_", "STAFF_")
    clean = {key: value for key, value in os.environ.items() if not key.startswith(ours)}
    script = (
        "import json, customercenter.settings as s; "
        f"print(json.dumps({{name: getattr(s, name) for name in {SECURITY_SETTINGS!r}}}))"
    )
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", script],
        cwd=django_settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_under(env: dict[str, str]) -> dict:
    """The security settings as a fresh process computes them from these variables alone."""
    result = load_settings(env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_an_https_site_url_turns_on_secure_cookies_hsts_and_the_redirect():
    values = settings_under(PRODUCTION)

    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": False,
        "DEBUG": False,
        "ALLAUTH_TRUSTED_PROXY_COUNT": 0,
        "ALLAUTH_TRUSTED_CLIENT_IP_HEADER": None,
        "STAFF_REQUIRE_MFA": True,
    }


def test_staff_need_a_second_factor_unless_debug_is_on_or_it_is_switched_off():
    """What the requirement does: tests/customercenter/test_admin_login.py."""
    assert settings_under({**PRODUCTION, "DJANGO_DEBUG": "true"})["STAFF_REQUIRE_MFA"] is False
    assert settings_under({**PRODUCTION, "STAFF_REQUIRE_MFA": "false"})["STAFF_REQUIRE_MFA"] is False
    assert (
        settings_under({**PRODUCTION, "DJANGO_DEBUG": "true", "STAFF_REQUIRE_MFA": "on"})["STAFF_REQUIRE_MFA"] is True
    )


def test_hsts_preload_is_only_sent_on_request():
    assert settings_under({**PRODUCTION, "DJANGO_HSTS_PRELOAD": "true"})["SECURE_HSTS_PRELOAD"] is True


@pytest.mark.parametrize("seconds", ["0", "86400"])
def test_hsts_preload_without_a_year_of_hsts_stops_the_start(seconds):
    result = load_settings({**PRODUCTION, "DJANGO_HSTS_PRELOAD": "true", "DJANGO_HSTS_SECONDS": seconds})

    assert result.returncode != 0
    assert "DJANGO_HSTS_PRELOAD needs DJANGO_HSTS_SECONDS" in result.stderr


def test_a_plain_http_site_url_trusts_no_proxy_header():
    values = settings_under({**PRODUCTION, "SITE_URL": "http://127.0.0.1:8000"})

    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["SECURE_HSTS_SECONDS"] == 0


HTTPS = {
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SECURE_SSL_REDIRECT": True,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "SECURE_HSTS_SECONDS": 31_536_000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": False,
}


@pytest.fixture
def https(settings):
    for name, value in HTTPS.items():
        setattr(settings, name, value)


def test_behind_https_cookies_are_secure_and_hsts_is_sent(https, owner):
    client = Client(HTTP_X_FORWARDED_PROTO="https")
    page = client.get(reverse("account_login"))
    response = client.post(reverse("account_login"), {"login": owner.admin.email, "password": PASSWORD})

    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert client.cookies["csrftoken"]["secure"]
    session = response.cookies["sessionid"]
    assert (session["secure"], session["httponly"], session["samesite"]) == (True, True, "Lax")


def test_behind_https_plain_http_is_redirected(https, db):
    response = Client().get(reverse("account_login"))

    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_headers_against_framing_sniffing_and_referrer_leaks(client, db):
    response = client.get(reverse("account_login"))

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


# --- Content Security Policy --------------------------------------------------------------------


def csp(response) -> dict[str, list[str]]:
    directives = [part.split() for part in response["Content-Security-Policy"].split(";") if part.strip()]
    return {name: values for name, *values in directives}


@pytest.fixture
def pages(world, staff_client):
    owner = world.clients["owner"]
    number = world.project.number
    return [
        (Client(), reverse("account_login")),
        (Client(), reverse("account_signup")),
        (Client(), reverse("release_link", args=[world.token])),
        (owner, reverse("projects:list")),
        (owner, reverse("projects:detail", args=[number])),
        (owner, reverse("projects:domain_edit", args=[number, world.domain.name])),
        (owner, reverse("contract:caretakers")),
        (owner, reverse("contract:release_new")),
        (owner, reverse("tickets:detail", args=[world.ticket.pk])),
        (owner, reverse("notifications:list")),
        (staff_client, reverse("admin:index")),
        (staff_client, reverse("admin:projects_project_change", args=[world.project.pk])),
        (staff_client, reverse("admin:tickets_ticket_change", args=[world.ticket.pk])),
    ]


def test_csp_allows_no_inline_script_and_no_eval(pages):
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        policy = csp(response)
        header = response["Content-Security-Policy"]
        assert "unsafe-inline" not in header and "unsafe-eval" not in header, url
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"][0] == "'self'"
        assert policy["object-src"] == policy["frame-ancestors"] == ["'none'"]
        assert policy["base-uri"] == policy["form-action"] == ["'self'"]
        nonce = next((v[7:-1] for v in policy["script-src"] if v.startswith("'nonce-")), None)
        html = response.content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            same_origin = re.search(r'\bsrc="/(?!/)', tag)
            assert same_origin or (nonce and f'nonce="{nonce}"' in tag), f"{url}: {tag} would be blocked"
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), f"{url}: inline event handler would be blocked"


def test_a_page_that_needs_inline_script_gets_a_fresh_nonce(rf):
    """No page needs one today; a template that uses {{ CSP_NONCE }} gets it into the header."""
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse

    def view(request):
        return HttpResponse(f'<script nonce="{request.csp_nonce}">1</script>')

    middleware = CSPMiddleware(view)
    first, second = middleware(rf.get("/")), middleware(rf.get("/"))

    nonces = [re.search(r"'nonce-([^']+)'", r["Content-Security-Policy"]).group(1) for r in (first, second)]
    assert nonces[0] != nonces[1]
    assert f'nonce="{nonces[0]}"' in first.content.decode()
    assert len(nonces[0]) >= 16


# --- Login rate limits ------------------------------------------------------------------------


def test_repeated_failed_logins_lock_the_account_for_a_while(owner):
    client = Client()
    for _ in range(5):
        client.post(reverse("account_login"), {"login": owner.admin.email, "password": "falsch"})

    response = client.post(reverse("account_login"), {"login": owner.admin.email, "password": PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "Anmeldeversuche" in response.content.decode()


def test_many_logins_from_one_address_get_429(db):
    client = Client()
    statuses = [
        client.post(reverse("account_login"), {"login": f"kunde{n}@example.com", "password": "falsch"}).status_code
        for n in range(31)
    ]

    assert statuses[:10] == [200] * 10
    assert statuses[-1] == 429


def test_the_client_address_behind_the_proxy_is_configured_from_the_environment():
    """How allauth's rate limits then count per client: tests/security/test_login_behind_proxy.py."""
    by_count = settings_under({**PRODUCTION, "ALLAUTH_TRUSTED_PROXY_COUNT": "1"})
    by_header = settings_under({**PRODUCTION, "ALLAUTH_TRUSTED_CLIENT_IP_HEADER": "X-Real-IP"})

    assert (by_count["ALLAUTH_TRUSTED_PROXY_COUNT"], by_count["ALLAUTH_TRUSTED_CLIENT_IP_HEADER"]) == (1, None)
    assert (by_header["ALLAUTH_TRUSTED_PROXY_COUNT"], by_header["ALLAUTH_TRUSTED_CLIENT_IP_HEADER"]) == (0, "X-Real-IP")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ALLAUTH_TRUSTED_PROXY_COUNT": "eins"}, "ALLAUTH_TRUSTED_PROXY_COUNT must be an integer"),
        ({"ALLAUTH_TRUSTED_PROXY_COUNT": "-1"}, "ALLAUTH_TRUSTED_PROXY_COUNT must be 0 or more"),
        ({"ALLAUTH_TRUSTED_CLIENT_IP_HEADER": "HTTP_X_REAL_IP"}, "must be a header name such as X-Real-IP"),
        ({"ALLAUTH_TRUSTED_CLIENT_IP_HEADER": "X-Real-IP:"}, "must be a header name such as X-Real-IP"),
        (
            {"ALLAUTH_TRUSTED_PROXY_COUNT": "1", "ALLAUTH_TRUSTED_CLIENT_IP_HEADER": "X-Real-IP"},
            "not both",
        ),
    ],
)
def test_a_malformed_client_address_setting_stops_the_start(env, message):
    result = load_settings({**PRODUCTION, **env})

    assert result.returncode != 0
    assert message in result.stderr


# --- Release with two-factor requirement ------------------------------------------------------


@pytest.mark.parametrize("answer", ["link", "open-requests"])
def test_release_requiring_two_factor_refuses_a_caretaker_without_totp(
    owner_client, caretaker, project, django_capture_on_commit_callbacks, mailoutbox, answer
):
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(
            reverse("contract:release_new"),
            {"email": caretaker.admin.email, "projects": ["p12345"], "require_mfa": "on"},
        )
    release = ProjectRelease.objects.get(email=caretaker.admin.email)
    assert release.require_mfa
    token = re.search(r"/freigabe/([^/]+)/", mailoutbox[0].body).group(1)
    accept = (
        reverse("release_link_accept", args=[token])
        if answer == "link"
        else reverse("contract:release_accept", args=[release.pk])
    )
    client = login(caretaker)

    refused = client.post(accept, follow=True)

    assert "verlangt die Zwei-Faktor-Authentifizierung" in refused.content.decode()
    assert not Caretakership.objects.exists()

    Authenticator.objects.create(user=caretaker.admin, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert client.post(accept).status_code == 302
    assert Caretakership.objects.filter(caretaker=caretaker, project=project).exists()


# --- Anymail webhooks need their secret ---------------------------------------------------------


def test_deploy_check_warns_about_open_anymail_webhooks(settings):
    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "token"}

    [warning] = checks.anymail_webhooks_have_a_secret(None)

    assert warning.id == "customercenter.W001"
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "token", "WEBHOOK_SECRET": "kundencenter:geheim"}
    assert checks.anymail_webhooks_have_a_secret(None) == []
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.ANYMAIL = {}
    assert checks.anymail_webhooks_have_a_secret(None) == []


def test_check_deploy_fails_for_an_anymail_backend_without_webhook_secret():
    ours = ("DJANGO_", "DATABASE_", "REDIS_", "SITE_URL", "EMAIL_", "ANYMAIL_")
    env = {key: value for key, value in os.environ.items() if not key.startswith(ours)}
    env |= PRODUCTION | {
        "EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend",
        "ANYMAIL_POSTMARK_SERVER_TOKEN": "token",
    }
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    run = {"cwd": django_settings.BASE_DIR, "capture_output": True, "text": True, "timeout": 120}

    without = subprocess.run(command, env=env, **run)  # noqa: S603 - fixed arguments
    with_secret = subprocess.run(command, env={**env, "ANYMAIL_WEBHOOK_SECRET": "kundencenter:geheim"}, **run)  # noqa: S603

    assert without.returncode != 0
    assert "customercenter.W001" in without.stderr + without.stdout
    assert with_secret.returncode == 0, with_secret.stderr
