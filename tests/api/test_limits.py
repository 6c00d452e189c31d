"""Throttling per token, the cost of paging through many projects, and the docs under the CSP."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from api.api import api
from customercenter.models import Customer
from delegation.models import Caretakership
from projects.models import AuditEntry, Project
from tests.api.conftest import token_client
from tests.factories import CustomerFactory


@pytest.fixture
def few_requests(monkeypatch):
    """Three requests per token instead of 600, so the limit is reached quickly."""
    throttle = api.throttle
    monkeypatch.setattr(throttle, "rate", RateLimitItemPerSecond(3, 600))
    return throttle


def test_default_limit_is_600_per_ten_minutes():
    assert (api.throttle.rate.amount, api.throttle.rate.get_expiry()) == (600, 600)


def test_token_over_its_limit_gets_429_with_retry_after(owner, project, few_requests):
    client = token_client(owner)
    for _ in range(3):
        assert client.get("/projects").status_code == 200
    response = client.put("/projects/p12345/php-version", {"version": "8.4"})
    assert response.status_code == 429
    assert response.json_body["code"] == "rate_limited"
    assert 0 < int(response["Retry-After"]) <= 600
    assert not AuditEntry.objects.exists()
    assert token_client(owner, name="zweites").get("/projects").status_code == 200


def test_the_limit_counts_per_token_whatever_address_the_client_claims(owner, project, few_requests, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    client = token_client(owner)
    for n in range(3):
        forwarded = f"192.0.2.{n}, 203.0.113.{n}"
        assert client.get("/projects", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded).status_code == 200
    response = client.get("/projects", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.9, 203.0.113.9")
    assert response.status_code == 429
    other = token_client(owner, name="zweites")
    assert other.get("/projects", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.0").status_code == 200


def test_parallel_requests_of_one_token_are_counted_exactly(few_requests):
    token = SimpleNamespace(auth=SimpleNamespace(token_hash="parallel"))
    with ThreadPoolExecutor(max_workers=8) as pool:
        allowed = list(pool.map(lambda _: few_requests.allow_request(token), range(20)))
    assert allowed.count(True) == 3
    assert 0 < few_requests.wait() <= 600


def test_requests_pass_when_the_limit_store_is_down(owner, project, few_requests, monkeypatch, caplog):
    nobody_listens = storage_from_string("redis://127.0.0.1:1", wrap_exceptions=True, socket_connect_timeout=1)
    client = token_client(owner)
    with monkeypatch.context() as patch:
        patch.setattr(few_requests, "limiter", SlidingWindowCounterRateLimiter(nobody_listens))
        assert [client.get("/projects").status_code for _ in range(5)] == [200] * 5
    assert "rate limit store unavailable" in caplog.text


def test_paging_2000_cared_for_projects_costs_the_same_per_page(db):
    caretaker = CustomerFactory(kind=Customer.Kind.PARTNER)
    owners = [CustomerFactory() for _ in range(20)]
    projects = Project.objects.bulk_create(
        Project(number=f"p{200000 + n}", name=f"Shop {n}", owner=owners[n % 20], tariff="plus", php_version="8.3")
        for n in range(2000)
    )
    Caretakership.objects.bulk_create(
        Caretakership(project=project, caretaker=caretaker, source="release", owner_number=project.owner.number)
        for project in projects
    )
    client = token_client(caretaker)
    client.get("/projects")  # notes the token's first use
    path, pages, costs = "/projects?page_size=200", 0, []
    while path:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        pages += 1
        costs.append(len(queries))
        assert len(response.json_body["results"]) == 200
        following = response.json_body["next"]
        path = following.split("/api/v1")[1] if following else None
    assert pages == 10
    assert set(costs) == {2}, costs  # the token, the page (with each project's caretakership)


def test_docs_load_only_own_assets_under_the_csp(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(source.startswith("/static/") for source in sources), sources
    assert all(finders.find(source.removeprefix("/static/")) for source in sources)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe" not in policy
    # The one inline script element holds data, not code.
    assert re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html) == [' type="application/json" id="swagger-settings"']
    schema = Client().get("/api/v1/openapi.json").json()
    assert schema["components"]["securitySchemes"] == {"TokenAuth": {"type": "http", "scheme": "bearer"}}
