"""Personas and helpers shared by the whole suite.

Personas: `owner` (a hosting customer with `project`), `caretaker` (a partner),
`outsider` (a customer with nothing to do with the project) and `staff`.
"""

from __future__ import annotations

import os

import pytest
from django.db import connection
from django.test import Client

from customercenter.celery import app as celery_app
from customercenter.models import Customer
from tests.factories import CustomerFactory, ProjectFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(autouse=True)
def _tasks_run_in_process(settings):
    """Tasks run in-process in tests; tests with a real worker switch this off themselves."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _plain_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "de"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def pytest_collection_modifyitems(config, items):
    """`postgres` tests skip on SQLite locally, but CI must run them on PostgreSQL."""
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    if on_postgres:
        return
    if IN_CI and any(item.get_closest_marker("postgres") for item in items):
        raise pytest.UsageError("CI must run the PostgreSQL tests: set DATABASE_URL to a PostgreSQL database")
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://…)")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


@pytest.fixture
def owner(db) -> Customer:
    return CustomerFactory(company="Bäckerei Sonnenschein", user__email="owner@example.com")


@pytest.fixture
def project(owner):
    return ProjectFactory(owner=owner, number="p12345", name="Hauptseite")


@pytest.fixture
def caretaker(db) -> Customer:
    return CustomerFactory(
        company="Agentur Pixelwerk", kind=Customer.Kind.PARTNER, user__email="agentur@example.com"
    )


@pytest.fixture
def outsider(db) -> Customer:
    return CustomerFactory(user__email="outsider@example.com")


@pytest.fixture
def staff(db):
    return UserFactory(email="support@example.com", is_staff=True, is_superuser=True)


def login(customer_or_user) -> Client:
    user = getattr(customer_or_user, "user", customer_or_user)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner_client(owner) -> Client:
    return login(owner)


@pytest.fixture
def caretaker_client(caretaker) -> Client:
    return login(caretaker)


@pytest.fixture
def outsider_client(outsider) -> Client:
    return login(outsider)


@pytest.fixture
def staff_client(staff) -> Client:
    return login(staff)


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"
