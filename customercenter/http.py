from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from customercenter.models import Customer, Membership, User

# The session key of the account a person works in now (a person may belong to several).
ACTIVE_ACCOUNT = "active_customer"


class AuthenticatedHttpRequest(HttpRequest):
    user: User | AnonymousUser
    customer: Customer
    membership: Membership
    htmx: HtmxDetails


def wants_fragment(request: HttpRequest) -> bool:
    """An htmx request that wants a piece of the page, not a history restore."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def memberships_of(request: HttpRequest) -> list[Membership]:
    """The signed-in person's memberships, read with the person at every request (see
    customercenter.auth): a removed member has none in that account from its next request on."""
    user = request.user
    if not user.is_authenticated:
        return []
    if not hasattr(user, "loaded_memberships"):
        user.loaded_memberships = list(user.memberships.select_related("customer").order_by("customer__number", "pk"))
    return user.loaded_memberships


def membership_of(request: HttpRequest) -> Membership | None:
    """The person's membership in its active account (the one chosen in the session, else its
    first), or None (staff may have none)."""
    memberships = memberships_of(request)
    active = request.session.get(ACTIVE_ACCOUNT) if hasattr(request, "session") else None
    chosen = next((m for m in memberships if m.customer_id == active), None)
    return chosen or next(iter(memberships), None)


def customer_of(request: HttpRequest) -> Customer | None:
    """The active customer account of the signed-in person, if it has one."""
    membership = membership_of(request)
    return membership.customer if membership else None
