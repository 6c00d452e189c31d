"""The start page (Übersicht): what needs the customer's action, its projects at a glance, recent history.

Bounded work: a few rows of each kind and the counts, in a constant number of queries however
many projects and caretakerships there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from customercenter.models import Membership
from customercenter.roles import Action, member_may
from delegation.access import caretakerships_of
from delegation.models import Caretakership
from delegation.queries import incoming_releases, incoming_requests, outgoing_releases
from projects.models import AuditEntry, Project

ROWS = 5
# Caretakerships ending within this time are listed as something to look after.
ENDING_WITHIN = timedelta(days=30)


@dataclass(frozen=True)
class Rows:
    """The first rows of a list, and whether there are more than these."""

    rows: list
    more: bool


def first_rows(queryset) -> Rows:
    rows = list(queryset[: ROWS + 1])
    return Rows(rows=rows[:ROWS], more=len(rows) > ROWS)


def start_page(membership: Membership) -> dict:
    """The start page of a member: what waits for the owner's decision (requests to answer,
    release links that did not arrive) only where its role may decide it."""
    customer = membership.customer
    may_decide = member_may(membership, Action.RELEASE)
    nothing = Rows(rows=[], more=False)
    now = timezone.now()
    soon = now + ENDING_WITHIN
    caretakerships = Caretakership.objects.active(now).filter(Q(owner_number=customer.number) | Q(caretaker=customer))
    counts = caretakerships.aggregate(
        released=Count("pk", filter=Q(owner_number=customer.number)),
        cared=Count("pk", filter=Q(caretaker=customer)),
        cared_owners=Count("owner_number", filter=Q(caretaker=customer), distinct=True),
    )
    ending = first_rows(
        caretakerships.filter(expires_at__lte=soon).select_related("project", "caretaker").order_by("expires_at", "pk")
    )
    context = {
        "requests": first_rows(incoming_requests(customer)) if may_decide else nothing,
        "releases": first_rows(incoming_releases(customer)),
        "ending": ending,
        "undeliverable": (
            first_rows(outgoing_releases(customer).filter(delivery_failed_at__isnull=False)) if may_decide else nothing
        ),
        "own_projects": Project.objects.filter(owner=customer).count(),
        "released_count": counts["released"],
        "cared_count": counts["cared"],
        "cared_owners": counts["cared_owners"],
        "history": list(
            # The owner's projects, and what the customer did itself on projects it still cares for.
            AuditEntry.objects.filter(
                Q(project__owner=customer)
                | Q(actor=customer, project__in=caretakerships_of(customer).values("project"))
            )
            .select_related("project", "actor")
            .order_by("-created_at", "-pk")[:ROWS]
        ),
    }
    context["nothing_to_do"] = not any(
        context[name].rows for name in ("requests", "releases", "ending", "undeliverable")
    )
    return context
