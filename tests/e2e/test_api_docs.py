"""The interactive API docs work in a real browser under the product's CSP (no CDN, no inline code)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.api.test_authorization_matrix import MATRIX

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_docs_render_every_operation_without_console_errors(browsing):
    page = browsing.open()
    page.goto("/api/v1/docs")
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.locator(".opblock")).to_have_count(len(MATRIX))
    expect(page.get_by_text("Kundencenter Partner-API")).to_be_visible()
