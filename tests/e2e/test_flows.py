"""Delegation in a real browser: releases, requests, release links, and all of it without JavaScript."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from customercenter.models import Customer
from delegation import services
from delegation.expiry import expiry_from_last_day
from delegation.models import Caretakership, ProjectRelease
from projects.models import Project
from tests.e2e.conftest import (
    AGENCY_EMAIL,
    AGENCY_NUMBER,
    OWNER_EMAIL,
    START,
    Mailbox,
    assert_accessible,
    fill_login,
    log_in,
    open_caretakers_tab,
    release_link_in,
    screenshot,
    with_number,
)
from tests.e2e.steps import (
    AGENCY_NAME,
    project_table,
    release_two_projects_and_revoke_one,
    status_message,
)
from tests.factories import CustomerFactory

pytestmark = pytest.mark.e2e

NEWCOMER_PASSWORD = "Sauerteig-im-Ofen-2026"


@pytest.fixture
def mail_over_smtp(settings, mailbox) -> Mailbox:
    """The live server sends its mail over SMTP to `mailbox` (tasks run in-process)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = mailbox.port
    return mailbox


@pytest.fixture
def webwerk(db) -> Customer:
    """A second partner: another agency's account."""
    return with_number(
        CustomerFactory(
            company="Webwerk Nord",
            first_name="Nina",
            last_name="Nord",
            kind=Customer.Kind.PARTNER,
            admin__email="webwerk@example.com",
            numbered=False,
        ),
        318777,
    )


def project(number: str) -> Project:
    return Project.objects.get(number=number)


def main(page: Page):
    return page.get_by_role("main")


@pytest.mark.screenshots
def test_owner_releases_two_projects_and_the_agency_loses_one_on_revocation(
    clock, demo_owner, agency, browsing, mail_over_smtp
):
    release_two_projects_and_revoke_one(browsing, mail_over_smtp, expires_on=date(2026, 3, 31), check_pages=True)

    revoked = mail_over_smtp.wait_for(to=AGENCY_EMAIL, subject="hat deine Betreuung von p10001 widerrufen")
    assert "Bäckerei Sonnenschein" in revoked["Subject"]


@pytest.mark.screenshots
def test_requested_management_ends_at_its_expiry_date_without_a_worker(clock, demo_owner, agency, webwerk, browsing):
    # Around the request: a project cared for by another agency, a release waiting for a freelancer.
    cared = project("p10001")
    Caretakership.objects.create(
        project=cared,
        owner_number=cared.owner.number,
        caretaker=webwerk,
        source=Caretakership.Source.REQUEST,
        expires_at=expiry_from_last_day(date(2026, 12, 31)),
    )
    services.create_release(
        owner=demo_owner, email="freelancer@example.com", projects=[project("p10002")], access_expires_at=None
    )

    caretaker = browsing.open()
    log_in(caretaker, AGENCY_EMAIL)
    open_caretakers_tab(caretaker)
    caretaker.get_by_role("textbox", name="Projektnummer").fill(" P10003 ")
    caretaker.get_by_role("button", name="Verwaltung beantragen").click()
    expect(
        status_message(caretaker, "Antrag für p10003 gestellt. Der Vertragspartner wird benachrichtigt.")
    ).to_be_visible()
    requests = caretaker.get_by_role("region", name="Offene Anträge")
    expect(requests.get_by_role("row").filter(has_text="p10003")).to_contain_text("wartet auf den Vertragspartner")
    # Nothing about the owner before it accepts.
    expect(requests).not_to_contain_text("Sonnenschein")
    assert_accessible(caretaker)

    owner = browsing.open()
    log_in(owner, OWNER_EMAIL)
    expect(owner.get_by_role("link", name="Benachrichtigungen 1 ungelesen")).to_be_visible()
    open_caretakers_tab(owner)
    request = owner.get_by_role("region", name="Offene Anträge").get_by_role("row").filter(has_text="p10003")
    expect(request).to_contain_text(AGENCY_NAME)
    expect(request).to_contain_text(f"Kundennummer {AGENCY_NUMBER}")
    expiry = request.get_by_label("Ablaufdatum (optional)")
    expiry.fill("2026-03-02")
    expiry.blur()
    screenshot(owner, "technischer-betreuer.png")
    assert_accessible(owner)
    request.get_by_role("button", name="Annehmen").click()
    expect(status_message(owner, "Antrag angenommen.")).to_be_visible()
    released = owner.get_by_role("region", name="Freigegebene Projekte")
    expect(released.get_by_role("row").filter(has_text="p10003")).to_contain_text("bis 02.03.2026")
    owner.get_by_role("link", name="Rechnungen").click()
    expect(owner.get_by_role("link", name="Rechnungen")).to_have_attribute("aria-current", "page")
    assert_accessible(owner)

    caretaker.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Projektverwaltung").click()
    row = project_table(caretaker).get_by_role("row").filter(has_text="p10003")
    expect(row).to_contain_text("bis 02.03.2026")
    row.get_by_role("link", name="p10003").click()
    expect(caretaker.get_by_role("heading", level=1)).to_have_text("p10003 · Blog")

    # The expiry date is over at midnight. No worker runs here: the next request decides.
    clock.move_to(datetime(2026, 3, 3, 0, 0, 5, tzinfo=START.tzinfo), tick=True)
    browsing.expect_not_found(caretaker, caretaker.reload)
    expect(caretaker.get_by_role("heading", name="Nicht gefunden.")).to_be_visible()
    assert_accessible(caretaker)
    caretaker.goto("/projekte/")
    expect(caretaker.get_by_text("Noch keine Projekte.")).to_be_visible()
    assert Caretakership.objects.get(project__number="p10003").ended_at is None


