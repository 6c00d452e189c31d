"""An owner works through the customer center in a real browser, with and without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import assert_accessible, history, log_in, screenshot
from tests.factories import ProjectFactory

pytestmark = pytest.mark.e2e


@pytest.mark.screenshots
def test_owner_administers_a_project_and_sees_the_history(clock, page: Page, demo_owner, monkeypatch):
    # The new database's password is on the screenshot: the same one on every run.
    monkeypatch.setattr("projects.services.generate_password", lambda: "Sonnenschein-2026-Demo")
    page.goto("/konto/login/")
    expect(page.get_by_role("heading", name="Im Kundencenter anmelden")).to_be_visible()
    screenshot(page, "login.png")
    assert_accessible(page)

    log_in(page, "kunde@example.com")
    projects = page.get_by_role("table", name="Eigene und betreute Projekte")
    expect(projects.get_by_role("link", name="p10001")).to_be_visible()
    screenshot(page, "projektverwaltung.png")
    assert_accessible(page)

    page.get_by_role("searchbox", name="Projekte durchsuchen").fill("Onlineshop")
    page.get_by_role("button", name="Suchen").click()
    expect(projects.get_by_role("link", name="p10001")).to_have_count(0)
    expect(projects.get_by_role("link", name="p10002")).to_be_visible()

    # "Neu laden" swaps the list in place: the page (and this marker) stays.
    ProjectFactory(owner=demo_owner, number="p10004", name="Onlineshop Relaunch")
    page.evaluate("window.notReloaded = true")
    page.get_by_role("link", name="Neu laden").click()
    expect(projects.get_by_role("link", name="p10004")).to_be_visible()
    expect(projects.get_by_role("link", name="p10001")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True

    projects.get_by_role("link", name="p10002").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("p10002 · Onlineshop")

    page.get_by_role("combobox", name="PHP-Version").select_option("8.4")
    page.get_by_role("button", name="PHP-Version speichern").click()
    php = page.get_by_role("region", name="PHP-Version")
    expect(php.get_by_role("status")).to_have_text("PHP-Version ist jetzt 8.4.")

    databases = page.get_by_role("region", name="Datenbanken")
    databases.get_by_role("textbox", name="Name der Datenbank").fill("shop")
    databases.get_by_role("button", name="Datenbank anlegen").click()
    expect(databases.get_by_role("cell", name="p10002_shop", exact=True)).to_be_visible()

    domains = page.get_by_role("region", name="Domains und Ziele")
    # Not by its label yet: the order form's "Gewünschte Domain" field has the same id (id_name),
    # so the label "Domain" points there and this field has no accessible name.
    domains.locator("input[name=name]").fill("shop.example.org")
    domains.get_by_role("combobox", name="Art des Ziels").select_option(label="Verzeichnis im Webspace")
    domains.get_by_role("textbox", name="Ziel", exact=True).fill("shop")
    domains.get_by_role("button", name="Domain hinzufügen").click()
    row = domains.get_by_role("row").filter(has_text="shop.example.org")
    expect(row.get_by_role("cell", name="/shop", exact=True)).to_be_visible()

    entries = history(page).get_by_role("row")
    php_change = entries.filter(has_text="PHP-Version geändert")
    expect(php_change.get_by_role("cell")).to_contain_text(["PHP-Version geändert", "8.2", "8.4"])
    expect(entries.filter(has_text="Datenbank angelegt: p10002_shop")).to_have_count(1)
    expect(entries.filter(has_text="Domain hinzugefügt: shop.example.org")).to_have_count(1)
    screenshot(page, "projekt.png")
    assert_accessible(page)

    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Vertragsdaten").click()
    expect(page.get_by_role("heading", name="Vertragsdaten", level=1)).to_be_visible()
    screenshot(page, "vertragsdaten.png")
    assert_accessible(page)


def test_owner_changes_php_version_without_javascript(browsing, demo_owner):
    page = browsing.open(javascript=False)
    log_in(page, "kunde@example.com")
    page.goto("/projekte/p10003/")
    page.get_by_role("combobox", name="PHP-Version").select_option("8.3")
    page.get_by_role("button", name="PHP-Version speichern").click()

    expect(page).to_have_url(f"{browsing.base_url}/projekte/p10003/#php")
    expect(page.get_by_text("PHP-Version ist jetzt 8.3.")).to_be_visible()
    expect(page.get_by_role("combobox", name="PHP-Version")).to_have_value("8.3")
    change = history(page).get_by_role("row").filter(has_text="PHP-Version geändert")
    expect(change.get_by_role("cell")).to_contain_text(["PHP-Version geändert", "8.1", "8.3"])
