"""Projektverwaltung: own projects first, then cared-for ones grouped by their owner."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Page
from django.db.models import Prefetch, Q

from customercenter.models import Customer, customer_matching
from customercenter.pagination import paged_sections
from delegation.access import caretakerships_of
from delegation.models import Caretakership
from projects.models import Project


def matching(query: str, *, project: str = "pk", owner_number: str = "owner__number") -> Q:
    """Rows whose project's number or name contain `query`, or whose owner matches it (name or
    customer number). `project` and `owner_number` name those keys on the model searched; a
    caretakership has both itself ("project", and its copy of the "owner_number").

    Projects and customers are matched each in their own table, where trigram indexes answer
    (PostgreSQL, migration 0003), and the rows are then filtered by the keys found: a search in
    thousands of cared-for projects never joins every project and customer first.
    """
    projects = Project.objects.filter(Q(number__icontains=query) | Q(name__icontains=query)).values("pk")
    owners = Customer.objects.filter(customer_matching(query)).values("number")
    return Q(**{f"{project}__in": projects}) | Q(**{f"{owner_number}__in": owners})


def project_list_page(customer: Customer, *, query: str = "", page: str | int | None = 1) -> Page:
    """A page of (project, caretakership) rows: own projects with None, then the projects the
    customer cares for with the caretakership that gives it access (its expiry)."""
    # Who cares for each own project now ("Betreut von"): one more query for the page's rows.
    caretakers = Prefetch(
        "caretakerships",
        queryset=Caretakership.objects.active().select_related("caretaker").order_by("started_at"),
        to_attr="current_caretakerships",
    )
    own = (
        Project.objects.filter(owner=customer)
        .select_related("owner", "server")
        .prefetch_related(caretakers)
        .order_by("number")
    )
    cared_for = (
        caretakerships_of(customer)
        .select_related("project__owner", "project__server")
        .order_by("owner_number", "project__number")
    )
    query = query.strip()
    if query:
        own = own.filter(matching(query))
        cared_for = cared_for.filter(matching(query, project="project", owner_number="owner_number"))
    result = paged_sections([own, cared_for], page, settings.PROJECTS_PER_PAGE)
    result.object_list = [(row, None) if isinstance(row, Project) else (row.project, row) for row in result.object_list]
    return result
