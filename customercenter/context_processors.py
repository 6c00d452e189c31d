from django.utils.functional import SimpleLazyObject

from customercenter.http import membership_of, memberships_of
from customercenter.roles import Action, role_refusal
from notifications.models import Notification

# The parts of the customer center a role may be refused, as the templates name them.
AREAS = {
    "projects": Action.PROJECTS,
    "caretaking": Action.CARETAKING,
    "contract": Action.CONTRACT,
    "members": Action.MEMBERS,
}


def _section(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    if match.url_name == "home":
        return "home"
    if match.namespace == "projects":
        return "servers" if match.url_name.startswith("server") else "projects"
    return match.namespace


def navigation(request):
    """The active section, the active account and the person's others (the switcher), and the
    unread badge (counted only when a page shows it)."""
    context = {"nav": _section(request)}
    membership = membership_of(request)
    customer = membership.customer if membership else None
    context["active_account"] = customer
    context["memberships"] = memberships_of(request)
    context["active_membership"] = membership
    # Why the role may not enter each part, or None: the navigation says it instead of hiding it.
    context["role_refusals"] = (
        {area: role_refusal(membership, action) for area, action in AREAS.items()} if membership else {}
    )
    if customer is not None:
        context["unread_count"] = SimpleLazyObject(lambda: Notification.objects.for_member(membership).unread().count())
    return context
