"""The pages of the Technischer Betreuer tab speak English when the customer chose English."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from delegation.models import Caretakership
from delegation.queries import LISTS
from tests.conftest import login
from tests.delegation.factories import CaretakershipFactory, ManagementRequestFactory
from tests.delegation.helpers import OVERVIEW, page_text
from tests.factories import CustomerFactory

# German words of the tab and its lists that must not survive the switch to English.
GERMAN = ["Offene Anträge", "Freigegebene Projekte", "Betreute Projekte", "Widerrufen", "Kundennummer", "unbefristet"]


@pytest.fixture
def english_owner(owner):
    client = login(owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def busy_owner(owner, project, release):
    """The owner has a caretaker, a request waiting and a release waiting: every list has rows."""
    CaretakershipFactory(project=project, caretaker=CustomerFactory(company="Pixelwerk"), expires_at=None)
    ManagementRequestFactory(project=project, caretaker=CustomerFactory(company="Nachfrage GmbH"))
    return owner


def untranslated(text: str) -> list[str]:
    return [word for word in GERMAN if word in text]


def test_tab_speaks_english(english_owner, busy_owner):
    text = page_text(english_owner.get(OVERVIEW))

    assert "Open requests" in text
    assert "Released projects" in text
    assert "Revoke" in text
    assert untranslated(text) == []


@pytest.mark.parametrize("slug", sorted(LISTS))
def test_every_full_list_speaks_english(english_owner, busy_owner, slug):
    response = english_owner.get(reverse("contract:list", args=[slug]))

    assert response.status_code == 200
    assert untranslated(page_text(response)) == []


def test_confirmation_page_speaks_english(english_owner, busy_owner, project):
    care = Caretakership.objects.get(project=project)

    text = page_text(english_owner.get(reverse("contract:caretakership_revoke", args=[care.pk])))

    assert "p12345" in text
    assert "Pixelwerk" in text
    assert untranslated(text) == []
