"""Every API operation × every persona × read and write tokens × expired, revoked and removed makers' tokens.

A token belongs to an account and to the member who made it, and acts with that member's role
there now: `technik` and `buchhaltung` are people in the owner's account (Technik may not release
or decide requests; Buchhaltung has no part in the API), `two_accounts` is a person in the owner's
and the outsider's account using a token of the outsider's; a removed member's token gets 401.

The operations come from the OpenAPI schema: an operation added without a row in MATRIX fails
`test_every_operation_is_in_the_matrix`. A persona outside an operation's `allowed` gets a 4xx,
learns nothing about p12345 ("Hauptseite", its owner) and changes nothing; a read token changes
nothing for anyone; an expired or revoked token gets 401.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from api.api import api
from api.models import AccessToken
from api.tokens import create_token, revoke_token
from customercenter.models import Customer, Membership, Role, User
from delegation import services as delegation
from delegation.models import Caretakership, ManagementRequest, ProjectRelease, Scope
from tests.api.conftest import ApiClient
from tests.delegation.factories import CaretakershipFactory, ManagementRequestFactory
from tests.factories import CustomerFactory, DatabaseFactory, DomainFactory, ProjectFactory, UserFactory

PERSONAS = ("owner", "caretaker", "reader", "outsider", "expired", "technik", "buchhaltung", "two_accounts")
# Buchhaltung has contract data and invoices only: no operation of the API is for it.
EVERYONE = frozenset(PERSONAS) - {"buchhaltung"}
# The owner's account: its own name may appear in what its members are told.
OWN_ACCOUNT = {"owner", "technik", "buchhaltung"}
# What only those with access to p12345 may read.
SECRETS = ("Hauptseite", "Bäckerei Sonnenschein", "owner@example.com")


@dataclass
class World:
    """p12345 ("Hauptseite") of the owner with a database and a domain, cared for by `caretaker`
    (technical), `reader` (read only) and, until an hour ago, `expired`; p22222, for which the
    caretaker's request waits, released to the caretaker's address; p33333 with nobody around it."""

    customers: dict[str, Customer]
    makers: dict[str, User]
    care: Caretakership
    pending_request: ManagementRequest
    release: ProjectRelease


@pytest.fixture
def world(owner, project, caretaker, outsider) -> World:
    reader = CustomerFactory(company="Agentur Lesend", admin__email="reader@example.com")
    expired = CustomerFactory(company="Agentur Abgelaufen", admin__email="expired@example.com")
    care = CaretakershipFactory(project=project, caretaker=caretaker)
    CaretakershipFactory(project=project, caretaker=reader, scope=Scope.READ_ONLY)
    CaretakershipFactory(project=project, caretaker=expired, expires_at=timezone.now() - timedelta(hours=1))
    DatabaseFactory(project=project, name="p12345_shop")
    DomainFactory(project=project, name="sonnenschein.de", target="/")
    second = ProjectFactory(owner=owner, number="p22222", name="Zweitseite")
    ProjectFactory(owner=owner, number="p33333", name="Drittseite")
    pending_request = ManagementRequestFactory(project=second, caretaker=caretaker)
    release, _token = delegation.create_release(
        owner=owner, email=caretaker.admin.email, projects=[second], access_expires_at=None
    )
    customers = {"owner": owner, "caretaker": caretaker, "reader": reader, "outsider": outsider, "expired": expired}
    makers = {name: customer.admin for name, customer in customers.items()}
    for role in (Role.TECHNIK, Role.BUCHHALTUNG):
        makers[role] = UserFactory(email=f"{role}@example.com")
        customers[role] = owner
        Membership.objects.create(user=makers[role], customer=owner, role=role)
    makers["two_accounts"] = UserFactory(email="zwei-konten@example.com")
    customers["two_accounts"] = outsider
    Membership.objects.create(user=makers["two_accounts"], customer=owner, role=Role.ADMINISTRATOR)
    Membership.objects.create(user=makers["two_accounts"], customer=outsider, role=Role.ADMINISTRATOR)
    return World(customers=customers, makers=makers, care=care, pending_request=pending_request, release=release)


@dataclass(frozen=True)
class Op:
    """How to call one operation in the world, and who may."""

    allowed: frozenset[str]
    params: Callable[[World], dict] = lambda world: {}
    body: dict | None = None
    # For reads: who may see p12345 in the answer (default: `allowed`).
    sees: frozenset[str] | None = None
    writes: bool = field(default=True)


def read(allowed=EVERYONE, *, sees=None, params=lambda world: {}) -> Op:
    return Op(
        allowed=frozenset(allowed), params=params, sees=frozenset(sees) if sees is not None else None, writes=False
    )


def write(allowed, body=None, params=lambda world: {}) -> Op:
    return Op(allowed=frozenset(allowed), params=params, body=body)


P12345 = {"number": "p12345"}
ACCESS = {"owner", "caretaker", "reader", "technik"}
CHANGE = {"owner", "caretaker", "technik"}

MATRIX: dict[tuple[str, str], Op] = {
    ("GET", "/projects"): read(sees=ACCESS),
    ("GET", "/projects/{number}"): read(ACCESS, params=lambda w: P12345),
    ("PUT", "/projects/{number}/php-version"): write(CHANGE, {"version": "8.4"}, lambda w: P12345),
    ("GET", "/projects/{number}/databases"): read(ACCESS, params=lambda w: P12345),
    ("POST", "/projects/{number}/databases"): write(CHANGE, {"suffix": "neu"}, lambda w: P12345),
    ("DELETE", "/projects/{number}/databases/{name}"): write(
        CHANGE, params=lambda w: {**P12345, "name": "p12345_shop"}
    ),
    ("POST", "/projects/{number}/databases/{name}/password"): write(
        CHANGE, params=lambda w: {**P12345, "name": "p12345_shop"}
    ),
    ("GET", "/projects/{number}/domains"): read(ACCESS, params=lambda w: P12345),
    ("POST", "/projects/{number}/domains"): write(
        CHANGE, {"name": "neu.de", "target_kind": "path", "target": "/"}, lambda w: P12345
    ),
    ("DELETE", "/projects/{number}/domains/{name}"): write(
        CHANGE, params=lambda w: {**P12345, "name": "sonnenschein.de"}
    ),
    ("PUT", "/projects/{number}/domains/{name}/target"): write(
        CHANGE, {"target_kind": "path", "target": "/shop"}, lambda w: {**P12345, "name": "sonnenschein.de"}
    ),
    ("GET", "/projects/{number}/history"): read({"owner", "technik"}, params=lambda w: P12345),
    ("GET", "/management-requests"): read(sees={"owner", "technik"}),
    ("POST", "/management-requests"): write(
        {"caretaker", "reader", "outsider", "expired", "two_accounts"}, {"project": "p33333"}
    ),
    ("POST", "/management-requests/{request_id}/accept"): write(
        {"owner"}, {"scope": "read"}, lambda w: {"request_id": w.pending_request.pk}
    ),
    ("POST", "/management-requests/{request_id}/decline"): write(
        {"owner"}, params=lambda w: {"request_id": w.pending_request.pk}
    ),
    ("POST", "/management-requests/{request_id}/withdraw"): write(
        {"caretaker"}, params=lambda w: {"request_id": w.pending_request.pk}
    ),
    ("GET", "/releases"): read(sees={"owner", "technik"}),
    ("POST", "/releases"): write({"owner"}, {"email": "neu@example.com", "projects": ["p12345"]}),
    ("POST", "/releases/{release_id}/withdraw"): write({"owner"}, params=lambda w: {"release_id": w.release.pk}),
    ("POST", "/releases/{release_id}/resend"): write({"owner"}, params=lambda w: {"release_id": w.release.pk}),
    ("POST", "/releases/{release_id}/accept"): write({"caretaker"}, params=lambda w: {"release_id": w.release.pk}),
    ("POST", "/releases/{release_id}/decline"): write({"caretaker"}, params=lambda w: {"release_id": w.release.pk}),
    ("GET", "/caretakerships"): read(sees={"caretaker", "reader"}),
    ("PATCH", "/caretakerships/{caretakership_id}"): write(
        {"owner"}, {"scope": "read"}, lambda w: {"caretakership_id": w.care.pk}
    ),
    ("POST", "/caretakerships/{caretakership_id}/end"): write(
        {"owner", "caretaker"}, params=lambda w: {"caretakership_id": w.care.pk}
    ),
}

PREFIX = "/api/v1"


def schema_operations() -> set[tuple[str, str]]:
    paths = api.get_openapi_schema()["paths"]
    return {(method.upper(), path.removeprefix(PREFIX)) for path, item in paths.items() for method in item}


def test_every_operation_is_in_the_matrix():
    assert schema_operations() == set(MATRIX)


def test_no_operation_reaches_orders_contract_data_or_invoices():
    """Paid orders, contract data and invoices stay with the owner's browser session."""
    words = ("order", "bestell", "invoice", "rechnung", "contract", "vertrag", "ssl", "register", "tariff")
    assert not [path for _method, path in schema_operations() if any(word in path.lower() for word in words)]


