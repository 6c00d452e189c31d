"""The mail provider's webhook: mounted only for the provider in EMAIL_BACKEND and only with its
secret; every other provider's URL is not found, and a body that cannot be read is a bad request,
never a server error. Bounces reported through it: test_faults.py."""

from __future__ import annotations

import json

import pytest
from anymail import urls as anymail_urls
from django.test import Client
from django.urls import reverse

from notifications.models import OutboxEmail
from tests.security.test_faults import POSTMARK, POSTMARK_TRACKING, WEBHOOK_SECRET, basic_auth, postmark_bounce

# Every URL anymail offers, with a placeholder where mailgun's inbound route has an option.
ANYMAIL_URLS = sorted(
    "/anymail/" + str(pattern.pattern).removeprefix("^").replace("(_mime)?", "").removesuffix("$")
    for pattern in anymail_urls.urlpatterns
)
UNREADABLE = {
    "not-json": b"{RecordType: Bounce",
    "not-utf-8": b'{"RecordType": "Bounce\xff"}',
    "a-list": b"[]",
    "a-string": b'"Bounce"',
}


@pytest.fixture
def client() -> Client:
    client = Client()
    client.raise_request_exception = False
    return client


def post(client: Client, url: str, body: bytes | str = "{}", **headers):
    return client.post(url, body, content_type="application/json", **headers)


def test_without_an_anymail_backend_no_webhook_is_mounted(client, db):
    statuses = {url: post(client, url, **basic_auth(WEBHOOK_SECRET)).status_code for url in ANYMAIL_URLS}

    assert set(statuses.values()) == {404}, statuses


def test_without_the_secret_the_providers_webhook_is_not_mounted(client, db, mount_urls):
    mount_urls(EMAIL_BACKEND=POSTMARK["EMAIL_BACKEND"], ANYMAIL={"POSTMARK_SERVER_TOKEN": "token"})

    response = post(client, POSTMARK_TRACKING, json.dumps(postmark_bounce("0f3a", "a@example.com")))

    assert response.status_code == 404


def test_only_the_configured_providers_tracking_webhook_is_mounted(client, db, mount_urls):
    mount_urls(**POSTMARK)

    statuses = {url: post(client, url, **basic_auth(WEBHOOK_SECRET)).status_code for url in ANYMAIL_URLS}

    assert statuses.pop(POSTMARK_TRACKING) == 200
    assert set(statuses.values()) == {404}, statuses
    assert reverse("anymail:postmark_tracking_webhook") == POSTMARK_TRACKING


@pytest.mark.parametrize("credentials", [None, "kundencenter:falsch"], ids=["none", "wrong"])
def test_the_webhook_refuses_a_request_without_the_secret(client, db, mount_urls, credentials):
    mount_urls(**POSTMARK)
    headers = basic_auth(credentials) if credentials else {}

    response = post(client, POSTMARK_TRACKING, b"{not json", **headers)

    assert response.status_code == 400


@pytest.mark.parametrize("body", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_an_unreadable_body_with_the_secret_is_a_bad_request(client, db, mount_urls, body):
    mount_urls(**POSTMARK)

    response = post(client, POSTMARK_TRACKING, body, **basic_auth(WEBHOOK_SECRET))

    assert response.status_code == 400
    assert not OutboxEmail.objects.exists()


def test_a_readable_event_about_no_mail_of_ours_is_taken_and_changes_nothing(client, db, mount_urls):
    mount_urls(**POSTMARK)

    response = post(client, POSTMARK_TRACKING, b'{"RecordType": "Bounce"}', **basic_auth(WEBHOOK_SECRET))

    assert response.status_code == 200
    assert not OutboxEmail.objects.exists()


def test_a_mounted_webhook_answers_get_with_405(client, db, mount_urls):
    mount_urls(**POSTMARK)

    assert client.get(POSTMARK_TRACKING, **basic_auth(WEBHOOK_SECRET)).status_code == 405
