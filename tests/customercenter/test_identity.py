"""The product's look: its own logo, colours and icons, served from here (no CDN)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

ASSET = re.compile(r'(?:href|src)="(/static/[^"?#]+)')
EXTERNAL = re.compile(r'(?:href|src)="(?:https?:)?//')


def assets_of(page: str) -> list[str]:
    return ASSET.findall(page)


@pytest.mark.parametrize("url", ["/projekte/", "/konto/email/", "/vertragsdaten/"])
def test_pages_carry_logo_icons_and_brand_styles_from_here(owner_client, url):
    page = owner_client.get(url).text

    assets = assets_of(page)
    assert "/static/img/logo.svg" in assets
    assert "/static/vendor/bootstrap-icons/bootstrap-icons.min.css" in assets
    assert "/static/css/app.css" in assets
    assert not EXTERNAL.search(page)
    for asset in assets:
        assert finders.find(asset.removeprefix("/static/")), asset


def test_the_icon_font_is_vendored_with_its_fonts():
    css = Path(finders.find("vendor/bootstrap-icons/bootstrap-icons.min.css")).read_text()

    fonts = re.findall(r'url\("(fonts/[^"?]+)', css)
    assert fonts
    for font in fonts:
        assert finders.find(f"vendor/bootstrap-icons/{font}"), font


def test_navigation_shows_icons_and_the_start_page(owner_client):
    page = owner_client.get("/projekte/").text
    navigation = page.split('aria-label="Hauptnavigation"')[1].split("</nav>")[0]

    assert 'class="bi bi-folder2-open" aria-hidden="true"' in navigation
    assert ">Übersicht</a>" in navigation


def test_login_is_a_centred_card_with_the_logo(client, db):
    page = client.get("/konto/login/").text

    assert 'class="auth-card mx-auto' in page
    assert 'class="auth-logo"' in page


def test_account_pages_share_the_account_navigation(owner_client):
    page = owner_client.get("/konto/password/change/").text
    account_navigation = page.split('<nav aria-label="Konto">')[1].split("</nav>")[0]

    assert 'aria-current="page" href="/konto/password/change/"' in account_navigation
    assert "/konto/2fa/" in account_navigation


def test_the_admin_wears_the_product_name_and_colour(staff_client):
    page = staff_client.get("/admin/").text

    assert "/static/css/admin.css" in assets_of(page)
    assert "/static/img/logo.svg" in assets_of(page)
    assert "Kundencenter – Support" in page


def test_status_badges_say_what_their_colour_means():
    css = Path(finders.find("css/app.css")).read_text()

    for status in ["status-waiting", "status-done", "status-ended", "status-problem", "role-owner", "role-caretaker"]:
        assert f".{status}" in css
