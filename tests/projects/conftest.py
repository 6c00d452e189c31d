from __future__ import annotations

import pytest

from delegation.models import Caretakership
from projects.models import Database, Domain
from tests.factories import DatabaseFactory, DomainFactory


@pytest.fixture
def database(project) -> Database:
    return DatabaseFactory(project=project, name="p12345_shop")


@pytest.fixture
def domain(project) -> Domain:
    return DomainFactory(project=project, name="sonnenschein.de", target="/")


@pytest.fixture
def caretakership(project, caretaker) -> Caretakership:
    """Created directly: the ways in (request, release) arrive with the delegation issue."""
    return Caretakership.objects.create(
        project=project, owner_number=project.owner.number, caretaker=caretaker, source="release"
    )
