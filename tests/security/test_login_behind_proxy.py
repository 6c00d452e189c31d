"""Login rate limits behind the TLS proxy: every request comes from the proxy's address, yet one
client's failed logins lock out that client (and a guessed-at account), never everyone.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

PROXY = "10.0.0.2"
ATTACKER = "203.0.113.7"
CUSTOMER = "198.51.100.20"


def through_proxy(client_address: str, *, forged: str = "") -> Client:
    """A browser at `client_address` behind our proxy, which appends that address to X-Forwarded-For."""
    forwarded_for = f"{forged}, {client_address}" if forged else client_address
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)


def log_in(client: Client, email: str, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail_ten_logins_on_different_accounts(client: Client) -> None:
    for n in range(10):
        log_in(client, f"kunde{n}@example.com", "falsch")


@pytest.fixture
def one_trusted_proxy(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


def test_failed_logins_of_one_client_lock_out_that_client_only(one_trusted_proxy, owner):
    attacker = through_proxy(ATTACKER)
    fail_ten_logins_on_different_accounts(attacker)

    refused = log_in(attacker, owner.admin.email)
    customer = through_proxy(CUSTOMER)
    accepted = log_in(customer, owner.admin.email)

    assert "Zu viele gescheiterte Anmeldeversuche" in refused.text
    assert not signed_in(attacker)
    assert accepted.status_code == 302
    assert signed_in(customer)


def test_a_client_cannot_dodge_the_limit_by_forging_x_forwarded_for(one_trusted_proxy, owner):
    for n in range(10):
        log_in(through_proxy(ATTACKER, forged=f"192.0.2.{n}"), f"kunde{n}@example.com", "falsch")

    attacker = through_proxy(ATTACKER, forged="192.0.2.99")
    refused = log_in(attacker, owner.admin.email)

    assert "Zu viele gescheiterte Anmeldeversuche" in refused.text
    assert not signed_in(attacker)


def test_failed_logins_on_one_account_lock_it_from_every_client(one_trusted_proxy, owner, outsider):
    for n in range(5):
        log_in(through_proxy(f"203.0.113.{n + 10}"), owner.admin.email, "falsch")

    customer = through_proxy(CUSTOMER)
    refused = log_in(customer, owner.admin.email)

    assert "Zu viele gescheiterte Anmeldeversuche" in refused.text
    assert not signed_in(customer)
    assert log_in(customer, outsider.admin.email).status_code == 302
    assert signed_in(customer)


def test_a_client_address_header_set_by_the_proxy_counts_per_client(settings, owner):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    attacker = Client(REMOTE_ADDR=PROXY, HTTP_X_REAL_IP=ATTACKER)
    fail_ten_logins_on_different_accounts(attacker)

    customer = Client(REMOTE_ADDR=PROXY, HTTP_X_REAL_IP=CUSTOMER)

    assert "Zu viele gescheiterte Anmeldeversuche" in log_in(attacker, owner.admin.email).text
    assert log_in(customer, owner.admin.email).status_code == 302
    assert signed_in(customer)


def test_without_the_proxys_header_a_login_is_refused(settings, owner):
    """Someone who reaches the app past the proxy cannot log in under no address at all."""
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    client = Client(REMOTE_ADDR=PROXY)

    response = log_in(client, owner.admin.email)

    assert response.status_code == 403
    assert not signed_in(client)


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(owner):
    """Reached directly, a client could choose its address: by default only the connection counts."""
    for n in range(10):
        log_in(through_proxy(f"203.0.113.{n + 10}"), f"kunde{n}@example.com", "falsch")

    client = through_proxy(CUSTOMER)

    assert "Zu viele gescheiterte Anmeldeversuche" in log_in(client, owner.admin.email).text
    assert not signed_in(client)
