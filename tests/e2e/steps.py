"""Journeys that more than one browser test walks: in-process, and against the full stack."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    AGENCY_EMAIL,
    AGENCY_NUMBER,
    OWNER_EMAIL,
    OWNER_NUMBER,
    Browsing,
    Mailbox,
    assert_accessible,
    history,
    log_in,
    open_caretakers_tab,
    release_link_in,
    screenshot,
    text_of,
)

OWNER_NAME = "Bäckerei Sonnenschein (Maria Sonne)"
AGENCY_NAME = "Agentur Pixelwerk (Paul Pixel)"
RELEASED = ["p10001 · Hauptseite", "p10002 · Onlineshop"]


def project_table(page: Page):
    return page.get_by_role("table", name="Eigene und betreute Projekte")


def status_message(page: Page, text: str):
    return page.get_by_role("status").filter(has_text=text)


def release_two_projects_and_revoke_one(
    browsing: Browsing,
    mailbox: Mailbox,
    *,
    expires_on: date,
    check_pages: bool = False,
    mail_check: Callable[[], None] | None = None,
) -> None:
    """The owner releases p10001 and p10002 until `expires_on`, the agency accepts from the e-mail,
    changes a PHP version, the owner sees it in the history and revokes p10001.

    `check_pages` takes screenshots and runs axe on the pages on the way.
    """
    until = f"bis {expires_on:%d.%m.%Y}"
    owner = browsing.open()
    log_in(owner, OWNER_EMAIL)
    caretaker = browsing.open()
    log_in(caretaker, AGENCY_EMAIL)
    expect(caretaker.get_by_text("Noch keine Projekte.")).to_be_visible()

    # Projektfreigabe: e-mail, expiry, two projects moved to the right in the picker.
    open_caretakers_tab(owner)
    owner.get_by_role("link", name="Projekt freigeben", exact=True).click()
    expect(owner.get_by_role("heading", name="Projektfreigabe", level=1)).to_be_visible()
    owner.get_by_label("E-Mail-Adresse des Technischen Betreuers").fill(AGENCY_EMAIL)
    owner.get_by_label("Ablaufdatum (optional)").fill(expires_on.isoformat())
    available = owner.get_by_role("listbox", name="Verfügbare Projekte")
    selected = owner.get_by_role("listbox", name="Ausgewählte Projekte")
    available.select_option(label=RELEASED)
    owner.get_by_role("button", name="Hinzufügen →", exact=True).click()
    expect(selected.get_by_role("option")).to_have_text(RELEASED)
    expect(available.get_by_role("option")).to_have_text(["p10003 · Blog"])
    if check_pages:
        screenshot(owner, "projektfreigabe.png")
        assert_accessible(owner)
    owner.get_by_role("button", name="Freigabe erteilen").click()
    expect(status_message(owner, f"Freigabe erteilt. {AGENCY_EMAIL} erhält einen Link per E-Mail")).to_be_visible()
    outgoing = owner.get_by_role("region", name="Offene Anträge").get_by_role("row").filter(has_text=AGENCY_EMAIL)
    expect(outgoing).to_contain_text("wartet auf Annahme")

    # The link comes from the message the SMTP server received.
    message = mailbox.wait_for(
        to=AGENCY_EMAIL, subject=f"{OWNER_NAME} gibt dir Projekte zur technischen Betreuung frei", check=mail_check
    )
    link = release_link_in(text_of(message))
    link_tab = browsing.tab(caretaker.context)
    link_tab.goto(link)
    expect(link_tab.get_by_role("heading", name="Projektfreigabe")).to_be_visible()
    expect(link_tab.get_by_role("main")).to_contain_text(
        f"Bäckerei Sonnenschein (Maria Sonne, Kundennummer {OWNER_NUMBER})"
    )
    expect(link_tab.get_by_role("main").get_by_role("listitem")).to_have_text(RELEASED)
    expect(link_tab.get_by_role("definition").first).to_have_text(f"{expires_on:%d.%m.%Y}")
    if check_pages:
        screenshot(link_tab, "freigabe-link.png")
        assert_accessible(link_tab)
    link_tab.get_by_role("button", name="Freigabe annehmen").click()
    expect(status_message(link_tab, "Freigabe angenommen.")).to_be_visible()
    link_tab.close()

    # "Neu laden" brings both projects into the list the agency still has open.
    projects = project_table(caretaker)
    caretaker.get_by_role("link", name="Neu laden").click()
    expect(projects).to_contain_text(f"Betreut für {OWNER_NAME} · Kundennummer {OWNER_NUMBER}")
    for number in ("p10001", "p10002"):
        expect(projects.get_by_role("row").filter(has_text=number)).to_contain_text(until)
    expect(projects.get_by_role("link", name="p10003")).to_have_count(0)

    projects.get_by_role("link", name="p10001").click()
    expect(caretaker.get_by_text(f"Technischer Betreuer · für {OWNER_NAME} ({OWNER_NUMBER})")).to_be_visible()
    caretaker.get_by_role("combobox", name="PHP-Version").select_option("8.4")
    caretaker.get_by_role("button", name="PHP-Version speichern").click()
    expect(caretaker.get_by_role("region", name="PHP-Version").get_by_role("status")).to_have_text(
        "PHP-Version ist jetzt 8.4."
    )
    expect(history(caretaker)).to_have_count(0)
    if check_pages:
        assert_accessible(caretaker)
    caretaker.get_by_role("navigation", name="Brotkrumen").get_by_role("link", name="Projektverwaltung").click()
    expect(projects.get_by_role("link", name="p10001")).to_be_visible()

    # The owner sees who changed what.
    owner.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Projektverwaltung").click()
    project_table(owner).get_by_role("link", name="p10001").click()
    change = history(owner).get_by_role("row").filter(has_text="PHP-Version geändert")
    expect(change.get_by_role("cell")).to_contain_text(
        [
            f"Paul Pixel (Agentur Pixelwerk, {AGENCY_NUMBER}) als Technischer Betreuer von p10001",
            "PHP-Version geändert",
            "8.3",
            "8.4",
        ]
    )

    # Widerrufen asks first (a page of its own), then takes effect on the agency's next click.
    open_caretakers_tab(owner)
    released = owner.get_by_role("region", name="Freigegebene Projekte")
    expect(released.get_by_role("row").filter(has_text="p10002")).to_contain_text(until)
    released.get_by_role("row").filter(has_text="p10001").get_by_role("link", name="Widerrufen").click()
    expect(owner.get_by_role("main")).to_contain_text(
        f"p10001 kann dann nicht mehr von {AGENCY_NAME} verwaltet werden."
    )
    owner.get_by_role("button", name="Widerrufen").click()
    expect(status_message(owner, "Betreuung widerrufen.")).to_be_visible()
    expect(released.get_by_role("row").filter(has_text="p10001")).to_have_count(0)
    expect(released.get_by_role("row").filter(has_text="p10002")).to_have_count(1)

    browsing.expect_not_found(caretaker, projects.get_by_role("link", name="p10001").click)
    caretaker.go_back()
    caretaker.get_by_role("link", name="Neu laden").click()
    expect(projects.get_by_role("link", name="p10001")).to_have_count(0)
    expect(projects.get_by_role("link", name="p10002")).to_be_visible()
