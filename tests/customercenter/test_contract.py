"""Vertragsdaten: Stammdaten (editable, validated) and Rechnungen (only one's own)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from customercenter.models import Customer
from projects.models import Invoice, Order
from tests.conftest import login
from tests.factories import CustomerFactory, ProjectFactory
from tests.helpers import count_queries


def master_data(**overrides) -> dict:
    return {
        "company": "Bäckerei Sonnenschein",
        "first_name": "Berta",
        "last_name": "Brot",
        "street": "Hauptstraße 1",
        "postal_code": "10115",
        "city": "Berlin",
        "country": "AT",
        "phone": "+49 30 123456",
        **overrides,
    }


def add_invoices(customer: Customer, count: int, prefix: str) -> None:
    Invoice.objects.bulk_create(
        Invoice(
            customer=customer,
            number=f"{prefix}-{i:05d}",
            issued_on=datetime.date(2030, 1, 1) + datetime.timedelta(days=i),
            amount=Decimal("9.90"),
            status=Invoice.Status.PAID,
        )
        for i in range(count)
    )


def add_orders(customer: Customer, count: int) -> None:
    projects = ProjectFactory.create_batch(min(count, 5), owner=customer)
    Order.objects.bulk_create(
        Order(
            customer=customer,
            project=projects[i % len(projects)],
            kind=Order.Kind.DOMAIN,
            subject=f"bestellt{i}.de",
            price=Decimal("12.00"),
        )
        for i in range(count)
    )


def test_master_data_shows_number_and_form(owner_client, owner):
    response = owner_client.get("/vertragsdaten/")

    assert response.status_code == 200
    assert str(owner.number) in response.text
    assert "Stammdaten" in response.text
    assert 'name="street"' in response.text
    assert 'name="number"' not in response.text


def test_owner_edits_master_data(owner_client, owner):
    response = owner_client.post("/vertragsdaten/", master_data())

    assert response.status_code == 302
    assert response["Location"] == "/vertragsdaten/"
    owner.refresh_from_db()
    assert (owner.street, owner.postal_code, owner.city, owner.country) == (
        "Hauptstraße 1",
        "10115",
        "Berlin",
        "AT",
    )
    assert "Stammdaten gespeichert." in owner_client.get("/vertragsdaten/").text


def test_country_is_chosen_from_a_list_of_countries_by_name(owner_client):
    response = owner_client.get("/vertragsdaten/")

    assert '<select name="country"' in response.text
    assert '<option value="AT">Österreich</option>' in response.text
    assert '<option value="DE" selected>Deutschland</option>' in response.text


def test_customer_number_is_not_editable_even_if_posted(owner_client, owner):
    number = owner.number

    response = owner_client.post("/vertragsdaten/", master_data(number="1", kind="partner", user="999"))

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.number == number
    assert owner.kind == Customer.Kind.HOSTING


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("postal_code", "10115!", "Bitte eine gültige Postleitzahl angeben."),
        ("country", "Deutschland", "Bitte ein Land aus der Liste auswählen."),
        ("country", "D1", "Bitte ein Land aus der Liste auswählen."),
        ("country", "XX", "Bitte ein Land aus der Liste auswählen."),
        ("country", "de", "Bitte ein Land aus der Liste auswählen."),
        ("first_name", "", "Dieses Feld ist zwingend erforderlich."),
        ("city", "x" * 101, "höchstens 100 Zeichen"),
    ],
)
def test_invalid_master_data_shows_error_at_field_and_changes_nothing(owner_client, owner, field, value, message):
    before = Customer.objects.filter(pk=owner.pk).values().get()

    response = owner_client.post("/vertragsdaten/", master_data(**{field: value}))

    assert response.status_code == 422
    assert f'id="id_{field}_error"' in response.text
    assert message in response.text
    assert Customer.objects.filter(pk=owner.pk).values().get() == before


def test_master_data_htmx_returns_only_the_tab(owner_client):
    response = owner_client.get("/vertragsdaten/", headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="tab-content"' in response.text
    assert "HX-Request" in response["Vary"]


def test_invoices_show_only_own_invoices_and_orders(owner_client, owner, outsider):
    add_invoices(owner, 2, "RE-OWN")
    add_invoices(outsider, 2, "RE-FOREIGN")
    own = ProjectFactory(owner=owner)
    foreign = ProjectFactory(owner=outsider)
    Order.objects.create(customer=owner, project=own, kind="ssl", subject="meine.de", price=Decimal("49.00"))
    Order.objects.create(customer=outsider, project=foreign, kind="ssl", subject="fremde.de", price=Decimal("49.00"))

    response = owner_client.get("/vertragsdaten/rechnungen/")

    assert response.status_code == 200
    assert "RE-OWN-00000" in response.text
    assert "RE-OWN-00001" in response.text
    assert "RE-FOREIGN" not in response.text
    assert "meine.de" in response.text
    assert own.number in response.text
    assert "fremde.de" not in response.text
    assert foreign.number not in response.text


def test_invoices_tab_htmx_returns_only_the_tab(owner_client):
    response = owner_client.get("/vertragsdaten/rechnungen/", headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Keine Rechnungen." in response.text


def test_invoice_page_query_count_does_not_grow_with_rows(db, django_assert_max_num_queries):
    few = CustomerFactory()
    many = CustomerFactory()
    add_invoices(few, 2, "RE-FEW")
    add_orders(few, 2)
    add_invoices(many, 100, "RE-MANY")
    add_orders(many, 100)
    few_client, many_client = login(few), login(many)

    with django_assert_max_num_queries(6):
        many_client.get("/vertragsdaten/rechnungen/")
    assert count_queries(few_client, "/vertragsdaten/rechnungen/") == count_queries(
        many_client, "/vertragsdaten/rechnungen/"
    )


def test_anonymous_is_sent_to_login(client, db):
    for url in ["/vertragsdaten/", "/vertragsdaten/rechnungen/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/konto/login/?next=")


def test_staff_without_customer_gets_hint_page(staff_client):
    for url in ["/vertragsdaten/", "/vertragsdaten/rechnungen/", "/projekte/", "/projekte/p12345/"]:
        response = staff_client.get(url)
        assert response.status_code == 403, url
        assert "Dieses Konto hat keine Kundennummer" in response.text
        assert "/admin/" in response.text


def test_staff_without_customer_cannot_post_master_data(staff_client, staff):
    response = staff_client.post("/vertragsdaten/", master_data())

    assert response.status_code == 403
    assert not Customer.objects.filter(memberships__user=staff).exists()
