"""Personas and helpers shared by the whole suite.

Personas: `owner` (a hosting customer with `project`), `caretaker` (a partner),
`outsider` (a customer with nothing to do with the project) and `staff`.
"""

from __future__ import annotations

import os

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
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
    # Staff personas sign in without a second factor; tests of the requirement switch it on.
    settings.STAFF_REQUIRE_MFA = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


# marker: (is the service configured?, what CI must set, why a local run skips)
SERVICE_MARKERS = {
    "postgres": (
        os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
        "DATABASE_URL to a PostgreSQL database",
        "needs PostgreSQL (set DATABASE_URL=postgres://…)",
    ),
    "worker": (
        bool(os.environ.get("REDIS_URL")),
        "REDIS_URL to a Redis database",
        "needs Redis for a real Celery worker (set REDIS_URL=redis://…)",
    ),
}


def pytest_collection_modifyitems(config, items):
    """`postgres` and `worker` tests skip locally without their service, but CI must run them."""
    for marker, (available, setting, reason) in SERVICE_MARKERS.items():
        marked = [item for item in items if item.get_closest_marker(marker)]
        if available or not marked:
            continue
        if IN_CI:
            raise pytest.UsageError(f"CI must run the `{marker}` tests: set {setting}")
        for item in marked:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def owner(db) -> Customer:
    return CustomerFactory(company="Bäckerei Sonnenschein", admin__email="owner@example.com")


@pytest.fixture
def project(owner):
    return ProjectFactory(owner=owner, number="p12345", name="Hauptseite")


@pytest.fixture
def caretaker(db) -> Customer:
    return CustomerFactory(company="Agentur Pixelwerk", kind=Customer.Kind.PARTNER, admin__email="agentur@example.com")


@pytest.fixture
def outsider(db) -> Customer:
    return CustomerFactory(admin__email="outsider@example.com")


@pytest.fixture
def staff(db):
    return UserFactory(email="support@example.com", is_staff=True, is_superuser=True)


def login(customer_or_user) -> Client:
    user = getattr(customer_or_user, "admin", customer_or_user)
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


@pytest.fixture
def migrate(transactional_db):
    """`migrate(targets)` moves the database to those migrations and returns their models; the
    test database is brought back to the latest state afterwards."""

    def to(targets):
        executor = MigrationExecutor(connection)
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    yield to
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
