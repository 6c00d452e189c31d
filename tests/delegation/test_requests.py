"""Verwaltung beantragen: the caretaker asks, the owner accepts or declines, nothing leaks before."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from delegation import services, sweeper
from delegation.expiry import expiry_from_last_day
from delegation.models import Caretakership, ManagementRequest
from delegation.rules import REQUEST_LIFETIME
from notifications.models import Notification, OutboxEmail
from projects.models import AuditEntry
from tests.conftest import login
from tests.delegation.factories import CaretakershipFactory, ManagementRequestFactory
from tests.delegation.helpers import HX, OVERVIEW, REQUEST_NEW, field_error, mails_to, outbox_to, page_html, page_text
from tests.factories import CustomerFactory, ProjectFactory, ServerFactory


def accept_url(request: ManagementRequest) -> str:
    return reverse("contract:request_accept", args=[request.pk])


def decline_url(request: ManagementRequest) -> str:
    return reverse("contract:request_decline", args=[request.pk])


def withdraw_url(request: ManagementRequest) -> str:
    return reverse("contract:request_withdraw", args=[request.pk])


def nothing_changes():
    """What a refused request must leave untouched."""
    return (
        list(ManagementRequest.objects.values_list("pk", "status")),
        Notification.objects.count(),
        OutboxEmail.objects.count(),
        AuditEntry.objects.count(),
        Caretakership.objects.count(),
    )


# --- Asking -----------------------------------------------------------------------------------


def test_request_creates_pending_request_and_tells_the_owner(caretaker_client, caretaker, owner, project, on_commit):
    with on_commit():
        response = caretaker_client.post(REQUEST_NEW, {"number": "p12345"})

    assert response.status_code == 302
    assert response["Location"] == OVERVIEW
    request = ManagementRequest.objects.get()
    assert (request.project, request.caretaker, request.status) == (project, caretaker, "pending")
    assert abs(request.lapses_at - (timezone.now() + REQUEST_LIFETIME)) < timedelta(minutes=1)

    notification = Notification.objects.get(recipient=owner)
    assert caretaker.name_with_number in notification.text
    assert str(caretaker.number) in notification.text
    assert "p12345" in notification.text
    assert notification.link == OVERVIEW

    [message] = mails_to("owner@example.com")
    assert "beantragt die technische Betreuung von p12345" in message.subject
    assert "Offene Anträge" in message.body
    assert message.alternatives, "e-mails go out as text and HTML"

    entry = AuditEntry.objects.get(action="request.created")
    assert (entry.project, entry.role, entry.actor) == (project, AuditEntry.Role.CARETAKER, caretaker)


def test_request_success_message_after_redirect(caretaker_client, project):
    response = caretaker_client.post(REQUEST_NEW, {"number": "p12345"}, follow=True)

    assert "Antrag für p12345 gestellt. Der Vertragspartner wird benachrichtigt." in page_text(response)


@pytest.mark.parametrize("raw", [" P12345 ", "P12345", "p12345\t", "\np12345"])
def test_request_number_is_normalised(caretaker_client, project, raw):
    response = caretaker_client.post(REQUEST_NEW, {"number": raw})

    assert response.status_code == 302
    assert ManagementRequest.objects.get().project == project


def test_request_with_htmx_returns_the_tab_with_a_notice(caretaker_client, project):
    response = caretaker_client.post(REQUEST_NEW, {"number": "p12345"}, headers=HX)

    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="tab-content"' in response.text
    assert "Antrag für p12345 gestellt." in page_text(response)
    assert ManagementRequest.objects.filter(status="pending").count() == 1


@pytest.mark.parametrize(
    ("number", "error"),
    [
        ("12345", "Bitte eine Projektnummer wie p12345 angeben."),
        ("p12a45", "Bitte eine Projektnummer wie p12345 angeben."),
        ("p", "Bitte eine Projektnummer wie p12345 angeben."),
        ("p12345; DROP", "Bitte eine Projektnummer wie p12345 angeben."),
        ("s123", "Server können nicht betreut werden"),
        (" S4711 ", "Server können nicht betreut werden"),
        ("p99999", "Ein Projekt p99999 gibt es nicht."),
        ("", "Dieses Feld ist zwingend erforderlich."),
    ],
)
def test_bad_number_gets_error_at_field_and_creates_nothing(caretaker_client, project, number, error):
    ServerFactory(number="s123")
    before = nothing_changes()

    response = caretaker_client.post(REQUEST_NEW, {"number": number})

    assert response.status_code == 422
    assert error in field_error(response, "number")
    assert nothing_changes() == before


def test_server_number_of_an_existing_server_is_refused_too(caretaker_client, owner):
    ServerFactory(owner=owner, number="s4711")

    response = caretaker_client.post(REQUEST_NEW, {"number": "s4711"})

    assert response.status_code == 422
    assert "Server können nicht betreut werden" in field_error(response, "number")
    assert not ManagementRequest.objects.exists()


def test_bad_number_with_htmx_re_renders_the_form_in_place(caretaker_client, project):
    response = caretaker_client.post(REQUEST_NEW, {"number": "s123"}, headers=HX)

    assert response.status_code == 422
    assert "<html" not in response.text
    assert "Server können nicht betreut werden" in field_error(response, "number")


def test_owner_cannot_request_own_project(owner_client, project):
    before = nothing_changes()

    response = owner_client.post(REQUEST_NEW, {"number": "p12345"})

    assert response.status_code == 422
    assert "Das ist dein eigenes Projekt" in field_error(response, "number")
    assert nothing_changes() == before


def test_caretaker_cannot_request_a_project_it_already_cares_for(caretaker_client, caretakership):
    before = nothing_changes()

    response = caretaker_client.post(REQUEST_NEW, {"number": "p12345"})

    assert response.status_code == 422
    assert field_error(response, "number") == "Du betreust dieses Projekt bereits."
    assert nothing_changes() == before


def test_caretaker_cannot_request_twice(caretaker_client, pending_request):
    before = nothing_changes()

    response = caretaker_client.post(REQUEST_NEW, {"number": "p12345"})

    assert response.status_code == 422
    assert field_error(response, "number") == "Du hast die Verwaltung dieses Projekts bereits beantragt."
    assert nothing_changes() == before


def test_no_new_request_for_seven_days_after_a_decline(owner, caretaker, project, pending_request):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        login(owner).post(decline_url(pending_request))
        assert ManagementRequest.objects.get().status == "declined"

        clock.shift(timedelta(days=7) - timedelta(minutes=1))
        response = login(caretaker).post(REQUEST_NEW, {"number": "p12345"})
        assert response.status_code == 422
        error = field_error(response, "number")
        assert "Dein letzter Antrag für dieses Projekt wurde abgelehnt." in error
        assert "Ein neuer Antrag ist ab" in error
        assert ManagementRequest.objects.count() == 1

        clock.shift(timedelta(minutes=2))
        response = login(caretaker).post(REQUEST_NEW, {"number": "p12345"})
        assert response.status_code == 302
        assert ManagementRequest.objects.filter(status="pending").count() == 1


def test_withdrawn_request_can_be_asked_again_at_once(caretaker_client, pending_request):
    caretaker_client.post(withdraw_url(pending_request))

    response = caretaker_client.post(REQUEST_NEW, {"number": "p12345"})

    assert response.status_code == 302
    assert ManagementRequest.objects.filter(status="pending").count() == 1


def test_twenty_requests_a_day_per_caretaker(caretaker_client, caretaker, project, settings):
    assert settings.MAX_REQUESTS_PER_CARETAKER_PER_DAY == 20
    for _ in range(20):
        ManagementRequestFactory(caretaker=caretaker)
    before = nothing_changes()

    response = caretaker_client.post(REQUEST_NEW, {"number": "p12345"})

    assert response.status_code == 422
    assert "Du hast heute bereits 20 Anträge gestellt." in field_error(response, "number")
    assert nothing_changes() == before


def test_requests_of_yesterday_do_not_count_towards_the_daily_limit(caretaker_client, caretaker, project):
    yesterday = timezone.now() - timedelta(days=1, minutes=1)
    for _ in range(20):
        ManagementRequestFactory(caretaker=caretaker, created_at=yesterday)

    response = caretaker_client.post(REQUEST_NEW, {"number": "p12345"})

    assert response.status_code == 302


def test_ten_pending_requests_per_project(caretaker_client, project, settings):
    assert settings.MAX_PENDING_REQUESTS_PER_PROJECT == 10
    for _ in range(10):
        ManagementRequestFactory(project=project)
    before = nothing_changes()

    response = caretaker_client.post(REQUEST_NEW, {"number": "p12345"})

    assert response.status_code == 422
    assert field_error(response, "number") == "Für dieses Projekt liegen bereits zu viele offene Anträge vor."
    assert nothing_changes() == before


def test_service_re_checks_the_rules(caretaker, project, pending_request):
    with pytest.raises(services.DelegationError, match="bereits beantragt"):
        services.request_management(caretaker=caretaker, project=project)

    assert ManagementRequest.objects.count() == 1


# --- Nothing about the owner before acceptance ------------------------------------------------


@pytest.fixture
def private_owner(owner):
    owner.first_name, owner.last_name = "Erika", "Mustermann"
    owner.save()
    return owner


def owner_secrets(owner) -> list[str]:
    return ["Bäckerei Sonnenschein", "Erika", "Mustermann", "owner@example.com", str(owner.number), "Hauptseite"]


def caretaker_sees(client, caretaker) -> str:
    """Everything the caretaker can read about its requests: tab, notifications, e-mails."""
    parts = [
        page_text(client.get(OVERVIEW)),
        page_text(client.get(OVERVIEW, headers=HX)),
        page_text(client.get(reverse("notifications:list"))),
        page_text(client.get(reverse("projects:list"))),
        page_text(client.get("/projekte/p12345/")),
    ]
    for email in outbox_to(caretaker.admin.email):
        parts += [email.subject, email.body_text, email.body_html]
    for message in mails_to(caretaker.admin.email):
        parts += [message.subject, message.body]
    return "\n".join(parts)


def assert_nothing_about_owner(text: str, owner) -> None:
    leaked = [secret for secret in owner_secrets(owner) if secret in text]
    assert leaked == []


def test_caretaker_learns_nothing_about_owner_before_acceptance(
    caretaker_client, caretaker, private_owner, project, on_commit
):
    with on_commit():
        caretaker_client.post(REQUEST_NEW, {"number": "p12345"})
        refused = caretaker_client.post(REQUEST_NEW, {"number": "p12345"})

    text = caretaker_sees(caretaker_client, caretaker)
    assert "p12345" in text
    assert "wartet auf den Vertragspartner" in text
    assert_nothing_about_owner(text + page_text(refused), private_owner)


@pytest.mark.parametrize("outcome", ["declined", "withdrawn", "lapsed", "staff"])
def test_caretaker_learns_nothing_about_owner_when_request_ends_without_acceptance(
    caretaker_client, caretaker, private_owner, project, staff, on_commit, outcome
):
    with on_commit():
        caretaker_client.post(REQUEST_NEW, {"number": "p12345"})
        request = ManagementRequest.objects.get()
        if outcome == "declined":
            services.decline_request(owner=private_owner, request_id=request.pk)
        elif outcome == "withdrawn":
            services.withdraw_request(caretaker=caretaker, request_id=request.pk)
        elif outcome == "lapsed":
            sweeper.sweep(timezone.now() + REQUEST_LIFETIME + timedelta(seconds=1))
        else:
            services.staff_end_request(staff=staff, request_id=request.pk)
        again = caretaker_client.post(REQUEST_NEW, {"number": "p12345"})

    assert ManagementRequest.objects.get(pk=request.pk).status == outcome
    text = caretaker_sees(caretaker_client, caretaker)
    assert "p12345" in text
    assert_nothing_about_owner(text + page_text(again), private_owner)


def test_caretaker_learns_the_owner_once_accepted(caretaker_client, caretaker, private_owner, pending_request):
    services.accept_request(owner=private_owner, request_id=pending_request.pk, expires_at=None)

    text = page_text(caretaker_client.get(OVERVIEW))

    assert "Bäckerei Sonnenschein" in text
    assert str(private_owner.number) in text


# --- Answering --------------------------------------------------------------------------------


def test_owner_sees_incoming_request_with_the_caretaker(owner_client, caretaker, pending_request):
    response = owner_client.get(OVERVIEW)

    text = page_text(response)
    assert "Anträge von Technischen Betreuern für deine Projekte" in text
    assert caretaker.display_name in text
    assert str(caretaker.number) in text
    assert accept_url(pending_request) in page_html(response)
    assert decline_url(pending_request) in page_html(response)


def test_owner_accepts_with_expiry_date(owner_client, owner, caretaker, project, pending_request, on_commit):
    last_day = timezone.localdate() + timedelta(days=90)

    with on_commit():
        response = owner_client.post(accept_url(pending_request), {"expires_on": last_day.isoformat()})

    assert response.status_code == 302
    pending_request.refresh_from_db()
    assert pending_request.status == "accepted"
    assert pending_request.decided_at is not None
    care = Caretakership.objects.get()
    assert (care.project, care.caretaker, care.source) == (project, caretaker, "request")
    assert care.expires_at == expiry_from_last_day(last_day)
    assert care.is_active

    notification = Notification.objects.get(recipient=caretaker)
    assert "Dein Antrag für p12345 wurde angenommen" in notification.text
    assert notification.link == "/projekte/p12345/"
    [message] = mails_to("agentur@example.com")
    assert "angenommen" in message.subject
    assert f"Betreuung bis: {last_day:%d.%m.%Y}" in message.body
    assert str(owner.number) in message.body

    actions = set(AuditEntry.objects.filter(project=project).values_list("action", flat=True))
    assert {"request.accepted", "caretakership.started"} <= actions
    assert login(caretaker).get("/projekte/p12345/").status_code == 200


def test_owner_accepts_without_expiry_date(owner_client, pending_request):
    response = owner_client.post(accept_url(pending_request), {"expires_on": ""})

    assert response.status_code == 302
    assert Caretakership.objects.get().expires_at is None


def test_owner_accepts_with_todays_date_for_access_through_today(owner_client, pending_request):
    today = timezone.localdate()

    owner_client.post(accept_url(pending_request), {"expires_on": today.isoformat()})

    care = Caretakership.objects.get()
    assert care.is_active
    assert timezone.localtime(care.expires_at).date() == today + timedelta(days=1)


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("yesterday", "Das Ablaufdatum darf nicht in der Vergangenheit liegen."),
        ("31.02.2030", "Bitte ein gültiges Datum angeben"),
        ("kein Datum", "Bitte ein gültiges Datum angeben"),
        ("in six years", "höchstens fünf Jahre"),
    ],
)
def test_accept_with_bad_expiry_date_changes_nothing(owner_client, pending_request, value, error):
    today = timezone.localdate()
    value = {
        "yesterday": (today - timedelta(days=1)).isoformat(),
        "in six years": (today + timedelta(days=6 * 366)).isoformat(),
    }.get(value, value)
    before = nothing_changes()

    response = owner_client.post(accept_url(pending_request), {"expires_on": value})

    assert response.status_code == 422
    assert error in page_text(response)
    assert f'id="expires-{pending_request.pk}-error"' in response.text
    assert nothing_changes() == before


def test_owner_declines_and_caretaker_is_told(owner_client, caretaker, project, pending_request, on_commit):
    with on_commit():
        response = owner_client.post(decline_url(pending_request))

    assert response.status_code == 302
    pending_request.refresh_from_db()
    assert pending_request.status == "declined"
    assert not Caretakership.objects.exists()
    assert Notification.objects.get(recipient=caretaker).text == "Dein Antrag für p12345 wurde abgelehnt."
    [message] = mails_to("agentur@example.com")
    assert "abgelehnt" in message.subject
    entry = AuditEntry.objects.get(action="request.declined")
    assert (entry.role, entry.project) == (AuditEntry.Role.OWNER, project)


def test_caretaker_withdraws_and_owner_is_told(caretaker_client, caretaker, owner, project, pending_request, on_commit):
    with on_commit():
        response = caretaker_client.post(withdraw_url(pending_request))

    assert response.status_code == 302
    pending_request.refresh_from_db()
    assert pending_request.status == "withdrawn"
    notification = Notification.objects.get(recipient=owner)
    assert "hat den Antrag für p12345 zurückgezogen" in notification.text
    [message] = mails_to("owner@example.com")
    assert "zurückgezogen" in message.subject
    entry = AuditEntry.objects.get(action="request.withdrawn")
    assert (entry.role, entry.actor) == (AuditEntry.Role.CARETAKER, caretaker)


@pytest.mark.parametrize("who", ["caretaker", "outsider"])
def test_only_the_owner_decides(who, caretaker, outsider, pending_request):
    client = login({"caretaker": caretaker, "outsider": outsider}[who])
    before = nothing_changes()

    assert client.post(accept_url(pending_request)).status_code == 404
    assert client.post(decline_url(pending_request)).status_code == 404
    assert nothing_changes() == before


@pytest.mark.parametrize("who", ["owner", "outsider"])
def test_only_the_caretaker_withdraws(who, owner, outsider, pending_request):
    before = nothing_changes()

    response = login({"owner": owner, "outsider": outsider}[who]).post(withdraw_url(pending_request))

    assert response.status_code == 404
    assert nothing_changes() == before


def test_get_never_decides(owner_client, caretaker_client, pending_request):
    # Accepting has a page of its own; declining and withdrawing ask first: a GET shows the page
    # or the question and changes nothing.
    assert owner_client.get(accept_url(pending_request)).status_code == 200
    assert owner_client.get(decline_url(pending_request)).status_code == 200
    assert caretaker_client.get(withdraw_url(pending_request)).status_code == 200
    pending_request.refresh_from_db()
    assert pending_request.status == "pending"


def test_decided_request_cannot_be_decided_again(owner_client, caretaker_client, pending_request):
    owner_client.post(decline_url(pending_request))
    before = nothing_changes()

    response = owner_client.post(accept_url(pending_request), follow=True)
    withdrawn = caretaker_client.post(withdraw_url(pending_request), headers=HX)

    assert "Dieser Antrag ist nicht mehr offen." in page_text(response)
    assert withdrawn.status_code == 409
    assert "Dieser Antrag ist nicht mehr offen." in page_text(withdrawn)
    assert nothing_changes() == before


# --- Lapsing ----------------------------------------------------------------------------------


def test_request_lapses_after_thirty_days(owner, caretaker, project, pending_request):
    with time_machine.travel(pending_request.lapses_at + timedelta(seconds=1), tick=False):
        response = login(owner).post(accept_url(pending_request), follow=True)
        assert "Dieser Antrag ist nicht mehr offen." in page_text(response)
        assert not Caretakership.objects.exists()
        assert pending_request.pk not in [r.pk for r in login(owner).get(OVERVIEW).context["incoming_requests"].rows]

        result = sweeper.sweep()

    assert result["lapsed_requests"] == 1
    pending_request.refresh_from_db()
    assert pending_request.status == "lapsed"
    assert "verfallen" in Notification.objects.get(recipient=caretaker).text
    entry = AuditEntry.objects.get(action="request.lapsed")
    assert entry.role == AuditEntry.Role.SYSTEM


def test_request_does_not_lapse_before_thirty_days(pending_request):
    result = sweeper.sweep(pending_request.lapses_at - timedelta(seconds=1))

    assert result["lapsed_requests"] == 0
    pending_request.refresh_from_db()
    assert pending_request.status == "pending"


def test_lapsed_but_unswept_request_does_not_block_a_new_one(caretaker_client, caretaker, project):
    old = ManagementRequestFactory(
        caretaker=caretaker, project=project, created_at=timezone.now() - REQUEST_LIFETIME - timedelta(days=2)
    )

    response = caretaker_client.post(REQUEST_NEW, {"number": "p12345"})

    assert response.status_code == 302
    old.refresh_from_db()
    assert old.status == "lapsed"
    assert old.decided_at is not None
    assert ManagementRequest.objects.filter(status="pending").count() == 1
    # The sweeper will not see this request any more, so its lapse is recorded here.
    lapsed = AuditEntry.objects.get(action="request.lapsed")
    assert (lapsed.role, lapsed.subject) == (AuditEntry.Role.SYSTEM, caretaker.display_name)


def test_request_for_a_project_of_another_caretaker_is_fine(caretaker_client, project):
    CaretakershipFactory(project=project, caretaker=CustomerFactory())

    response = caretaker_client.post(REQUEST_NEW, {"number": "p12345"})

    assert response.status_code == 302


def test_two_caretakers_may_request_the_same_project(caretaker_client, project):
    ManagementRequestFactory(project=project)

    response = caretaker_client.post(REQUEST_NEW, {"number": "p12345"})

    assert response.status_code == 302
    assert ManagementRequest.objects.filter(project=project, status="pending").count() == 2


def test_foreign_project_number_in_request_reveals_only_that_it_exists(caretaker_client, outsider):
    ProjectFactory(owner=outsider, number="p77777", name="Geheimprojekt")

    caretaker_client.post(REQUEST_NEW, {"number": "p77777"})
    text = page_text(caretaker_client.get(OVERVIEW))

    assert "p77777" in text
    assert "Geheimprojekt" not in text
    assert "outsider@example.com" not in text
