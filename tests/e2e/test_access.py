"""Who has access, shown where people look: the owner's Zugriff section and the caretaker's page,
in a real browser with and without JavaScript."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from delegation.expiry import expiry_from_last_day
from delegation.models import Caretakership, Scope
from tests.delegation.factories import CaretakershipFactory
from tests.e2e.conftest import AGENCY_EMAIL, OWNER_EMAIL, assert_accessible, log_in, screenshot
from tests.factories import ProjectFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def cared(demo_owner, agency) -> Caretakership:
    """The agency administers p10001 until the end of April."""
    project = demo_owner.projects.get(number="p10001")
    return CaretakershipFactory(
        project=project, caretaker=agency, source="release", expires_at=expiry_from_last_day(date(2026, 4, 30))
    )


def access_section(page: Page):
    return page.get_by_role("region", name="Zugriff")


def status(page: Page, text: str):
    return page.get_by_role("status").filter(has_text=text)


@pytest.mark.screenshots
def test_owner_narrows_and_extends_access_and_the_caretaker_sees_it(clock, browsing, demo_owner, agency, cared):
    owner = browsing.open()
    log_in(owner, OWNER_EMAIL)
    owner.goto("/projekte/p10001/")
    row = access_section(owner).get_by_role("row").filter(has_text="Agentur Pixelwerk")
    expect(row).to_contain_text("Technische Verwaltung")
    expect(row).to_contain_text("bis 30.04.2026")

    row.get_by_role("combobox", name="Umfang").select_option(label="Nur lesen")
    row.get_by_role("button", name="Speichern").nth(1).click()
    expect(status(owner, "Umfang der Betreuung geändert.")).to_be_visible()
    row = access_section(owner).get_by_role("row").filter(has_text="Agentur Pixelwerk")
    row.get_by_label("Neues Ablaufdatum (leer: unbefristet)").fill("2026-06-30")
    row.get_by_role("button", name="Speichern").first.click()
    expect(status(owner, "Ablaufdatum der Betreuung geändert.")).to_be_visible()
    row = access_section(owner).get_by_role("row").filter(has_text="Agentur Pixelwerk")
    expect(row).to_contain_text("Nur lesen")
    expect(row).to_contain_text("bis 30.06.2026")
    screenshot(owner, "projekt-zugriff.png")
    assert_accessible(owner)

    caretaker = browsing.open()
    log_in(caretaker, AGENCY_EMAIL)
    caretaker.goto("/projekte/p10001/")
    expect(caretaker.locator("#my-care")).to_contain_text(
        "Du betreust dieses Projekt für Bäckerei Sonnenschein (Maria Sonne, Kundennummer"
    )
    expect(caretaker.locator("#my-care")).to_contain_text("bis 30.06.2026 (Umfang: Nur lesen).")
    php = caretaker.get_by_role("region", name="PHP-Version")
    expect(php.get_by_role("button", name="PHP-Version speichern")).to_be_disabled()
    expect(php).to_contain_text("aber nichts ändern")
    screenshot(caretaker, "projekt-betreuer.png")
    assert_accessible(caretaker)


def test_owner_ends_a_caretakership_without_javascript_after_a_question(clock, browsing, demo_owner, agency, cared):
    owner = browsing.open(javascript=False)
    log_in(owner, OWNER_EMAIL)
    owner.goto("/projekte/p10001/")
    row = access_section(owner).get_by_role("row").filter(has_text="Agentur Pixelwerk")
    row.get_by_label("Neues Ablaufdatum (leer: unbefristet)").fill("2026-05-31")
    row.get_by_role("button", name="Speichern").first.click()
    expect(access_section(owner).get_by_role("row").filter(has_text="Agentur Pixelwerk")).to_contain_text(
        "bis 31.05.2026"
    )

    access_section(owner).get_by_role("link", name="Betreuung beenden").click()
    expect(owner.get_by_role("heading", name="Betreuung widerrufen")).to_be_visible()
    expect(owner.get_by_role("main")).to_contain_text(
        "p10001 kann dann nicht mehr von Agentur Pixelwerk (Paul Pixel) verwaltet werden."
    )
    owner.get_by_role("button", name="Widerrufen").click()
    expect(access_section(owner)).to_contain_text("Niemand außer dir hat Zugriff auf dieses Projekt.")
    cared.refresh_from_db()
    assert cared.end_reason == Caretakership.EndReason.REVOKED


def test_owners_project_list_names_who_cares(clock, page: Page, demo_owner, agency, cared):
    ProjectFactory(owner=demo_owner, number="p10009", name="Neu")
    CaretakershipFactory(project=cared.project, caretaker=ProjectFactory().owner, scope=Scope.READ_ONLY)
    log_in(page, OWNER_EMAIL)

    projects = page.get_by_role("table", name="Eigene und betreute Projekte")
    expect(projects.get_by_role("row").filter(has_text="p10001")).to_contain_text("Agentur Pixelwerk")
    expect(projects.get_by_role("row").filter(has_text="p10001")).to_contain_text("+1")
    expect(projects.get_by_role("row").filter(has_text="p10009")).to_contain_text("niemand")


def test_caretaker_ends_its_care_without_javascript_and_lands_in_its_project_list(clock, browsing, agency, cared):
    caretaker = browsing.open(javascript=False)
    log_in(caretaker, AGENCY_EMAIL)
    caretaker.goto("/projekte/p10001/")

    caretaker.get_by_role("link", name="Betreuung beenden").click()
    expect(caretaker.get_by_role("main")).to_contain_text("Du kannst p10001 dann nicht mehr für")
    caretaker.get_by_role("link", name="Abbrechen").click()
    expect(caretaker).to_have_url(re.compile(r"/projekte/p10001/$"))

    caretaker.get_by_role("link", name="Betreuung beenden").click()
    caretaker.get_by_role("button", name="Betreuung beenden").click()
    expect(caretaker).to_have_url(re.compile(r"/projekte/$"))
    expect(status(caretaker, "Betreuung beendet.")).to_be_visible()
    expect(caretaker.get_by_role("main")).not_to_contain_text("p10001")
    cared.refresh_from_db()
    assert cared.end_reason == Caretakership.EndReason.ENDED
