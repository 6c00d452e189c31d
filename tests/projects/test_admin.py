"""Support staff in the Django admin: projects, orders and the audit log."""

from __future__ import annotations

from decimal import Decimal

import pytest

from projects import audit
from projects.models import AuditEntry, Order
from tests.factories import ProjectFactory

CHANGELISTS = [
    "/admin/projects/project/",
    "/admin/projects/server/",
    "/admin/projects/order/",
    "/admin/projects/invoice/",
    "/admin/projects/auditentry/",
]


@pytest.fixture
def landscape(owner, project, outsider):
    """Owner with p12345, an SSL order and a history entry; outsider with p77777."""
    ProjectFactory(owner=outsider, number="p77777", name="Fremdprojekt")
    Order.objects.create(
        customer=owner, project=project, kind=Order.Kind.SSL, subject="sonnenschein.de", price=Decimal("49")
    )
    audit.record(
        project=project, role=AuditEntry.Role.OWNER, actor=owner, action="php_version.changed", old="8.2", new="8.3"
    )


@pytest.mark.parametrize("url", CHANGELISTS)
def test_staff_opens_changelists(staff_client, landscape, url):
    assert staff_client.get(url).status_code == 200


@pytest.mark.parametrize("url", CHANGELISTS)
def test_customer_cannot_open_admin(owner_client, url):
    assert owner_client.get(url).status_code == 302


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("p12345", ["p12345"]),
        ("P12345", ["p12345"]),
        ("Fremdprojekt", ["p77777"]),
        ("outsider@example.com", ["p77777"]),
        ("gibtsnicht", []),
    ],
)
def test_project_search(staff_client, landscape, term, expected):
    response = staff_client.get("/admin/projects/project/", {"q": term})

    assert response.status_code == 200
    assert [p.number for p in response.context["cl"].result_list] == expected


def test_project_search_by_customer_number(staff_client, owner, landscape):
    response = staff_client.get("/admin/projects/project/", {"q": str(owner.number)})

    assert [p.number for p in response.context["cl"].result_list] == ["p12345"]


@pytest.mark.parametrize("url", ["/admin/projects/order/", "/admin/projects/auditentry/"])
def test_orders_and_audit_log_are_found_by_p_number_customer_number_and_email(staff_client, owner, landscape, url):
    for term in ["p12345", str(owner.number), "owner@example.com"]:
        response = staff_client.get(url, {"q": term})
        assert response.status_code == 200
        assert response.context["cl"].result_count == 1, term

    assert staff_client.get(url, {"q": "p77777"}).context["cl"].result_count == 0


def test_audit_log_is_read_only(staff_client, landscape):
    entry = AuditEntry.objects.get()

    assert staff_client.get("/admin/projects/auditentry/add/").status_code == 403
    assert staff_client.get(f"/admin/projects/auditentry/{entry.pk}/change/").status_code == 200
    change = staff_client.post(f"/admin/projects/auditentry/{entry.pk}/change/", {"action": "order.ssl"})
    delete = staff_client.post(f"/admin/projects/auditentry/{entry.pk}/delete/", {"post": "yes"})
    staff_client.post(
        "/admin/projects/auditentry/",
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )

    assert (change.status_code, delete.status_code) == (403, 403)
    entry.refresh_from_db()
    assert (entry.action, entry.old_value, entry.new_value) == ("php_version.changed", "8.2", "8.3")


def test_project_changelist_query_count_does_not_grow(staff_client, owner, django_assert_max_num_queries):
    ProjectFactory.create_batch(40, owner=owner)

    with django_assert_max_num_queries(8):
        response = staff_client.get("/admin/projects/project/")

    assert response.status_code == 200


def test_staff_cannot_move_a_project_to_another_owner_or_renumber_it(staff_client, project):
    change = staff_client.get(f"/admin/projects/project/{project.pk}/change/")
    add = staff_client.get("/admin/projects/project/add/")

    assert change.status_code == 200
    assert 'name="owner"' not in change.text
    assert 'name="number"' not in change.text
    assert 'name="name"' in change.text
    assert 'name="owner"' in add.text
    assert 'name="number"' in add.text
