"""The OpenAPI schema and the docs: public, the same for everyone, in the caller's language."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from django.conf import settings
from django.test import Client
from django.utils.functional import Promise
from ninja.openapi.schema import get_schema

from api.api import api
from api.models import AccessToken
from tests.api.conftest import token_client
from tests.conftest import login

SCHEMA = "/api/v1/openapi.json"
DOCS = "/api/v1/docs"


def texts(schema: dict) -> dict[str, object]:
    """Every text of the schema written for people (by where it is): titles of the API, tags,
    summaries and descriptions. Not the names pydantic makes from field names, nor HTTP's "OK"."""
    found = {"info.title": schema["info"]["title"], "info.description": schema["info"]["description"]}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            where = f"{method} {path}"
            found[f"{where} summary"] = operation["summary"]
            found.update({f"{where} tag {n}": tag for n, tag in enumerate(operation["tags"])})
            if "description" in operation:
                found[f"{where} description"] = operation["description"]
            for parameter in operation.get("parameters", []):
                if "description" in parameter:
                    found[f"{where} {parameter['name']}"] = parameter["description"]
    for name, component in schema["components"]["schemas"].items():
        if "description" in component:
            found[name] = component["description"]
        for field, definition in component.get("properties", {}).items():
            if "description" in definition:
                found[f"{name}.{field}"] = definition["description"]
    return found


def test_every_text_of_the_schema_is_translated():
    """Lazy translations, filled in when the schema is rendered in the caller's language."""
    found = texts(api.get_openapi_schema())
    assert len(found) > 60
    assert {where: text for where, text in found.items() if not isinstance(text, Promise)} == {}


def operation(schema: dict, method: str, path: str) -> dict:
    return schema["paths"][f"/api/v1{path}"][method]


def test_schema_speaks_the_language_of_each_request():
    client = Client()
    german = client.get(SCHEMA, headers={"Accept-Language": "de"})
    english = client.get(SCHEMA, headers={"Accept-Language": "en"})
    german_again = client.get(SCHEMA, headers={"Accept-Language": "de-DE,de;q=0.9"})
    for response, language in [(german, "de"), (english, "en"), (german_again, "de")]:
        assert response["Content-Language"] == language
        assert "Accept-Language" in response["Vary"]
    assert operation(german.json(), "post", "/projects/{number}/databases")["summary"] == "Datenbank anlegen"
    assert operation(english.json(), "post", "/projects/{number}/databases")["summary"] == "Create database"
    assert operation(english.json(), "get", "/caretakerships")["tags"] == ["Caretakerships"]
    assert german_again.content == german.content


def test_the_public_schema_is_built_once_not_at_every_request(db):
    with patch("ninja.main.get_schema", wraps=get_schema) as build:
        api.__dict__.pop("_schemas", None)
        for language in ["de", "en", "de"]:
            assert Client().get(SCHEMA, headers={"Accept-Language": language}).status_code == 200

    assert build.call_count == 1


def test_schema_follows_the_language_chosen_in_the_customer_center(owner):
    client = login(owner)
    client.post("/i18n/setlang/", {"language": "en"})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    schema = client.get(SCHEMA).json()
    assert operation(schema, "get", "/projects")["tags"] == ["Projects"]


@pytest.mark.parametrize("path", [SCHEMA, DOCS])
def test_docs_are_public_and_tell_nobody_anything_about_an_account(owner, project, path):
    """They describe the public contract only: the same bytes for a stranger, a signed-in
    customer and a script with a token, and nothing from anyone's data."""
    api_client = token_client(owner)
    anonymous = Client().get(path)
    signed_in = login(owner).get(path)
    with_token = Client().get(path, headers={"Authorization": f"Bearer {api_client.secret}"})

    assert anonymous.status_code == signed_in.status_code == with_token.status_code == 200
    assert anonymous.content == signed_in.content == with_token.content
    assert not anonymous.cookies
    # A token sent along is not looked at: the docs answer without one.
    token = AccessToken.objects.get()
    text = anonymous.content.decode()
    for secret in (owner.admin.email, str(owner.number), owner.company, project.name, token.shown_part):
        assert secret not in text
    assert token.last_used_at is None
