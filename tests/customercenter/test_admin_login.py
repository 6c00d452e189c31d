"""Staff reach the Django admin only through the customer center's login: its rate limits, its second
factor, and with STAFF_REQUIRE_MFA a second factor before any admin page.
"""

from __future__ import annotations

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client

from tests.conftest import login
from tests.factories import PASSWORD

ADMIN_PAGES = ["/admin/", "/admin/customercenter/customer/", "/admin/projects/project/"]
LOGIN_FOR_THE_ADMIN = "/konto/login/?next=/admin/"
SENT_TO_LOGIN_FOR_THE_ADMIN = "/konto/login/?next=%2Fadmin%2F"


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture
def staff_totp_secret(staff) -> str:
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    return secret


def test_the_admin_login_sends_to_the_customer_center_login(client, db):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"] == SENT_TO_LOGIN_FOR_THE_ADMIN


def test_a_password_posted_to_the_admin_login_opens_nothing(client, staff):
    for _ in range(12):
        client.post("/admin/login/?next=/admin/", {"username": staff.email, "password": "falsch"})

    response = client.post("/admin/login/?next=/admin/", {"username": staff.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == SENT_TO_LOGIN_FOR_THE_ADMIN
    assert not signed_in(client)
    assert client.get("/admin/").status_code == 302


def test_staff_sign_in_for_the_admin_through_the_customer_center_login(client, staff):
    response = client.post(LOGIN_FOR_THE_ADMIN, {"login": staff.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_failed_staff_logins_lock_the_admin_like_every_login(client, staff):
    for _ in range(5):
        client.post(LOGIN_FOR_THE_ADMIN, {"login": staff.email, "password": "falsch"})

    refused = client.post(LOGIN_FOR_THE_ADMIN, {"login": staff.email, "password": PASSWORD})

    assert "Zu viele gescheiterte Anmeldeversuche" in refused.text
    assert not signed_in(client)
    assert client.get("/admin/").status_code == 302


def test_staff_with_totp_need_the_second_factor_for_the_admin(client, staff, staff_totp_secret):
    client.post("/admin/login/?next=/admin/", {"username": staff.email, "password": PASSWORD})
    assert not signed_in(client)

    password_only = client.post(LOGIN_FOR_THE_ADMIN, {"login": staff.email, "password": PASSWORD})

    assert password_only["Location"] == "/konto/2fa/authenticate/"
    assert not signed_in(client)
    assert client.get("/admin/").status_code == 302

    wrong = client.post("/konto/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert not signed_in(client)

    second_factor = client.post("/konto/2fa/authenticate/", {"code": current_code(staff_totp_secret)})

    assert second_factor["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_customer_signed_in_cannot_use_the_admin_login(owner_client):
    response = owner_client.get("/admin/login/?next=/admin/")

    assert response.status_code == 403


# --- STAFF_REQUIRE_MFA --------------------------------------------------------------------------


@pytest.fixture
def staff_require_mfa(settings):
    settings.STAFF_REQUIRE_MFA = True


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_staff_without_a_second_factor_are_sent_to_set_one_up(staff_require_mfa, staff_client, url):
    response = staff_client.get(url)

    assert response.status_code == 302
    assert response["Location"] == "/konto/2fa/totp/activate/"


def test_staff_without_a_second_factor_are_told_why(staff_require_mfa, staff_client):
    response = staff_client.post("/admin/customercenter/customer/add/", {"email": "neu@example.com"}, follow=True)

    assert "brauchst du die Zwei-Faktor-Authentifizierung" in response.text
    assert not Authenticator.objects.exists()


def test_staff_can_set_up_the_second_factor_and_then_open_the_admin(staff_require_mfa, client, staff):
    client.post(LOGIN_FOR_THE_ADMIN, {"login": staff.email, "password": PASSWORD})

    sent = client.get("/admin/", follow=True)
    # allauth asks for the password once more before a second factor is added.
    assert sent.redirect_chain[-1][0] == "/konto/reauthenticate/?next=%2Fkonto%2F2fa%2Ftotp%2Factivate%2F"
    confirmed = client.post(sent.redirect_chain[-1][0], {"password": PASSWORD}, follow=True)
    assert confirmed.status_code == 200
    assert confirmed.redirect_chain[-1][0] == "/konto/2fa/totp/activate/"
    secret = confirmed.context["form"].secret

    activated = client.post("/konto/2fa/totp/activate/", {"code": current_code(secret)})

    assert activated.status_code == 302
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_staff_with_a_second_factor_open_the_admin(staff_require_mfa, staff_client, staff_totp_secret, url):
    assert staff_client.get(url).status_code == 200


def test_the_requirement_leaves_customers_and_the_customer_center_alone(staff_require_mfa, owner_client, staff):
    assert owner_client.get("/projekte/").status_code == 200
    assert owner_client.get("/admin/")["Location"].startswith("/admin/login/")
    assert login(staff).get("/konto/2fa/").status_code == 200
