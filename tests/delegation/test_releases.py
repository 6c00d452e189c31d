"""Projektfreigabe: the owner invites a caretaker by e-mail; bad input changes nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from customercenter.tokens import hash_token
from delegation import services
from delegation.expiry import expiry_from_last_day
from delegation.models import ProjectRelease
from notifications.models import Notification, OutboxEmail
from projects.models import AuditEntry
from tests.conftest import login
from tests.delegation.factories import CaretakershipFactory, ProjectReleaseFactory
from tests.delegation.helpers import (
    OVERVIEW,
    RELEASE_NEW,
    field_error,
    link_url,
    mails_to,
    outbox_to,
    page_html,
    page_text,
    rows_containing,
)
from tests.factories import ProjectFactory

LINK_RE = re.compile(r"http://127\.0\.0\.1:8000/freigabe/(?P<token>[-\w]+)/")


def release_data(**overrides) -> dict:
    return {"email": "agentur@example.com", "expires_on": "", "projects": ["p12345"], **overrides}


def nothing_changes():
    return (
        list(ProjectRelease.objects.values_list("pk", "status", "token_hash")),
        Notification.objects.count(),
        OutboxEmail.objects.count(),
        AuditEntry.objects.count(),
    )


def test_release_form_offers_own_projects_as_plain_checkboxes(owner_client, owner, project, outsider):
    ProjectFactory(owner=owner, number="p12346", name="Blog")
    ProjectFactory(owner=outsider, number="p77777", name="Fremdprojekt")

    response = owner_client.get(RELEASE_NEW)

    assert response.status_code == 200
    markup = page_html(response)
    assert '<form method="post" action="/vertragsdaten/technischer-betreuer/projektfreigabe/"' in markup
    assert 'type="checkbox" name="projects" value="p12345"' in markup
    assert 'type="checkbox" name="projects" value="p12346"' in markup
    assert 'name="expires_on"' in markup
    assert 'name="require_mfa"' in markup
    text = page_text(response)
    assert "p12345 · Hauptseite" in text
    assert "p77777" not in text
    assert "Freigabe erteilen" in text


def test_release_form_scope_is_a_fieldset_named_by_its_legend(owner_client, project):
    response = owner_client.get(RELEASE_NEW)

    markup = page_html(response)
    group = re.search(r'<fieldset class="mb-3" aria-describedby="id_scope_helptext">(.*?)</fieldset>', markup, re.S)
    assert group is not None
    assert re.search(r'<legend class="form-label fs-6">\s*Umfang\s*</legend>', group.group(1))
    assert 'type="radio" name="scope" value="technical"' in group.group(1)
    assert 'id="id_scope_helptext"' in group.group(1)
    assert 'for=""' not in markup


def test_release_form_preselects_projects_from_query_string(owner_client, owner, project):
    ProjectFactory(owner=owner, number="p12346")

    response = owner_client.get(RELEASE_NEW, {"projekt": "p12345"})

    assert re.search(r'<input type="checkbox" name="projects" value="p12345"[^>]* checked', response.text)
    assert not re.search(r'<input type="checkbox" name="projects" value="p12346"[^>]* checked', response.text)


def test_release_creates_pending_release_and_mails_the_link(owner_client, owner, project, on_commit):
    last_day = timezone.localdate() + timedelta(days=60)

    with on_commit():
        response = owner_client.post(RELEASE_NEW, release_data(expires_on=last_day.isoformat()))

    assert response.status_code == 302
    assert response["Location"] == OVERVIEW
    release = ProjectRelease.objects.get()
    assert (release.owner, release.email, release.status) == (owner, "agentur@example.com", "pending")
    assert list(release.projects.all()) == [project]
    assert release.access_expires_at == expiry_from_last_day(last_day)
    assert abs(release.link_expires_at - (timezone.now() + timedelta(days=14))) < timedelta(minutes=1)
    assert release.require_mfa is False

    [message] = mails_to("agentur@example.com")
    token = LINK_RE.search(message.body)["token"]
    assert release.token_hash == hash_token(token)
    assert len(token) >= 32
    assert "p12345 · Hauptseite" in message.body
    assert "Bäckerei Sonnenschein" in message.subject
    link_until = timezone.localtime(release.link_expires_at)
    assert f"Dieser Link ist bis {link_until:%d.%m.%Y, %H:%M} Uhr gültig" in message.body
    assert f"Die Betreuung endet am {last_day:%d.%m.%Y}." in message.body
    html_body = message.alternatives[0][0]
    assert f"/freigabe/{token}/" in html_body
    assert f"{last_day:%d.%m.%Y}" in html_body

    entry = AuditEntry.objects.get(action="release.created")
    assert (entry.project, entry.role, entry.subject) == (project, AuditEntry.Role.OWNER, "agentur@example.com")
    assert (entry.new_value, entry.scope) == (f"{last_day:%d.%m.%Y}", "Technische Verwaltung")
    assert entry.params["scope"] == {"label": "Technische Verwaltung"}


def test_release_without_expiry_says_unlimited(owner_client, project, on_commit):
    with on_commit():
        owner_client.post(RELEASE_NEW, release_data())

    [message] = mails_to("agentur@example.com")
    assert "Die Betreuung ist unbefristet" in message.body
    assert ProjectRelease.objects.get().access_expires_at is None


def test_release_success_message_names_link_validity(owner_client, project):
    response = owner_client.post(RELEASE_NEW, release_data(), follow=True)

    assert "agentur@example.com erhält einen Link per E-Mail, der 14 Tage gültig ist." in page_text(response)


def test_release_of_several_projects_is_one_release(owner_client, owner, project, on_commit):
    ProjectFactory(owner=owner, number="p12346", name="Blog")
    ProjectFactory(owner=owner, number="p12347", name="Shop")

    with on_commit():
        owner_client.post(RELEASE_NEW, release_data(projects=["p12345", "p12347"]))

    release = ProjectRelease.objects.get()
    assert sorted(p.number for p in release.projects.all()) == ["p12345", "p12347"]
    [message] = mails_to("agentur@example.com")
    assert "p12345" in message.body
    assert "p12347" in message.body
    assert "p12346" not in message.body
    assert AuditEntry.objects.filter(action="release.created").count() == 2


def test_release_email_is_lowercased_and_trimmed(owner_client, project):
    owner_client.post(RELEASE_NEW, release_data(email="  Agentur@Example.COM "))

    assert ProjectRelease.objects.get().email == "agentur@example.com"


def test_release_with_mfa_requirement(owner_client, project, on_commit):
    with on_commit():
        owner_client.post(RELEASE_NEW, release_data(require_mfa="on"))

    assert ProjectRelease.objects.get().require_mfa is True
    [message] = mails_to("agentur@example.com")
    assert "Zwei-Faktor-Authentifizierung" in message.body


def test_raw_token_is_stored_only_as_hash(owner, project):
    release, token = services.create_release(
        owner=owner, email="agentur@example.com", projects=[project], access_expires_at=None
    )

    assert release.token_hash == hash_token(token)
    assert token not in release.token_hash
    # Until it is sent, the outbox holds the mail (with its link) so a broker outage loses nothing.
    assert rows_containing(token) == ["notifications.OutboxEmail.body_text", "notifications.OutboxEmail.body_html"]
    assert rows_containing(release.token_hash) == ["delegation.ProjectRelease.token_hash"]


def test_raw_token_leaves_the_outbox_once_the_mail_is_sent(owner, project, on_commit):
    with on_commit():
        _release, token = services.create_release(
            owner=owner, email="agentur@example.com", projects=[project], access_expires_at=None
        )

    assert OutboxEmail.objects.get(to="agentur@example.com").status == OutboxEmail.Status.SENT
    assert rows_containing(token) == []


def test_tokens_differ_between_releases(owner, project):
    other = ProjectFactory(owner=owner)
    _first, token_a = services.create_release(
        owner=owner, email="a@example.com", projects=[project], access_expires_at=None
    )
    _second, token_b = services.create_release(
        owner=owner, email="a@example.com", projects=[other], access_expires_at=None
    )

    assert token_a != token_b


# --- Bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"email": "owner@example.com"}, "email", "Du kannst dir nicht selbst eine Freigabe erteilen."),
        ({"email": "OWNER@example.com "}, "email", "Du kannst dir nicht selbst eine Freigabe erteilen."),
        ({"email": "keine-adresse"}, "email", "gültige E-Mail-Adresse"),
        ({"email": ""}, "email", "Dieses Feld ist zwingend erforderlich."),
        ({"projects": []}, "projects", "Bitte mindestens ein Projekt auswählen."),
        ({"projects": ["p77777"]}, "projects", "Du kannst nur eigene Projekte freigeben."),
        ({"projects": ["p12345", "p77777"]}, "projects", "Du kannst nur eigene Projekte freigeben."),
        ({"projects": ["p99999"]}, "projects", "Du kannst nur eigene Projekte freigeben."),
        ({"expires_on": "yesterday"}, "expires_on", "Das Ablaufdatum darf nicht in der Vergangenheit liegen."),
        ({"expires_on": "morgen"}, "expires_on", "Bitte ein gültiges Datum angeben"),
        ({"expires_on": "2030-13-01"}, "expires_on", "Bitte ein gültiges Datum angeben"),
    ],
)
def test_bad_release_input_gets_error_at_field_and_creates_nothing(owner_client, project, outsider, data, field, error):
    ProjectFactory(owner=outsider, number="p77777")
    if data.get("expires_on") == "yesterday":
        data = {**data, "expires_on": (timezone.localdate() - timedelta(days=1)).isoformat()}
    before = nothing_changes()

    response = owner_client.post(RELEASE_NEW, release_data(**data))

    assert response.status_code == 422
    assert error in field_error(response, field)
    assert nothing_changes() == before


def test_owner_cannot_release_to_a_secondary_address_of_its_own(owner_client, owner, project):
    owner.admin.emailaddress_set.create(email="buero@example.com", verified=True)

    response = owner_client.post(RELEASE_NEW, release_data(email="buero@example.com"))

    assert response.status_code == 422
    assert "nicht selbst" in field_error(response, "email")
    assert not ProjectRelease.objects.exists()


def test_duplicate_pending_release_is_refused(owner_client, owner, project):
    owner_client.post(RELEASE_NEW, release_data())
    before = nothing_changes()

    response = owner_client.post(RELEASE_NEW, release_data(email="AGENTUR@example.com"))

    assert response.status_code == 422
    assert "Für p12345 ist bereits eine offene Freigabe an agentur@example.com unterwegs." in field_error(
        response, "projects"
    )
    assert nothing_changes() == before


def test_same_project_to_another_address_is_fine(owner_client, project):
    owner_client.post(RELEASE_NEW, release_data())

    response = owner_client.post(RELEASE_NEW, release_data(email="zweite-agentur@example.com"))

    assert response.status_code == 302
    assert ProjectRelease.objects.count() == 2


def test_release_to_current_caretaker_is_refused(owner_client, caretakership):
    before = nothing_changes()

    response = owner_client.post(RELEASE_NEW, release_data())

    assert response.status_code == 422
    assert "p12345 wird von agentur@example.com bereits betreut." in field_error(response, "projects")
    assert nothing_changes() == before


def test_release_to_former_caretaker_is_fine(owner_client, caretakership):
    caretakership.ended_at = timezone.now()
    caretakership.save()

    response = owner_client.post(RELEASE_NEW, release_data())

    assert response.status_code == 302


def test_fifty_releases_a_day(owner_client, owner, project, settings):
    assert settings.MAX_RELEASES_PER_OWNER_PER_DAY == 50
    for _ in range(50):
        ProjectReleaseFactory(owner=owner)
    before = nothing_changes()

    response = owner_client.post(RELEASE_NEW, release_data())

    assert response.status_code == 422
    assert "Du hast heute bereits viele Freigaben erteilt." in page_text(response)
    assert nothing_changes() == before


def test_service_refuses_the_fifty_first_release_too(owner, project):
    for _ in range(50):
        ProjectReleaseFactory(owner=owner)

    with pytest.raises(services.DelegationError, match="bereits 50 Freigaben"):
        services.create_release(owner=owner, email="x@example.com", projects=[project], access_expires_at=None)


def test_service_refuses_foreign_projects(owner, outsider):
    foreign = ProjectFactory(owner=outsider)

    with pytest.raises(services.DelegationError, match="mindestens ein eigenes Projekt"):
        services.create_release(owner=owner, email="x@example.com", projects=[foreign], access_expires_at=None)
    assert not ProjectRelease.objects.exists()


def test_release_form_needs_a_customer(staff_client):
    assert staff_client.get(RELEASE_NEW).status_code == 403


# --- The owner manages its pending releases ---------------------------------------------------


def test_owner_sees_its_pending_release_with_resend_and_withdraw(owner_client, release):
    pending, _token = release

    response = owner_client.get(OVERVIEW)

    text = page_text(response)
    assert "Deine Projektfreigaben" in text
    assert "agentur@example.com" in text
    assert "wartet auf Annahme" in text
    assert reverse("contract:release_resend", args=[pending.pk]) in page_html(response)
    assert reverse("contract:release_withdraw", args=[pending.pk]) in page_html(response)


def test_owner_withdraws_and_the_invitee_is_told(owner_client, release, on_commit):
    pending, token = release

    with on_commit():
        response = owner_client.post(reverse("contract:release_withdraw", args=[pending.pk]))

    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "withdrawn"
    [message] = mails_to("agentur@example.com")
    assert "zurückgezogen" in message.subject
    assert token not in message.body
    assert AuditEntry.objects.filter(action="release.withdrawn").count() == 1


def test_owner_resends_with_a_new_link(owner_client, release, on_commit):
    pending, old_token = release
    old_hash = pending.token_hash

    with on_commit():
        response = owner_client.post(reverse("contract:release_resend", args=[pending.pk]))

    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.token_hash != old_hash
    [message] = mails_to("agentur@example.com")
    new_token = LINK_RE.search(message.body)["token"]
    assert new_token != old_token
    assert pending.token_hash == hash_token(new_token)
    assert AuditEntry.objects.filter(action="release.resent").count() == 1


def resend(client, release: ProjectRelease):
    return client.post(reverse("contract:release_resend", args=[release.pk]), follow=True)


def test_resending_one_release_is_limited_per_day(owner_client, owner, caretaker, release, settings):
    settings.MAX_RESENDS_PER_RELEASE_PER_DAY = 2
    pending, _token = release
    for _ in range(2):
        assert "Neuer Link versendet" in page_text(resend(owner_client, pending))
    before = nothing_changes()

    response = resend(owner_client, pending)

    assert "Der Link dieser Freigabe wurde heute bereits 2-mal neu gesendet. Bitte versuche es morgen wieder." in (
        page_text(response)
    )
    assert "Neuer Link versendet" not in page_text(response)
    assert nothing_changes() == before
    assert len(outbox_to(caretaker.admin.email)) == 3  # the release and two resends
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        assert "Neuer Link versendet" in page_text(resend(owner_client, pending))


def test_resending_is_limited_per_owner_and_day_across_releases(owner_client, owner, project, settings):
    settings.MAX_RESENDS_PER_OWNER_PER_DAY = 2
    first, _token = services.create_release(
        owner=owner, email="a@example.com", projects=[project], access_expires_at=None
    )
    second, _token = services.create_release(
        owner=owner, email="b@example.com", projects=[project], access_expires_at=None
    )
    resend(owner_client, first)
    resend(owner_client, second)
    before = nothing_changes()

    response = resend(owner_client, first)

    assert "Du hast heute bereits 2 Freigabe-Links neu gesendet. Bitte versuche es morgen wieder." in page_text(
        response
    )
    assert nothing_changes() == before


def test_the_resend_limit_answers_in_place_for_htmx(owner_client, release, settings):
    settings.MAX_RESENDS_PER_RELEASE_PER_DAY = 0
    pending, _token = release

    response = owner_client.post(reverse("contract:release_resend", args=[pending.pk]), headers={"HX-Request": "true"})

    assert response.status_code == 409
    assert "Der Link dieser Freigabe wurde heute bereits 0-mal neu gesendet." in page_text(response)


def test_staff_resend_is_not_held_by_the_owners_limit(owner, staff, release, settings):
    settings.MAX_RESENDS_PER_RELEASE_PER_DAY = 0
    pending, _token = release

    with pytest.raises(services.DelegationError):
        services.resend_release(owner=owner, pk=pending.pk)
    services.staff_resend_release(staff=staff, pk=pending.pk)

    assert AuditEntry.objects.filter(action="release.resent", role="staff").count() == 1


@pytest.mark.parametrize("action", ["release_withdraw", "release_resend"])
def test_only_the_owner_withdraws_or_resends(caretaker, outsider, release, action):
    pending, _token = release
    before = nothing_changes()

    for customer in (caretaker, outsider):
        assert login(customer).post(reverse(f"contract:{action}", args=[pending.pk])).status_code == 404

    assert nothing_changes() == before


def test_caretaker_cannot_pass_a_cared_project_on(caretaker, project):
    CaretakershipFactory(project=project, caretaker=caretaker)
    client = login(caretaker)

    form = client.get(RELEASE_NEW)
    response = client.post(RELEASE_NEW, release_data(email="dritte@example.com"))

    assert 'value="p12345"' not in form.text
    assert response.status_code == 422
    assert "Du kannst nur eigene Projekte freigeben." in field_error(response, "projects")
    assert not ProjectRelease.objects.exists()
    with pytest.raises(services.DelegationError):
        services.create_release(owner=caretaker, email="dritte@example.com", projects=[project], access_expires_at=None)
    assert not ProjectRelease.objects.exists()


def test_partner_without_projects_sees_an_empty_picker(caretaker_client):
    response = caretaker_client.get(RELEASE_NEW)

    assert "Du hast keine eigenen Projekte." in page_text(response)


def test_owner_overview_link_page_is_not_a_release_form(owner_client, release):
    _pending, token = release

    response = owner_client.get(link_url(token))

    assert "Diese Freigabe wurde an agentur@example.com gesendet, du bist als owner@example.com angemeldet." in (
        page_text(response)
    )


def test_release_to_an_address_without_account_waits_for_sign_up(owner, project):
    services.create_release(owner=owner, email="neu@example.com", projects=[project], access_expires_at=None)

    assert not Notification.objects.exists()
    assert OutboxEmail.objects.filter(to="neu@example.com").count() == 1


def test_release_to_existing_customer_also_notifies_in_app(owner, project, caretaker):
    services.create_release(owner=owner, email="agentur@example.com", projects=[project], access_expires_at=None)

    notification = Notification.objects.get(recipient=caretaker)
    assert "möchte dir 1 Projekt zur technischen Betreuung freigeben" in notification.text
    assert OutboxEmail.objects.filter(to="agentur@example.com").count() == 1


def test_release_notification_counts_projects_in_plural(owner, project, caretaker):
    other = ProjectFactory(owner=owner)
    services.create_release(owner=owner, email="agentur@example.com", projects=[project, other], access_expires_at=None)

    notification = Notification.objects.get(recipient=caretaker)
    assert "möchte dir 2 Projekte zur technischen Betreuung freigeben" in notification.text
