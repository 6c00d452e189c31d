"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect, sync_playwright

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
SCREENSHOTS = settings.BASE_DIR / "docs" / "screenshots"
# Served by the live server from static/vendor/: the CSP admits same-origin scripts only.
AXE_URL = "/static/vendor/axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")


@pytest.fixture(scope="session")
def browser() -> Browser:
    if not CHROMIUM.exists():
        reason = f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_page(browser: Browser, live_server, **options) -> Page:
    """A fresh browser context (own cookies) in German at desktop size."""
    context = browser.new_context(
        base_url=live_server.url, locale="de-DE", viewport={"width": 1280, "height": 900}, **options
    )
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.fixture
def page(browser, live_server) -> Page:
    """A page that fails the test on script errors and CSP violations (they show in the console)."""
    page = open_page(browser, live_server)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    yield page
    page.context.close()
    assert not errors, f"errors in the browser console: {errors}"


@pytest.fixture
def demo_owner(db) -> Customer:
    """A customer like the demo's `kunde@example.com`: three projects, a server, domains, databases."""
    owner = CustomerFactory(
        company="Bäckerei Sonnenschein",
        first_name="Maria",
        last_name="Sonne",
        street="Hauptstraße 1",
        postal_code="10115",
        city="Berlin",
        user__email="kunde@example.com",
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


def log_in(page: Page, email: str) -> None:
    page.goto("/konto/login/")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Projektverwaltung")).to_be_visible()


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / name, full_page=True, animations="disabled")


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
