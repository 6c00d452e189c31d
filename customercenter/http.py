from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from customercenter.models import Customer, User


class AuthenticatedHttpRequest(HttpRequest):
    user: User | AnonymousUser
    customer: Customer
    htmx: HtmxDetails


def wants_fragment(request: HttpRequest) -> bool:
    """An htmx request that wants a piece of the page, not a history restore."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def customer_of(request: HttpRequest) -> Customer | None:
    """The signed-in person's customer account, if it has one (staff may have none)."""
    if not request.user.is_authenticated:
        return None
    return getattr(request.user, "customer", None)
