"""How the customer center looks and speaks: language switch, every page on a phone, screenshots.

`make screenshots` keeps the pictures of the main pages, on a desktop and on a phone, in German
and in English, in docs/screenshots/{desktop,phone}/ and docs/screenshots/en/{desktop,phone}/.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect

from customercenter.models import Customer
from delegation.access import ProjectAccess
from delegation.models import Caretakership, Scope
from projects.audit import entry_params
from projects.models import AuditEntry, Project
from tests.delegation.factories import ManagementRequestFactory, ProjectReleaseFactory
from tests.e2e.conftest import (
    AGENCY_EMAIL,
    AXE_URL,
    DESKTOP,
    PHONE,
    START,
    Browsing,
    assert_accessible,
    log_in,
    open_caretakers_tab,
    screenshot,
)
from tests.factories import CustomerFactory
from tickets import services as tickets

pytestmark = pytest.mark.e2e

LINK_TOKEN = "Freigabe-Link-fuer-die-Screenshots-2026"


def test_language_switch_stays_on_the_tab_htmx_opened(page: Page, demo_owner):
    log_in(page, "kunde@example.com")
    open_caretakers_tab(page)

    page.get_by_role("combobox", name="Sprache").select_option("en")
    page.get_by_role("button", name="Sprache wechseln").click()

    expect(page.get_by_role("heading", name="Open requests")).to_be_visible()
    assert page.url.endswith("/vertragsdaten/technischer-betreuer/")


def test_picker_filters_adds_all_shown_and_announces_it(page: Page, demo_owner):
    log_in(page, "kunde@example.com")
    page.goto(reverse("contract:release_new"))
    available = page.get_by_role("listbox", name="Verfügbare Projekte")
    selected = page.get_by_role("listbox", name="Ausgewählte Projekte")
    expect(page.get_by_text("Wähle Projekte unter „Verfügbare Projekte“ und füge sie hinzu")).to_be_visible()

    page.get_by_role("searchbox", name="Projekte filtern").fill("p1000")
    expect(available.get_by_role("option")).to_have_count(3)
    page.get_by_role("searchbox", name="Projekte filtern").fill("shop")
    expect(available.get_by_role("option")).to_have_text(["p10002 · Onlineshop"])
    page.get_by_role("button", name="Alle hinzufügen →").click()

    expect(selected.get_by_role("option")).to_have_text(["p10002 · Onlineshop"])
    expect(page.get_by_role("status").filter(has_text="Hinzugefügt")).to_have_text(
        "Hinzugefügt: p10002 · Onlineshop. Ausgewählte Projekte: 1."
    )
    page.get_by_role("searchbox", name="Projekte filtern").fill("")
    expect(available.get_by_role("option")).to_have_count(2)

    # Keyboard: Enter adds what is chosen on the left, Delete takes it back from the right.
    available.focus()
    available.select_option(label="p10003 · Blog")
    available.press("Enter")
    expect(selected.get_by_role("option")).to_have_count(2)
    selected.select_option(label="p10003 · Blog")
    selected.press("Delete")
    expect(page.get_by_role("status").filter(has_text="Entfernt")).to_have_text(
        "Entfernt: p10003 · Blog. Ausgewählte Projekte: 1."
    )
    assert page.locator("#id_projects_1").is_checked()
    assert_accessible(page)


def test_picker_without_javascript_explains_the_checkboxes(browsing, demo_owner):
    page = browsing.open(javascript=False)
    log_in(page, "kunde@example.com")
    page.goto(reverse("contract:release_new"))

    expect(page.get_by_text("Hake die Projekte an, die freigegeben werden sollen.")).to_be_visible()
    expect(page.get_by_text("rechten Seite")).to_have_count(0)
    expect(page.get_by_role("checkbox", name="p10001 · Hauptseite")).to_be_visible()


@dataclass(frozen=True)
class Shown:
    """A page as one person sees it; `name` is its screenshot's file name where it has one."""

    who: str  # "anonymous", "owner", "agency" or "staff"
    url: str
    name: str = ""


