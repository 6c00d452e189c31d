"""What the Technischer Betreuer tab shows: ten queries, whatever the size.

Each of the six lists is paged on its own (its page number in its own query parameter) and
fetched in one query that carries its total along, so no list needs a second COUNT query
(only a page number past the end of a list costs two more, see customercenter/pagination.py).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from allauth.account.models import EmailAddress
from django.db.models import F, Prefetch, Q, prefetch_related_objects
from django.db.models.functions import Lower
from django.http import QueryDict
from django.utils import timezone

from customercenter.models import Customer, display_name
from customercenter.pagination import paged
from delegation import rules
from delegation.models import Caretakership, ManagementRequest, ProjectRelease
from projects.models import Project

PER_PAGE = 20
OPEN_PER_PAGE = 10
RECENT = timedelta(days=30)
# The columns the tab shows of a project, and of a customer: its number and what
# Customer.display_name reads (keep in step with it, or each row costs a query).
PROJECT_COLUMNS = ("number", "name", "owner_id")
CUSTOMER_COLUMNS = ("number", "company", "first_name", "last_name")
NAME_COLUMNS = CUSTOMER_COLUMNS[1:]


def _of(relation: str, fields: tuple[str, ...]) -> list[str]:
    return [f"{relation}__{field}" for field in fields]


def _named(prefix: str, relation: str, fields: tuple[str, ...] = CUSTOMER_COLUMNS) -> dict[str, F]:
    """A customer's columns as values: `<prefix>_number`, `<prefix>_company`, ..."""
    return {f"{prefix}_{field}": F(f"{relation}__{field}") for field in fields}


# The two long lists (an owner's caretakers, an agency's projects) come as values, not model
# instances: a row costs less to read and to render. Each row: pk, expiry, project number and
# name, and the other side's number and name (`caretaker_…` or `owner_…`).
CARE_COLUMNS = {"project_number": F("project__number"), "project_name": F("project__name")}


# Query parameter of each list's page number, and its page size.
PAGE_PARAMS = {
    "incoming_requests": "antraege",
    "incoming_releases": "freigaben",
    "outgoing_requests": "meine-antraege",
    "outgoing_releases": "meine-freigaben",
    "released": "freigegeben",
    "cared": "betreut",
}
PAGE_SIZES = {"released": PER_PAGE, "cared": PER_PAGE}


def kept_pages(query: QueryDict) -> str:
    """The tab's page numbers of a request as a query string ("?betreut=3"), or ""."""
    kept = {param: query[param] for param in PAGE_PARAMS.values() if query.get(param, "").isdigit()}
    return f"?{urlencode(kept)}" if kept else ""


def overview_context(customer: Customer, pages: QueryDict | None = None) -> dict:
    pages = pages if pages is not None else QueryDict()
    now = timezone.now()
    # rules.verified_emails(customer) as a subquery: one round trip less.
    emails = EmailAddress.objects.filter(user_id=customer.user_id, verified=True).values(email_lower=Lower("email"))
    # Rows about my projects are found from my projects' ids (projects/lookups.py), not by
    # joining every open row in the table to its project.
    my_projects = Project.objects.filter(owner=customer).order_by().values("pk")
    # My caretakers are read through my projects in number order (an index holds them so), and
    # counted by the owner's number each caretakership keeps, from an index alone. The two lists
    # of values are counted without the tables their columns come from.
    released = Caretakership.objects.active(now).filter(project__owner=customer)
    cared = Caretakership.objects.active(now).filter(caretaker=customer)
    counted = {"released": Caretakership.objects.active(now).filter(owner_number=customer.number), "cared": cared}
    lists = {
        "incoming_requests": (
            rules.pending_requests()
            .filter(project__one_of=my_projects)
            .select_related("project", "caretaker")
            .only("created_at", "lapses_at", *_of("project", PROJECT_COLUMNS), *_of("caretaker", CUSTOMER_COLUMNS))
            .order_by("-created_at", "-pk")
        ),
        "incoming_releases": (
            rules.pending_releases()
            .filter(email__in=emails)
            .exclude(owner=customer)
            .select_related("owner")
            .only("access_expires_at", "require_mfa", "owner", *_of("owner", CUSTOMER_COLUMNS))
            .order_by("-created_at", "-pk")
        ),
        # The caretaker sees only the p-number of its requests: nothing about the owner before acceptance.
        "outgoing_requests": (
            ManagementRequest.objects.filter(caretaker=customer)
            .filter(Q(status=ManagementRequest.Status.PENDING, lapses_at__gt=now) | Q(decided_at__gt=now - RECENT))
            .select_related("project")
            .only("id", "status", "created_at", "decided_at", "lapses_at", "project__number")
            .order_by("-created_at", "-pk")
        ),
        "outgoing_releases": (
            ProjectRelease.objects.filter(owner=customer)
            .filter(
                Q(status__in=[ProjectRelease.Status.PENDING, ProjectRelease.Status.LAPSED])
                | Q(decided_at__gt=now - RECENT)
            )
            .exclude(status=ProjectRelease.Status.LAPSED, link_expires_at__lt=now - RECENT)
            .order_by("-created_at", "-pk")
        ),
        "released": (
            released.order_by("project__number", "caretaker__number").values(
                "pk", "started_at", "expires_at", **CARE_COLUMNS, **_named("caretaker", "caretaker")
            )
        ),
        "cared": (
            cared.order_by("owner_number", "project__number")
            # The owner's number is the caretakership's own copy of it.
            .values(
                "pk", "expires_at", "owner_number", **CARE_COLUMNS, **_named("owner", "project__owner", NAME_COLUMNS)
            )
        ),
    }
    context = {
        name: paged(
            queryset, pages.get(PAGE_PARAMS[name]), PAGE_SIZES.get(name, OPEN_PER_PAGE), counted=counted.get(name)
        )
        for name, queryset in lists.items()
    }
    for side, name in (("caretaker", "released"), ("owner", "cared")):
        for row in context[name].object_list:
            row[f"{side}_name"] = display_name(
                row[f"{side}_company"], row[f"{side}_first_name"], row[f"{side}_last_name"]
            )
    # The projects of both release lists in one query.
    projects = Prefetch(
        "projects", queryset=Project.objects.only("id", "number", "name", "owner_id").order_by("number")
    )
    releases = [*context["incoming_releases"].object_list, *context["outgoing_releases"].object_list]
    prefetch_related_objects(releases, projects)
    context["has_open_items"] = any(
        context[name].paginator.count
        for name in ("incoming_requests", "incoming_releases", "outgoing_requests", "outgoing_releases")
    )
    context["page_params"] = PAGE_PARAMS
    # Forms post back with the pages shown, so the tab comes back as it was.
    context["kept_pages"] = kept_pages(pages)
    context["now"] = now
    return context
