"""Support staff: find caretakerships, requests and releases; end or resend them, audited as staff."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from customercenter.tokens import hash_token
from delegation.models import Caretakership, ManagementRequest, ProjectRelease
from notifications.models import Notification, OutboxEmail
from projects.models import AuditEntry
from tests.delegation.factories import CaretakershipFactory, ManagementRequestFactory, ProjectReleaseFactory
from tests.delegation.helpers import page_text
from tests.factories import CustomerFactory, ProjectFactory

CARETAKERSHIPS = "/admin/delegation/caretakership/"
REQUESTS = "/admin/delegation/managementrequest/"
RELEASES = "/admin/delegation/projectrelease/"


@pytest.fixture
def landscape(owner, project, caretaker, outsider):
    """The personas' caretakership, request and release, and one of each between strangers."""
    other_owner = CustomerFactory(admin__email="fremd@example.com")
    other_project = ProjectFactory(owner=other_owner, number="p77777")
    return {
        "care": CaretakershipFactory(project=project, caretaker=caretaker),
        "other_care": CaretakershipFactory(project=other_project, caretaker=outsider),
        "request": ManagementRequestFactory(project=project, caretaker=outsider),
        "other_request": ManagementRequestFactory(project=other_project, caretaker=caretaker),
        "release": ProjectReleaseFactory(owner=owner, email="neu@example.com", projects=[project], token="alt"),
        "other_release": ProjectReleaseFactory(owner=other_owner, email="x@example.com", projects=[other_project]),
    }


def found(staff_client, url: str, **params) -> set[int]:
    response = staff_client.get(url, params)
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


@pytest.mark.parametrize("url", [CARETAKERSHIPS, REQUESTS, RELEASES])
def test_staff_opens_the_lists_and_a_customer_cannot(staff_client, owner_client, landscape, url):
    assert staff_client.get(url).status_code == 200
    assert owner_client.get(url).status_code == 302


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("p12345", {"care"}),
        ("P12345", {"care"}),
        ("owner", {"care"}),
        ("owner@example.com", {"care"}),
        ("agentur@example.com", {"care"}),
        ("outsider@example.com", {"other_care"}),
        ("p77777", {"other_care"}),
    ],
)
def test_caretakerships_found_by_number_and_email(staff_client, landscape, term, expected):
    assert found(staff_client, CARETAKERSHIPS, q=term) == {landscape[key].pk for key in expected}


def test_caretakerships_found_by_customer_numbers(staff_client, landscape, owner, caretaker, outsider):
    assert found(staff_client, CARETAKERSHIPS, q=str(owner.number)) == {landscape["care"].pk}
    assert found(staff_client, CARETAKERSHIPS, q=str(caretaker.number)) == {landscape["care"].pk}
    assert found(staff_client, CARETAKERSHIPS, q=str(outsider.number)) == {landscape["other_care"].pk}


def test_caretakerships_filtered_by_state(staff_client, landscape):
    landscape["other_care"].ended_at = timezone.now()
    landscape["other_care"].save()
    expired = CaretakershipFactory(expires_at=timezone.now() - timedelta(days=1))

    assert found(staff_client, CARETAKERSHIPS, state="active") == {landscape["care"].pk}
    assert found(staff_client, CARETAKERSHIPS, state="ended") == {landscape["other_care"].pk, expired.pk}


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("p12345", {"request"}),
        ("outsider@example.com", {"request"}),
        ("owner@example.com", {"request"}),
        ("agentur@example.com", {"other_request"}),
        ("p77777", {"other_request"}),
    ],
)
def test_requests_found_by_number_and_email(staff_client, landscape, term, expected):
    assert found(staff_client, REQUESTS, q=term) == {landscape[key].pk for key in expected}


def test_requests_found_by_customer_numbers_and_filtered_by_status(staff_client, landscape, owner, caretaker):
    landscape["other_request"].status = ManagementRequest.Status.DECLINED
    landscape["other_request"].save()

    assert found(staff_client, REQUESTS, q=str(owner.number)) == {landscape["request"].pk}
    assert found(staff_client, REQUESTS, q=str(caretaker.number)) == {landscape["other_request"].pk}
    assert found(staff_client, REQUESTS, status="pending") == {landscape["request"].pk}
    assert found(staff_client, REQUESTS, status="declined") == {landscape["other_request"].pk}


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("p12345", {"release"}),
        ("neu@example.com", {"release"}),
        ("owner@example.com", {"release"}),
        ("x@example.com", {"other_release"}),
    ],
)
def test_releases_found_by_number_and_email(staff_client, landscape, term, expected):
    assert found(staff_client, RELEASES, q=term) == {landscape[key].pk for key in expected}


