"""Fixtures for delegation: rows in a known state, and mail that leaves on commit."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from delegation import services
from delegation.models import Caretakership, ManagementRequest, ProjectRelease
from tests.delegation.factories import CaretakershipFactory, ManagementRequestFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    """allauth keeps sign-up and login rate limits in the cache; no test inherits another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """`with on_commit(): ...` runs the commit hooks, so queued mail reaches `mail.outbox`.

    The test database never commits; the hooks are what hands outbox rows to the (eager) task.
    """
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def caretakership(project, caretaker) -> Caretakership:
    return CaretakershipFactory(project=project, caretaker=caretaker)


@pytest.fixture
def pending_request(project, caretaker) -> ManagementRequest:
    return ManagementRequestFactory(project=project, caretaker=caretaker)


@pytest.fixture
def release(owner, project, caretaker) -> tuple[ProjectRelease, str]:
    """A pending release of p12345 to the caretaker's address, and its raw token."""
    return services.create_release(owner=owner, email=caretaker.admin.email, projects=[project], access_expires_at=None)