MODELS = ["projects.Project", "projects.Database", "projects.Domain", "projects.AuditEntry"]
MODELS += ["delegation.Caretakership", "delegation.ManagementRequest", "delegation.ProjectRelease"]
MODELS += ["notifications.Notification", "notifications.OutboxEmail"]


def state() -> dict:
    """Every row that an operation could change."""
    return {name: list(apps.get_model(name).objects.order_by("pk").values()) for name in MODELS}


def call(client: ApiClient, operation: tuple[str, str], world: World):
    method, path = operation
    op = MATRIX[operation]
    url = path.format(**op.params(world))
    return client.call(method, url, op.body if op.writes else None)


def token_for(world: World, persona: str, scope: str) -> ApiClient:
    customer, maker = world.customers[persona], world.makers[persona]
    _token, secret = create_token(customer=customer, created_by=maker, name="matrix", scope=scope, expires_at=None)
    return ApiClient(secret)


CASES = [(operation, persona) for operation in MATRIX for persona in PERSONAS]


@pytest.mark.parametrize(("operation", "persona"), CASES, ids=[f"{o[0]} {o[1]} {p}" for o, p in CASES])
def test_write_token(world, operation, persona):
    op = MATRIX[operation]
    client = token_for(world, persona, AccessToken.Scope.WRITE)
    before = state()
    response = call(client, operation, world)
    if persona in op.allowed:
        assert response.status_code in {200, 201, 204}, response.json_body
        assert (state() != before) == op.writes
    else:
        assert response.status_code in {403, 404, 422}, response.json_body
        assert response.json_body["code"] and response.json_body["message"]
        assert state() == before
    sees = op.sees if op.sees is not None else op.allowed
    if persona not in sees and persona not in OWN_ACCOUNT:
        assert not any(secret in response.content.decode() for secret in SECRETS)


