"""Two sign-ups with the same new e-mail address at the same moment, on PostgreSQL: one account,
and both get the answer a sign-up with a known address gets (it reveals nothing)."""

from __future__ import annotations

import pytest
from allauth.account.internal.flows import manage_email
from django.test import Client

from customercenter.models import Customer, User
from tests.concurrency import Rendezvous, pause_after, race
from tests.customercenter.test_accounts import signup_data

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_sign_ups_with_the_same_new_address_at_once_make_one_account(monkeypatch):
    # Both have checked that the address is free before either saves.
    pause_after(monkeypatch, manage_email, "email_already_exists", Rendezvous())
    clients = [Client(), Client()]

    results = race(*[lambda client=client: client.post("/konto/signup/", signup_data()) for client in clients])

    responses = [value for _kind, value in results]
    assert [kind for kind, _value in results] == ["ok", "ok"], responses
    assert [response.status_code for response in responses] == [302, 302]
    assert responses[0]["Location"] == responses[1]["Location"]
    assert User.objects.filter(email="neu@example.com").count() == 1
    assert Customer.objects.count() == 1