def test_release_link_refuses_the_wrong_account_a_used_and_an_expired_link(
    clock, demo_owner, agency, webwerk, browsing
):
    clock.move_to(START - timedelta(days=15), tick=True)
    _old, expired_token = services.create_release(
        owner=demo_owner, email=AGENCY_EMAIL, projects=[project("p10001")], access_expires_at=None
    )
    clock.move_to(START, tick=True)
    _release, token = services.create_release(
        owner=demo_owner, email=AGENCY_EMAIL, projects=[project("p10001"), project("p10002")], access_expires_at=None
    )

    visitor = browsing.open()
    log_in(visitor, "webwerk@example.com")
    visitor.goto(f"/freigabe/{token}/")
    expect(visitor.get_by_role("alert")).to_have_text(
        f"Diese Freigabe wurde an {AGENCY_EMAIL} gesendet, du bist als webwerk@example.com angemeldet."
    )
    expect(main(visitor)).not_to_contain_text("p10001")
    expect(visitor.get_by_role("button", name="Freigabe annehmen")).to_have_count(0)
    assert_accessible(visitor)

    main(visitor).get_by_role("button", name="Abmelden").click()
    expect(main(visitor)).to_contain_text(f"Diese Projektfreigabe wurde an {AGENCY_EMAIL} gesendet.")
    main(visitor).get_by_role("link", name="Anmelden").click()
    fill_login(visitor, AGENCY_EMAIL)
    expect(main(visitor)).to_contain_text("p10001 · Hauptseite")
    visitor.get_by_role("button", name="Freigabe annehmen").click()
    expect(status_message(visitor, "Freigabe angenommen.")).to_be_visible()

    visitor.goto(f"/freigabe/{token}/")
    expect(visitor.get_by_role("alert")).to_have_text(
        "Diese Freigabe wurde bereits angenommen; der Link ist verbraucht."
    )
    expect(visitor.get_by_role("button", name="Freigabe annehmen")).to_have_count(0)

    visitor.goto(f"/freigabe/{expired_token}/")
    expect(visitor.get_by_role("alert")).to_have_text(
        "Dieser Link ist abgelaufen. Bitte den Vertragspartner, die Freigabe neu zu senden."
    )

    browsing.expect_not_found(visitor, lambda: visitor.goto(f"/freigabe/{token[:-4]}abcd/"))
    expect(visitor.get_by_role("alert")).to_contain_text("Dieser Link ist ungültig.")
    assert Caretakership.objects.filter(caretaker=agency, ended_at=None).count() == 2


def test_unknown_address_signs_up_as_partner_from_the_link_and_accepts(clock, demo_owner, browsing):
    _release, token = services.create_release(
        owner=demo_owner,
        email="neu@example.com",
        projects=[project("p10003")],
        access_expires_at=expiry_from_last_day(date(2026, 6, 30)),
    )

    newcomer = browsing.open()
    newcomer.goto(f"/freigabe/{token}/")
    expect(main(newcomer)).to_contain_text("Diese Projektfreigabe wurde an neu@example.com gesendet.")
    assert_accessible(newcomer)
    newcomer.get_by_role("link", name="Noch kein Konto? Partner werden").click()

    expect(newcomer.get_by_role("heading", name="Partner werden")).to_be_visible()
    expect(newcomer.get_by_label("E-Mail-Adresse")).to_have_value("neu@example.com")
    assert_accessible(newcomer)
    newcomer.get_by_label("Firma (optional)").fill("Studio Neumann")
    newcomer.get_by_label("Vorname").fill("Nils")
    newcomer.get_by_label("Nachname").fill("Neumann")
    newcomer.get_by_label("Passwort", exact=True).fill(NEWCOMER_PASSWORD)
    newcomer.get_by_label("Passwort (Wiederholung)").fill(NEWCOMER_PASSWORD)
    newcomer.get_by_role("button", name="Partner werden").click()

    expect(main(newcomer)).to_contain_text("p10003 · Blog")
    newcomer.get_by_role("button", name="Freigabe annehmen").click()
    expect(status_message(newcomer, "Freigabe angenommen.")).to_be_visible()
    newcomer.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Projektverwaltung").click()
    expect(project_table(newcomer).get_by_role("row").filter(has_text="p10003")).to_contain_text("bis 30.06.2026")

    partner = Customer.objects.get(memberships__user__email="neu@example.com")
    assert (partner.kind, partner.company) == (Customer.Kind.PARTNER, "Studio Neumann")
    assert partner.number is not None


