"""The authorization matrix: every URL of the project × GET/POST × every persona.

URLs come from the resolver, not from a hand-kept list, so a new view without a row in
EXPECTED fails `test_every_url_has_a_row`. Each request runs in a savepoint that is rolled
back, so every persona meets the same world (see conftest.py).

OWASP ASVS 5.0, V8 Authorization — what each test covers:
- 8.2.1 function-level access (owner-only actions, staff-only admin, customer-only pages),
- 8.2.2 data-specific access on every request (object ids in URLs: IDOR/BOLA),
- 8.3.1 enforced on the server, whatever a hand-made POST says,
- 8.3.2 changes to access (revocation, expiry) take effect on the next request,
- 8.4.1 no customer's operation affects another customer's data.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from delegation.models import Caretakership, ManagementRequest, ProjectRelease
from projects.models import AuditEntry, Database, Domain, Order, Project
from tests.security.conftest import PERSONAS, World
from tickets.models import Message, Ticket

# Each row: statuses for the personas in PERSONAS order:
#   anonymous owner caretaker reader extended expired revoked sibling outsider staff
#   technik buchhaltung removed two_accounts
# `owner` is its account's Administrator; the member personas are people in the owner's account
# (see conftest.py): `removed` meets every page as someone without an account, `two_accounts`
# as the outsider whose account it has active.
# "login" is a redirect to the login page, "admin-login" to the admin's, "302" any other redirect.
ALL_405 = " ".join(["405"] * len(PERSONAS))
EXPECTED: dict[str, dict[str, str]] = {
    # Customer center without a project in the URL.
    "home": {"GET": "login 200 200 200 200 200 200 200 200 403 200 302 403 200", "POST": ALL_405},
    "healthz": {"GET": "200 200 200 200 200 200 200 200 200 200 200 200 200 200", "POST": ALL_405},
    "set_language": {"GET": ALL_405, "POST": "302 302 302 302 302 302 302 302 302 302 302 302 302 302"},
    "contract:master_data": {
        "GET": "login 200 200 200 200 200 200 200 200 403 403 200 403 200",
        "POST": "login 302 302 302 302 302 302 302 302 403 403 302 403 302",
    },
    "contract:invoices": {"GET": "login 200 200 200 200 200 200 200 200 403 403 200 403 200", "POST": ALL_405},
    "projects:list": {"GET": "login 200 200 200 200 200 200 200 200 403 200 403 403 200", "POST": ALL_405},
    "projects:servers": {"GET": "login 200 200 200 200 200 200 200 200 403 200 403 403 200", "POST": ALL_405},
    "projects:server_detail": {"GET": "login 200 404 404 404 404 404 404 404 403 200 403 403 404", "POST": ALL_405},
    "notifications:list": {"GET": "login 200 200 200 200 200 200 200 200 403 200 200 403 200", "POST": ALL_405},
    "notifications:mark_all_read": {
        "GET": ALL_405,
        "POST": "login 302 302 302 302 302 302 302 302 403 302 302 403 302",
    },
    # Delegation. Requests by p-number are open to every customer except where a rule says no:
    # own project, already cared for, already pending (revoked asked again).
    "contract:caretakers": {"GET": "login 200 200 200 200 200 200 200 200 403 200 403 403 200", "POST": ALL_405},
    "contract:list": {"GET": "login 200 200 200 200 200 200 200 200 403 200 403 403 200", "POST": ALL_405},
    "contract:request_new": {"GET": ALL_405, "POST": "login 422 422 422 422 302 422 302 302 403 422 403 403 302"},
    "contract:request_accept": {
        "GET": "login 200 404 404 404 404 404 404 404 403 403 403 403 404",
        "POST": "login 302 404 404 404 404 404 404 404 403 403 403 403 404",
    },
    "contract:request_decline": {
        "GET": "login 200 404 404 404 404 404 404 404 403 403 403 403 404",
        "POST": "login 302 404 404 404 404 404 404 404 403 403 403 403 404",
    },
    "contract:request_withdraw": {
        "GET": "login 404 404 404 404 404 200 404 404 403 404 403 403 404",
        "POST": "login 404 404 404 404 404 302 404 404 403 404 403 403 404",
    },
    # Anyone may open the form; only own projects can be picked (422 for p12345 otherwise).
    "contract:release_new": {
        "GET": "login 200 200 200 200 200 200 200 200 403 403 403 403 200",
        "POST": "login 302 422 422 422 422 422 422 422 403 403 403 403 422",
    },
    "contract:release_withdraw": {
        "GET": "login 200 404 404 404 404 404 404 404 403 403 403 403 404",
        "POST": "login 302 404 404 404 404 404 404 404 403 403 403 403 404",
    },
    "contract:release_resend": {"GET": ALL_405, "POST": "login 302 404 404 404 404 404 404 404 403 403 403 403 404"},
    # By id only the invited customer (sibling) may answer; for everyone else the release does not
    # exist (ASVS 8.2.2: this once told anyone whom any release had been sent to).
    "contract:release_accept": {"GET": ALL_405, "POST": "login 404 404 404 404 404 404 302 404 403 404 403 403 404"},
    "contract:release_decline": {
        "GET": "login 404 404 404 404 404 404 200 404 403 404 403 403 404",
        "POST": "login 404 404 404 404 404 404 302 404 403 404 403 403 404",
    },
    # Ending a caretakership asks first (GET, a page that also works without JavaScript).
    "contract:caretakership_revoke": {
        "GET": "login 200 404 404 404 404 404 404 404 403 403 403 403 404",
        "POST": "login 302 404 404 404 404 404 404 404 403 403 403 403 404",
    },
    "contract:caretakership_end": {
        "GET": "login 404 200 404 404 404 404 404 404 403 404 403 403 404",
        "POST": "login 404 302 404 404 404 404 404 404 403 404 403 403 404",
    },
    # The link from the e-mail: whoever holds it may look; only the invited account may answer,
    # everyone else is told whom it was sent to (409).
    "release_link": {"GET": "200 200 200 200 200 200 200 200 200 200 200 200 200 200", "POST": ALL_405},
    "release_link_accept": {"GET": ALL_405, "POST": "login 409 409 409 409 409 409 302 409 403 409 403 403 409"},
    # Declining asks first; anyone but the invited account sees the link page and why.
    "release_link_decline": {
        "GET": "login 200 200 200 200 200 200 200 200 403 200 403 403 200",
        "POST": "login 409 409 409 409 409 409 302 409 403 409 403 403 409",
    },
    # One project: owner and active caretaker administer it; for everyone else it does not exist.
    "projects:detail": {"GET": "login 200 200 200 200 404 404 404 404 403 200 403 403 404", "POST": ALL_405},
    "projects:php_version": {"GET": ALL_405, "POST": "login 302 302 403 302 404 404 404 404 403 302 403 403 404"},
    "projects:database_create": {"GET": ALL_405, "POST": "login 302 302 403 302 404 404 404 404 403 302 403 403 404"},
    "projects:database_delete": {
        "GET": "login 200 200 403 200 404 404 404 404 403 200 403 403 404",
        "POST": "login 302 302 403 302 404 404 404 404 403 302 403 403 404",
    },
    "projects:database_reset_password": {
        "GET": ALL_405,
        "POST": "login 302 302 403 302 404 404 404 404 403 302 403 403 404",
    },
    "projects:domain_add": {"GET": ALL_405, "POST": "login 302 302 403 302 404 404 404 404 403 302 403 403 404"},
    "projects:domain_edit": {
        "GET": "login 200 200 403 200 404 404 404 404 403 200 403 403 404",
        "POST": "login 302 302 403 302 404 404 404 404 403 302 403 403 404",
    },
    "projects:domain_remove": {
        "GET": "login 200 200 403 200 404 404 404 404 403 200 403 403 404",
        "POST": "login 302 302 403 302 404 404 404 404 403 302 403 403 404",
    },
    # Only the contract partner changes a caretakership's expiry and scope (Zugriff).
    "projects:caretakership_expiry": {
        "GET": ALL_405,
        "POST": "login 302 403 403 403 404 404 404 404 403 403 403 403 404",
    },
    "projects:caretakership_scope": {
        "GET": ALL_405,
        "POST": "login 302 403 403 403 404 404 404 404 403 403 403 403 404",
    },
    # Paid orders stay with the contract partner: the caretaker is told why (403).
    "projects:order_ssl": {"GET": ALL_405, "POST": "login 302 403 403 403 404 404 404 404 403 403 403 403 404"},
    "projects:order_domain": {"GET": ALL_405, "POST": "login 302 403 403 403 404 404 404 404 403 403 403 403 404"},
    # Tickets: everyone with current access to the project.
    "tickets:list": {"GET": "login 200 200 200 200 200 200 200 200 403 200 403 403 200", "POST": ALL_405},
    "tickets:new": {
        "GET": "login 200 200 200 200 200 200 200 200 403 200 403 403 200",
        "POST": "login 302 302 302 302 422 422 422 422 403 302 403 403 422",
    },
    "tickets:detail": {"GET": "login 200 200 200 200 404 404 404 404 403 200 403 403 404", "POST": ALL_405},
    "tickets:reply": {"GET": ALL_405, "POST": "login 302 302 302 302 404 404 404 404 403 302 403 403 404"},
    "tickets:close": {"GET": ALL_405, "POST": "login 302 302 302 302 404 404 404 404 403 302 403 403 404"},
    "tickets:reopen": {"GET": ALL_405, "POST": "login 302 302 302 302 404 404 404 404 403 302 403 403 404"},
    "tickets:attachment": {"GET": "login 200 200 200 200 404 404 404 404 403 200 403 403 404", "POST": ALL_405},
    # API tokens: creating one first asks to re-authenticate (the redirect); only its account revokes one.
    "api_tokens:list": {"GET": "login 200 200 200 200 200 200 200 200 403 200 403 403 200", "POST": ALL_405},
    "api_tokens:new": {
        "GET": "login 302 302 302 302 302 302 302 302 403 302 403 403 302",
        "POST": "login 302 302 302 302 302 302 302 302 403 302 403 403 302",
    },
    # An administrator revokes any of the account's tokens, Technik only its own.
    "api_tokens:revoke": {
        "GET": "login 200 404 404 404 404 404 404 404 403 404 403 403 404",
        "POST": "login 302 404 404 404 404 404 404 404 403 404 403 403 404",
    },
    # The active account: only to one's own accounts (404 for any other, also for staff).
    "switch_account": {
        "GET": ALL_405,
        "POST": "login 302 404 404 404 404 404 404 404 404 302 302 404 302",
    },
    # Mitglieder: every account's administrators manage their own account's members; a member of
    # another account does not exist for them (404); other roles are told why (403).
    "contract:members": {
        "GET": "login 200 200 200 200 200 200 200 200 403 403 403 403 200",
        "POST": "login 302 302 302 302 302 302 302 302 403 403 403 403 302",
    },
    "contract:member_role": {"GET": ALL_405, "POST": "login 302 404 404 404 404 404 404 404 403 403 403 403 404"},
    "contract:member_remove": {
        "GET": "login 200 404 404 404 404 404 404 404 403 403 403 403 404",
        "POST": "login 302 404 404 404 404 404 404 404 403 403 403 403 404",
    },
    "contract:technik_setting": {
        "GET": ALL_405,
        "POST": "login 302 302 302 302 302 302 302 302 403 403 403 403 302",
    },
    "contract:invitation_resend": {
        "GET": ALL_405,
        "POST": "login 302 404 404 404 404 404 404 404 403 403 403 403 404",
    },
    "contract:invitation_withdraw": {
        "GET": ALL_405,
        "POST": "login 302 404 404 404 404 404 404 404 403 403 403 403 404",
    },
    # The invitation's link: whoever holds it may look; only the invited address may accept (409).
    "invitation": {"GET": "200 200 200 200 200 200 200 200 200 200 200 200 200 200", "POST": ALL_405},
    "invitation_accept": {"GET": ALL_405, "POST": "login 409 409 409 409 409 409 409 409 409 409 409 409 409"},
    # A login for the invited address, for whoever holds the link and is not signed in; the
    # signed-in go to the invitation itself. An empty form changes nothing (422).
    "invitation_signup": {
        "GET": "200 302 302 302 302 302 302 302 302 302 302 302 302 302",
        "POST": "422 302 302 302 302 302 302 302 302 302 302 302 302 302",
    },
    # The admin is for staff only.
    "admin:index": {
        "GET": " ".join("200" if persona == "staff" else "admin-login" for persona in PERSONAS),
        "POST": " ".join("200" if persona == "staff" else "admin-login" for persona in PERSONAS),
    },
}

# Third-party URLs with their own tests and access rules: allauth's account pages, anymail's
# webhooks (see test_faults.py) and the admin's model pages (staff only; the admin's own checks).
# The partner API answers tokens, not sessions: its own matrix, from its OpenAPI schema, is in
# tests/api/test_authorization_matrix.py.
EXCLUDED_NAMESPACES = ("admin:", "anymail:", "api:")
EXCLUDED_MODULES = ("allauth.",)
INCLUDED_ANYWAY = {"admin:index"}


def walk(patterns, namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace) if part)
            yield from walk(entry.url_patterns, inner)
        elif entry.name:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), entry


def is_ours(name: str, pattern: URLPattern) -> bool:
    if name in INCLUDED_ANYWAY:
        return True
    module = getattr(pattern.callback, "__module__", "")
    return not name.startswith(EXCLUDED_NAMESPACES) and not module.startswith(EXCLUDED_MODULES)


def project_urls() -> dict[str, URLPattern]:
    return {name: pattern for name, pattern in walk(get_resolver().url_patterns) if is_ours(name, pattern)}


URLS = project_urls()


def url_kwargs(name: str, w: World) -> dict:
    number = {"number": w.project.number}
    return {
        "release_link": {"token": w.token},
        "release_link_accept": {"token": w.token},
        "release_link_decline": {"token": w.token},
        "contract:list": {"name": "freigegeben"},
        "contract:request_accept": {"pk": w.pending_request.pk},
        "contract:request_decline": {"pk": w.pending_request.pk},
        "contract:request_withdraw": {"pk": w.pending_request.pk},
        "contract:release_withdraw": {"pk": w.release.pk},
        "contract:release_resend": {"pk": w.release.pk},
        "contract:release_accept": {"pk": w.release.pk},
        "contract:release_decline": {"pk": w.release.pk},
        "contract:caretakership_revoke": {"pk": w.caretakership.pk},
        "contract:caretakership_end": {"pk": w.caretakership.pk},
        "projects:detail": number,
        "projects:php_version": number,
        "projects:database_create": number,
        "projects:database_delete": {**number, "name": w.database.name},
        "projects:database_reset_password": {**number, "name": w.database.name},
        "projects:domain_add": number,
        "projects:domain_edit": {**number, "name": w.domain.name},
        "projects:domain_remove": {**number, "name": w.domain.name},
        "projects:order_ssl": number,
        "projects:caretakership_expiry": {**number, "pk": w.caretakership.pk},
        "projects:caretakership_scope": {**number, "pk": w.caretakership.pk},
        "projects:order_domain": number,
        "projects:server_detail": {"number": w.server.number},
        "tickets:detail": {"pk": w.ticket.pk},
        "tickets:reply": {"pk": w.ticket.pk},
        "tickets:close": {"pk": w.ticket.pk},
        "tickets:reopen": {"pk": w.ticket.pk},
        "tickets:attachment": {"pk": w.attachment.pk},
        "api_tokens:revoke": {"pk": w.access_token.pk},
        "contract:member_role": {"pk": w.technik.pk},
        "contract:member_remove": {"pk": w.technik.pk},
        "contract:invitation_resend": {"pk": w.invitation.pk},
        "contract:invitation_withdraw": {"pk": w.invitation.pk},
        "invitation": {"token": w.invitation_token},
        "invitation_accept": {"token": w.invitation_token},
        "invitation_signup": {"token": w.invitation_token},
    }.get(name, {})


def post_data(name: str, w: World) -> dict:
    """Valid input for each form, so a 302 means it was done and a refusal is about access."""
    return {
        "set_language": {"language": "de", "next": "/"},
        "contract:master_data": {"first_name": "Erika", "last_name": "Muster", "country": "DE"},
        "contract:request_new": {"number": w.project.number},
        "contract:release_new": {"email": "neu@example.com", "projects": [w.project.number]},
        "projects:php_version": {"php_version": "8.2"},
        "projects:database_create": {"suffix": "neu"},
        "projects:domain_add": {"name": "neu.example.org", "target_kind": "path", "target": "/"},
        "projects:domain_edit": {"target_kind": "path", "target": "/shop"},
        "projects:order_ssl": {"domain": w.domain.pk},
        "projects:caretakership_expiry": {
            f"care{w.caretakership.pk}-expires_on": (timezone.localdate() + timedelta(days=60)).isoformat()
        },
        "projects:caretakership_scope": {f"care{w.caretakership.pk}-scope": "read"},
        "projects:order_domain": {"name": "frei.example.org"},
        "tickets:new": {"project": w.project.number, "subject": "Hilfe", "category": "technical", "body": "Bitte."},
        "tickets:reply": {"body": "Danke."},
        "switch_account": {"customer": str(w.owner.number)},
        "contract:members": {"email": "neu@example.com", "role": "technik"},
        "contract:member_role": {"role": "buchhaltung"},
        "contract:technik_setting": {"technik_may_decide": "on"},
    }.get(name, {})


def outcome(response) -> str:
    if response.status_code != 302:
        return str(response.status_code)
    location = response["Location"]
    if location.startswith(reverse("admin:login")):
        return "admin-login"
    if location.startswith(reverse("account_login")):
        return "login"
    return "302"


def request_rolled_back(client, method: str, url: str, data: dict):
    """One request whose changes are undone, so the next persona meets the same world."""
    with transaction.atomic():
        response = client.get(url) if method == "GET" else client.post(url, data)
        transaction.set_rollback(True)
    return response


# ASVS 8.2.1, 8.2.2, 8.3.2 (expired, revoked), 8.4.1 (outsider, sibling): the matrix itself.
@pytest.mark.parametrize("name", sorted(URLS))
def test_authorization_matrix(name, world):
    url = reverse(name, kwargs=url_kwargs(name, world))
    mismatches = []
    for method in ("GET", "POST"):
        expected = dict(zip(PERSONAS, EXPECTED[name][method].split(), strict=True))
        for persona in PERSONAS:
            response = request_rolled_back(world.clients[persona], method, url, post_data(name, world))
            got = outcome(response)
            if got != expected[persona]:
                mismatches.append(f"{method} {url} as {persona}: expected {expected[persona]}, got {got}")
    assert mismatches == []


# ASVS 8.1.1: EXPECTED is the written-down authorization rule for every function of the site.
def test_every_url_has_a_row():
    """A new view cannot slip past the matrix; a removed one cannot leave a stale row."""
    assert sorted(set(URLS) - set(EXPECTED)) == []
    assert sorted(set(EXPECTED) - set(URLS)) == []


def test_the_matrix_covers_what_the_readme_says():
    requests = len(URLS) * 2 * len(PERSONAS)
    assert (len(URLS), len(PERSONAS), requests) == (59, 14, 1652)


# --- Owner-only actions, posted by hand (ASVS 8.2.1, 8.3.1) -----------------------------------


def tenant_state(*projects: Project) -> dict:
    """Everything a customer could change about these projects, to compare before and after."""
    return {
        "projects": list(Project.objects.filter(pk__in=[p.pk for p in projects]).values().order_by("pk")),
        "databases": list(Database.objects.filter(project__in=projects).values().order_by("pk")),
        "domains": list(Domain.objects.filter(project__in=projects).values().order_by("pk")),
        "orders": list(Order.objects.filter(project__in=projects).values().order_by("pk")),
        "caretakerships": list(Caretakership.objects.filter(project__in=projects).values().order_by("pk")),
        "requests": list(ManagementRequest.objects.filter(project__in=projects).values().order_by("pk")),
        "releases": list(ProjectRelease.objects.filter(projects__in=projects).values().order_by("pk")),
        "tickets": list(Ticket.objects.filter(project__in=projects).values().order_by("pk")),
        "messages": Message.objects.filter(ticket__project__in=projects).count(),
        "audit": AuditEntry.objects.filter(project__in=projects).count(),
    }


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("projects:order_ssl", lambda w: {"domain": w.domain.pk}),
        ("projects:order_domain", lambda w: {"name": "frei.example.org"}),
    ],
)
def test_caretaker_cannot_order_even_by_hand(world, name, data):
    before = tenant_state(world.project)

    response = world.clients["caretaker"].post(reverse(name, args=[world.project.number]), data(world))

    assert response.status_code == 403
    assert "Bestellungen sind Sache des Vertragspartners." in response.content.decode()
    assert tenant_state(world.project) == before


def test_caretaker_cannot_release_a_cared_for_project_even_by_hand(world):
    before = tenant_state(world.project)

    response = world.clients["caretaker"].post(
        reverse("contract:release_new"), {"email": "dritter@example.com", "projects": [world.project.number]}
    )

    assert response.status_code == 422
    assert "Du kannst nur eigene Projekte freigeben." in response.content.decode()
    assert tenant_state(world.project) == before
    assert not ProjectRelease.objects.filter(email="dritter@example.com").exists()


# --- Changes to access take effect on the next request (ASVS 8.3.2) ---------------------------


def test_revocation_takes_effect_on_the_caretakers_next_request(world):
    caretaker = world.clients["caretaker"]
    detail = reverse("projects:detail", args=[world.project.number])
    assert caretaker.get(detail).status_code == 200

    world.clients["owner"].post(reverse("contract:caretakership_revoke", args=[world.caretakership.pk]))

    php = reverse("projects:php_version", args=[world.project.number])
    assert caretaker.get(detail).status_code == 404
    assert caretaker.get(reverse("tickets:detail", args=[world.ticket.pk])).status_code == 404
    assert caretaker.post(php, {"php_version": "8.1"}).status_code == 404
    world.project.refresh_from_db()
    assert world.project.php_version == "8.3"


def test_expiry_takes_effect_without_the_sweeper(world, time_machine):
    world.caretakership.expires_at = timezone.now() + timedelta(minutes=5)
    world.caretakership.save(update_fields=["expires_at"])
    caretaker = world.clients["caretaker"]
    detail = reverse("projects:detail", args=[world.project.number])
    assert caretaker.get(detail).status_code == 200

    time_machine.move_to(timezone.now() + timedelta(minutes=6))

    assert caretaker.get(detail).status_code == 404
    assert caretaker.get(reverse("tickets:attachment", args=[world.attachment.pk])).status_code == 404
    assert Caretakership.objects.get(pk=world.caretakership.pk).ended_at is None


# --- Nobody affects another customer's data (ASVS 8.4.1) --------------------------------------


# What a stranger to the owner may legitimately do to the owner's data: ask for management
# (grants nothing by itself), withdraw its own request, answer a release sent to it.
OWN_ACTIONS = {
    "reader": {"contract:request_new", "tickets:new", "tickets:reply", "tickets:close", "tickets:reopen"},
    "expired": {"contract:request_new"},
    "revoked": {"contract:request_new", "contract:request_withdraw"},
    "sibling": {
        "contract:request_new",
        "contract:release_accept",
        "contract:release_decline",
        "release_link_accept",
        "release_link_decline",
    },
    "outsider": {"contract:request_new"},
}


@pytest.mark.parametrize("persona", sorted(OWN_ACTIONS))
def test_every_post_of_a_stranger_leaves_the_owners_data_alone(world, persona):
    """Every other POST of the project, one after the other and for real (no rollback)."""
    before = tenant_state(world.project, world.sibling_project)
    client = world.clients[persona]

    for name in sorted(URLS):
        if EXPECTED[name]["POST"] != ALL_405 and name not in OWN_ACTIONS[persona]:
            client.post(reverse(name, kwargs=url_kwargs(name, world)), post_data(name, world))

    assert tenant_state(world.project, world.sibling_project) == before
