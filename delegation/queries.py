"""The lists of the Technischer Betreuer tab: open requests and releases in both directions,
the owner's caretakers (Freigegebene Projekte) and the caretaker's projects (Betreute Projekte).

The tab shows the first rows of each list (`overview_lists`); each list also has a page of its
own with all of its rows (`LISTS`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db.models import Count, F, Q, QuerySet, Subquery, prefetch_related_objects
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from customercenter.models import Customer, customer_matching
from delegation import rules
from delegation.access import caretakerships_of
from delegation.models import Caretakership, ManagementRequest, ProjectRelease
from projects.models import Project
from projects.queries import matching

# How many rows of each list the tab shows: what waits (newest first), and the caretakerships
# ending soonest. Each list's own page has all of them.
OPEN_ON_TAB = 3
ENDING_ON_TAB = 5


def incoming_requests(owner: Customer) -> QuerySet[ManagementRequest]:
    """Requests for the owner's projects that wait for its decision."""
    return (
        ManagementRequest.objects.pending()
        .filter(project__owner=owner)
        .select_related("project", "caretaker")
        .order_by("-created_at", "-pk")
    )


def _verified_emails(customer: Customer) -> QuerySet:
    """The customer's verified addresses, lower-cased, as a subquery."""
    return EmailAddress.objects.filter(
        user__memberships__customer=customer, user__memberships__role__in=rules.CARETAKING_ROLES, verified=True
    ).values(email_lower=Lower("email"))


def incoming_releases(customer: Customer) -> QuerySet[ProjectRelease]:
    """Releases sent to one of the customer's verified addresses that wait for its answer."""
    return (
        ProjectRelease.objects.pending()
        .filter(email__in=_verified_emails(customer))
        .exclude(owner=customer)
        .select_related("owner")
        .order_by("-created_at", "-pk")
    )


def outgoing_requests(caretaker: Customer) -> QuerySet[ManagementRequest]:
    """The caretaker's requests that wait for the owner. It sees only their p-numbers: nothing
    about the owner before acceptance."""
    return (
        ManagementRequest.objects.pending()
        .filter(caretaker=caretaker)
        .select_related("project")
        .order_by("-created_at", "-pk")
    )


def outgoing_releases(owner: Customer) -> QuerySet[ProjectRelease]:
    """The owner's releases that wait for the caretaker."""
    return ProjectRelease.objects.pending().filter(owner=owner).order_by("-created_at", "-pk")


def request_history(customer: Customer) -> QuerySet[ManagementRequest]:
    """Verlauf der Anträge: the requests the customer made or received that are closed."""
    mine = Q(caretaker=customer) | Q(project__owner=customer)
    return (
        ManagementRequest.objects.filter(mine)
        .exclude(pk__in=ManagementRequest.objects.pending().values("pk"))
        .select_related("project", "caretaker")
        .order_by("-created_at", "-pk")
    )


def release_history(customer: Customer) -> QuerySet[ProjectRelease]:
    """The releases the customer sent or received that are closed; lapsed ones can be sent again."""
    mine = Q(owner=customer) | Q(email__in=_verified_emails(customer))
    return (
        ProjectRelease.objects.filter(mine)
        .exclude(pk__in=ProjectRelease.objects.pending().values("pk"))
        .select_related("owner")
        .order_by("-created_at", "-pk")
    )


def released(owner: Customer) -> QuerySet[Caretakership]:
    """Freigegebene Projekte: who cares for the owner's projects now, by project."""
    return (
        Caretakership.objects.active()
        .filter(owner_number=owner.number)
        .select_related("project", "caretaker")
        .order_by("project__number", "caretaker__number")
    )


def cared_for(caretaker: Customer) -> QuerySet[Caretakership]:
    """Betreute Projekte: the projects the caretaker cares for now, grouped by their owner."""
    return caretakerships_of(caretaker).select_related("project__owner").order_by("owner_number", "project__number")


def ending_soonest(caretakerships: QuerySet[Caretakership]) -> QuerySet[Caretakership]:
    return caretakerships.order_by(F("expires_at").asc(nulls_last=True), "project__number")


