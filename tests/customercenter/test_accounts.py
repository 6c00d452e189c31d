"""Partner werden, e-mail verification, customer numbers, login, password reset, TOTP."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from customercenter.models import CUSTOMER_NUMBER_OFFSET, Customer, User
from notifications.models import OutboxEmail
from tests.factories import PASSWORD, CustomerFactory, UserFactory

NEW_PASSWORD = "Sonnenblume-Kaffeetasse-42"
CONFIRM_LINK_RE = re.compile(r"/konto/confirm-email/(?P<key>[-:\w]+)/")
RESET_LINK_RE = re.compile(r"/konto/password/reset/key/[0-9A-Za-z]+-[^/\s]+/")


def signup_data(**overrides) -> dict:
    return {
        "email": "neu@example.com",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "company": "Webwerk Nord",
        "first_name": "Nina",
        "last_name": "Neumann",
        **overrides,
    }


@pytest.fixture
def sign_up(db, client, django_capture_on_commit_callbacks):
    """Sign up as a partner like the form does; returns the response. Mail goes out on commit."""

    def post(**overrides):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/konto/signup/", signup_data(**overrides))

    return post


def confirmation_key(email: str) -> str:
    message = next(m for m in reversed(mail.outbox) if m.to == [email])
    return CONFIRM_LINK_RE.search(message.body)["key"]


def confirm(client: Client, email: str):
    return client.post(f"/konto/confirm-email/{confirmation_key(email)}/")


def sign_up_and_confirm(sign_up, client: Client, email: str) -> Customer:
    sign_up(email=email)
    response = confirm(client, email)
    assert response.status_code == 302
    return Customer.objects.get(memberships__user__email=email)


def test_signup_page_is_partner_werden(client, db):
    response = client.get("/konto/signup/")

    assert response.status_code == 200
    assert "Partner werden" in response.text
    assert 'name="first_name"' in response.text


def test_partner_signup_creates_partner_without_customer_number(sign_up):
    response = sign_up()

    assert response.status_code == 302
    assert response["Location"] == "/konto/confirm-email/"
    customer = Customer.objects.get(memberships__user__email="neu@example.com")
    assert customer.kind == Customer.Kind.PARTNER
    assert customer.number is None
    assert (customer.company, customer.first_name, customer.last_name) == ("Webwerk Nord", "Nina", "Neumann")
    assert not customer.projects.exists()
    assert EmailAddress.objects.get(user=customer.memberships.get().user).verified is False


def test_partner_signup_mails_verification_through_the_outbox(sign_up):
    sign_up()

    row = OutboxEmail.objects.get(to="neu@example.com")
    assert row.topic == "account"
    assert row.status == OutboxEmail.Status.SENT
    assert row.sensitive
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["neu@example.com"]
    # The link went out in the mail; the outbox row no longer holds it.
    assert CONFIRM_LINK_RE.search(mail.outbox[0].body)
    assert not CONFIRM_LINK_RE.search(row.body_text)
    assert mail.outbox[0].subject == row.subject


def test_verification_mail_names_the_site(sign_up):
    sign_up()

    body = mail.outbox[0].body
    assert "Hallo von !" not in body
    assert "testserver" in body


def test_confirming_the_address_assigns_a_customer_number(sign_up, client):
    sign_up()

    response = confirm(client, "neu@example.com")

    assert response.status_code == 302
    customer = Customer.objects.get(memberships__user__email="neu@example.com")
    assert customer.number is not None
    assert customer.number >= CUSTOMER_NUMBER_OFFSET
    assert customer.kind == Customer.Kind.PARTNER
    assert EmailAddress.objects.get(user=customer.memberships.get().user).verified is True


def test_confirmed_partner_can_use_the_customer_center(sign_up, client):
    sign_up()
    confirm(client, "neu@example.com")

    response = client.get("/projekte/")

    assert response.status_code == 200
    number = Customer.objects.get(memberships__user__email="neu@example.com").number
    assert f"Kundennummer {number}" in response.text


def test_confirmation_link_opened_with_get_changes_nothing(sign_up, client):
    """Mail scanners follow links: only the POST from the confirmation page verifies."""
    sign_up()
    key = confirmation_key("neu@example.com")

    response = client.get(f"/konto/confirm-email/{key}/")

    assert response.status_code == 200
    customer = Customer.objects.get(memberships__user__email="neu@example.com")
    assert customer.number is None
    assert EmailAddress.objects.get(user=customer.memberships.get().user).verified is False


def test_tampered_confirmation_key_assigns_no_number(sign_up, client):
    sign_up()

    response = client.post("/konto/confirm-email/MQ:tampered:key/")

    assert response.status_code in {200, 404}
    assert Customer.objects.get(memberships__user__email="neu@example.com").number is None


def test_no_number_when_the_address_cannot_be_verified(sign_up, client):
    """Someone else already verified the address: the confirmation fails and no number is handed out."""
    sign_up()
    other = UserFactory(email="andere@example.com")
    EmailAddress.objects.create(user=other, email="neu@example.com", verified=True, primary=False)

    confirm(client, "neu@example.com")

    assert Customer.objects.get(memberships__user__email="neu@example.com").number is None


def test_customer_numbers_are_unique_and_increasing(sign_up, client):
    numbers = [sign_up_and_confirm(sign_up, Client(), f"partner{i}@example.com").number for i in range(3)]

    assert len(set(numbers)) == 3
    assert numbers == sorted(numbers)
    assert all(n >= CUSTOMER_NUMBER_OFFSET for n in numbers)


def test_customer_number_is_never_reused_after_deleting_the_highest(sign_up):
    first = sign_up_and_confirm(sign_up, Client(), "erster@example.com")
    highest = sign_up_and_confirm(sign_up, Client(), "zweiter@example.com")
    deleted_number = highest.number
    user = highest.memberships.get().user
    highest.delete()
    user.delete()
    assert Customer.objects.order_by("-number").first() == first

    newcomer = sign_up_and_confirm(sign_up, Client(), "dritter@example.com")

    assert newcomer.number > deleted_number


def test_signup_without_name_shows_field_error_and_creates_nothing(sign_up):
    response = sign_up(first_name="", last_name="")

    assert response.status_code == 200
    assert "Dieses Feld ist zwingend erforderlich." in response.text
    assert not User.objects.filter(email="neu@example.com").exists()
    assert not Customer.objects.exists()
    assert mail.outbox == []


def test_signup_with_malformed_email_is_refused(sign_up):
    response = sign_up(email="kein-mail-adresse")

    assert response.status_code == 200
    assert "gültige E-Mail-Adresse" in response.text
    assert not Customer.objects.exists()


def test_signup_with_oversized_company_is_refused(sign_up):
    response = sign_up(company="x" * 201)

    assert response.status_code == 200
    assert "höchstens 200 Zeichen" in response.text
    assert not Customer.objects.exists()


def test_signup_with_an_existing_address_creates_no_second_account(sign_up, owner):
    customers_before = Customer.objects.count()

    sign_up(email="Owner@Example.com")

    assert User.objects.filter(email__iexact="owner@example.com").count() == 1
    assert Customer.objects.count() == customers_before


def test_login_with_email_and_password(client, owner):
    response = client.post("/konto/login/", {"login": "owner@example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/projekte/").status_code == 200


def test_login_email_is_case_insensitive(client, owner):
    response = client.post("/konto/login/", {"login": "  OWNER@example.COM ", "password": PASSWORD})

    assert response.status_code == 302
    assert client.get("/projekte/").status_code == 200


def test_login_with_wrong_password_is_refused(client, owner):
    response = client.post("/konto/login/", {"login": "owner@example.com", "password": "falsch"})

    assert response.status_code == 200
    assert "E-Mail-Adresse und/oder das Passwort" in response.text
    assert client.get("/projekte/").status_code == 302


def test_unverified_partner_cannot_log_in(sign_up, client):
    sign_up()
    client.logout()

    response = client.post("/konto/login/", {"login": "neu@example.com", "password": NEW_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/konto/confirm-email/"
    projects = client.get("/projekte/")
    assert projects.status_code == 302
    assert projects["Location"].startswith("/konto/login/")


def test_account_without_number_gets_the_hint_page(db):
    partner = CustomerFactory(kind=Customer.Kind.PARTNER, numbered=False, admin__verified=False)
    client = Client()
    client.force_login(partner.admin)

    for url in ["/projekte/", "/vertragsdaten/", "/vertragsdaten/rechnungen/"]:
        response = client.get(url)
        assert response.status_code == 403
        assert "Dieses Konto hat keine Kundennummer" in response.text


def test_password_reset_mail_arrives_via_the_outbox(client, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/konto/password/reset/", {"email": "owner@example.com"})

    assert response.status_code == 302
    row = OutboxEmail.objects.get(to="owner@example.com")
    assert row.status == OutboxEmail.Status.SENT
    assert row.sensitive
    assert not RESET_LINK_RE.search(row.body_text)
    assert [m.to for m in mail.outbox] == [["owner@example.com"]]


def test_password_reset_link_sets_a_new_password(client, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/konto/password/reset/", {"email": "owner@example.com"})
    link = RESET_LINK_RE.search(mail.outbox[0].body).group(0)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    response = client.post(form_page.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    owner.admin.refresh_from_db()
    assert owner.admin.check_password(NEW_PASSWORD)


def test_password_reset_for_unknown_address_sends_nothing_to_it(client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/konto/password/reset/", {"email": "niemand@example.com"})

    assert response.status_code == 302
    assert not any(RESET_LINK_RE.search(m.body) for m in mail.outbox)


def test_totp_page_is_reachable_when_logged_in(owner_client):
    response = owner_client.get("/konto/2fa/")

    assert response.status_code == 200
    assert "/konto/2fa/totp/activate/" in response.text


def test_totp_page_needs_login(client, db):
    response = client.get("/konto/2fa/")

    assert response.status_code == 302
    assert response["Location"].startswith("/konto/login/")


def test_home_is_the_start_page_or_the_login(client, owner_client):
    assert client.get("/")["Location"] == "/konto/login/?next=/"
    assert owner_client.get("/").status_code == 200
