"""allauth's pages and e-mails speak like the product: "du", and one spelling of each word."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from customercenter.adapters import MFAAdapter
from tests.delegation.helpers import page_text
from tests.factories import PASSWORD

FORMAL = re.compile(r"\b(Sie|Ihr|Ihre|Ihren|Ihrem|Ihrer|Ihnen)\b")


def assert_says_du(text: str) -> None:
    assert not FORMAL.findall(text), text
    assert "Wiederherstellungs-Codes" not in text


def test_reauthentication_page_says_du(owner_client):
    text = page_text(owner_client.get("/konto/reauthenticate/"))

    assert "Gib dein Passwort ein" in text
    assert_says_du(text)


@pytest.mark.parametrize("url", ["/konto/2fa/", "/konto/2fa/totp/activate/", "/konto/2fa/recovery-codes/generate/"])
def test_two_factor_pages_say_du(owner_client, url):
    # With the password just confirmed, allauth does not ask for it again.
    owner_client.post("/konto/reauthenticate/", {"password": PASSWORD})

    response = owner_client.get(url)

    assert response.status_code == 200
    assert_says_du(page_text(response))


def test_two_factor_overview_spells_recovery_codes_as_one_word(owner_client):
    text = page_text(owner_client.get("/konto/2fa/"))

    assert "Wiederherstellungscodes" in text


def test_mfa_errors_say_du():
    for message in MFAAdapter.error_messages.values():
        assert_says_du(str(message))


def test_password_reset_mail_says_du(client, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/konto/password/reset/", {"email": "owner@example.com"})

    [message] = mail.outbox
    assert "ein neues Passwort für dein Konto angefordert" in message.body
    assert_says_du(message.body)


def test_sign_up_mail_says_du(client, db, django_capture_on_commit_callbacks):
    password = "Sonnenblume-Kaffeetasse-42"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/konto/signup/",
            {
                "email": "neu@example.com",
                "password1": password,
                "password2": password,
                "company": "Webwerk Nord",
                "first_name": "Nina",
                "last_name": "Neumann",
            },
        )

    [message] = mail.outbox
    assert "Bestätige deine E-Mail-Adresse über diesen Link" in message.body
    assert_says_du(message.body)
