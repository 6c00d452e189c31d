"""Fixtures for tickets: caretakers in every state around p12345, and uploads in a temporary folder."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from customercenter.models import Customer
from delegation.models import Caretakership
from tests.factories import CustomerFactory


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def caretakership(project, caretaker) -> Caretakership:
    return Caretakership.objects.create(
        project=project, owner_number=project.owner.number, caretaker=caretaker, source=Caretakership.Source.RELEASE
    )


@pytest.fixture
def ended_caretaker(project) -> Customer:
    """Cared for p12345 until the owner revoked it yesterday."""
    customer = CustomerFactory(
        company="Agentur Gestern", kind=Customer.Kind.PARTNER, admin__email="gestern@example.com"
    )
    Caretakership.objects.create(
        project=project,
        owner_number=project.owner.number,
        caretaker=customer,
        source=Caretakership.Source.RELEASE,
        started_at=timezone.now() - timedelta(days=30),
        ended_at=timezone.now() - timedelta(days=1),
        end_reason=Caretakership.EndReason.REVOKED,
    )
    return customer


@pytest.fixture
def expired_caretaker(project) -> Customer:
    """Its caretakership of p12345 expired an hour ago; no sweep has run since."""
    customer = CustomerFactory(
        company="Agentur Befristet", kind=Customer.Kind.PARTNER, admin__email="frist@example.com"
    )
    Caretakership.objects.create(
        project=project,
        owner_number=project.owner.number,
        caretaker=customer,
        source=Caretakership.Source.REQUEST,
        started_at=timezone.now() - timedelta(days=30),
        expires_at=timezone.now() - timedelta(hours=1),
    )
    return customer


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """`with on_commit(): ...` runs the commit hooks, so queued mail is handed to the (eager) task."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
