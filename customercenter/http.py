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
