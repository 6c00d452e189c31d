"""Bad input gets a 4xx with a clear error body (code, message, errors per field), in German or
English by Accept-Language, and changes nothing; never a 500."""

from __future__ import annotations

from base64 import b64encode
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.apps import apps
from django.utils import timezone

from api.models import AccessToken
from delegation.models import ManagementRequest
from tests.api.conftest import ApiClient, token_client
from tests.delegation.factories import CaretakershipFactory, ManagementRequestFactory
from tests.factories import CustomerFactory, ProjectFactory, ServerFactory

MODELS = ["projects.Project", "projects.Database", "projects.AuditEntry", "delegation.Caretakership"]
MODELS += ["delegation.ManagementRequest", "delegation.ProjectRelease", "notifications.Notification"]


def state() -> dict:
    return {name: list(apps.get_model(name).objects.order_by("pk").values()) for name in MODELS}


@pytest.fixture
def world(owner, project, caretaker):
    CaretakershipFactory(project=project, caretaker=caretaker)
    ServerFactory(number="s5000", owner=owner)
    ManagementRequestFactory(project=ProjectFactory(owner=owner, number="p22222"), caretaker=caretaker)
    return project


def past() -> str:
    return (timezone.localdate() - timedelta(days=1)).isoformat()


def cursor(position: str) -> str:
    """A cursor made by hand, encoded as the API encodes its own."""
    return quote(b64encode(position.encode()).decode())


