"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

`test_stack.py` drives the same browser against the whole installation run as processes.
Tests marked `screenshots` capture pages for the README; they write them only into
$SCREENSHOTS_DIR (`make screenshots`), so that a test run leaves the working tree as it was.
"""

from __future__ import annotations

import os
import re
import socket
import time
from collections.abc import Callable
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from customercenter.models import Customer
from tests.conftest import IN_CI
from tests.factories import (
    PASSWORD,
    CustomerFactory,
    DatabaseFactory,
    DomainFactory,
    ProjectFactory,
    ServerFactory,
)

# Playwright's sync API keeps an event loop running in this thread for the whole session;
# the ORM calls that tests and the live server make around it are still synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS_DIR = os.environ.get("SCREENSHOTS_DIR", "")
# Served by the live server from static/vendor/: the CSP admits same-origin scripts only.
AXE_URL = "/static/vendor/axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")
# Screenshots show dates and times: tests that take them start their clock here (a Monday morning).
START = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))
# Fixed customer numbers, outside the range the number sequence hands out during a test run.
OWNER_NUMBER = 204711
AGENCY_NUMBER = 318520
OWNER_EMAIL = "kunde@example.com"
AGENCY_EMAIL = "agentur@example.com"
NOT_FOUND_CONSOLE_LINE = "the server responded with a status of 404"


def pytest_configure(config):
    config.addinivalue_line("markers", "screenshots: takes the screenshots in docs/screenshots (make screenshots)")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every browser signs in from 127.0.0.1: no test inherits another's login rate limits."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def browser() -> Browser:
    if not CHROMIUM.exists():
        reason = f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
        if IN_CI or SCREENSHOTS_DIR:
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def new_context(
    browser: Browser, base_url: str, *, locale: str = "de-DE", viewport: dict = DESKTOP, **options
) -> BrowserContext:
    """A fresh browser context (own cookies), in German at desktop size unless told otherwise."""
    context = browser.new_context(base_url=base_url, locale=locale, viewport=viewport, **options)
    context.set_default_timeout(10_000)
    return context


class Browsing:
    """The browsers of the people in one test: one context (own cookies) each, as many tabs as needed.

    Script errors and CSP violations (they show in the console) fail the test, and so does a
    404 that the test did not announce with `expect_not_found`.
    """

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.contexts: list[BrowserContext] = []
        self.errors: list[tuple[str, str]] = []
        self.not_found: set[str] = set()

    def open(self, *, javascript: bool = True, **options) -> Page:
        context = new_context(self.browser, self.base_url, java_script_enabled=javascript, **options)
        self.contexts.append(context)
        return self.tab(context)

    def tab(self, context: BrowserContext) -> Page:
        """Another tab of the same person (same cookies, same login)."""
        page = context.new_page()
        page.on("pageerror", lambda error: self.errors.append((page.url, str(error))))
        page.on(
            "console",
            lambda message: message.type == "error" and self.errors.append((message.location["url"], message.text)),
        )
        return page

    def expect_not_found(self, page: Page, action: Callable[[], object]) -> None:
        """`action` navigates to a page that answers 404."""
        with page.expect_response(lambda response: response.request.is_navigation_request()) as navigation:
            action()
        response = navigation.value
        assert response.status == 404, f"{response.url} answered {response.status}, expected 404"
        self.not_found.add(response.url)

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        unexpected = [
            f"{url}: {text}"
            for url, text in self.errors
            if not (NOT_FOUND_CONSOLE_LINE in text and url in self.not_found)
        ]
        assert not unexpected, "errors in the browser console:\n" + "\n".join(unexpected)


@pytest.fixture
def browsing(browser, live_server, settings) -> Browsing:
    settings.SITE_URL = live_server.url  # so links in e-mails lead to the live server
    browsing = Browsing(browser, live_server.url)
    yield browsing
    browsing.close()


@pytest.fixture
def page(browsing) -> Page:
    """One person's page on the live server; console errors fail the test."""
    return browsing.open()


@pytest.fixture
def clock(time_machine):
    """The clock of this process, and so of the live server (a thread in it), starts at START and ticks."""
    time_machine.move_to(START, tick=True)
    return time_machine


def wait_for(probe: Callable[[], object], *, timeout: float, what: str, check: Callable[[], None] | None = None):
    """Poll `probe` until it returns something truthy; `check` may fail early (a process died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        if check is not None:
            check()
        time.sleep(0.05)
    pytest.fail(f"waited {timeout}s for {what}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """A real SMTP server (aiosmtpd) on a free port that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted for delivery"

    def find(self, *, to: str, subject: str) -> EmailMessage | None:
        return next((m for m in self.messages if m["To"] == to and subject in m["Subject"]), None)

    def wait_for(self, *, to: str, subject: str, timeout: float = 30, check=None) -> EmailMessage:
        return wait_for(
            lambda: self.find(to=to, subject=subject),
            timeout=timeout,
            what=f"an e-mail to {to} about {subject!r}; received: {[(m['To'], m['Subject']) for m in self.messages]}",
            check=check,
        )


