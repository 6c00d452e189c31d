"""Access you can see: scopes, the Zugriff section, changing a caretakership's expiry and scope."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from delegation import services
from delegation.expiry import expiry_from_last_day, last_day
from delegation.models import Caretakership, Scope
from notifications.models import Notification
from projects.models import AuditEntry, Project
from tests.conftest import login
from tests.delegation.factories import CaretakershipFactory, ManagementRequestFactory, ProjectReleaseFactory
from tests.delegation.helpers import OVERVIEW, mails_to, outbox_to, page_html, page_text
from tests.factories import CustomerFactory, DatabaseFactory, ProjectFactory

PAGE = "/projekte/p12345/"


def expiry_url(care: Caretakership) -> str:
    return reverse("projects:caretakership_expiry", args=[care.project.number, care.pk])


def scope_url(care: Caretakership) -> str:
    return reverse("projects:caretakership_scope", args=[care.project.number, care.pk])


def date_in(days: int):
    return timezone.localdate() + timedelta(days=days)


def day(days: int) -> str:
    return date_in(days).isoformat()


@pytest.fixture
def reader(project, caretaker) -> Caretakership:
    """The caretaker may only look at p12345."""
    return CaretakershipFactory(project=project, caretaker=caretaker, scope=Scope.READ_ONLY)


# --- Nur lesen ---------------------------------------------------------------------------------


def test_read_only_caretaker_sees_the_project_and_why_it_cannot_change_it(caretaker_client, reader, project):
    DatabaseFactory(project=project, name="p12345_shop")

    response = caretaker_client.get(PAGE)

    assert response.status_code == 200
    text = page_text(response)
    assert "Nur lesen" in text
    assert "du kannst es ansehen und Tickets eröffnen, aber nichts ändern" in text
    assert "p12345_shop" in text
    assert len(re.findall(r"<fieldset[^>]* disabled>", response.text)) == 3  # PHP, databases, domains


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/projekte/p12345/php/", {"php_version": "8.1"}),
        ("/projekte/p12345/datenbanken/", {"suffix": "neu"}),
        ("/projekte/p12345/domains/", {"name": "neu.example.org", "target_kind": "path", "target": "/"}),
    ],
)
def test_read_only_caretaker_is_refused_with_the_reason(caretaker_client, reader, project, url, data):
    before = (Project.objects.get().php_version, project.databases.count(), project.domains.count())

    response = caretaker_client.post(url, data)

    assert response.status_code == 403
    assert "Nur lesen" in page_text(response)
    assert (Project.objects.get().php_version, project.databases.count(), project.domains.count()) == before


def test_read_only_caretaker_may_open_a_ticket(caretaker_client, reader):
    response = caretaker_client.post(
        "/tickets/neu/", {"project": "p12345", "subject": "Frage", "category": "technical", "body": "Wie geht das?"}
    )

    assert response.status_code == 302


def test_technical_caretaker_still_changes_the_project(caretaker_client, caretakership):
    response = caretaker_client.post("/projekte/p12345/php/", {"php_version": "8.1"})

    assert response.status_code == 302
    assert Project.objects.get().php_version == "8.1"


# --- What each side sees -------------------------------------------------------------------------


def test_owner_sees_who_has_access_on_the_project_page(owner_client, caretaker, project):
    care = CaretakershipFactory(
        project=project, caretaker=caretaker, expires_at=expiry_from_last_day(timezone.localdate() + timedelta(days=40))
    )
    requester = CustomerFactory(company="Nachfrage GmbH")
    ManagementRequestFactory(project=project, caretaker=requester)
    ProjectReleaseFactory(owner=project.owner, projects=[project], email="neu@example.com")

    text = page_text(owner_client.get(PAGE))

    assert "Zugriff" in text
    assert f"{caretaker.display_name} Kundennummer {caretaker.number} · Projektfreigabe" in text
    assert "Technische Verwaltung" in text
    assert f"bis {last_day(care.expires_at):%d.%m.%Y}" in text
    assert "Nachfrage GmbH" in text
    assert "neu@example.com p12345 unbefristet Technische Verwaltung" in text
    assert "wartet auf Annahme Erneut senden Zurückziehen" in text


def test_owner_page_says_when_nobody_else_has_access(owner_client, project):
    assert "Niemand außer dir hat Zugriff auf dieses Projekt." in page_text(owner_client.get(PAGE))


def test_caretaker_page_says_for_whom_until_when_and_how_far(caretaker_client, caretaker, project):
    last = timezone.localdate() + timedelta(days=20)
    CaretakershipFactory(project=project, caretaker=caretaker, expires_at=expiry_from_last_day(last))
    owner = project.owner

    text = page_text(caretaker_client.get(PAGE))

    assert (
        f"Du betreust dieses Projekt für {owner.display_name[:-1]}, Kundennummer {owner.number}) "
        f"bis {last:%d.%m.%Y} (Umfang: Technische Verwaltung)."
    ) in text
    assert "Zugriff" not in text.split("Verlauf")[0].split("Kostenpflichtige")[0]
    assert "Betreuung beenden" in text


def test_caretaker_page_speaks_english(caretaker, reader):
    client = login(caretaker)
    client.cookies["django_language"] = "en"

    text = page_text(client.get(PAGE, headers={"Accept-Language": "en"}))

    assert "Read only" in text


def test_owners_project_list_names_the_caretakers(owner_client, owner, project):
    agencies = [CustomerFactory(company=name, first_name="", last_name="") for name in ("Pixelwerk", "Zweite")]
    for agency in agencies:
        CaretakershipFactory(project=project, caretaker=agency)
    ProjectFactory(owner=owner, number="p12399", name="Allein")

    text = page_text(owner_client.get("/projekte/"))

    assert "Betreut von" in text
    assert "Pixelwerk +1" in text
    assert "niemand" in text


# --- Changing expiry and scope --------------------------------------------------------------------


def test_owner_extends_shortens_and_removes_the_expiry(owner_client, caretakership, caretaker):
    later = timezone.localdate() + timedelta(days=60)
    response = owner_client.post(expiry_url(caretakership), {f"care{caretakership.pk}-expires_on": later.isoformat()})

    assert response.status_code == 302
    caretakership.refresh_from_db()
    assert last_day(caretakership.expires_at) == later
    entry = AuditEntry.objects.get(action="caretakership.expiry_changed")
    assert (entry.old_value, entry.new_value) == ("unbefristet", f"{later:%d.%m.%Y}")
    assert Notification.objects.get(recipient=caretaker).text.endswith(
        f"hat deine Betreuung von p12345 (Umfang: Technische Verwaltung) geändert: sie gilt jetzt bis {later:%d.%m.%Y}."
    )

    owner_client.post(expiry_url(caretakership), {f"care{caretakership.pk}-expires_on": day(3)})
    caretakership.refresh_from_db()
    assert last_day(caretakership.expires_at) == timezone.localdate() + timedelta(days=3)

    owner_client.post(expiry_url(caretakership), {f"care{caretakership.pk}-expires_on": ""})
    caretakership.refresh_from_db()
    assert caretakership.expires_at is None
    assert AuditEntry.objects.filter(action="caretakership.expiry_changed").count() == 3


def test_removing_the_expiry_says_the_caretakership_now_has_none(owner_client, caretaker, project):
    care = CaretakershipFactory(
        project=project, caretaker=caretaker, expires_at=expiry_from_last_day(date_in(30)), scope=Scope.READ_ONLY
    )

    owner_client.post(expiry_url(care), {f"care{care.pk}-expires_on": ""})

    notification = Notification.objects.get(recipient=caretaker)
    assert notification.kind == "caretakership.expiry_removed"
    assert notification.text.endswith(
        "hat deine Betreuung von p12345 (Umfang: Nur lesen) geändert: sie gilt jetzt unbefristet."
    )
    [email] = outbox_to(caretaker.admin.email)
    assert email.subject.endswith("(Umfang: Nur lesen) geändert: sie gilt jetzt unbefristet")
    assert "bis unbefristet" not in email.body_text


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (day(-1), "Das Ablaufdatum darf nicht in der Vergangenheit liegen."),
        ("morgen", "Bitte ein gültiges Datum angeben"),
        (day(365 * 6), "höchstens fünf Jahre"),
    ],
)
def test_a_bad_expiry_is_refused_at_the_field(owner_client, caretakership, value, message):
    response = owner_client.post(expiry_url(caretakership), {f"care{caretakership.pk}-expires_on": value})

    assert response.status_code == 422
    assert message in page_text(response)
    caretakership.refresh_from_db()
    assert caretakership.expires_at is None
    assert not AuditEntry.objects.filter(action="caretakership.expiry_changed").exists()


def test_owner_changes_the_scope(owner_client, caretakership, caretaker, caretaker_client):
    response = owner_client.post(scope_url(caretakership), {f"care{caretakership.pk}-scope": "read"})

    assert response.status_code == 302
    caretakership.refresh_from_db()
    assert caretakership.scope == Scope.READ_ONLY
    entry = AuditEntry.objects.get(action="caretakership.scope_changed")
    assert (entry.old_value, entry.new_value) == ("Technische Verwaltung", "Nur lesen")
    assert "Nur lesen" in Notification.objects.get(recipient=caretaker).text
    assert caretaker_client.post("/projekte/p12345/php/", {"php_version": "8.1"}).status_code == 403


def test_the_same_scope_twice_changes_nothing(owner_client, caretakership):
    for _ in range(2):
        owner_client.post(scope_url(caretakership), {f"care{caretakership.pk}-scope": "read"})

    assert AuditEntry.objects.filter(action="caretakership.scope_changed").count() == 1


def test_a_scope_that_does_not_exist_is_refused(owner_client, caretakership):
    response = owner_client.post(scope_url(caretakership), {f"care{caretakership.pk}-scope": "admin"})

    assert response.status_code == 422
    caretakership.refresh_from_db()
    assert caretakership.scope == Scope.TECHNICAL


def test_an_ended_caretakership_cannot_be_changed(owner_client, owner, caretakership):
    services.revoke_caretakership(owner=owner, caretakership_id=caretakership.pk)

    expiry = owner_client.post(expiry_url(caretakership), {f"care{caretakership.pk}-expires_on": day(30)})
    scope = owner_client.post(scope_url(caretakership), {f"care{caretakership.pk}-scope": "read"})

    assert expiry.status_code == scope.status_code == 422
    assert "Diese Betreuung ist bereits beendet." in page_text(expiry)
    caretakership.refresh_from_db()
    assert (caretakership.expires_at, caretakership.scope) == (None, Scope.TECHNICAL)


def test_caretaker_cannot_extend_its_own_access_or_change_its_scope(caretaker_client, caretakership):
    expiry = caretaker_client.post(expiry_url(caretakership), {f"care{caretakership.pk}-expires_on": day(300)})
    scope = caretaker_client.post(scope_url(caretakership), {f"care{caretakership.pk}-scope": "technical"})

    assert expiry.status_code == scope.status_code == 403
    caretakership.refresh_from_db()
    assert caretakership.expires_at is None


# --- Scope when granting --------------------------------------------------------------------------


def test_a_release_carries_its_scope_into_the_mail_and_the_caretakership(owner_client, caretaker, project, on_commit):
    with on_commit():
        owner_client.post(
            reverse("contract:release_new"), {"email": caretaker.admin.email, "projects": ["p12345"], "scope": "read"}
        )
    (message,) = mails_to(caretaker.admin.email)
    token = message.body.split("/freigabe/")[1].split("/")[0]

    login(caretaker).post(reverse("release_link_accept", args=[token]))

    assert "Umfang: Nur lesen" in message.body
    assert Caretakership.objects.get(caretaker=caretaker).scope == Scope.READ_ONLY


def test_accepting_a_request_sets_its_scope(owner_client, pending_request, caretaker, on_commit):
    with on_commit():
        owner_client.post(reverse("contract:request_accept", args=[pending_request.pk]), {"scope": "read"})

    assert Caretakership.objects.get(caretaker=caretaker).scope == Scope.READ_ONLY
    assert "Umfang: Nur lesen" in mails_to(caretaker.admin.email)[0].body


def test_the_tab_offers_the_scope_when_accepting(owner_client, pending_request):
    html = page_html(owner_client.get(OVERVIEW))

    assert f'name="scope" id="scope-{pending_request.pk}"' in html
    assert '<option value="read">Nur lesen</option>' in html


def test_owner_decides_a_request_on_the_project_page(owner_client, caretaker, project, on_commit):
    requested = ManagementRequestFactory(project=project, caretaker=caretaker)
    page = owner_client.get(PAGE)
    accept = reverse("contract:request_accept", args=[requested.pk])

    assert f'action="{accept}?next=%2Fprojekte%2Fp12345%2F"' in page.text
    with on_commit():
        response = owner_client.post(f"{accept}?next=/projekte/p12345/", {"scope": "read"})

    assert (response.status_code, response["Location"]) == (302, PAGE)
    assert Caretakership.objects.get(caretaker=caretaker).scope == Scope.READ_ONLY
    assert "Nur lesen" in page_text(owner_client.get(PAGE))


def test_owner_page_speaks_english(owner, caretakership):
    client = login(owner)
    client.cookies["django_language"] = "en"

    text = page_text(client.get(PAGE, headers={"Accept-Language": "en"}))

    assert "Access" in text
    assert "Change expiry date" in text
    assert "Technical administration" in text


def test_a_pending_release_on_the_project_page_can_be_sent_again(owner_client, project, on_commit):
    release = ProjectReleaseFactory(owner=project.owner, projects=[project], email="neu@example.com", scope="read")
    resend = reverse("contract:release_resend", args=[release.pk])

    text = page_text(owner_client.get(PAGE))
    with on_commit():
        response = owner_client.post(f"{resend}?next={PAGE}")

    assert "Nur lesen" in text
    assert (response.status_code, response["Location"]) == (302, PAGE)
    assert len(mails_to("neu@example.com")) == 1


def test_a_caretaker_that_ends_its_care_on_the_project_page_lands_in_its_project_list(caretaker_client, caretakership):
    end = reverse("contract:caretakership_end", args=[caretakership.pk])
    page = page_html(caretaker_client.get(PAGE))

    question = caretaker_client.get(f"{end}?next={PAGE}")
    response = caretaker_client.post(f"{end}?next={PAGE}", follow=True)

    assert f'href="{end}?next={PAGE}"' in page
    assert f'href="{PAGE}"' in page_html(question)  # Abbrechen goes back to the project
    assert response.redirect_chain == [(reverse("projects:list"), 302)]
    assert "Betreuung beendet." in page_text(response)
    assert caretaker_client.get(PAGE).status_code == 404


def test_a_bad_expiry_sent_from_the_project_page_stands_at_its_field(owner_client, caretaker, project):
    requested = ManagementRequestFactory(project=project, caretaker=caretaker)
    accept = f"{reverse('contract:request_accept', args=[requested.pk])}?next={PAGE}"

    response = owner_client.post(accept, {"expires_on": day(-1), "scope": "read"})

    assert response.status_code == 422
    assert "Das Ablaufdatum darf nicht in der Vergangenheit liegen." in page_text(response)
    assert 'aria-invalid="true"' in page_html(response)
    assert f"{caretaker.name_with_number} möchte p12345 technisch betreuen." in page_text(response)
    assert not Caretakership.objects.exists()
    assert f'href="{PAGE}"' in page_html(response)


def test_the_accept_page_of_a_request_is_only_for_its_owner(owner_client, caretaker_client, caretaker, project):
    requested = ManagementRequestFactory(project=project, caretaker=caretaker)
    url = reverse("contract:request_accept", args=[requested.pk])

    assert owner_client.get(url).status_code == 200
    assert caretaker_client.get(url).status_code == 404
    assert owner_client.get(reverse("contract:request_accept", args=[requested.pk + 1000])).status_code == 404


def test_ending_twice_from_the_project_page_still_lands_in_the_project_list(caretaker_client, caretakership):
    end = f"{reverse('contract:caretakership_end', args=[caretakership.pk])}?next={PAGE}"
    caretaker_client.post(end)

    again = caretaker_client.post(end, follow=True)

    assert again.redirect_chain == [(reverse("projects:list"), 302)]
    assert "Diese Betreuung ist bereits beendet." in page_text(again)


def test_a_bad_expiry_on_the_accept_page_stays_there(owner_client, caretaker, project):
    requested = ManagementRequestFactory(project=project, caretaker=caretaker)
    url = reverse("contract:request_accept", args=[requested.pk])
    action = f"{url}?next={OVERVIEW}"

    page = page_html(owner_client.get(url))
    refused = owner_client.post(action, {"expires_on": day(-1)})
    accepted = owner_client.post(action, {"expires_on": day(10), "scope": "read"})

    assert f'action="{action}"' in page
    assert refused.status_code == 422
    assert "Das Ablaufdatum darf nicht in der Vergangenheit liegen." in page_text(refused)
    assert (accepted.status_code, accepted["Location"]) == (302, OVERVIEW)
    assert Caretakership.objects.get(caretaker=caretaker).scope == Scope.READ_ONLY
