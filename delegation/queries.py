"""What the Technischer Betreuer tab shows: a fixed number of queries, whatever the size."""

from __future__ import annotations

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.db.models.functions import Lower
from django.utils import timezone

from customercenter.models import Customer
from delegation import rules
from delegation.models import Caretakership, ManagementRequest, ProjectRelease
from projects.models import Project

PER_PAGE = 50
PENDING_SHOWN = 100
RECENT = timedelta(days=30)


def overview_context(customer: Customer, *, released_page=None, cared_page=None) -> dict:
    # rules.verified_emails(customer) as a subquery: one round trip less.
    emails = EmailAddress.objects.filter(user_id=customer.user_id, verified=True).values(email_lower=Lower("email"))
    projects = Prefetch(
        "projects", queryset=Project.objects.only("id", "number", "name", "owner_id").order_by("number")
    )
    incoming_requests = (
        rules.pending_requests()
        .filter(project__owner=customer)
        .select_related("project", "caretaker")
        .order_by("-created_at")[:PENDING_SHOWN]
    )
    incoming_releases = (
        rules.pending_releases()
        .filter(email__in=emails)
        .exclude(owner=customer)
        .select_related("owner")
        .order_by("-created_at")[:PENDING_SHOWN]
    )
    # The caretaker sees only the p-number of its requests: nothing about the owner before acceptance.
    outgoing_requests = (
        ManagementRequest.objects.filter(caretaker=customer)
        .filter(
            Q(status=ManagementRequest.Status.PENDING, lapses_at__gt=timezone.now())
            | Q(decided_at__gt=timezone.now() - RECENT)
        )
        .select_related("project")
        .only("id", "status", "created_at", "decided_at", "lapses_at", "project__number")
        .order_by("-created_at")[:PENDING_SHOWN]
    )
    outgoing_releases = (
        ProjectRelease.objects.filter(owner=customer)
        .filter(
            Q(status__in=[ProjectRelease.Status.PENDING, ProjectRelease.Status.LAPSED])
            | Q(decided_at__gt=timezone.now() - RECENT)
        )
        .exclude(status=ProjectRelease.Status.LAPSED, link_expires_at__lt=timezone.now() - RECENT)
        .order_by("-created_at")[:PENDING_SHOWN]
    )
    released = (
        Caretakership.objects.active()
        .filter(project__owner=customer)
        .select_related("project", "caretaker")
        .order_by("project__number", "caretaker__number")
    )
    cared = (
        Caretakership.objects.active()
        .filter(caretaker=customer)
        .select_related("project__owner")
        .order_by("project__owner__number", "project__number")
    )
    incoming_releases, outgoing_releases = list(incoming_releases), list(outgoing_releases)
    # The projects of both release lists in one query.
    prefetch_related_objects(incoming_releases + outgoing_releases, projects)
    return {
        "incoming_requests": list(incoming_requests),
        "incoming_releases": incoming_releases,
        "outgoing_requests": list(outgoing_requests),
        "outgoing_releases": outgoing_releases,
        "released": Paginator(released, PER_PAGE).get_page(released_page),
        "cared": Paginator(cared, PER_PAGE).get_page(cared_page),
        "now": timezone.now(),
    }
