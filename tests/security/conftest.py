"""A world with every kind of persona around one owner's project, for the security tests.

Personas (besides the suite's `owner`, `caretaker`, `outsider` and `staff`): `expired` (its
caretakership of p12345 expired an hour ago and no sweep ran), `reader` (cares for p12345 with
the scope "Nur lesen"), `extended` (cares for p12345 past the expiry it was first given: the owner
extended it after it would have ended), `revoked` (the owner revoked
its caretakership; it has asked again since) and `sibling` (cares for another project of the
same owner; a release of p12345 to its address is pending).

Members of the owner's account (`owner` itself is its Administrator): `technik` and
`buchhaltung` (those roles; Technik may not release), `removed` (was Technik, was removed, has no
other account) and `two_accounts` (Administrator of the owner's account and of the outsider's,
with the outsider's active).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import clear_url_caches
from django.utils import timezone

from api.models import AccessToken
from api.tokens import create_token
from customercenter.http import ACTIVE_ACCOUNT
from customercenter.members import invite_member
from customercenter.models import Customer, Invitation, Membership
from customercenter.models import Role as MemberRole
from delegation import services as delegation
from delegation.access import ProjectAccess
from delegation.models import Caretakership, ManagementRequest, ProjectRelease, Scope
from delegation.rules import REQUEST_LIFETIME
from projects.models import Database, Domain, Project, Server
from tests.conftest import login
from tests.factories import (
    CustomerFactory,
    DatabaseFactory,
    DomainFactory,
    MembershipFactory,
    ProjectFactory,
    ServerFactory,
    UserFactory,
)
from tickets import services as tickets
from tickets.models import Attachment, Role, Ticket

PERSONAS = (
    "anonymous",
    "owner",
    "caretaker",
    "reader",
    "extended",
    "expired",
    "revoked",
    "sibling",
    "outsider",
    "staff",
    "technik",
    "buchhaltung",
    "removed",
    "two_accounts",
)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """allauth keeps its rate limits in the cache; no test inherits another's attempts."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def reload_site_urls() -> None:
    importlib.reload(importlib.import_module(settings.ROOT_URLCONF))
    clear_url_caches()


@pytest.fixture
def mount_urls():
    """`mount_urls(**settings)` builds the site's URLs anew under these settings (what is mounted
    depends on some, like the mail provider's webhook); afterwards they are built as before."""
    overrides = []

    def mount(**changed) -> None:
        override = override_settings(**changed)
        override.enable()
        overrides.append(override)
        reload_site_urls()

    yield mount
    for override in reversed(overrides):
        override.disable()
    reload_site_urls()


@dataclass
class World:
    owner: Customer
    project: Project
    sibling_project: Project
    server: Server
    database: Database
    domain: Domain
    caretakership: Caretakership
    pending_request: ManagementRequest
    release: ProjectRelease
    token: str
    ticket: Ticket
    attachment: Attachment
    access_token: AccessToken
    customers: dict[str, Customer]
    clients: dict[str, Client]
    technik: Membership
    invitation: Invitation
    invitation_token: str


