"""Creating customers: hosting customers by staff or demo data, partners by self sign-up."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db import transaction

from customercenter.models import Customer, User


@transaction.atomic
def create_verified_customer(
    *, email: str, password: str | None, kind: str = Customer.Kind.HOSTING, **profile
) -> Customer:
    """A customer whose address staff already know (hosting customers): verified, numbered at once."""
    user = User.objects.create_user(email=email, password=password)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    customer = Customer.objects.create(user=user, kind=kind, **profile)
    customer.assign_number()
    return customer


@transaction.atomic
def create_partner(*, user: User, **profile) -> Customer:
    """A partner signs up itself; the customer number follows once the address is verified.

    Signing up from a release link counts as verified (the link went to that address).
    """
    customer = Customer.objects.create(user=user, kind=Customer.Kind.PARTNER, **profile)
    if EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists():
        customer.assign_number()
    return customer


@transaction.atomic
def activate_customer(*, user: User) -> Customer | None:
    customer = Customer.objects.select_for_update().filter(user=user).first()
    if customer is not None:
        customer.assign_number()
    return customer
