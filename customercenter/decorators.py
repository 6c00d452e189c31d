from functools import wraps

from django.shortcuts import render

from customercenter.http import customer_of


def customer_required(view):
    """Views of the customer center need a customer account (staff without one get a hint)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        customer = customer_of(request)
        if customer is None or customer.number is None:
            return render(request, "customercenter/no_customer.html", status=403)
        request.customer = customer
        return view(request, *args, **kwargs)

    return wrapper
