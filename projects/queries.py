"""Read-side queries for project lists: a fixed number of SQL queries whatever the size."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Page
from django.db.models import Case, IntegerField, OuterRef, Subquery, Value, When

from customercenter.models import Customer
from customercenter.pagination import paged
from delegation.models import Caretakership
from projects.models import Project

# What a row shows; the rest of the owner (address, phone, ...) stays in the database.
LIST_FIELDS = (
    "number",
    "name",
    "tariff",
    "php_version",
    "owner__number",
    "owner__company",
    "owner__first_name",
    "owner__last_name",
    "server__number",
)


def project_list_page(customer: Customer, *, query: str = "", page: str | int | None = 1) -> Page:
    """Own projects first, then cared-for ones grouped by their owner, with my expiry."""
    my_caretakership = Caretakership.objects.active().filter(caretaker=customer, project=OuterRef("pk"))
    projects = (
        Project.objects.accessible_by(customer)
        .search(query)
        .select_related("owner", "server")
        .only(*LIST_FIELDS)
        .annotate(
            is_own=Case(When(owner=customer, then=Value(0)), default=Value(1), output_field=IntegerField()),
            care_expires_at=Subquery(my_caretakership.values("expires_at")[:1]),
        )
        .order_by("is_own", "owner__number", "number")
    )
    # The order (customer number) is not in any index: every accessible row is read and
    # sorted anyway, so the total is counted in the same pass.
    return paged(projects, page, settings.PROJECTS_PER_PAGE, count_in_window=True)