# (who, method, path, body or raw bytes, status, code, field)
CASES = [
    ("caretaker", "POST", "/management-requests", b"{bad json", 400, "malformed_json", None),
    ("caretaker", "POST", "/management-requests", b"\xff\xfe", 400, "malformed_json", None),
    ("caretaker", "POST", "/management-requests", [1, 2], 422, "invalid_input", None),
    ("caretaker", "POST", "/management-requests", {}, 422, "invalid_input", "project"),
    ("caretaker", "POST", "/management-requests", {"project": "p1", "extra": 1}, 422, "invalid_input", "extra"),
    ("caretaker", "POST", "/management-requests", {"project": 12345}, 422, "invalid_input", "project"),
    ("caretaker", "POST", "/management-requests", {"project": "p1\x00"}, 422, "invalid_input", "project"),
    ("caretaker", "POST", "/management-requests", {"project": "12345"}, 422, "invalid_input", "project"),
    ("caretaker", "POST", "/management-requests", {"project": "s5000"}, 422, "invalid_input", "project"),
    ("caretaker", "POST", "/management-requests", {"project": "p99999"}, 422, "invalid_input", "project"),
    ("owner", "POST", "/management-requests", {"project": "p12345"}, 422, "invalid_input", "project"),
    ("owner", "PUT", "/projects/p12345/php-version", {"version": ["8.4"]}, 422, "invalid_input", "version"),
    ("owner", "PUT", "/projects/p12345/php-version", {"version": "8.4\x00"}, 422, "invalid_input", "version"),
    ("owner", "PUT", "/projects/p1%002345/php-version", {"version": "8.4"}, 404, "not_found", None),
    ("owner", "PUT", "/projects/s5000/php-version", {"version": "8.4"}, 404, "not_found", None),
    ("owner", "POST", "/projects/p12345/databases", {"suffix": "Shop!"}, 422, "invalid_input", "suffix"),
    ("owner", "DELETE", "/projects/p12345/databases/x%00y", None, 404, "not_found", None),
    ("owner", "GET", "/projects?q=a%00b", None, 422, "invalid_input", "q"),
    ("owner", "GET", "/projects?role=admin", None, 422, "invalid_input", "role"),
    ("owner", "GET", "/projects?cursor=%%%", None, 422, "invalid_input", "cursor"),
    ("owner", "GET", f"/projects?cursor={cursor('p=%00')}", None, 422, "invalid_input", "cursor"),
    ("owner", "GET", f"/projects/p12345/history?cursor={cursor('p=x')}", None, 422, "invalid_input", "cursor"),
    ("owner", "GET", f"/caretakerships?cursor={cursor('o=-1')}", None, 422, "invalid_input", "cursor"),
    ("owner", "GET", f"/releases?cursor={cursor('r=vielleicht')}", None, 422, "invalid_input", "cursor"),
    ("owner", "GET", f"/management-requests?cursor={cursor('o=1e3')}", None, 422, "invalid_input", "cursor"),
    ("owner", "GET", "/projects?page_size=zwei", None, 422, "invalid_input", "page_size"),
    ("owner", "GET", "/caretakerships?ending_before=gestern", None, 422, "invalid_input", "ending_before"),
    ("owner", "POST", "/releases", {"email": "x@example.com", "projects": []}, 422, "invalid_input", "projects"),
    ("owner", "POST", "/releases", {"email": "kein", "projects": ["p12345"]}, 422, "invalid_input", "email"),
    (
        "owner",
        "POST",
        "/releases",
        {"email": "x@example.com", "projects": ["p12345"], "scope": "alles"},
        422,
        "invalid_input",
        "scope",
    ),
    (
        "owner",
        "POST",
        "/releases",
        {"email": "x@example.com", "projects": ["p12345"], "expires_on": "PAST"},
        422,
        "invalid_input",
        "expires_on",
    ),
    (
        "owner",
        "POST",
        "/releases",
        {"email": "x@example.com", "projects": ["p12345"], "expires_on": "31.12."},
        422,
        "invalid_input",
        "expires_on",
    ),
    (
        "owner",
        "POST",
        "/releases",
        {"email": "owner@example.com", "projects": ["p12345"]},
        422,
        "invalid_input",
        "email",
    ),
    ("owner", "POST", "/releases", {"email": "x@example.com", "projects": ["s5000"]}, 422, "invalid_input", "projects"),
    ("owner", "POST", "/management-requests/abc/accept", {}, 422, "invalid_input", "request_id"),
    ("owner", "POST", "/management-requests/99999999/accept", {}, 404, "not_found", None),
    ("owner", "POST", "/management-requests/99999999999999999999/accept", {}, 404, "not_found", None),
    ("owner", "PATCH", "/caretakerships/CARE", {"expires_on": "PAST"}, 422, "invalid_input", "expires_on"),
    ("owner", "PATCH", "/caretakerships/CARE", {"scope": "alles"}, 422, "invalid_input", "scope"),
    ("owner", "PATCH", "/caretakerships/CARE", {"expires_on": 5}, 422, "invalid_input", "expires_on"),
    ("owner", "PATCH", "/caretakerships/CARE", {"expires_at": "2030-01-01"}, 422, "invalid_input", "expires_at"),
    ("owner", "PATCH", "/caretakerships/CARE", b'{"scope": "read"', 400, "malformed_json", None),
    ("owner", "POST", "/management-requests/REQ/accept", {"expires_on": "PAST"}, 422, "invalid_input", "expires_on"),
    (
        "owner",
        "POST",
        "/management-requests/REQ/accept",
        {"expires_on": "2030-02-30"},
        422,
        "invalid_input",
        "expires_on",
    ),
    ("owner", "POST", "/management-requests/REQ/accept", {"scope": "alles"}, 422, "invalid_input", "scope"),
    ("owner", "POST", "/management-requests/REQ/accept", {"scope": 1}, 422, "invalid_input", "scope"),
    ("owner", "POST", "/management-requests/REQ/accept", {"caretaker": 1}, 422, "invalid_input", "caretaker"),
    ("owner", "POST", "/management-requests/REQ/accept", {"scope": "read\x00"}, 422, "invalid_input", "scope"),
    ("owner", "POST", "/releases", {"email": "x@example.com", "projects": ["p1x"]}, 422, "invalid_input", "projects"),
    (
        "owner",
        "POST",
        "/releases",
        {"email": "x@example.com", "projects": ["p12345"], "to": 1},
        422,
        "invalid_input",
        "to",
    ),
    (
        "owner",
        "POST",
        "/releases",
        {"email": "x@example.com", "projects": ["p12345"], "require_mfa": "ja"},
        422,
        "invalid_input",
        "require_mfa",
    ),
    (
        "owner",
        "POST",
        "/releases",
        {"email": "x@example.com", "projects": ["p12345\x00"]},
        422,
        "invalid_input",
        "projects.0",
    ),
    (
        "owner",
        "PUT",
        "/projects/p12345/domains/x%00.de/target",
        {"target_kind": "path", "target": "/"},
        404,
        "not_found",
        None,
    ),
    (
        "owner",
        "POST",
        "/projects/p12345/domains",
        {"name": "x.de", "target_kind": "path", "target": "/\x00"},
        422,
        "invalid_input",
        "target",
    ),
    ("caretaker", "POST", "/management-requests", {"project": "p12345 p22222"}, 422, "invalid_input", "project"),
    ("caretaker", "POST", "/management-requests", {"project": "p" + "9" * 40}, 422, "invalid_input", "project"),
]


@pytest.mark.parametrize(("who", "method", "path", "body", "status", "code", "field"), CASES)
def test_bad_input_is_refused_and_changes_nothing(request, world, who, method, path, body, status, code, field):
    client = token_client(request.getfixturevalue(who))
    path = path.replace("CARE", str(world.caretakerships.get().pk))
    path = path.replace("REQ", str(ManagementRequest.objects.get().pk))
    if isinstance(body, dict):
        body = {key: past() if value == "PAST" else value for key, value in body.items()}
    before = state()
    response = client.call(method, path, raw=body if isinstance(body, bytes) else None, body=body)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json_body["code"] == code
    assert response.json_body["message"]
    if field is not None:
        assert field in {error["field"] for error in response.json_body["errors"]}
        assert all(error["message"] for error in response.json_body["errors"])
    assert state() == before


