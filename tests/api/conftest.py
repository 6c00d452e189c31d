"""Tokens for the personas, and a client that speaks to /api/v1/ with one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from api.api import api
from api.models import AccessToken
from api.tokens import create_token
from customercenter.models import Customer
from delegation.models import Caretakership, Scope
from tests.delegation.factories import CaretakershipFactory
from tests.factories import CustomerFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    """No test inherits another's requests: neither the cache nor the limit per token."""
    cache.clear()
    api.throttle.limiter.storage.reset()
    yield
    cache.clear()
    api.throttle.limiter.storage.reset()


@dataclass
class ApiClient:
    """Calls the API with one token in the Authorization header; answers with the parsed JSON."""

    secret: str | None
    language: str = "de"

    def call(self, method: str, path: str, body=None, *, raw: bytes | str | None = None, **extra):
        headers = {"HTTP_ACCEPT_LANGUAGE": self.language, **extra}
        if self.secret:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {self.secret}"
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        client = Client()
        handler = getattr(client, method.lower())
        if data is None:
            response = handler(f"/api/v1{path}", **headers)
        else:
            response = handler(f"/api/v1{path}", data=data, content_type="application/json", **headers)
        response.json_body = json.loads(response.content) if response.content else None
        return response

    def get(self, path, **kwargs):
        return self.call("GET", path, **kwargs)

    def post(self, path, body=None, **kwargs):
        return self.call("POST", path, body, **kwargs)

    def put(self, path, body=None, **kwargs):
        return self.call("PUT", path, body, **kwargs)

    def patch(self, path, body=None, **kwargs):
        return self.call("PATCH", path, body, **kwargs)

    def delete(self, path, **kwargs):
        return self.call("DELETE", path, **kwargs)


def token_client(customer: Customer, scope: str = AccessToken.Scope.WRITE, name: str = "skript", **kwargs) -> ApiClient:
    _token, secret = create_token(
        customer=customer, created_by=customer.admin, name=name, scope=scope, expires_at=kwargs.get("expires_at")
    )
    return ApiClient(secret)


@pytest.fixture
def owner_api(owner) -> ApiClient:
    return token_client(owner)


@pytest.fixture
def caretaker_api(caretaker) -> ApiClient:
    return token_client(caretaker)


@pytest.fixture
def outsider_api(outsider) -> ApiClient:
    return token_client(outsider)


@pytest.fixture
def caretakership(project, caretaker) -> Caretakership:
    return CaretakershipFactory(project=project, caretaker=caretaker)


@pytest.fixture
def reader(project) -> Customer:
    """Cares for p12345 with the scope "Nur lesen"."""
    customer = CustomerFactory(company="Agentur Lesend", admin__email="reader@example.com")
    CaretakershipFactory(project=project, caretaker=customer, scope=Scope.READ_ONLY)
    return customer


@pytest.fixture
def expired(project) -> Customer:
    """Its caretakership of p12345 expired an hour ago; no sweep ran."""
    customer = CustomerFactory(company="Agentur Abgelaufen", admin__email="expired@example.com")
    CaretakershipFactory(project=project, caretaker=customer, expires_at=timezone.now() - timedelta(hours=1))
    return customer
