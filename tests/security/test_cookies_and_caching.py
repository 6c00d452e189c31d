"""What leaves the server besides the page: no secret in a cookie, no signed-in page in a shared cache."""

from __future__ import annotations

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