def test_past_expiry_is_explained_at_the_field(owner, project):
    response = token_client(owner).post(
        "/releases", {"email": "x@example.com", "projects": ["p12345"], "expires_on": past()}
    )
    assert response.json_body["errors"] == [
        {"field": "expires_on", "code": "past", "message": "Das Ablaufdatum darf nicht in der Vergangenheit liegen."}
    ]


def test_errors_speak_the_language_of_accept_language(owner, project):
    client = token_client(owner)
    body = {"email": "kein", "projects": ["p12345"]}
    german = client.post("/releases", body)
    assert german.json_body["errors"][0]["message"] == "Bitte gültige E-Mail-Adresse eingeben."
    client.language = "en"
    english = client.post("/releases", body)
    assert english["Content-Language"] == "en"
    assert english.json_body["errors"][0]["message"] == "Enter a valid email address."


def test_release_needs_a_project_and_not_too_many(owner, project):
    client = token_client(owner)
    none = client.post("/releases", {"email": "x@example.com", "projects": []})
    assert none.json_body["errors"][0]["message"] == "Bitte mindestens ein Projekt auswählen."
    many = client.post("/releases", {"email": "x@example.com", "projects": ["p1"] * 501})
    assert many.json_body["errors"][0]["message"] == "Höchstens 500 Einträge."


def test_server_numbers_are_explained(caretaker, world):
    response = token_client(caretaker).post("/management-requests", {"project": "S5000"})
    assert "Server können nicht betreut werden" in response.json_body["errors"][0]["message"]


def test_another_customers_objects_are_not_found(owner, project, caretaker, outsider):
    care = CaretakershipFactory(project=project, caretaker=caretaker)
    waiting = ManagementRequestFactory(project=ProjectFactory(owner=owner), caretaker=caretaker)
    client = token_client(outsider)
    before = state()
    for method, path in [
        ("GET", "/projects/p12345"),
        ("POST", f"/management-requests/{waiting.pk}/accept"),
        ("POST", f"/management-requests/{waiting.pk}/withdraw"),
        ("POST", f"/caretakerships/{care.pk}/end"),
        ("PATCH", f"/caretakerships/{care.pk}"),
    ]:
        response = client.call(method, path, {} if method != "GET" else None)
        assert response.status_code == 404, (path, response.content)
        assert "Hauptseite" not in response.content.decode()
    assert state() == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/projects/p12345/php-version", {"version": "8" * 2000}),
        ("POST", "/releases", {"email": "x@example.com", "projects": ["p12345"] * 200}),
    ],
)
def test_oversized_body_is_refused(owner, project, settings, method, path, body):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    before = state()
    response = token_client(owner).call(method, path, body)
    assert response.status_code == 413
    assert response.json_body == {"code": "body_too_large", "message": "Die Anfrage ist zu groß."}
    assert state() == before


@pytest.mark.parametrize("query", ["access_token={secret}", "api_key={secret}", "x={secret}"])
def test_token_in_the_query_string_changes_nothing(owner, project, query):
    """Refused even beside a good header: the token is in the address, and so in logs, already."""
    client = token_client(owner)
    before = state()
    address = "/projects/p12345/php-version?" + query.format(secret=client.secret)
    for caller in (client, ApiClient(None)):
        response = caller.put(address, {"version": "8.4"})
        assert response.status_code == 400
        assert response.json_body["code"] == "token_in_query" and "Authorization" in response.json_body["message"]
    assert state() == before
    assert AccessToken.objects.get().last_used_at is None


@pytest.mark.parametrize("deleted", ["account", "person"])
def test_token_of_a_deleted_account_is_refused(owner, project, deleted):
    """The account (with its tokens) or the person who made the token no longer exists."""
    agency = CustomerFactory(company="Agentur Gelöscht")
    client = token_client(agency if deleted == "account" else owner)
    (agency if deleted == "account" else owner.admin).delete()
    before = state()
    for response in (
        client.post("/management-requests", {"project": "p12345"}),
        client.put("/projects/p12345/php-version", {"version": "8.4"}),
    ):
        assert response.status_code == 401
        assert response.json_body["code"] == "not_authenticated" and response.json_body["message"]
    assert state() == before


def test_token_of_an_account_without_customer_number_is_refused(db):
    customer = CustomerFactory(numbered=False)
    assert token_client(customer).get("/projects").status_code == 401


def test_unauthenticated_body_is_not_read(db):
    response = ApiClient(None).call("POST", "/management-requests", raw=b"{bad")
    assert response.status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/gibt-es-nicht", "/api/v1/projects/p12345/gibt-es-nicht/", "/api/v1/x%00"])
def test_unknown_api_addresses_answer_json(client, db, path):
    response = client.get(path, headers={"Authorization": "Bearer kcpat_falsch"})

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Nicht gefunden."}
