"""Paid services: SSL certificates and domain registrations, visible in Vertragsdaten."""

from __future__ import annotations

from decimal import Decimal

import pytest

from projects.models import Domain, Order
from tests.factories import DomainFactory, ProjectFactory
from tests.projects.helpers import HX, audit_trail, snapshot


def test_owner_orders_ssl_for_a_domain_of_the_project(owner_client, owner, project, domain):
    response = owner_client.post("/projekte/p12345/bestellen/ssl/", {"domain": domain.pk}, follow=True)

    assert response.redirect_chain == [("/projekte/p12345/#orders", 302)]
    assert "SSL-Zertifikat für sonnenschein.de bestellt (49.00 EUR/Jahr)." in response.text
    order = Order.objects.get()
    assert (order.customer, order.project, order.kind, order.subject, order.price) == (
        owner,
        project,
        Order.Kind.SSL,
        "sonnenschein.de",
        Decimal("49.00"),
    )
    assert audit_trail(project) == [("owner", "order.ssl", "sonnenschein.de", "", "49.00 EUR")]


def orders_table(client) -> str:
    return client.get("/vertragsdaten/rechnungen/").text.split("Bestellungen</h2>")[1]


def test_ssl_order_appears_in_vertragsdaten_with_its_price(owner_client, project, domain):
    owner_client.post("/projekte/p12345/bestellen/ssl/", {"domain": domain.pk}, follow=True)

    orders = orders_table(owner_client)

    assert "SSL-Zertifikat: sonnenschein.de" in orders
    assert '<td data-label="Projekt">p12345</td>' in orders
    assert "49,00 EUR" in orders
    assert "in Bearbeitung" in orders


def test_ssl_price_comes_from_the_setting(owner_client, project, domain, settings):
    settings.SSL_CERTIFICATE_PRICE = Decimal("59.90")

    owner_client.post("/projekte/p12345/bestellen/ssl/", {"domain": domain.pk})

    assert Order.objects.get().price == Decimal("59.90")


def test_ssl_for_a_domain_not_in_the_project_is_refused_at_the_field(owner_client, owner, project, outsider):
    foreign = DomainFactory(project=ProjectFactory(owner=outsider), name="fremd.de")
    own_other = DomainFactory(project=ProjectFactory(owner=owner), name="anderes-projekt.de")
    before = snapshot(project)

    for pk in [foreign.pk, own_other.pk, 999_999, "abc", "sonnenschein.de"]:
        response = owner_client.post("/projekte/p12345/bestellen/ssl/", {"domain": pk})

        assert response.status_code == 422
        assert 'id="id_domain_error"' in response.text
        assert "Diese Domain gehört nicht zu diesem Projekt." in response.text
    assert snapshot(project) == before


def test_ssl_without_domain_is_refused(owner_client, project, domain):
    response = owner_client.post("/projekte/p12345/bestellen/ssl/", {})

    assert response.status_code == 422
    assert "Bitte eine Domain auswählen." in response.text
    assert not Order.objects.exists()


def test_duplicate_ssl_order_is_refused(owner_client, project, domain):
    owner_client.post("/projekte/p12345/bestellen/ssl/", {"domain": domain.pk})
    before = snapshot(project)

    response = owner_client.post("/projekte/p12345/bestellen/ssl/", {"domain": domain.pk})

    assert response.status_code == 422
    assert "Für sonnenschein.de ist bereits ein SSL-Zertifikat bestellt." in response.text
    assert Order.objects.count() == 1
    assert snapshot(project) == before


def test_ssl_order_via_htmx_returns_the_section_and_a_trigger(owner_client, project, domain):
    response = owner_client.post("/projekte/p12345/bestellen/ssl/", {"domain": domain.pk}, headers=HX)

    assert response.status_code == 200
    assert response["HX-Trigger"] == "projectChanged"
    assert response.text.lstrip().startswith('<section id="orders"')
    assert "SSL-Zertifikate bestellt für: sonnenschein.de" in response.text


def test_owner_registers_a_domain(owner_client, owner, project):
    response = owner_client.post("/projekte/p12345/bestellen/domain/", {"name": " Neue-Domain.DE "}, follow=True)

    assert response.redirect_chain == [("/projekte/p12345/#orders", 302)]
    assert "Domain neue-domain.de registriert (12.00 EUR/Jahr)." in response.text
    order = Order.objects.get()
    assert (order.customer, order.project, order.kind, order.subject, order.price) == (
        owner,
        project,
        Order.Kind.DOMAIN,
        "neue-domain.de",
        Decimal("12.00"),
    )
    assert Domain.objects.get(name="neue-domain.de").project == project
    assert audit_trail(project) == [("owner", "order.domain", "neue-domain.de", "", "12.00 EUR")]
    orders = orders_table(owner_client)
    assert "Domainregistrierung: neue-domain.de" in orders
    assert "12,00 EUR" in orders


def test_registering_a_taken_domain_is_refused(owner_client, project, outsider):
    DomainFactory(project=ProjectFactory(owner=outsider), name="vergeben.de")
    before = snapshot(project)

    response = owner_client.post("/projekte/p12345/bestellen/domain/", {"name": "vergeben.de"})

    assert response.status_code == 422
    assert 'id="id_register_name_error"' in response.text
    assert "Die Domain vergeben.de ist nicht mehr frei." in response.text
    assert snapshot(project) == before


@pytest.mark.parametrize("name", ["kein name", "https://neu.de", "", "x" * 254])
def test_registering_an_invalid_domain_is_refused(owner_client, project, name):
    before = snapshot(project)

    response = owner_client.post("/projekte/p12345/bestellen/domain/", {"name": name})

    assert response.status_code == 422
    assert 'id="id_register_name_error"' in response.text
    assert snapshot(project) == before


def test_orders_need_post(owner_client, project, domain):
    assert owner_client.get("/projekte/p12345/bestellen/ssl/").status_code == 405
    assert owner_client.get("/projekte/p12345/bestellen/domain/").status_code == 405
    assert not Order.objects.exists()


def test_ssl_order_asks_for_a_domain_instead_of_dashes(owner_client, project, domain):
    page = owner_client.get("/projekte/p12345/").text
    ssl_form = page.split('name="domain"')[1].split("</select>")[0]

    assert '<option value="" selected>Domain auswählen …</option>' in ssl_form
    assert "---------" not in page
