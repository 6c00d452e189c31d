"""Read-side queries for project lists: a fixed number of SQL queries whatever the size."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Page
from django.db.models import DateTimeField, Value
from django.utils import timezone

from customercenter.models import Customer
from customercenter.pagination import paged_sections
from delegation.models import Caretakership
from projects.models import Project, search_condition

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
    own = (
        Project.objects.owned_by(customer)
        .search(query)
        .select_related("owner", "server")
        .only(*LIST_FIELDS)
        .annotate(is_own=Value(True), care_expires_at=Value(None, output_field=DateTimeField()))
        .order_by("number")
    )
    now = timezone.now()  # one moment for the rows and their count
    cared_for = (
        Project.objects.cared_for_by(customer, at=now)
        .select_related("owner", "server")
        .only(*LIST_FIELDS)
        .annotate(is_own=Value(False))
        .order_by("care_owner_number", "number")
    )
    # The cared-for ones are counted from the caretakerships alone (one active row per
    # project), and searched by the keys the caretakership keeps: no join to every project.
    caretakerships = Caretakership.objects.active(now).filter(caretaker=customer)
    condition = search_condition(query, project="care_project", owner_number="care_owner_number")
    if condition is not None:
        cared_for = cared_for.filter(condition)
        caretakerships = caretakerships.filter(search_condition(query, project="project", owner_number="owner_number"))
    if cared_for.query.is_empty():
        caretakerships = caretakerships.none()
    # Each section comes in index order, so a page reads its rows and no more.
    return paged_sections([own, cared_for], page, settings.PROJECTS_PER_PAGE, counted=[own, caretakerships])