@dataclass(frozen=True)
class FullList:
    """A list of the tab on a page of its own, with all of its rows."""

    title: str
    rows: Callable[[Customer], QuerySet]
    table: str  # its partial in delegation/lists.html
    search: Callable[[str], Q] | None = None
    prefetch: tuple[str, ...] = ()


def _caretakership_matching(query: str) -> Q:
    caretakers = Customer.objects.filter(customer_matching(query)).values("pk")
    return matching(query, project="project", owner_number="owner_number") | Q(caretaker__in=caretakers)


def _request_matching(query: str) -> Q:
    # By p-number and caretaker only: a caretaker learns nothing about the owner from a search.
    return Q(project__number__icontains=query) | customer_matching(query, via="caretaker__")


def _release_matching(query: str) -> Q:
    return Q(email__icontains=query) | Q(projects__number__icontains=query)


# The lists by the slug of their page.
LISTS = {
    "antraege": FullList(
        _("Anträge von Technischen Betreuern für deine Projekte"), incoming_requests, "incoming_requests"
    ),
    "freigaben": FullList(
        _("Projektfreigaben für dich"), incoming_releases, "incoming_releases", prefetch=("projects",)
    ),
    "meine-antraege": FullList(_("Deine Anträge auf Verwaltung"), outgoing_requests, "outgoing_requests"),
    "meine-freigaben": FullList(
        _("Deine Projektfreigaben"), outgoing_releases, "outgoing_releases", prefetch=("projects",)
    ),
    "freigegeben": FullList(_("Freigegebene Projekte"), released, "released", _caretakership_matching),
    "betreut": FullList(_("Betreute Projekte"), cared_for, "cared", _caretakership_matching),
    "verlauf-antraege": FullList(_("Verlauf der Anträge"), request_history, "request_history", _request_matching),
    "verlauf-freigaben": FullList(
        _("Verlauf der Projektfreigaben"),
        release_history,
        "release_history",
        _release_matching,
        prefetch=("projects",),
    ),
}


@dataclass(frozen=True)
class Preview:
    """The first rows of a list; whether it has more; its total where the tab shows one."""

    rows: list
    more: bool
    total: int | None = None


def preview(queryset: QuerySet) -> Preview:
    rows = list(queryset[: OPEN_ON_TAB + 1])
    return Preview(rows=rows[:OPEN_ON_TAB], more=len(rows) > OPEN_ON_TAB)


def counted_preview(caretakerships: QuerySet[Caretakership], *, per: str) -> Preview:
    """The caretakerships ending soonest, with their total: counted by a subquery in the same
    query (per caretaker or per owner number, the list's one key), which an index answers alone."""
    total = caretakerships.order_by().values(per).annotate(total=Count("*")).values("total")
    rows = list(ending_soonest(caretakerships).annotate(list_total=Subquery(total))[:ENDING_ON_TAB])
    return Preview(
        rows=rows, more=bool(rows) and rows[0].list_total > len(rows), total=rows[0].list_total if rows else 0
    )


def overview_lists(customer: Customer) -> dict[str, Preview]:
    """The first rows of every list of the tab; Freigegebene and Betreute Projekte show the
    caretakerships that end soonest, and how many there are."""
    lists = {
        "incoming_requests": preview(incoming_requests(customer)),
        "incoming_releases": preview(incoming_releases(customer)),
        "outgoing_requests": preview(outgoing_requests(customer)),
        "outgoing_releases": preview(outgoing_releases(customer)),
        "released": counted_preview(released(customer), per="owner_number"),
        "cared": counted_preview(cared_for(customer), per="caretaker"),
    }
    # The projects of both release lists in one query.
    prefetch_related_objects([*lists["incoming_releases"].rows, *lists["outgoing_releases"].rows], "projects")
    return lists


def who_has_access(project: Project) -> dict[str, list]:
    """The Zugriff section of a project's page: its caretakers now, and what waits for its owner."""
    return {
        "caretakerships": list(
            Caretakership.objects.active().filter(project=project).select_related("caretaker").order_by("started_at")
        ),
        "pending_requests": list(
            ManagementRequest.objects.pending().filter(project=project).select_related("caretaker")
        ),
        "pending_releases": list(
            ProjectRelease.objects.pending().filter(projects=project).prefetch_related("projects")
        ),
    }
