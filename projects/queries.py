"""Read-side queries for project lists: a fixed number of SQL queries whatever the size."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, OuterRef, Subquery, Value, When

from customercenter.models import Customer
from delegation.models import Caretakership
from projects.models import Project


def project_list_page(customer: Customer, *, query: str = "", page: str | int | None = 1) -> Page:
    """Own projects first, then cared-for ones grouped by their owner, with my expiry."""
    my_caretakership = Caretakership.objects.active().filter(caretaker=customer, project=OuterRef("pk"))
    projects = (
        Project.objects.accessible_by(customer)
        .search(query)
        .select_related("owner", "server")
        .annotate(
            is_own=Case(When(owner=customer, then=Value(0)), default=Value(1), output_field=IntegerField()),
            care_expires_at=Subquery(my_caretakership.values("expires_at")[:1]),
        )
        .order_by("is_own", "owner__number", "number")
    )
    return Paginator(projects, settings.PROJECTS_PER_PAGE).get_page(page)
