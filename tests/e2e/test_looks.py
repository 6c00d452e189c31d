"""How the customer center looks and speaks: language switch, phone widths, accessibility."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import log_in, open_caretakers_tab

pytestmark = pytest.mark.e2e


def test_language_switch_stays_on_the_tab_htmx_opened(page: Page, demo_owner):
    log_in(page, "kunde@example.com")
    open_caretakers_tab(page)

    page.get_by_role("combobox", name="Sprache").select_option("en")
    page.get_by_role("button", name="Sprache wechseln").click()

    expect(page.get_by_role("heading", name="Open requests")).to_be_visible()
    assert page.url.endswith("/vertragsdaten/technischer-betreuer/")
