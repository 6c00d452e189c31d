"""Read-side queries for project lists: a fixed number of SQL queries whatever the size."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Page
from django.db.models import DateTimeField, F, Value
from django.utils import timezone

from customercenter.models import Customer, display_name
from customercenter.pagination import paged_sections
from delegation.models import Caretakership
from projects.models import Project, search_keys

# What a row shows, as plain values: the list is the page agencies open most, and a row of
# values costs a fraction of a project with its owner and server as model instances, to read
# and to render. The rest of the owner (address, phone, ...) stays in the database.
LIST_FIELDS = ("number", "name", "tariff", "php_version", "owner_id")
LIST_COLUMNS = {
    "owner_number": F("owner__number"),
    "owner_company": F("owner__company"),
    "owner_first_name": F("owner__first_name"),
    "owner_last_name": F("owner__last_name"),
    "server_number": F("server__number"),
}
TARIFFS = dict(Project.Tariff.choices)
NO_EXPIRY = Value(None, output_field=DateTimeField())


def project_list_page(customer: Customer, *, query: str = "", page: str | int | None = 1) -> Page:
    """Own projects first, then cared-for ones grouped by their owner, with my expiry.

    Each row is a dict: the LIST_FIELDS and LIST_COLUMNS, `is_own`, `care_expires_at`, and for
    display the `tariff_label` and `owner_name`.
    """
    keys = search_keys(query)
    owned = Project.objects.owned_by(customer)
    if keys is not None:
        owned = owned.filter(keys.condition())
    own = owned.order_by("number").values(*LIST_FIELDS, **LIST_COLUMNS, is_own=Value(True), care_expires_at=NO_EXPIRY)
    now = timezone.now()  # one moment for the rows and their count
    cared_for = Project.objects.cared_for_by(customer, at=now).order_by("care_owner_number", "number")
    # The cared-for ones are counted from the caretakerships alone (one active row per
    # project), and searched by the keys the caretakership keeps: no join to every project.
    caretakerships = Caretakership.objects.active(now).filter(caretaker=customer)
    if keys is not None:
        cared_for = cared_for.filter(keys.condition(project="care_project", owner_number="care_owner_number"))
        caretakerships = caretakerships.filter(keys.condition(project="project", owner_number="owner_number"))
    if cared_for.query.is_empty():
        caretakerships = caretakerships.none()
    cared_for = cared_for.values(*LIST_FIELDS, "care_expires_at", **LIST_COLUMNS, is_own=Value(False))
    # Each section comes in index order, so a page reads its rows and no more. Both are counted
    # without the tables their columns come from.
    result = paged_sections([own, cared_for], page, settings.PROJECTS_PER_PAGE, counted=[owned, caretakerships])
    for row in result.object_list:
        row["tariff_label"] = TARIFFS.get(row["tariff"], row["tariff"])
        row["owner_name"] = display_name(row["owner_company"], row["owner_first_name"], row["owner_last_name"])
    return result
