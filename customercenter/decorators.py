from functools import wraps

from django.shortcuts import render

from customercenter.http import membership_of
from customercenter.roles import Action, require_member
from projects import audit


def customer_required(view):
    """Views of the customer center need a customer account (staff without one get a hint).

    `request.customer` is the active account, `request.membership` the person's role there.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        membership = membership_of(request)
        if membership is None or membership.customer.number is None:
            return render(request, "customercenter/no_customer.html", status=403)
        request.customer = membership.customer
        request.membership = membership
        with audit.acting_person(membership.customer, request.user):
            return view(request, *args, **kwargs)

    return wrapper


def role_required(action: Action):
    """The member's role in the active account must allow `action` (delegation/access.py);
    otherwise 403 with the reason. Stacked below `customer_required`."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            require_member(request.membership, action)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