@pytest.mark.parametrize(("operation", "persona"), CASES, ids=[f"{o[0]} {o[1]} {p}" for o, p in CASES])
def test_read_token(world, operation, persona):
    op = MATRIX[operation]
    client = token_for(world, persona, AccessToken.Scope.READ)
    before = state()
    response = call(client, operation, world)
    if not op.writes and persona in op.allowed:
        assert response.status_code == 200
    elif op.writes:
        assert response.status_code == 403
        assert response.json_body["code"] == "read_only_token"
    else:
        assert response.status_code in {403, 404}
    assert state() == before


OBJECT_OPERATIONS = [operation for operation in MATRIX if "{" in operation[1]]


@pytest.mark.parametrize("operation", OBJECT_OPERATIONS, ids=[f"{o[0]} {o[1]}" for o in OBJECT_OPERATIONS])
def test_another_customers_objects_are_not_found(world, operation):
    """Not 403: someone else's id or p-number gets the answer an unknown one gets."""
    client = token_for(world, "outsider", AccessToken.Scope.WRITE)
    before = state()
    response = call(client, operation, world)
    assert response.status_code == 404
    assert response.json_body["code"] == "not_found" and response.json_body["message"]
    assert state() == before


def _expired(customer: Customer) -> ApiClient:
    token, secret = create_token(
        customer=customer, created_by=customer.admin, name="alt", scope=AccessToken.Scope.WRITE, expires_at=None
    )
    AccessToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    return ApiClient(secret)


def _revoked(customer: Customer) -> ApiClient:
    token, secret = create_token(
        customer=customer, created_by=customer.admin, name="weg", scope=AccessToken.Scope.WRITE, expires_at=None
    )
    revoke_token(token)
    return ApiClient(secret)


def _removed(customer: Customer) -> ApiClient:
    """The token of a member who has left the account since."""
    member = UserFactory()
    membership = Membership.objects.create(user=member, customer=customer, role=Role.TECHNIK)
    _token, secret = create_token(
        customer=customer, created_by=member, name="ehemals", scope=AccessToken.Scope.WRITE, expires_at=None
    )
    membership.delete()
    return ApiClient(secret)


DEAD = [
    (operation, persona, kind)
    for operation in MATRIX
    for persona in ("owner", "caretaker")
    for kind in ("expired", "revoked", "removed")
]
MAKE_DEAD = {"expired": _expired, "revoked": _revoked, "removed": _removed}


@pytest.mark.parametrize(("operation", "persona", "kind"), DEAD, ids=[f"{o[0]} {o[1]} {p} {k}" for o, p, k in DEAD])
def test_expired_and_revoked_tokens_get_nothing(world, operation, persona, kind):
    client = MAKE_DEAD[kind](world.customers[persona])
    before = state()
    response = call(client, operation, world)
    assert response.status_code == 401
    assert response.json_body["code"] == "not_authenticated"
    assert state() == before