@pytest.fixture
def world(owner, project, caretaker, outsider, staff) -> World:
    now = timezone.now()
    server = ServerFactory(owner=owner, number="s5001")
    project.server = server
    project.save(update_fields=["server"])
    sibling_project = ProjectFactory(owner=owner, number="p12346", name="Nebenseite")
    ProjectFactory(owner=outsider, number="p99999", name="Fremdes Projekt")

    reader = CustomerFactory(admin__email="lesend@example.com")
    extended = CustomerFactory(admin__email="verlaengert@example.com")
    expired = CustomerFactory(admin__email="abgelaufen@example.com")
    revoked = CustomerFactory(admin__email="widerrufen@example.com")
    sibling = CustomerFactory(admin__email="nachbar@example.com", kind=Customer.Kind.PARTNER)

    caretakership = Caretakership.objects.create(
        project=project, owner_number=project.owner.number, caretaker=caretaker, source="release"
    )
    Caretakership.objects.create(
        project=project, owner_number=project.owner.number, caretaker=reader, source="request", scope=Scope.READ_ONLY
    )
    longer = Caretakership.objects.create(
        project=project,
        owner_number=project.owner.number,
        caretaker=extended,
        source="release",
        expires_at=now + timedelta(days=1),
    )
    delegation.change_expiry(owner=owner, caretakership_id=longer.pk, expires_at=now + timedelta(days=90))
    Caretakership.objects.create(
        project=project,
        owner_number=project.owner.number,
        caretaker=expired,
        source="request",
        started_at=now - timedelta(days=30),
        expires_at=now - timedelta(hours=1),
    )
    Caretakership.objects.create(
        project=project,
        owner_number=project.owner.number,
        caretaker=revoked,
        source="release",
        ended_at=now - timedelta(hours=1),
        end_reason=Caretakership.EndReason.REVOKED,
    )
    Caretakership.objects.create(
        project=sibling_project, owner_number=sibling_project.owner.number, caretaker=sibling, source="release"
    )
    pending_request = ManagementRequest.objects.create(
        project=project, caretaker=revoked, lapses_at=now + REQUEST_LIFETIME
    )
    release, token = delegation.create_release(
        owner=owner, email=sibling.admin.email, projects=[project], access_expires_at=None
    )

    database = DatabaseFactory(project=project, name="p12345_shop")
    domain = DomainFactory(project=project, name="sonnenschein.de", target="/")
    upload = SimpleUploadedFile("fehler.txt", b"Fehlerprotokoll")
    upload.content_type = "text/plain; charset=utf-8"
    ticket = tickets.open_ticket(
        access=ProjectAccess(project=project, customer=owner),
        subject="Seite langsam",
        category="technical",
        body="Seit heute ist die Seite langsam.",
        files=[upload],
    )
    attachment = Attachment.objects.get(message__ticket=ticket)
    assert ticket.opened_as == Role.OWNER

    customers = {
        "owner": owner,
        "caretaker": caretaker,
        "reader": reader,
        "extended": extended,
        "expired": expired,
        "revoked": revoked,
        "sibling": sibling,
        "outsider": outsider,
    }
    clients = {name: login(customer) for name, customer in customers.items()}
    clients["anonymous"] = Client()
    clients["staff"] = login(staff)
    members = {}
    for role in (MemberRole.TECHNIK, MemberRole.BUCHHALTUNG):
        members[role] = MembershipFactory(customer=owner, role=role, user=UserFactory(email=f"{role}@example.com"))
        clients[role] = login(members[role].user)
    invitation, invitation_token = invite_member(
        customer=owner, invited_by=owner.admin, email="eingeladen@example.com", role=MemberRole.TECHNIK
    )
    removed = MembershipFactory(customer=owner, role=MemberRole.TECHNIK, user=UserFactory(email="entfernt@example.com"))
    clients["removed"] = login(removed.user)
    removed.delete()
    both = UserFactory(email="zwei-konten@example.com")
    Membership.objects.create(user=both, customer=owner, role=MemberRole.ADMINISTRATOR)
    Membership.objects.create(user=both, customer=outsider, role=MemberRole.ADMINISTRATOR)
    clients["two_accounts"] = login(both)
    session = clients["two_accounts"].session
    session[ACTIVE_ACCOUNT] = outsider.pk
    session.save()
    return World(
        owner=owner,
        project=project,
        sibling_project=sibling_project,
        server=server,
        database=database,
        domain=domain,
        caretakership=caretakership,
        pending_request=pending_request,
        release=release,
        token=token,
        ticket=ticket,
        attachment=attachment,
        access_token=create_token(
            customer=owner, created_by=owner.admin, name="Skript", scope="write", expires_at=None
        )[0],
        customers=customers,
        clients=clients,
        technik=members[MemberRole.TECHNIK],
        invitation=invitation,
        invitation_token=invitation_token,
    )