@pytest.fixture
def world(clock, demo_owner: Customer, agency: Customer, staff) -> list[Shown]:
    """The demo customers with something in every list, and the pages to visit."""
    hauptseite, onlineshop, blog = (Project.objects.get(number=n) for n in ("p10001", "p10002", "p10003"))
    Caretakership.objects.create(
        project=hauptseite,
        owner_number=demo_owner.number,
        caretaker=agency,
        source=Caretakership.Source.RELEASE,
        scope=Scope.TECHNICAL,
        expires_at=START + timedelta(days=20),
    )
    webwerk = CustomerFactory(company="Webwerk Nord", first_name="Nina", last_name="Neumann")
    ManagementRequestFactory(project=onlineshop, caretaker=webwerk)
    ProjectReleaseFactory(owner=demo_owner, email="freelancer@example.org", projects=[blog], delivery_failed_at=START)
    ProjectReleaseFactory(owner=demo_owner, email=AGENCY_EMAIL, projects=[blog], token=LINK_TOKEN)
    for project, old, new in [(onlineshop, "8.1", "8.2"), (hauptseite, "8.2", "8.3")]:
        AuditEntry.objects.create(
            project=project,
            actor=demo_owner,
            role="owner",
            action="php_version.changed",
            params=entry_params(old=old, new=new),
        )
    ticket = tickets.open_ticket(
        access=ProjectAccess(project=hauptseite, customer=demo_owner),
        subject="SSL-Zertifikat für hauptseite-p10001.example.net",
        category="domains",
        body="Bitte das Zertifikat vor dem Ablauf verlängern.",
    )
    return [
        Shown("owner", "/", "uebersicht"),
        Shown("anonymous", reverse("account_login"), "login"),
        Shown("anonymous", reverse("account_signup")),
        Shown("owner", reverse("projects:list"), "projektverwaltung-kunde"),
        Shown("agency", reverse("projects:list"), "projektverwaltung-agentur"),
        Shown("owner", reverse("projects:detail", args=["p10001"]), "projekt"),
        Shown("agency", reverse("projects:detail", args=["p10001"]), "projekt-betreuer"),
        Shown("agency", "/"),
        Shown("owner", reverse("projects:servers")),
        Shown("owner", reverse("contract:master_data")),
        Shown("owner", reverse("contract:invoices")),
        Shown("owner", reverse("contract:caretakers"), "technischer-betreuer"),
        Shown("owner", reverse("contract:list", args=["freigegeben"])),
        Shown("agency", reverse("contract:caretakers")),
        Shown("owner", reverse("contract:release_new"), "projektfreigabe"),
        Shown("agency", reverse("release_link", args=[LINK_TOKEN]), "freigabe-link"),
        Shown("owner", reverse("tickets:list"), "tickets"),
        Shown("owner", reverse("tickets:detail", args=[ticket.pk])),
        Shown("owner", reverse("tickets:new")),
        Shown("owner", reverse("notifications:list")),
        Shown("owner", reverse("account_email")),
        Shown("owner", reverse("account_change_password")),
        Shown("owner", reverse("mfa_index")),
        Shown("owner", reverse("api_tokens:list")),
        Shown("staff", reverse("admin:index"), "admin"),
        Shown("staff", reverse("admin:tickets_ticket_change", args=[ticket.pk])),
    ]


def signed_in(browsing: Browsing, who: str, users: dict, **options) -> Page:
    """A browser of `who`, signed in through a session made on the server (fast, any language)."""
    page = browsing.open(**options)
    if who != "anonymous":
        client = Client()
        client.force_login(users[who])
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": browsing.base_url}])
    return page


def people(browsing: Browsing, demo_owner, agency, staff, **options) -> dict[str, Page]:
    users = {"owner": demo_owner.admin, "agency": agency.admin, "staff": staff}
    return {who: signed_in(browsing, who, users, **options) for who in ["anonymous", "owner", "agency", "staff"]}


def assert_fits(page: Page) -> None:
    """Nothing sticks out to the side: the document is no wider than the window."""
    widths = page.evaluate(
        "() => ({document: document.documentElement.scrollWidth, window: window.innerWidth,"
        " wide: [...document.querySelectorAll('main *, nav *, footer *')]"
        ".filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".slice(0, 5).map((e) => e.outerHTML.slice(0, 120))})"
    )
    assert widths["document"] <= widths["window"], f"{page.url} is {widths['document']} px wide: {widths['wide']}"


def test_every_page_fits_a_phone_and_passes_axe(browsing, world, demo_owner, agency, staff):
    pages = people(browsing, demo_owner, agency, staff, viewport=PHONE)
    for shown in world:
        page = pages[shown.who]
        response = page.goto(shown.url)
        assert response.status == 200, f"{shown.who} {shown.url}: {response.status}"
        assert_fits(page)
        assert_accessible(page)
        # axe measures some elements by styling them inline, which the strict CSP refuses: that
        # message is the tool's, not the page's.
        browsing.errors = [error for error in browsing.errors if not error[0].endswith(AXE_URL)]


@pytest.mark.screenshots
@pytest.mark.parametrize(("locale", "folder"), [("de-DE", ""), ("en-GB", "en/")], ids=["deutsch", "english"])
def test_screenshots_of_the_main_pages(browsing, world, demo_owner, agency, staff, locale, folder):
    for size, viewport in [("desktop", DESKTOP), ("phone", PHONE)]:
        pages = people(browsing, demo_owner, agency, staff, viewport=viewport, locale=locale)
        for shown in world:
            if not shown.name:
                continue
            page = pages[shown.who]
            page.goto(shown.url)
            assert_fits(page)
            screenshot(page, f"{folder}{size}/{shown.name}.png")
