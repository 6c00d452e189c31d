"""Joining an account from an invitation without a login: the sign-up creates the login only.

The link went to the invited address, so a valid link proves the mailbox: the address counts as
verified, and the person joins the inviting account with the invited role, without an account of
its own. Anything wrong changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from customercenter import members
from customercenter.models import Customer, Invitation, Membership, Role, User
from notifications.models import OutboxEmail
from tests.conftest import login
from tests.delegation.helpers import field_error, page_text
from tests.factories import PASSWORD, UserFactory

ANSWERS = {"name": "Nina Neu", "email": "neu@example.com", "password1": PASSWORD, "password2": PASSWORD}


@pytest.fixture
def token(owner) -> str:
    _invitation, token = members.invite_member(
        customer=owner, invited_by=owner.admin, email="neu@example.com", role=Role.TECHNIK
    )
    return token


def sign_up(client, token, **answers):
    return client.post(reverse("invitation_signup", args=[token]), {**ANSWERS, **answers})


def test_the_invitation_offers_a_login_to_whoever_is_not_signed_in(client, token):
    page = client.get(reverse("invitation", args=[token]))

    assert reverse("invitation_signup", args=[token]) in page.text
    form = client.get(reverse("invitation_signup", args=[token]))
    assert form.status_code == 200
    assert 'value="neu@example.com"' in form.text
    assert "ein eigenes Kundenkonto entsteht nicht" in page_text(form)


def test_an_invited_person_signs_up_and_joins_with_the_role_and_nothing_else(client, owner, project, token):
    accounts = Customer.objects.count()

    response = sign_up(client, token)

    assert response["Location"] == reverse("home")
    assert "Willkommen im Konto Bäckerei Sonnenschein" in page_text(client.get(response["Location"]))
    person = User.objects.get(email="neu@example.com")
    assert person.name == "Nina Neu"
    assert EmailAddress.objects.get(user=person).verified
    assert [(m.customer, m.role) for m in person.memberships.all()] == [(owner, Role.TECHNIK)]
    assert Customer.objects.count() == accounts
    invitation = Invitation.objects.get()
    assert (invitation.status, invitation.accepted_by) == (Invitation.Status.ACCEPTED, person)
    assert client.get(reverse("projects:detail", args=["p12345"])).status_code == 200
    # No confirmation mail: the invitation's link already went to this address.
    assert list(OutboxEmail.objects.filter(to="neu@example.com").values_list("topic", flat=True)) == [
        f"invitation:{invitation.pk}"
    ]


def test_the_address_is_the_invited_one(client, token):
    response = sign_up(client, token, email="jemand@example.com")

    assert response.status_code == 422
    assert field_error(response, "email") == "Diese Einladung gilt nur für neu@example.com."
    assert not User.objects.filter(email="jemand@example.com").exists()
    assert Invitation.objects.get().status == Invitation.Status.PENDING
    assert not client.session.get("account_verified_email")


def test_an_address_that_has_a_login_is_told_to_sign_in(client, owner, token):
    person = UserFactory(email="neu@example.com")

    response = sign_up(client, token, email="NEU@example.com")

    assert response.status_code == 422
    assert "Zu neu@example.com gibt es schon ein Login. Melde dich damit an" in field_error(response, "email")
    assert User.objects.filter(email__iexact="neu@example.com").count() == 1
    assert not Membership.objects.filter(user=person).exists()


def test_a_weak_password_is_refused_and_nothing_is_kept(client, token):
    response = sign_up(client, token, password1="kurz", password2="kurz")

    assert response.status_code == 422
    assert not User.objects.filter(email="neu@example.com").exists()


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"status": Invitation.Status.ACCEPTED}, "bereits angenommen"),
        ({"status": Invitation.Status.WITHDRAWN}, "zurückgezogen"),
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, "abgelaufen"),
    ],
)
def test_a_used_withdrawn_or_expired_invitation_signs_nobody_up(client, token, change, says):
    Invitation.objects.update(**change)
    accounts = Customer.objects.count()

    response = sign_up(client, token)

    assert response.status_code == 409
    assert says in page_text(response)
    assert not User.objects.filter(email="neu@example.com").exists()
    assert Customer.objects.count() == accounts
    assert client.get(reverse("invitation_signup", args=[token])).status_code == 409


def test_an_invitation_withdrawn_while_the_form_is_sent_keeps_nothing(client, owner, token, monkeypatch):
    """The form checked a moment before; the service checks again under lock, and the new login
    goes with it."""
    invitation = Invitation.objects.get()
    real_accept = members.accept_invitation

    def withdrawn_meanwhile(**kwargs):
        members.withdraw_invitation(customer=owner, pk=invitation.pk)
        return real_accept(**kwargs)

    monkeypatch.setattr(members, "accept_invitation", withdrawn_meanwhile)

    response = sign_up(client, token)

    assert response.status_code == 409
    assert "zurückgezogen" in page_text(response)
    assert not User.objects.filter(email="neu@example.com").exists()
    assert not client.session.get("account_verified_email")


def test_an_unknown_link_is_404(client, token):
    assert sign_up(client, "x" * 43).status_code == 404
    assert not User.objects.filter(email="neu@example.com").exists()


def test_a_signed_in_person_is_sent_to_the_invitation_itself(outsider, token):
    response = login(outsider).get(reverse("invitation_signup", args=[token]))

    assert response["Location"] == reverse("invitation", args=[token])
