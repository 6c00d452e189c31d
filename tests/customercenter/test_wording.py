"""One word per person and per action, as the glossary says."""

from __future__ import annotations

from django.urls import reverse

from tests.delegation.helpers import page_text
from tests.factories import CustomerFactory, ProjectFactory


def test_the_caretakers_tab_offers_to_release_a_project(owner_client):
    text = page_text(owner_client.get(reverse("contract:caretakers")))

    assert "Projekt freigeben" in text
    assert "Als Vertragspartner: gib einem Technischen Betreuer" in text


def test_project_page_offers_to_release_this_project(owner_client, project):
    assert "Dieses Projekt freigeben" in page_text(owner_client.get("/projekte/p12345/"))


def test_project_list_names_projects_without_own_server_in_german(owner_client, owner):
    ProjectFactory(owner=owner, server=None)

    text = page_text(owner_client.get(reverse("projects:list")))

    assert "kein eigener Server" in text
    assert "Shared" not in text


def test_the_owner_is_the_vertragspartner_in_the_admin(staff_client, project):
    text = page_text(staff_client.get(reverse("admin:projects_project_changelist")))

    assert "Vertragspartner" in text
    assert "Inhaber" not in text


def test_name_and_customer_number_share_one_pair_of_brackets(db):
    with_person = CustomerFactory(company="Bäckerei Sonnenschein", first_name="Maria", last_name="Sonne")
    person_only = CustomerFactory(company="", first_name="Paul", last_name="Pixel")

    assert with_person.name_with_number == f"Bäckerei Sonnenschein (Maria Sonne, Kundennummer {with_person.number})"
    assert person_only.name_with_number == f"Paul Pixel (Kundennummer {person_only.number})"


def test_release_form_labels_start_with_a_capital(owner_client):
    text = page_text(owner_client.get(reverse("contract:release_new")))

    assert "Nur Betreuer mit Zwei-Faktor-Authentifizierung" in text