@pytest.fixture
def mailbox() -> Mailbox:
    mailbox = Mailbox()
    mailbox.controller.start()
    yield mailbox
    mailbox.controller.stop()


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def release_link_in(text: str) -> str:
    match = re.search(r"https?://\S+/freigabe/[\w-]+/", text)
    assert match, f"no release link in:\n{text}"
    return match.group(0)


@pytest.fixture
def demo_owner(db) -> Customer:
    """A customer like the demo's `kunde@example.com`: three projects, a server, domains, databases."""
    owner = with_number(
        CustomerFactory(
            company="Bäckerei Sonnenschein",
            first_name="Maria",
            last_name="Sonne",
            street="Hauptstraße 1",
            postal_code="10115",
            city="Berlin",
            admin__email=OWNER_EMAIL,
            admin__name="Maria Sonne",
            numbered=False,
        ),
        OWNER_NUMBER,
    )
    server = ServerFactory(owner=owner, number="s1001", name="Managed Server M")
    for number, name, server_, php in [
        ("p10001", "Hauptseite", server, "8.3"),
        ("p10002", "Onlineshop", server, "8.2"),
        ("p10003", "Blog", None, "8.1"),
    ]:
        project = ProjectFactory(owner=owner, number=number, name=name, server=server_, php_version=php)
        DomainFactory(project=project, name=f"{name.lower()}-{number}.example.net")
        DatabaseFactory(project=project, name=f"{number}_main")
    return owner


@pytest.fixture
def agency(db) -> Customer:
    """A partner like the demo's `agentur@example.com`: no projects of its own."""
    return with_number(
        CustomerFactory(
            company="Agentur Pixelwerk",
            first_name="Paul",
            last_name="Pixel",
            kind=Customer.Kind.PARTNER,
            admin__email=AGENCY_EMAIL,
            admin__name="Paul Pixel",
            numbered=False,
        ),
        AGENCY_NUMBER,
    )


def with_number(customer: Customer, number: int) -> Customer:
    customer.number = number
    customer.save(update_fields=["number"])
    return customer


def log_in(page: Page, email: str) -> None:
    """Sign in (landing on the start page) and open Projektverwaltung, where most tests begin."""
    page.goto("/konto/login/")
    fill_login(page, email)
    expect(page.get_by_role("heading", name="Übersicht", level=1)).to_be_visible()
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Projektverwaltung").click()
    expect(page.get_by_role("heading", name="Projektverwaltung", level=1)).to_be_visible()


def fill_login(page: Page, email: str) -> None:
    """Sign in on the login form that is open now; where it leads depends on `next`."""
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()


def open_caretakers_tab(page: Page) -> None:
    """Vertragsdaten → Technischer Betreuer, through the main navigation and the tab."""
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Vertragsdaten").click()
    page.get_by_role("link", name="Technischer Betreuer", exact=True).click()
    expect(page.get_by_role("heading", name="Offene Anträge")).to_be_visible()


def screenshot(page: Page, name: str) -> None:
    """Capture the whole page; keep it as `name` in $SCREENSHOTS_DIR only when that is set.

    Captured in every run all the same, so that a test run and `make screenshots` do the same.
    """
    path = None
    if SCREENSHOTS_DIR:
        path = Path(SCREENSHOTS_DIR) / name
        path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, full_page=True, animations="disabled")
    # Hiding the caret leaves `style=""` on inputs. htmx would copy that attribute when it swaps the
    # input's section, which the CSP (no inline styles) reports as a violation: leave no trace.
    page.evaluate("document.querySelectorAll('[style=\"\"]').forEach((element) => element.removeAttribute('style'))")


def assert_accessible(page: Page) -> None:
    """axe-core finds nothing serious or critical on the page as it is now."""
    page.add_script_tag(url=AXE_URL)
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations.map((v) => ({
            rule: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")),
        }))"""
    )
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe on {page.url}:\n" + "\n".join(
        f"- {v['rule']} ({v['impact']}): {v['help']} at {', '.join(v['nodes'])}" for v in blocking
    )


def history(page: Page):
    return page.get_by_role("region", name="Verlauf")


def php_saved(version: str) -> re.Pattern:
    return re.compile(rf"PHP-Version ist jetzt {re.escape(version)}")