def test_release_accept_and_decline_work_without_javascript(clock, demo_owner, agency, browsing, mailoutbox):
    owner = browsing.open(javascript=False)
    log_in(owner, OWNER_EMAIL)

    def release(number: str, label: str) -> None:
        open_caretakers_tab(owner)
        owner.get_by_role("link", name="Projekt freigeben", exact=True).click()
        expect(owner.get_by_role("listbox", name="Verfügbare Projekte")).to_have_count(0)
        owner.get_by_label("E-Mail-Adresse des Technischen Betreuers").fill(AGENCY_EMAIL)
        owner.get_by_label("Ablaufdatum (optional)").fill("2026-04-30")
        owner.get_by_role("checkbox", name=label).check()
        owner.get_by_role("button", name="Freigabe erteilen").click()
        expect(status_message(owner, "Freigabe erteilt.")).to_be_visible()
        assert ProjectRelease.objects.filter(projects__number=number, status="pending").exists()

    release("p10001", "p10001 · Hauptseite")
    release("p10002", "p10002 · Onlineshop")
    links = [release_link_in(mail.body) for mail in mailoutbox if "Projekte zur technischen Betreuung" in mail.subject]
    assert len(links) == 2

    caretaker = browsing.open(javascript=False)
    caretaker.goto(links[0])
    main(caretaker).get_by_role("link", name="Anmelden").click()
    fill_login(caretaker, AGENCY_EMAIL)
    expect(main(caretaker)).to_contain_text("p10001 · Hauptseite")
    caretaker.get_by_role("button", name="Freigabe annehmen").click()
    expect(status_message(caretaker, "Freigabe angenommen.")).to_be_visible()

    incoming = caretaker.get_by_role("region", name="Offene Anträge").get_by_role("row").filter(has_text="p10002")
    expect(incoming).to_contain_text("Bäckerei Sonnenschein")
    incoming.get_by_role("link", name="Ablehnen").click()
    expect(main(caretaker)).to_contain_text("erfährt, dass du die Freigabe abgelehnt hast")
    caretaker.get_by_role("button", name="Ablehnen").click()
    expect(status_message(caretaker, "Freigabe abgelehnt.")).to_be_visible()
    cared = caretaker.get_by_role("region", name="Betreute Projekte")
    expect(cared.get_by_role("row").filter(has_text="p10001")).to_contain_text("bis 30.04.2026")
    expect(cared.get_by_role("row").filter(has_text="p10002")).to_have_count(0)
    assert ProjectRelease.objects.filter(projects__number="p10002").get().status == ProjectRelease.Status.DECLINED


def test_a_read_only_release_says_so_and_declining_by_link_asks_first(clock, demo_owner, agency, browsing):
    release, token = services.create_release(
        owner=demo_owner, email=AGENCY_EMAIL, projects=[project("p10001")], access_expires_at=None, scope="read"
    )
    caretaker = browsing.open(javascript=False)
    log_in(caretaker, AGENCY_EMAIL)

    caretaker.goto(f"/freigabe/{token}/")
    expect(main(caretaker).get_by_role("definition").filter(has_text="Nur lesen")).to_have_count(1)
    expect(main(caretaker)).to_contain_text("aber nichts ändern")
    main(caretaker).get_by_role("link", name="Ablehnen").click()
    expect(main(caretaker)).to_contain_text("erfährt, dass du die Freigabe abgelehnt hast")
    assert ProjectRelease.objects.get(pk=release.pk).status == ProjectRelease.Status.PENDING
    caretaker.get_by_role("button", name="Ablehnen").click()

    expect(status_message(caretaker, "Freigabe abgelehnt.")).to_be_visible()
    assert ProjectRelease.objects.get(pk=release.pk).status == ProjectRelease.Status.DECLINED
