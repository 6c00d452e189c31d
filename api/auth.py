"""Who calls the API: a personal access token in the Authorization header, and only there."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer
from ninja.throttling import SimpleRateThrottle

from api.errors import ApiError
from api.models import TOKEN_PREFIX, AccessToken
from api.tokens import token_for
from customercenter.models import Customer
from customercenter.roles import Action, role_refusal
from projects import audit

# Query parameters in which clients commonly put tokens; a token there ends up in logs.
TOKEN_PARAMETERS = {"token", "access_token", "api_token", "api_key", "key"}


class TokenAuth(HttpBearer):
    def __call__(self, request: HttpRequest) -> AccessToken | None:
        if TOKEN_PARAMETERS & set(request.GET) or any(
            value.startswith(TOKEN_PREFIX) for values in request.GET.lists() for value in values[1]
        ):
            message = _("API-Tokens gehören in den Header „Authorization: Bearer …“, nie in die Adresse.")
            raise ApiError(400, "token_in_query", message)
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> AccessToken | None:
        return token_for(token.strip(), address=client_address(request))


def client_address(request: HttpRequest) -> str | None:
    """The caller's address by the rule of the login limits (allauth's, which trusts exactly
    ALLAUTH_TRUSTED_PROXY_COUNT proxies or the ALLAUTH_TRUSTED_CLIENT_IP_HEADER); None when the
    proxy named none: the address is only shown to the account, it decides nothing."""
    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return None


class TokenRateThrottle(SimpleRateThrottle):
    """Requests per token (API_RATE_PER_TOKEN), on top of the product's own limits per day."""

    scope = "token"

    def __init__(self) -> None:
        super().__init__(settings.API_RATE_PER_TOKEN)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        token = getattr(request, "auth", None)
        if token is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.token_hash}


def customer(request: HttpRequest) -> Customer:
    """The account the token belongs to: the API acts as it, never as more; and as the member who
    made the token, whose role must allow projects and caretaker work (the API's whole subject)."""
    require_role(request, Action.PROJECTS)
    return request.auth.customer


def require_role(request: HttpRequest, action: Action) -> None:
    """403 with the reason when the token's maker's role in the account does not allow `action`."""
    reason = role_refusal(request.auth.membership, action)
    if reason is not None:
        raise ApiError(403, "role", reason)


@contextmanager
def change(request: HttpRequest) -> Iterator[Customer]:
    """A change through the API: it needs a read-write token, and the history names the token."""
    token: AccessToken = request.auth
    if not token.can_write:
        message = _("Dieses Token darf nur lesen. Für Änderungen brauchst du ein Token mit „lesen und schreiben“.")
        raise ApiError(403, "read_only_token", message)
    me = customer(request)
    with audit.via_token(me, token.name), audit.acting_person(me, token.membership.user):
        yield me
