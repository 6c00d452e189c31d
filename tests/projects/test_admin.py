"""Support staff in the Django admin: projects, orders and the audit log."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from projects import audit
from projects.models import AuditEntry, Order
from tests.factories import DomainFactory, ProjectFactory, ServerFactory

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


def management_forms(page) -> dict[str, str]:
    """The hidden management fields of the inlines on an admin change page, as posted back."""
    return dict(re.findall(r'name="([\w-]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)"[^>]*value="(\d*)"', page.text))


def change_form(staff_client, project, **changes) -> dict:
    """The project's admin change form as shown (no domains), with `changes`."""
    page = staff_client.get(f"/admin/projects/project/{project.pk}/change/")
    return {
        "name": project.name,
        "tariff": project.tariff,
        "php_version": project.php_version,
        "server": project.server_id or "",
        "created_at_0": project.created_at.strftime("%d.%m.%Y"),
        "created_at_1": project.created_at.strftime("%H:%M:%S"),
        **management_forms(page),
        **changes,
    }


def domain_row(index: int, domain=None, **fields) -> dict:
    row = (
        {
            "id": domain.pk,
            "project": domain.project_id,
            "name": domain.name,
            "target_kind": domain.target_kind,
            "target": domain.target,
        }
        if domain
        else {}
    )
    return {f"domains-{index}-{key}": value for key, value in {**row, **fields}.items()}


def project_history(project) -> list[tuple]:
    return [
        (entry.role, entry.actor_user.email, entry.action, entry.subject, entry.old_value, entry.new_value)
        for entry in project.audit_entries.select_related("actor_user").order_by("pk")
    ]


def test_staff_edits_of_tariff_php_server_and_name_reach_the_project_history(
    staff_client, owner, project, owner_client
):
    server = ServerFactory(owner=owner, number="s42")
    data = change_form(staff_client, project, name="Neuer Shop", tariff="pro", php_version="8.4", server=server.pk)

    response = staff_client.post(f"/admin/projects/project/{project.pk}/change/", data)

    assert response.status_code == 302
    assert project_history(project) == [
        ("staff", "support@example.com", "project.renamed", "", project.name, "Neuer Shop"),
        ("staff", "support@example.com", "tariff.changed", "", "Webhosting Plus", "Webhosting Pro"),
        ("staff", "support@example.com", "server.changed", "", "–", "s42"),
        ("staff", "support@example.com", "php_version.changed", "", project.php_version, "8.4"),
    ]
    history = owner_client.get(f"/projekte/{project.number}/").text.split('id="history"')[1]
    assert "Tarif geändert" in history
    assert "Support" in history


def test_saving_the_project_unchanged_writes_no_history(staff_client, project):
    response = staff_client.post(f"/admin/projects/project/{project.pk}/change/", change_form(staff_client, project))

    assert response.status_code == 302
    assert project_history(project) == []


def test_staff_edits_of_domains_reach_the_project_history(staff_client, project):
    kept = DomainFactory(project=project, name="alt.de", target="/")
    gone = DomainFactory(project=project, name="weg.de", target="/weg")
    data = change_form(staff_client, project)
    assert data["domains-INITIAL_FORMS"] == "2"

    response = staff_client.post(
        f"/admin/projects/project/{project.pk}/change/",
        {
            **data,
            **domain_row(0, kept, name="neu.de", target="/shop"),
            **domain_row(1, gone, DELETE="on"),
            **domain_row(2, name="dazu.de", target_kind="redirect", target="https://example.com/"),
            "domains-TOTAL_FORMS": "3",
        },
    )

    assert response.status_code == 302
    assert [entry[2:] for entry in project_history(project)] == [
        ("domain.removed", "weg.de", "/weg", ""),
        ("domain.renamed", "neu.de", "alt.de", "neu.de"),
        ("domain.target_changed", "neu.de", "/", "/shop"),
        ("domain.added", "dazu.de", "", "→ https://example.com/"),
    ]
    assert {entry[:2] for entry in project_history(project)} == {("staff", "support@example.com")}


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"php_version": "5.6"}, "PHP 5.6 wird nicht unterstützt."),
        (
            {"domains-TOTAL_FORMS": "1", **domain_row(0, name="kein domainname", target_kind="path", target="/")},
            "ist kein gültiger Domainname",
        ),
        (
            {"domains-TOTAL_FORMS": "1", **domain_row(0, name="neu.de", target_kind="path", target="../../etc")},
            "(„..“ ist nicht erlaubt)",
        ),
        (
            {"domains-TOTAL_FORMS": "1", **domain_row(0, name="neu.de", target_kind="redirect", target="http://x.de")},
            "Weiterleitungen müssen auf eine https://-Adresse zeigen.",
        ),
    ],
)
def test_staff_input_is_checked_like_the_customers_and_changes_nothing(staff_client, project, changes, error):
    response = staff_client.post(
        f"/admin/projects/project/{project.pk}/change/", change_form(staff_client, project, **changes)
    )

    assert response.status_code == 200
    assert error in response.text
    project.refresh_from_db()
    assert project.php_version == "8.3"
    assert not project.domains.exists()
    assert project_history(project) == []


def test_a_project_on_an_old_php_version_can_still_be_saved(staff_client, project):
    project.php_version = "7.4"
    project.save()

    response = staff_client.post(
        f"/admin/projects/project/{project.pk}/change/", change_form(staff_client, project, tariff="pro")
    )

    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.php_version, project.tariff) == ("7.4", "pro")
