"""A caretaker's ticket, answered by support in the Django admin, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from delegation.access import ProjectAccess
from delegation.models import Caretakership
from projects.models import Project
from tests.e2e.conftest import (
    AGENCY_EMAIL,
    AGENCY_NUMBER,
    OWNER_NUMBER,
    assert_accessible,
    fill_login,
    log_in,
    screenshot,
)
from tests.e2e.steps import project_table, status_message
from tickets import services

# Fresh sequences: the tickets are #1 and #2 in the screenshots.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, reset_sequences=True)]

SUBJECT = "Datenbank-Verbindung schlägt fehl"
ANSWER = "Wir haben den Datenbankserver neu gestartet. Bitte versuche es noch einmal."


@pytest.mark.screenshots
def test_caretaker_ticket_is_answered_by_support_in_the_admin(clock, demo_owner, agency, staff, browsing):
    hauptseite = Project.objects.get(number="p10001")
    Caretakership.objects.create(
        project=hauptseite, owner_number=hauptseite.owner.number, caretaker=agency, source=Caretakership.Source.RELEASE
    )
    services.open_ticket(
        access=ProjectAccess(project=hauptseite, customer=demo_owner),
        subject="SSL-Zertifikat für hauptseite-p10001.example.net",
        category="domains",
        body="Bitte das Zertifikat vor dem Ablauf verlängern.",
    )

    caretaker = browsing.open()
    log_in(caretaker, AGENCY_EMAIL)
    project_table(caretaker).get_by_role("link", name="p10001").click()
    caretaker.get_by_role("link", name="Ticket zu diesem Projekt").click()
    expect(caretaker.get_by_role("combobox", name="Projekt")).to_have_value("p10001")
    caretaker.get_by_role("combobox", name="Kategorie").select_option(label="Datenbanken")
    caretaker.get_by_role("textbox", name="Betreff").fill(SUBJECT)
    caretaker.get_by_role("textbox", name="Nachricht").fill(
        "Seit heute Morgen meldet der Shop „Access denied“ für p10001_main."
    )
    assert_accessible(caretaker)
    caretaker.get_by_role("button", name="Ticket eröffnen").click()
    expect(status_message(caretaker, "Ticket #2 eröffnet.")).to_be_visible()
    expect(caretaker.get_by_role("heading", level=1)).to_have_text(f"#2 · {SUBJECT}")
    expect(caretaker.get_by_role("main")).to_contain_text(
        f"Technischer Betreuer · Paul Pixel (Agentur Pixelwerk) · {AGENCY_NUMBER} für p10001"
    )

    # Support answers in the admin and sees at once that the caretaker wrote, for which customer.
    support = browsing.open()
    # The admin sends staff to the customer center's login (rate limits, second factor) and back.
    support.goto("/admin/")
    fill_login(support, staff.email)
    support.get_by_role("row", name="Tickets").get_by_role("link", name="Tickets").click()
    search = support.get_by_role("search")
    search.get_by_role("textbox").fill("p10001")
    search.get_by_role("button", name="Suchen").click()
    support.get_by_role("link", name=SUBJECT).click()
    expect(
        support.get_by_text(f"Technischer Betreuer {AGENCY_NUMBER} für Vertragspartner {OWNER_NUMBER}")
    ).to_be_visible()
    expect(
        support.get_by_text(f"Technischer Betreuer · Paul Pixel (Agentur Pixelwerk) · {AGENCY_NUMBER} für p10001")
    ).to_be_visible()
    support.get_by_label("Antwort an den Kunden").fill(ANSWER)
    screenshot(support, "admin-ticket.png")
    support.get_by_role("button", name="Sichern", exact=True).click()
    expect(support.get_by_text("wurde erfolgreich geändert")).to_be_visible()

    # The caretaker gets a notification and reads the answer.
    caretaker.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Tickets").click()
    expect(caretaker.get_by_role("link", name="Benachrichtigungen 1 ungelesen")).to_be_visible()
    row = caretaker.get_by_role("row").filter(has_text=SUBJECT)
    expect(row).to_contain_text("beantwortet")
    expect(caretaker.get_by_role("row").filter(has_text="SSL-Zertifikat")).to_contain_text("Vertragspartner")
    screenshot(caretaker, "tickets.png")
    assert_accessible(caretaker)
    row.get_by_role("link", name=SUBJECT).click()
    answer = caretaker.get_by_role("listitem").filter(has_text=ANSWER)
    expect(answer).to_contain_text("Support")
    screenshot(caretaker, "ticket.png")
    assert_accessible(caretaker)

    caretaker.get_by_role("link", name="Benachrichtigungen 1 ungelesen").click()
    expect(caretaker.get_by_role("link", name=f"Der Support hat auf dein Ticket #2 „{SUBJECT}“")).to_be_visible()