def test_releases_found_by_owner_number_and_filtered_by_status(staff_client, landscape, owner):
    landscape["other_release"].status = ProjectRelease.Status.LAPSED
    landscape["other_release"].save()

    assert found(staff_client, RELEASES, q=str(owner.number)) == {landscape["release"].pk}
    assert found(staff_client, RELEASES, status="pending") == {landscape["release"].pk}
    assert found(staff_client, RELEASES, status="lapsed") == {landscape["other_release"].pk}


def test_release_page_never_shows_the_token_hash(staff_client, landscape):
    release = landscape["release"]

    response = staff_client.get(f"{RELEASES}{release.pk}/change/")

    assert response.status_code == 200
    assert release.token_hash not in response.text
    assert "p12345" in page_text(response)


def run_action(staff_client, url: str, action: str, *objects, **data):
    selected = {"action": action, "_selected_action": [obj.pk for obj in objects]}
    return staff_client.post(url, {**selected, **data}, follow=True)


REASON = {"reason": "Der Vertrag des Betreuers wurde gekündigt."}


def test_staff_ends_a_caretakership(staff_client, staff, landscape, owner, caretaker, on_commit):
    care = landscape["care"]

    with on_commit():
        response = run_action(staff_client, CARETAKERSHIPS, "end_by_staff", care, **REASON)

    assert "1 Betreuung beendet." in page_text(response)
    care.refresh_from_db()
    assert care.end_reason == "staff"
    assert care.ended_at is not None
    entry = AuditEntry.objects.get(action="caretakership.ended_by_staff")
    assert (entry.role, entry.actor_user, entry.actor, entry.project) == ("staff", staff, None, care.project)
    assert care.end_note == REASON["reason"]
    for customer in (owner, caretaker):
        text = Notification.objects.get(recipient=customer).text
        assert text.startswith("Der Support hat die Betreuung von p12345")
        assert text.endswith("beendet. Grund: Der Vertrag des Betreuers wurde gekündigt.")
    mails = OutboxEmail.objects.filter(to__in=["owner@example.com", "agentur@example.com"])
    assert mails.count() == 2
    assert all(mail.subject.endswith("Grund: Der Vertrag des Betreuers wurde gekündigt") for mail in mails)
    assert all(REASON["reason"] in mail.body_text for mail in mails)
    assert Caretakership.objects.get(pk=landscape["other_care"].pk).ended_at is None


def test_staff_ending_an_ended_caretakership_warns(staff_client, landscape):
    care = landscape["care"]
    run_action(staff_client, CARETAKERSHIPS, "end_by_staff", care, **REASON)

    response = run_action(staff_client, CARETAKERSHIPS, "end_by_staff", care, **REASON)

    assert "Diese Betreuung ist bereits beendet." in page_text(response)
    assert AuditEntry.objects.filter(action="caretakership.ended_by_staff").count() == 1


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_staff_must_give_a_reason_to_end_a_caretakership(staff_client, landscape, reason):
    care = landscape["care"]
    data = {} if reason is None else {"reason": reason}

    response = run_action(staff_client, CARETAKERSHIPS, "end_by_staff", care, **data)

    assert "Begründung" in page_text(response)
    care.refresh_from_db()
    assert care.ended_at is None
    assert not AuditEntry.objects.filter(action="caretakership.ended_by_staff").exists()


def test_staff_resends_a_release_link(staff_client, staff, landscape):
    release = landscape["release"]

    response = run_action(staff_client, RELEASES, "resend_by_staff", release)

    assert "1 Link neu gesendet." in page_text(response)
    release.refresh_from_db()
    assert release.token_hash != hash_token("alt")
    assert OutboxEmail.objects.filter(to="neu@example.com").count() == 1
    entry = AuditEntry.objects.get(action="release.resent")
    assert (entry.role, entry.actor_user, entry.project.number) == ("staff", staff, "p12345")


def test_staff_ends_a_request(staff_client, staff, landscape, outsider):
    request = landscape["request"]

    response = run_action(staff_client, REQUESTS, "end_by_staff", request)

    assert "1 Antrag beendet." in page_text(response)
    request.refresh_from_db()
    assert request.status == "staff"
    entry = AuditEntry.objects.get(action="request.ended_by_staff")
    assert (entry.role, entry.actor_user) == ("staff", staff)
    assert "Der Support hat deinen Antrag für p12345 beendet." in Notification.objects.get(recipient=outsider).text


def test_staff_cannot_add_or_delete_delegation_rows(staff_client, landscape):
    assert staff_client.get(f"{CARETAKERSHIPS}add/").status_code == 403
    assert staff_client.get(f"{CARETAKERSHIPS}{landscape['care'].pk}/delete/").status_code == 403
    assert Caretakership.objects.count() == 2
