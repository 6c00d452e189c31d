"""Creating customers: hosting customers by staff or demo data, partners by self sign-up."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db import transaction

from customercenter.models import Customer, Membership, Role, User


@transaction.atomic
def create_verified_customer(
    *, email: str, password: str | None, kind: str = Customer.Kind.HOSTING, **profile
) -> Customer:
    """A customer whose address staff already know (hosting customers): verified, numbered at once."""
    user = User.objects.create_user(email=email, password=password, name=_person(profile))
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    customer = Customer.objects.create(kind=kind, **profile)
    Membership.objects.create(user=user, customer=customer, role=Role.ADMINISTRATOR)
    customer.assign_number()
    return customer


@transaction.atomic
def create_partner(*, user: User, **profile) -> Customer:
    """A partner signs up itself; the customer number follows once the address is verified.

    Signing up from a release link counts as verified (the link went to that address).
    """
    customer = Customer.objects.create(kind=Customer.Kind.PARTNER, **profile)
    Membership.objects.create(user=user, customer=customer, role=Role.ADMINISTRATOR)
    if not user.name:
        user.name = _person(profile)
        user.save(update_fields=["name"])
    if EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists():
        customer.assign_number()
    return customer


@transaction.atomic
def activate_customer(*, user: User) -> Customer | None:
    """The account a new login signed up with gets its number once the address is verified."""
    customer = (
        Customer.objects.select_for_update()
        .filter(memberships__user=user, memberships__role=Role.ADMINISTRATOR, number__isnull=True)
        .first()
    )
    if customer is not None:
        customer.assign_number()
    return customer


def _person(profile: dict) -> str:
    return f"{profile.get('first_name', '')} {profile.get('last_name', '')}".strip()
