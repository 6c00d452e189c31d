"""Personal access tokens: created after re-authentication, shown once, stored as a hash,
revocable by the account and by staff; header only; never more than the account may do."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.urls import reverse
from django.utils import timezone

from api.models import AccessToken
from api.tokens import create_token
from customercenter.tokens import hash_token
from tests.api.conftest import ApiClient, token_client
from tests.conftest import login
from tests.factories import PASSWORD

LIST = reverse("api_tokens:list")
NEW = reverse("api_tokens:new")


def reauthenticated(customer):
    client = login(customer)
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302
    return client


def with_totp(customer) -> str:
    secret = generate_totp_secret()
    TOTP.activate(customer.admin, secret)
    return secret


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_token_pages_need_login(client, db):
    assert client.get(LIST).status_code == 302
    assert client.get(NEW)["Location"].startswith(reverse("account_login"))


def test_account_menu_links_the_token_page(owner_client):
    assert LIST in owner_client.get(reverse("projects:list")).content.decode()


def test_creating_a_token_asks_to_reauthenticate_first(owner_client, owner):
    response = owner_client.post(NEW, {"name": "deploy", "scope": "write"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not AccessToken.objects.exists()


def test_token_is_shown_once_and_stored_only_as_a_hash(owner):
    client = reauthenticated(owner)
    response = client.post(NEW, {"name": "deploy", "scope": "write", "expires_on": ""})
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("kcpat_") and secret in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")
    token = AccessToken.objects.get()
    assert (token.customer, token.name, token.scope, token.expires_at) == (owner, "deploy", "write", None)
    assert token.token_hash == hash_token(secret)
    assert secret not in str(AccessToken.objects.values().get())
    listed = client.get(LIST).content.decode()
    assert "deploy" in listed and token.shown_part in listed and secret not in listed
    assert ApiClient(secret).get("/projects").status_code == 200


def test_a_second_factor_account_must_reauthenticate_with_it(owner):
    totp = with_totp(owner)
    client = reauthenticated(owner)
    response = client.get(NEW)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert client.post(reverse("mfa_reauthenticate"), {"code": totp_code(totp)}).status_code == 302
    assert client.post(NEW, {"name": "deploy", "scope": "read"}).status_code == 200
    assert AccessToken.objects.filter(customer=owner, scope="read").exists()


def test_reauthentication_runs_out(owner, settings):
    client = reauthenticated(owner)
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 0
    assert client.post(NEW, {"name": "deploy", "scope": "read"}).status_code == 302
    assert not AccessToken.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "scope": "read"}, "name", "Dieses Feld ist zwingend erforderlich."),
        ({"name": "x", "scope": "admin"}, "scope", "Bitte eine gültige Auswahl treffen."),
        ({"name": "x", "scope": "read", "expires_on": "2020-01-01"}, "expires_on", "Vergangenheit"),
        ({"name": "x\x00", "scope": "read"}, "name", "Null"),
    ],
)
def test_bad_token_input_is_refused_at_the_field(owner, data, field, message):
    response = reauthenticated(owner).post(NEW, data)
    assert response.status_code == 422
    assert message in " ".join(response.context["form"].errors[field])
    assert not AccessToken.objects.exists()


def test_two_live_tokens_do_not_share_a_name(owner):
    create_token(customer=owner, created_by=owner.admin, name="deploy", scope="read", expires_at=None)
    response = reauthenticated(owner).post(NEW, {"name": "deploy", "scope": "read"})
    assert response.status_code == 422
    assert AccessToken.objects.count() == 1


def test_expiry_day_is_the_last_day_the_token_works(owner):
    day = timezone.localdate() + timedelta(days=3)
    reauthenticated(owner).post(NEW, {"name": "kurz", "scope": "read", "expires_on": day.isoformat()})
    token = AccessToken.objects.get()
    assert timezone.localtime(token.expires_at).date() == day + timedelta(days=1)


def test_owner_revokes_a_token_after_confirming(owner, owner_client):
    client = token_client(owner, name="deploy")
    token = AccessToken.objects.get()
    url = reverse("api_tokens:revoke", args=[token.pk])
    assert "deploy" in owner_client.get(url).content.decode()
    assert client.get("/projects").status_code == 200
    assert owner_client.post(url).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get("/projects").status_code == 401


def test_nobody_revokes_another_accounts_token(owner, outsider_client):
    client = token_client(owner)
    token = AccessToken.objects.get()
    assert outsider_client.post(reverse("api_tokens:revoke", args=[token.pk])).status_code == 404
    assert client.get("/projects").status_code == 200


def test_staff_list_and_revoke_tokens_in_the_admin(owner, staff_client):
    client = token_client(owner, name="deploy")
    token = AccessToken.objects.get()
    listing = staff_client.get(reverse("admin:api_accesstoken_changelist"), {"q": str(owner.number)})
    assert token.shown_part in listing.content.decode()
    assert token.token_hash not in listing.content.decode()
    staff_client.post(reverse("admin:api_accesstoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]})
    assert client.get("/projects").status_code == 401


def test_last_use_time_and_address_are_recorded(owner):
    client = token_client(owner)
    client.get("/projects", REMOTE_ADDR="203.0.113.7")
    token = AccessToken.objects.get()
    assert token.last_used_from == "203.0.113.7"
    assert timezone.now() - token.last_used_at < timedelta(seconds=5)
    assert "203.0.113.7" in login(owner).get(LIST).content.decode()


def last_used_from(client: ApiClient, **headers) -> str | None:
    assert client.get("/projects", **headers).status_code == 200
    return AccessToken.objects.get().last_used_from


def test_behind_the_proxy_the_client_address_is_recorded_not_a_forged_one(owner, settings):
    """The proxy appends the address it sees to X-Forwarded-For; what the client put before it is
    its own claim."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    chain = "192.0.2.1, 198.51.100.9, 203.0.113.7"
    address = last_used_from(token_client(owner), REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=chain)
    assert address == "203.0.113.7"


def test_without_a_trusted_proxy_x_forwarded_for_is_not_recorded(owner):
    address = last_used_from(token_client(owner), REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert address == "203.0.113.7"


def test_the_proxys_client_address_header_is_recorded(owner, settings):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    client = token_client(owner)
    assert last_used_from(client, REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="203.0.113.7") == "203.0.113.7"
    # Past the proxy there is no client address to record; the token still works.
    assert last_used_from(client, REMOTE_ADDR="10.0.0.2") is None


def test_expired_token_is_refused(owner):
    client = token_client(owner, expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get("/projects")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_token_of_a_closed_account_is_refused(owner):
    client = token_client(owner)
    owner.admin.is_active = False
    owner.admin.save()
    assert client.get("/projects").status_code == 401


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer kcpat_unknown", "Basic abc", "Token kcpat_x"])
def test_missing_or_unknown_token_is_refused(db, header):
    client = ApiClient(None)
    response = client.get("/projects", **({"HTTP_AUTHORIZATION": header} if header else {}))
    assert response.status_code == 401
    assert response.json_body["code"] == "not_authenticated"


@pytest.mark.parametrize("query", ["access_token={secret}", "token={secret}", "q={secret}"])
def test_token_in_the_query_string_is_refused(owner, query):
    client = token_client(owner)
    response = ApiClient(None).get("/projects?" + query.format(secret=client.secret))
    assert response.status_code == 400
    assert response.json_body["code"] == "token_in_query"
    assert client.get("/projects?" + query.format(secret=client.secret)).status_code == 400
    assert AccessToken.objects.get().last_used_at is None
