"""Script in every free-text field: escaped wherever it is shown as HTML, verbatim in plain text.

Each place stores a payload the way a user (or staff in the admin) would, then collects every
surface that shows it: customer-center pages, the outbox e-mails it caused (subject and text
body are plain text, so they must keep the payload as typed; the HTML body must escape it) and
the admin's changelists and change pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from customercenter.models import Customer
from customercenter.services import activate_customer
from delegation import sweeper
from delegation.models import Caretakership, ProjectRelease
from notifications.models import OutboxEmail
from notifications.tasks import deliver
from projects.models import Domain
from tests.conftest import login
from tests.factories import PASSWORD, DomainFactory, ProjectFactory
from tickets import services as tickets
from tickets.models import Ticket

PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)"]
ACTIVE_MARKUP = re.compile(r"<script>alert|<img[^>]*onerror|(?:href|src|action)\s*=\s*[\"']?\s*javascript:", re.I)


@dataclass
class Surface:
    where: str
    content: str
    html: bool = True
    shows: bool = True  # False where the value is not part of this text (e.g. a subject)


def page(client: Client, url: str, where: str) -> Surface:
    response = client.get(url)
    assert response.status_code == 200, f"{where}: {url} answered {response.status_code}"
    return Surface(where, response.content.decode())


def mails(where: str, rows, *, in_subject: bool = True) -> list[Surface]:
    """Subject and text body are plain text; the HTML body is HTML."""
    rows = list(rows)
    assert rows, f"{where}: no e-mail was queued"
    surfaces = []
    for row in rows:
        surfaces += [
            Surface(f"{where} (subject)", row.subject, html=False, shows=in_subject),
            Surface(f"{where} (text body)", row.body_text, html=False),
            Surface(f"{where} (HTML body)", row.body_html),
        ]
    return surfaces


def admin(env, url_name: str, *args) -> Surface:
    return page(env.staff, reverse(f"admin:{url_name}", args=args), f"admin {url_name}")


def quoted_address(payload: str) -> str:
    """An address whose local part is the payload: valid, as a quoted string (RFC 5321)."""
    local = payload.replace("\\", "\\\\").replace('"', '\\"').replace(" ", "\\ ")
    return f'"{local}"@example.com'


# --- Places ------------------------------------------------------------------------------------


def stammdaten(payload: str, env) -> tuple[str, list[Surface]]:
    fields = ("company", "first_name", "last_name", "street", "city", "phone")
    data = dict.fromkeys(fields, payload) | {"postal_code": "12345", "country": "DE"}
    assert env.owner_client.post(reverse("contract:master_data"), data).status_code == 302
    env.owner_client.post(reverse("contract:release_new"), {"email": "neu@example.com", "projects": ["p12345"]})
    surfaces = [
        page(env.owner_client, reverse("contract:master_data"), "Stammdaten"),
        page(env.caretaker_client, reverse("projects:list"), "caretaker's Projektverwaltung"),
        page(env.caretaker_client, reverse("projects:detail", args=["p12345"]), "caretaker's project page"),
        page(env.caretaker_client, reverse("contract:caretakers"), "caretaker's Betreute Projekte"),
        *mails("release e-mail", OutboxEmail.objects.filter(to="neu@example.com")),
        admin(env, "customercenter_customer_changelist"),
        admin(env, "customercenter_customer_change", env.owner.pk),
    ]
    # The caretaker's expiry digest names the owner; the worker renders it when it sends it.
    Caretakership.objects.filter(caretaker=env.caretaker).update(expires_at=timezone.now() - timedelta(minutes=1))
    sweeper.sweep()
    digests = OutboxEmail.objects.filter(to=env.caretaker.admin.email, topic="expired")
    for row in digests:
        deliver(row.pk)
    return payload, [*surfaces, *mails("expiry digest", digests.all(), in_subject=False)]


def partner_signup(payload: str, env) -> tuple[str, list[Surface]]:
    names = {"company": payload, "first_name": payload, "last_name": payload}
    response = Client().post(
        reverse("account_signup"),
        {"email": "partner@example.com", "password1": PASSWORD, "password2": PASSWORD, **names},
    )
    assert response.status_code == 302
    partner = Customer.objects.get(memberships__user__email="partner@example.com")
    EmailAddress.objects.filter(user=partner.memberships.get().user).update(verified=True)
    activate_customer(user=partner.memberships.get().user)
    login(partner.memberships.get().user).post(reverse("contract:request_new"), {"number": "p12345"})
    return payload, [
        page(env.owner_client, reverse("contract:caretakers"), "owner's Offene Anträge"),
        page(env.owner_client, reverse("notifications:list"), "owner's notifications"),
        *mails("new-request e-mail", OutboxEmail.objects.filter(to=env.owner.admin.email, topic="request")),
        admin(env, "customercenter_customer_changelist"),
        admin(env, "customercenter_customer_change", partner.pk),
        admin(env, "delegation_managementrequest_changelist"),
    ]


def project_name(payload: str, env) -> tuple[str, list[Surface]]:
    project = ProjectFactory(owner=env.owner, number="p23456", name=payload)
    Caretakership.objects.create(
        project=project, owner_number=project.owner.number, caretaker=env.caretaker, source="release"
    )
    env.owner_client.post(reverse("contract:release_new"), {"email": "neu@example.com", "projects": ["p23456"]})
    return payload, [
        page(env.owner_client, reverse("projects:list"), "owner's Projektverwaltung"),
        page(env.owner_client, reverse("projects:detail", args=["p23456"]), "owner's project page"),
        page(env.owner_client, reverse("contract:release_new"), "Projektfreigabe picker"),
        page(env.owner_client, reverse("contract:caretakers"), "owner's Freigegebene Projekte"),
        page(env.caretaker_client, reverse("projects:list"), "caretaker's Projektverwaltung"),
        page(env.caretaker_client, reverse("projects:detail", args=["p23456"]), "caretaker's project page"),
        page(env.caretaker_client, reverse("tickets:new"), "new ticket project choice"),
        *mails("release e-mail", OutboxEmail.objects.filter(to="neu@example.com"), in_subject=False),
        admin(env, "projects_project_changelist"),
        admin(env, "projects_project_change", project.pk),
    ]


def domain_target(payload: str, env) -> tuple[str, list[Surface]]:
    """Refused where customers type it; shown escaped where staff put it (the admin does not check)."""
    add = reverse("projects:domain_add", args=["p12345"])
    refused = [
        ({"name": payload, "target_kind": "path", "target": "/"}, "domain name"),
        ({"name": "ziel.example.org", "target_kind": "path", "target": payload}, "path target"),
        ({"name": "ziel.example.org", "target_kind": "redirect", "target": payload}, "redirect target"),
    ]
    surfaces = []
    for data, what in refused:
        response = env.caretaker_client.post(add, data)
        assert response.status_code == 422, what
        surfaces.append(Surface(f"refused {what}", response.content.decode()))
    assert not Domain.objects.filter(project__number="p12345").exists()
    domain = DomainFactory(project=env.project, name="admin.example.org", target_kind="redirect", target=payload)
    return payload, [
        *surfaces,
        page(env.owner_client, reverse("projects:detail", args=["p12345"]), "project page domains"),
        page(env.caretaker_client, reverse("projects:domain_edit", args=["p12345", domain.name]), "domain edit"),
        admin(env, "projects_project_change", env.project.pk),
    ]


def ticket_texts(payload: str, env) -> tuple[str, list[Surface]]:
    data = {"project": "p12345", "subject": payload, "category": "technical", "body": payload}
    assert env.caretaker_client.post(reverse("tickets:new"), data).status_code == 302
    ticket = Ticket.objects.get(subject=payload)
    tickets.staff_reply(staff=env.staff_user, ticket=ticket, body=payload)
    return payload, [
        page(env.caretaker_client, reverse("tickets:detail", args=[ticket.pk]), "caretaker's ticket"),
        page(env.owner_client, reverse("tickets:detail", args=[ticket.pk]), "owner's ticket"),
        page(env.owner_client, reverse("tickets:list"), "ticket list"),
        page(env.owner_client, reverse("projects:detail", args=["p12345"]), "project history"),
        page(env.caretaker_client, reverse("notifications:list"), "caretaker's notifications"),
        *mails("support e-mail", OutboxEmail.objects.filter(to=settings.SUPPORT_EMAIL)),
        *mails("staff-reply e-mail", OutboxEmail.objects.filter(to=env.caretaker.admin.email, topic="ticket")),
        admin(env, "tickets_ticket_changelist"),
        admin(env, "tickets_ticket_change", ticket.pk),
    ]


def release_address(payload: str, env) -> tuple[str, list[Surface]]:
    address = quoted_address(payload)
    response = env.owner_client.post(
        reverse("contract:release_new"), {"email": address, "projects": ["p12345"]}, follow=True
    )
    assert response.status_code == 200
    release = ProjectRelease.objects.get(email=address)
    token = re.search(r"/freigabe/([^/]+)/", OutboxEmail.objects.get(to=address).body_text).group(1)
    return address, [
        Surface("success message", response.content.decode()),
        page(env.owner_client, reverse("contract:caretakers"), "owner's Deine Projektfreigaben"),
        page(env.owner_client, reverse("projects:detail", args=["p12345"]), "project history"),
        page(env.caretaker_client, reverse("release_link", args=[token]), "release link, wrong account"),
        admin(env, "delegation_projectrelease_changelist"),
        admin(env, "delegation_projectrelease_change", release.pk),
        admin(env, "projects_auditentry_changelist"),
    ]


PLACES = [stammdaten, partner_signup, project_name, domain_target, ticket_texts, release_address]


@pytest.fixture
def env(owner, project, caretaker, staff, owner_client, caretaker_client, staff_client):
    Caretakership.objects.create(
        project=project, owner_number=project.owner.number, caretaker=caretaker, source="release"
    )
    return SimpleNamespace(
        owner=owner,
        project=project,
        caretaker=caretaker,
        owner_client=owner_client,
        caretaker_client=caretaker_client,
        staff=staff_client,
        staff_user=staff,
    )


def problems(value: str, surface: Surface) -> list[str]:
    found = []
    if surface.html:
        if value in surface.content and escape(value) != value:
            found.append("shown unescaped")
        if match := ACTIVE_MARKUP.search(surface.content):
            found.append(f"active markup {match.group(0)!r}")
        if surface.shows and escape(value) not in surface.content:
            found.append("not shown at all (so not tested)")
    else:
        if escape(value) != value and escape(value) in surface.content:
            found.append("plain text escaped as if it were HTML")
        if surface.shows and value not in surface.content:
            found.append("not shown as typed")
    return found


@pytest.mark.parametrize("place", PLACES, ids=[place.__name__ for place in PLACES])
@pytest.mark.parametrize("payload", PAYLOADS, ids=["script", "attribute", "javascript-url"])
def test_payload_is_inert_everywhere_it_shows(payload, place, env):
    value, surfaces = place(payload, env)

    failures = [f"{surface.where}: {problem}" for surface in surfaces for problem in problems(value, surface)]
    assert failures == []
    assert len(surfaces) == SURFACES[place.__name__]


# Rendered surfaces per place (pages, e-mail parts, admin pages): the README counts their sum.
SURFACES = {
    "stammdaten": 12,
    "partner_signup": 8,
    "project_name": 12,
    "domain_target": 6,
    "ticket_texts": 13,
    "release_address": 7,
}
