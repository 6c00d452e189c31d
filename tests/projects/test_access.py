"""Who may do what with a project: 404 for strangers, owner-only orders, expiry at every access."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from projects.models import AuditEntry, Database, Domain, Order
from tests.conftest import login
from tests.factories import DomainFactory, ProjectFactory
from tests.projects.helpers import HX, audit_trail, snapshot

ORDER_REFUSAL = "Bestellungen sind Sache des Vertragspartners."


def project_requests(domain_pk: int) -> list[tuple[str, str, dict]]:
    """Every project URL, with a valid body for the POSTs (p12345 with p12345_shop and sonnenschein.de)."""
    return [
        ("get", "/projekte/p12345/", {}),
        ("get", "/projekte/p12345/?section=history", {}),
        ("get", "/projekte/p12345/datenbanken/p12345_shop/loeschen/", {}),
        ("get", "/projekte/p12345/domains/sonnenschein.de/", {}),
        ("get", "/projekte/p12345/domains/sonnenschein.de/entfernen/", {}),
        ("post", "/projekte/p12345/php/", {"php_version": "8.4"}),
        ("post", "/projekte/p12345/datenbanken/", {"suffix": "neu"}),
        ("post", "/projekte/p12345/datenbanken/p12345_shop/loeschen/", {}),
        ("post", "/projekte/p12345/datenbanken/p12345_shop/passwort/", {}),
        ("post", "/projekte/p12345/domains/", {"name": "neu.de", "target_kind": "path", "target": "/"}),
        ("post", "/projekte/p12345/domains/sonnenschein.de/", {"target_kind": "path", "target": "/x"}),
        ("post", "/projekte/p12345/domains/sonnenschein.de/entfernen/", {}),
        ("post", "/projekte/p12345/bestellen/ssl/", {"domain": domain_pk}),
        ("post", "/projekte/p12345/bestellen/domain/", {"name": "frei.de"}),
    ]


def assert_every_project_url_is_404(client, project, domain) -> None:
    before = snapshot(project)
    for method, url, data in project_requests(domain.pk):
        for headers in ({}, HX):
            response = getattr(client, method)(url, data, headers=headers)
            assert response.status_code == 404, (method, url, headers)
    assert snapshot(project) == before


@pytest.fixture
def resources(project, database, domain):
    return project


# Strangers


def test_outsider_gets_404_for_foreign_project(outsider_client, resources, domain):
    assert_every_project_url_is_404(outsider_client, resources, domain)


def _main(html: str) -> str:
    main = re.search(r"<main.*</main>", html, re.S)
    return main.group(0) if main else html


def test_outsider_404_looks_like_a_missing_project(outsider_client, project):
    foreign = outsider_client.get("/projekte/p12345/")
    missing = outsider_client.get("/projekte/p99999/")

    assert foreign.status_code == missing.status_code == 404
    # The page frame carries a fresh CSRF token and nonce each time; the content must be identical.
    assert _main(foreign.text) == _main(missing.text)
    assert "Hauptseite" not in foreign.text


def test_outsider_search_does_not_reveal_foreign_project(outsider_client, project):
    response = outsider_client.get("/projekte/", {"q": "p12345"})

    assert "/projekte/p12345/" not in response.text
    assert "Hauptseite" not in response.text


def test_anonymous_is_redirected_to_login_and_nothing_changes(client, resources, domain):
    before = snapshot(resources)

    for method, url, data in project_requests(domain.pk):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith("/konto/login/?next=")

    assert snapshot(resources) == before


def test_staff_without_customer_cannot_touch_projects(staff_client, resources, domain):
    before = snapshot(resources)

    for method, url, data in project_requests(domain.pk):
        assert getattr(staff_client, method)(url, data).status_code == 403, (method, url)

    assert snapshot(resources) == before


# Caretaker: administers resources, orders nothing, sees no history


def test_caretaker_sees_cared_for_project(caretaker_client, caretakership, owner):
    response = caretaker_client.get("/projekte/p12345/")

    assert response.status_code == 200
    assert "Technischer Betreuer · für Bäckerei Sonnenschein" in response.text
    assert str(owner.number) in response.text


def test_caretaker_changes_php_version_as_caretaker(caretaker_client, caretaker, caretakership, project):
    response = caretaker_client.post("/projekte/p12345/php/", {"php_version": "8.4"})

    assert response.status_code == 302
    project.refresh_from_db()
    assert project.php_version == "8.4"
    assert audit_trail(project) == [("caretaker", "php_version.changed", "", "8.3", "8.4")]
    assert AuditEntry.objects.get().actor == caretaker


def test_caretaker_administers_databases(caretaker_client, caretakership, project, database):
    assert caretaker_client.post("/projekte/p12345/datenbanken/", {"suffix": "blog"}).status_code == 302
    assert caretaker_client.post("/projekte/p12345/datenbanken/p12345_shop/passwort/").status_code == 302
    assert caretaker_client.post("/projekte/p12345/datenbanken/p12345_shop/loeschen/").status_code == 302

    assert list(Database.objects.values_list("name", flat=True)) == ["p12345_blog"]
    assert [(role, action) for role, action, *_ in audit_trail(project)] == [
        ("caretaker", "database.created"),
        ("caretaker", "database.password_reset"),
        ("caretaker", "database.deleted"),
    ]


def test_caretaker_administers_domains(caretaker_client, caretakership, project, domain):
    add = caretaker_client.post(
        "/projekte/p12345/domains/", {"name": "betreut.de", "target_kind": "path", "target": "/neu"}
    )
    edit = caretaker_client.post(
        "/projekte/p12345/domains/sonnenschein.de/",
        {"target_kind": "redirect", "target": "https://betreut.de/"},
    )
    remove = caretaker_client.post("/projekte/p12345/domains/betreut.de/entfernen/")

    assert (add.status_code, edit.status_code, remove.status_code) == (302, 302, 302)
    assert list(Domain.objects.values_list("name", "target_kind", "target")) == [
        ("sonnenschein.de", "redirect", "https://betreut.de/")
    ]
    assert audit_trail(project) == [
        ("caretaker", "domain.added", "betreut.de", "", "/neu"),
        ("caretaker", "domain.target_changed", "sonnenschein.de", "/", "→ https://betreut.de/"),
        ("caretaker", "domain.removed", "betreut.de", "/neu", ""),
    ]


def test_owner_sees_caretaker_changes_in_verlauf(caretaker_client, owner_client, caretakership, project):
    caretaker_client.post("/projekte/p12345/php/", {"php_version": "8.4"})

    history = owner_client.get("/projekte/p12345/").text.split('id="history"')[1]

    assert "Agentur Pixelwerk" in history
    assert "als Technischer Betreuer von p12345" in history
    assert "PHP-Version geändert" in history


def test_caretaker_cannot_order_ssl(caretaker_client, caretakership, project, domain):
    before = snapshot(project)

    response = caretaker_client.post("/projekte/p12345/bestellen/ssl/", {"domain": domain.pk})

    assert response.status_code == 403
    assert ORDER_REFUSAL in response.text
    assert not Order.objects.exists()
    assert snapshot(project) == before


def test_caretaker_cannot_register_domain(caretaker_client, caretakership, project):
    before = snapshot(project)

    response = caretaker_client.post("/projekte/p12345/bestellen/domain/", {"name": "frei.de"})

    assert response.status_code == 403
    assert ORDER_REFUSAL in response.text
    assert not Order.objects.exists()
    assert not Domain.objects.filter(name="frei.de").exists()
    assert snapshot(project) == before


def test_caretaker_order_refusal_via_htmx_is_shown_in_the_section(caretaker_client, caretakership, domain):
    response = caretaker_client.post("/projekte/p12345/bestellen/ssl/", {"domain": domain.pk}, headers=HX)

    assert response.status_code == 403
    assert response.text.lstrip().startswith('<section id="orders"')
    assert ORDER_REFUSAL in response.text
    assert not Order.objects.exists()


def test_caretaker_page_says_why_ordering_is_not_possible(caretaker_client, caretakership):
    response = caretaker_client.get("/projekte/p12345/")

    orders = response.text.split('id="orders"')[1].split("</section>")[0]
    assert ORDER_REFUSAL in orders
    assert "/bestellen/ssl/" not in orders


def test_caretaker_does_not_see_the_verlauf(caretaker_client, caretakership, owner_client, project):
    owner_client.post("/projekte/p12345/php/", {"php_version": "8.2"})

    page = caretaker_client.get("/projekte/p12345/")
    fragment = caretaker_client.get("/projekte/p12345/", {"section": "history"}, headers=HX)

    assert 'id="history"' not in page.text
    assert "Verlauf" not in page.text
    assert "PHP-Version geändert" not in fragment.text


def test_caretaker_does_not_see_the_owners_contract_data(caretaker_client, caretakership, owner, project, domain):
    Order.objects.create(customer=owner, project=project, kind="ssl", subject="sonnenschein.de", price=49)

    response = caretaker_client.get("/vertragsdaten/rechnungen/")

    assert "sonnenschein.de" not in response.text
    assert "Keine Bestellungen." in response.text


# Expiry and end are enforced at every access


def test_expired_caretakership_gives_404(caretaker, caretakership, resources, domain):
    caretakership.expires_at = timezone.now() + timedelta(hours=1)
    caretakership.save()
    client = login(caretaker)
    assert client.get("/projekte/p12345/").status_code == 200

    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert_every_project_url_is_404(client, resources, domain)
        listing = client.get("/projekte/")

    assert "/projekte/p12345/" not in listing.text


def test_caretakership_with_past_expiry_grants_nothing(caretaker_client, caretakership, resources, domain):
    caretakership.expires_at = timezone.now() - timedelta(minutes=1)
    caretakership.save()

    assert_every_project_url_is_404(caretaker_client, resources, domain)


def test_ended_caretakership_gives_404_on_the_next_request(caretaker_client, caretakership, resources, domain):
    assert caretaker_client.get("/projekte/p12345/").status_code == 200

    caretakership.ended_at = timezone.now()
    caretakership.end_reason = "revoked"
    caretakership.save()

    assert_every_project_url_is_404(caretaker_client, resources, domain)


def test_caretakership_of_another_caretaker_grants_nothing(outsider_client, caretakership, resources, domain):
    assert_every_project_url_is_404(outsider_client, resources, domain)


def test_caretaker_cannot_reach_other_projects_of_the_owner(caretaker_client, caretakership, owner):
    other = ProjectFactory(owner=owner, number="p22222")
    DomainFactory(project=other, name="zweite.de")

    assert caretaker_client.get("/projekte/p22222/").status_code == 404
    assert caretaker_client.post("/projekte/p22222/php/", {"php_version": "8.4"}).status_code == 404
    other.refresh_from_db()
    assert other.php_version == "8.3"
