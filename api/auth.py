"""Who calls the API: a personal access token in the Authorization header, and only there."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle

from api.errors import ApiError
from api.models import TOKEN_PREFIX, AccessToken
from api.tokens import token_for
from customercenter.models import Customer
from customercenter.roles import Action, role_refusal
from projects import audit

logger = logging.getLogger(__name__)

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


class TokenRateThrottle(BaseThrottle):
    """Requests per token (API_RATE_PER_TOKEN), on top of the product's own limits per day.

    Counted by `limits` in a sliding window, atomically in Redis: parallel requests of one script
    cannot slip past the limit (ninja's own throttle reads and writes a log of every request), and
    a request costs one round trip whatever the limit. When the store does not answer, requests
    pass and a warning is logged: the API stays up, and the limits per day still hold."""

    def __init__(self) -> None:
        count, seconds = parse_rate(settings.API_RATE_PER_TOKEN)
        self.rate = RateLimitItemPerSecond(count, seconds)
        # A store that does not answer within a second counts as down.
        store = storage_from_string(
            settings.API_RATE_STORAGE, wrap_exceptions=True, socket_timeout=1, socket_connect_timeout=1
        )
        self.limiter = SlidingWindowCounterRateLimiter(store)
        self.seconds_to_wait: float | None = None

    def allow_request(self, request: HttpRequest) -> bool:
        token = getattr(request, "auth", None)
        if token is None:
            return True
        try:
            if self.limiter.hit(self.rate, "api-token", token.token_hash):
                return True
            reset_at = self.limiter.get_window_stats(self.rate, "api-token", token.token_hash).reset_time
        except StorageError:
            logger.warning("API rate limit store unavailable; request allowed", exc_info=True)
            return True
        self.seconds_to_wait = max(reset_at - time.time(), 1)
        return False

    def wait(self) -> float | None:
        return self.seconds_to_wait


def parse_rate(rate: str) -> tuple[int, int]:
    """Requests, and the seconds they are counted over, of a rate such as "600/10m" (s, m, h or d)."""
    count, period = rate.split("/")
    return int(count), int(period[:-1] or 1) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[-1]]


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
