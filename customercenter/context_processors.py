from django.utils.functional import SimpleLazyObject

from customercenter.http import customer_of


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
    """The active section and the unread badge (counted only when a page shows it)."""
    context = {"nav": _section(request)}
    customer = customer_of(request)
    if customer is not None:
        context["unread_count"] = SimpleLazyObject(lambda: customer.notifications.unread().count())
    return context
