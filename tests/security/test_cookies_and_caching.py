"""What leaves the server besides the page: no secret in a cookie, no signed-in page in a shared cache."""

from __future__ import annotations

import pytest

from tests.factories import DatabaseFactory
from tests.projects.helpers import PASSWORD_SHOWN_RE


def test_a_new_database_password_is_shown_once_and_never_put_into_a_cookie(owner_client, project):
    database = DatabaseFactory(project=project, name="p12345_shop")

    reset = owner_client.post(f"/projekte/p12345/datenbanken/{database.name}/passwort/")
    shown = owner_client.get(reset["Location"])

    password = PASSWORD_SHOWN_RE.search(shown.text)["password"]
    for response in (reset, shown):
        assert "messages" not in response.cookies
        assert all(password not in morsel.value for morsel in response.cookies.values())
    assert all(password not in morsel.value for morsel in owner_client.cookies.values())
    assert password not in owner_client.get(reset["Location"]).text


@pytest.mark.parametrize(
    "url", ["/projekte/", "/projekte/p12345/", "/vertragsdaten/", "/benachrichtigungen/", "/konto/password/change/"]
)
def test_signed_in_pages_are_kept_by_no_cache(owner_client, project, url):
    response = owner_client.get(url)

    assert response.status_code == 200
    assert cache_control(response) >= {"private", "no-store"}


def test_signed_in_htmx_fragments_and_redirects_are_kept_by_no_cache(owner_client, project):
    fragment = owner_client.get("/projekte/", headers={"HX-Request": "true"})
    redirect = owner_client.post("/projekte/p12345/php/", {"php_version": "8.2"})

    assert (fragment.status_code, redirect.status_code) == (200, 302)
    assert cache_control(fragment) >= {"private", "no-store"}
    assert cache_control(redirect) >= {"private", "no-store"}


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}
