"""Hostile requests are refused and change nothing: oversized bodies and fields, broken UTF-8,
missing or wrong CSRF tokens, htmx headers where no fragment exists, tampered and replayed
release tokens, and `next` parameters that point off the site."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from delegation import services as delegation
from delegation.models import Caretakership, ProjectRelease
from tests.factories import PASSWORD
from tests.security.test_authorization import EXPECTED, URLS, post_data, request_rolled_back, url_kwargs
from tickets.models import Ticket

TICKET_NEW = reverse("tickets:new")
MASTER_DATA = reverse("contract:master_data")
RELEASE_NEW = reverse("contract:release_new")


def ticket_data(body: str = "Bitte helfen.", **fields) -> dict:
    return {"project": "p12345", "subject": "Hilfe", "category": "technical", "body": body, **fields}


# --- Too big ----------------------------------------------------------------------------------


def test_a_3_mb_form_body_is_refused_before_any_view_runs(owner_client, owner):
    response = owner_client.post(MASTER_DATA, {"first_name": "x" * 3_000_000, "last_name": "y", "country": "DE"})

    assert response.status_code == 400
    owner.refresh_from_db()
    assert owner.first_name != "x" * 3_000_000


def test_more_than_a_thousand_fields_are_refused(owner_client, project):
    fields = {f"feld{n}": "x" for n in range(1001)}

    response = owner_client.post(TICKET_NEW, ticket_data(**fields))

    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_a_ticket_message_of_10001_characters_is_a_field_error(owner_client, project):
    response = owner_client.post(TICKET_NEW, ticket_data(body="x" * 10_001))

    assert response.status_code == 422
    assert "höchstens 10000 Zeichen" in response.content.decode()
    assert not Ticket.objects.exists()
    assert owner_client.post(TICKET_NEW, ticket_data(body="x" * 10_000)).status_code == 302


def test_an_attachment_over_the_limit_is_a_field_error(owner_client, project, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("gross.txt", b"x" * (settings.TICKET_ATTACHMENT_MAX_BYTES + 1))

    response = owner_client.post(TICKET_NEW, ticket_data(attachments=[upload]))

    assert response.status_code == 422
    assert "ist zu groß" in response.content.decode()
    assert not Ticket.objects.exists()
    assert not list(tmp_path.rglob("gross*"))


@pytest.mark.parametrize(
    ("url", "data"),
    [
        (MASTER_DATA, {"company": "x" * 201, "first_name": "A", "last_name": "B", "country": "DE"}),
        (reverse("contract:request_new"), {"number": "p" + "1" * 30}),
        (TICKET_NEW, ticket_data(subject="x" * 151)),
        (RELEASE_NEW, {"email": "a" * 250 + "@example.com", "projects": ["p12345"]}),
    ],
    ids=["company", "p-number", "ticket-subject", "release-email"],
)
def test_overlong_fields_are_field_errors(owner_client, project, url, data):
    response = owner_client.post(url, data)

    assert response.status_code == 422
    assert "höchstens" in response.content.decode()


# --- Broken text ------------------------------------------------------------------------------


def test_invalid_utf8_in_the_query_string_is_searched_for_harmlessly(owner_client, project):
    response = owner_client.get(reverse("projects:list"), QUERY_STRING="q=%FF%FE%00")

    assert response.status_code == 200


def test_invalid_utf8_in_the_path_is_not_found(owner_client, project):
    assert owner_client.get("/projekte/p12345%FF/").status_code == 404


def test_invalid_utf8_in_a_form_is_a_field_error(owner_client, project):
    response = owner_client.post(
        reverse("contract:request_new"), b"number=p1%FF%FE", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 422


def test_a_nul_character_is_a_field_error_not_a_database_error(owner_client, project):
    response = owner_client.post(TICKET_NEW, ticket_data(subject="Hilfe\x00"))

    assert response.status_code == 422
    assert not Ticket.objects.exists()


# --- CSRF -------------------------------------------------------------------------------------


@pytest.fixture
def strict_client(owner) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner.admin)
    return client


@pytest.mark.parametrize("token", [None, "falsch" * 11], ids=["missing", "wrong"])
@pytest.mark.parametrize(
    ("url", "data"),
    [
        (reverse("projects:php_version", args=["p12345"]), {"php_version": "8.1"}),
        (RELEASE_NEW, {"email": "neu@example.com", "projects": ["p12345"]}),
        (reverse("set_language"), {"language": "en"}),
    ],
    ids=["php-version", "release", "language"],
)
def test_post_without_the_right_csrf_token_is_refused(strict_client, owner, project, url, data, token):
    strict_client.get(reverse("projects:detail", args=["p12345"]))  # sets the CSRF cookie
    if token:
        data = {**data, "csrfmiddlewaretoken": token}

    response = strict_client.post(url, data, HTTP_X_CSRFTOKEN=token or "")

    assert response.status_code == 403
    project.refresh_from_db()
    owner.admin.refresh_from_db()
    assert project.php_version == "8.3"
    assert not ProjectRelease.objects.exists()
    assert owner.admin.language == "de"


def test_post_with_the_right_csrf_token_goes_through(strict_client, project):
    strict_client.get(reverse("projects:detail", args=["p12345"]))
    token = strict_client.cookies["csrftoken"].value

    response = strict_client.post(
        reverse("projects:php_version", args=["p12345"]), {"php_version": "8.1"}, HTTP_X_CSRFTOKEN=token
    )

    assert response.status_code == 302
    project.refresh_from_db()
    assert project.php_version == "8.1"


def test_login_without_csrf_token_is_refused(owner):
    response = Client(enforce_csrf_checks=True).post(
        reverse("account_login"), {"login": owner.admin.email, "password": PASSWORD}
    )

    assert response.status_code == 403


# --- htmx headers on every URL -----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["owner", "caretaker", "outsider"])
def test_htmx_requests_to_every_url_never_fail(world, persona):
    """Every URL, GET and POST, as an htmx request (also a history restore): an answer, never a 500."""
    client = world.clients[persona]
    headers = [
        {"HX-Request": "true", "HX-Target": "tab-content", "HX-Current-URL": "https://evil.example/"},
        {"HX-Request": "true", "HX-History-Restore-Request": "true"},
    ]
    errors = []
    for name in sorted(URLS):
        url = reverse(name, kwargs=url_kwargs(name, world))
        for method in ("GET", "POST"):
            if EXPECTED[name][method].split()[0] == "405":
                continue
            for extra in headers:
                client.defaults = {f"HTTP_{key.upper().replace('-', '_')}": value for key, value in extra.items()}
                response = request_rolled_back(client, method, url, post_data(name, world))
                if response.status_code >= 500:
                    errors.append(f"{method} {url} {extra}: {response.status_code}")
    client.defaults = {}
    assert errors == []


# --- Release tokens: tampered, replayed, superseded ---------------------------------------------


@pytest.fixture
def release(owner, project, caretaker):
    return delegation.create_release(
        owner=owner, email=caretaker.admin.email, projects=[project], access_expires_at=None
    )


def link(token: str, action: str = "") -> str:
    return reverse("release_link", args=[token]) + (f"{action}/" if action else "")


@pytest.mark.parametrize(
    "tamper",
    [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: t[:20], lambda t: t + "x", lambda t: t.upper()],
    ids=["last-character", "truncated", "extended", "case"],
)
def test_a_tampered_token_opens_nothing(caretaker_client, release, tamper):
    _pending, token = release

    assert caretaker_client.get(link(tamper(token))).status_code == 404
    assert caretaker_client.post(link(tamper(token), "annehmen")).status_code == 404
    assert not Caretakership.objects.exists()


def test_a_used_token_cannot_be_replayed(caretaker_client, caretaker, release):
    pending, token = release
    assert caretaker_client.post(link(token, "annehmen")).status_code == 302

    replay = caretaker_client.post(link(token, "annehmen"))
    decline = caretaker_client.post(link(token, "ablehnen"))

    assert (replay.status_code, decline.status_code) == (409, 409)
    assert Caretakership.objects.filter(caretaker=caretaker).count() == 1
    pending.refresh_from_db()
    assert pending.status == "accepted"


def test_a_resent_release_kills_the_old_token(owner, caretaker_client, release):
    pending, old_token = release
    new_token = delegation.resend_release(owner=owner, pk=pending.pk)

    assert caretaker_client.post(link(old_token, "annehmen")).status_code == 404
    assert not Caretakership.objects.exists()
    assert caretaker_client.post(link(new_token, "annehmen")).status_code == 302


def test_a_withdrawn_release_cannot_be_accepted(owner, caretaker_client, release):
    pending, token = release
    delegation.withdraw_release(owner=owner, pk=pending.pk)

    assert caretaker_client.post(link(token, "annehmen")).status_code == 409
    assert not Caretakership.objects.exists()


# --- Redirects stay on the site -----------------------------------------------------------------

EVIL_NEXT = ["https://evil.example/", "//evil.example/", "/\\evil.example/", "https:evil.example", "\\\\evil.example"]


def stays_on_site(response) -> bool:
    location = response["Location"]
    return url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"}) and "evil" not in location


@pytest.mark.parametrize("evil", EVIL_NEXT)
def test_login_never_redirects_off_site(owner, evil):
    response = Client().post(reverse("account_login"), {"login": owner.admin.email, "password": PASSWORD, "next": evil})

    assert response.status_code == 302
    assert stays_on_site(response)


@pytest.mark.parametrize("evil", EVIL_NEXT)
def test_language_switch_never_redirects_off_site(owner_client, evil):
    response = owner_client.post(reverse("set_language"), {"language": "en", "next": evil}, HTTP_REFERER=evil)

    assert response.status_code == 302
    assert stays_on_site(response)


@pytest.mark.parametrize("evil", EVIL_NEXT)
def test_logout_never_redirects_off_site(owner_client, evil):
    response = owner_client.post(reverse("account_logout"), {"next": evil})

    assert response.status_code == 302
    assert stays_on_site(response)
