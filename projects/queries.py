"""Read-side queries for project lists: a fixed number of SQL queries whatever the size."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Page
from django.db.models import Case, DateTimeField, OuterRef, Subquery, Value, When

from customercenter.models import Customer
from customercenter.pagination import paged, paged_sections
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
    if query:
        return _search_page(customer, query, page)
    own = (
        Project.objects.owned_by(customer)
        .select_related("owner", "server")
        .only(*LIST_FIELDS)
        .annotate(is_own=Value(True), care_expires_at=Value(None, output_field=DateTimeField()))
        .order_by("number")
    )
    cared_for = (
        Project.objects.cared_for_by(customer)
        .select_related("owner", "server")
        .only(*LIST_FIELDS)
        .annotate(is_own=Value(False))
        .order_by("care_owner_number", "number")
    )
    # Each section comes in index order, so a page reads its rows and no more; the cared-for
    # ones are counted from the caretakerships alone (one active row per project).
    caretakerships = Caretakership.objects.active().filter(caretaker=customer)
    if cared_for.query.is_empty():
        caretakerships = caretakerships.none()
    return paged_sections([own, cared_for], page, settings.PROJECTS_PER_PAGE, counted=[own, caretakerships])


def _search_page(customer: Customer, query: str, page: str | int | None) -> Page:
    """The same order, for the projects matching `query`.

    Names and customers are matched after a join, so every accessible row is read anyway:
    from the caller's project ids (see `accessible_by`), and the total is counted in the same pass.
    """
    my_caretakership = Caretakership.objects.active().filter(caretaker=customer, project=OuterRef("pk"))
    projects = (
        Project.objects.accessible_by(customer)
        .search(query)
        .select_related("owner", "server")
        .only(*LIST_FIELDS)
        .annotate(
            is_own=Case(When(owner=customer, then=Value(True)), default=Value(False)),
            care_expires_at=Subquery(my_caretakership.values("expires_at")[:1]),
        )
        .order_by("-is_own", "owner__number", "number")
    )
    return paged(projects, page, settings.PROJECTS_PER_PAGE, count_in_window=True)
