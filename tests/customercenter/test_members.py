"""Members of a customer account: roles, the active account, invitations and the last administrator.

Personas besides the suite's: `lena` (Technik at the agency `caretaker`, with an own account too),
`bea` (Buchhaltung at `owner`) and `tom` (Technik at `owner`).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from customercenter.models import Invitation, Membership, Role
from customercenter.roles import Action
from delegation import services as delegation
from delegation import sweeper
from delegation.models import Caretakership, ProjectRelease
from notifications.models import Notification
from notifications.services import notify
from projects.models import AuditEntry
from tests.conftest import login
from tests.delegation.helpers import field_error, mails_to, page_text
from tests.factories import CustomerFactory, MembershipFactory, ProjectFactory, UserFactory

MEMBERS = reverse("contract:members")


@pytest.fixture
def lena(caretaker):
    person = UserFactory(email="lena@pixelwerk.example", name="Lena Pixel")
    MembershipFactory(user=person, customer=caretaker, role=Role.TECHNIK)
    CustomerFactory(admin=person, company="Lena privat")
    return person


@pytest.fixture
def bea(owner):
    person = UserFactory(email="bea@example.com", name="Bea Buch")
    MembershipFactory(user=person, customer=owner, role=Role.BUCHHALTUNG)
    return person


@pytest.fixture
def tom(owner):
    person = UserFactory(email="tom@example.com", name="Tom Technik")
    MembershipFactory(user=person, customer=owner, role=Role.TECHNIK)
    return person


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """`with sent(): ...` runs the commit hooks, so mail queued in the outbox reaches
    `mail.outbox` (the test database never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def switch_to(client, customer):
    return client.post(reverse("switch_account"), {"customer": str(customer.number)})


# Roles -----------------------------------------------------------------------------------------


def test_technik_sees_projects_but_not_contract_data_or_invoices(project, tom):
    client = login(tom)

    assert client.get(reverse("projects:detail", args=["p12345"])).status_code == 200
    refused = client.get(reverse("contract:invoices"))
    assert refused.status_code == 403
    assert "nur die Rollen Administrator und Buchhaltung" in page_text(refused)
    assert client.get(reverse("contract:master_data")).status_code == 403


def test_technik_cannot_order_and_is_told_why(project, tom):
    response = login(tom).post(reverse("projects:order_ssl", args=["p12345"]), {"domain": "sonnenschein.de"})

    assert response.status_code == 403
    assert "Bestellungen geben nur Administratoren des Kontos auf." in page_text(response)


def test_buchhaltung_sees_invoices_but_no_projects(project, bea):
    client = login(bea)

    assert client.get(reverse("contract:invoices")).status_code == 200
    refused = client.get(reverse("projects:detail", args=["p12345"]))
    assert refused.status_code == 403
    assert "Projekte und Tickets sind Sache der Rollen Administrator und Technik." in page_text(refused)
    assert client.get(reverse("tickets:list")).status_code == 403
    assert client.get(reverse("home"))["Location"] == reverse("contract:master_data")


def test_contract_tabs_say_why_a_role_may_not_enter(tom):
    response = login(tom).get(reverse("contract:caretakers"))

    html = response.content.decode()
    assert 'aria-disabled="true"' in html
    assert "Mitglieder verwalten nur Administratoren des Kontos." in page_text(response)


def test_technik_of_the_owner_may_release_only_when_the_account_allows_it(owner, project, tom, caretaker):
    client = login(tom)
    data = {"email": "agentur@example.com", "projects": ["p12345"]}

    refused = client.post(reverse("contract:release_new"), data)
    assert refused.status_code == 403
    assert "ein Administrator kann es der Rolle Technik erlauben" in page_text(refused)
    assert not ProjectRelease.objects.exists()

    login(owner).post(reverse("contract:technik_setting"), {"technik_may_decide": "on"})
    assert client.post(reverse("contract:release_new"), data).status_code == 302
    assert ProjectRelease.objects.count() == 1


def test_technik_setting_is_for_administrators_only(owner, tom):
    assert login(tom).post(reverse("contract:technik_setting"), {"technik_may_decide": "on"}).status_code == 403
    owner.refresh_from_db()
    assert owner.technik_may_decide is False


# The active account ----------------------------------------------------------------------------


def test_a_person_with_two_accounts_switches_between_them(caretaker, lena, project):
    Caretakership.objects.create(project=project, owner_number=project.owner.number, caretaker=caretaker)
    own = Membership.objects.get(user=lena, role=Role.ADMINISTRATOR).customer
    ProjectFactory(owner=own, number="p77777")
    client = login(lena)

    page = client.get(reverse("projects:list"))
    assert 'name="customer"' in page.content.decode()
    assert switch_to(client, caretaker).status_code == 302
    assert client.get(reverse("projects:detail", args=["p12345"])).status_code == 200
    assert client.get(reverse("projects:detail", args=["p77777"])).status_code == 404
    assert client.get(reverse("contract:invoices")).status_code == 403

    switch_to(client, own)
    assert client.get(reverse("projects:detail", args=["p77777"])).status_code == 200
    assert client.get(reverse("projects:detail", args=["p12345"])).status_code == 404
    assert client.get(reverse("contract:invoices")).status_code == 200


def test_switching_to_an_account_one_does_not_belong_to_is_404(lena, outsider):
    client = login(lena)
    before = client.session.get("active_customer")

    assert switch_to(client, outsider).status_code == 404
    assert client.post(reverse("switch_account"), {"customer": "kaputt"}).status_code == 404
    assert client.session.get("active_customer") == before


def test_one_account_shows_no_switcher(owner_client):
    assert 'name="customer"' not in owner_client.get(reverse("projects:list")).content.decode()


def test_a_removed_member_loses_access_on_its_next_request(owner, project, tom):
    client = login(tom)
    assert client.get(reverse("projects:detail", args=["p12345"])).status_code == 200

    Membership.objects.filter(user=tom).delete()

    assert client.get(reverse("projects:detail", args=["p12345"])).status_code == 403
    assert client.get(reverse("projects:list")).status_code == 403


def test_a_removed_member_with_another_account_falls_back_to_it(caretaker, lena, project):
    Caretakership.objects.create(project=project, owner_number=project.owner.number, caretaker=caretaker)
    client = login(lena)
    switch_to(client, caretaker)

    Membership.objects.filter(user=lena, customer=caretaker).delete()

    assert client.get(reverse("projects:detail", args=["p12345"])).status_code == 404


# The person in the history ---------------------------------------------------------------------


def test_history_names_the_person_its_account_and_role(owner, project, caretaker, lena):
    caretaker.company, caretaker.first_name, caretaker.last_name = "Webagentur Pixelwerk", "", ""
    caretaker.save()
    Caretakership.objects.create(project=project, owner_number=owner.number, caretaker=caretaker)
    client = login(lena)
    switch_to(client, caretaker)

    client.post(reverse("projects:php_version", args=["p12345"]), {"php_version": "8.4"})

    entry = AuditEntry.objects.get(action="php_version.changed")
    assert (entry.actor, entry.actor_user) == (caretaker, lena)
    history = page_text(login(owner).get(reverse("projects:detail", args=["p12345"])))
    expected = f"Lena Pixel (Webagentur Pixelwerk, {caretaker.number}) als Technischer Betreuer von p12345"
    assert expected in history


# Notifications ---------------------------------------------------------------------------------


def unread_badge(client) -> str:
    match = re.search(r'class="badge badge-unread">(\d+)', client.get(reverse("contract:caretakers")).text)
    return match.group(1) if match else "0"


def test_a_request_to_decide_is_not_told_to_technik_that_may_not_decide_it(owner, project, caretaker, tom, bea, sent):
    with sent():
        login(caretaker).post(reverse("contract:request_new"), {"number": "p12345"})

    assert len(mails_to("owner@example.com")) == 1
    assert mails_to("tom@example.com") == []
    assert mails_to("bea@example.com") == []
    technik = login(tom)
    assert "beantragt die technische Betreuung" not in page_text(technik.get(reverse("notifications:list")))
    assert unread_badge(technik) == "0"
    assert unread_badge(login(owner)) == "1"


def test_where_technik_may_decide_it_is_told_each_in_its_language(owner, project, caretaker, tom, bea, sent):
    owner.technik_may_decide = True
    owner.save()
    tom.language = "en"
    tom.save()

    with sent():
        login(caretaker).post(reverse("contract:request_new"), {"number": "p12345"})

    assert len(mails_to("owner@example.com")) == 1
    [english] = mails_to("tom@example.com")
    assert "is requesting technical care of p12345" in english.subject
    assert mails_to("bea@example.com") == []
    assert "beantragt die technische Betreuung" in page_text(login(tom).get(reverse("notifications:list")))


def test_what_a_caretaker_is_told_goes_to_its_technik_too(owner, project, caretaker, lena, sent):
    request = delegation.request_management(caretaker=caretaker, project=project)

    with sent():
        delegation.accept_request(owner=owner, request_id=request.pk, expires_at=None)

    assert len(mails_to("lena@pixelwerk.example")) == 1
    assert len(mails_to("agentur@example.com")) == 1


def test_the_sweeps_digests_follow_the_roles_too(owner, project, caretaker, tom, lena, sent):
    Caretakership.objects.create(
        project=project,
        owner_number=owner.number,
        caretaker=caretaker,
        expires_at=timezone.now() + timedelta(days=3),
    )

    with sent():
        sweeper.remind_expiring(timezone.now())

    assert len(mails_to("owner@example.com")) == 1
    assert mails_to("tom@example.com") == []
    assert len(mails_to("lena@pixelwerk.example")) == 1
    assert len(mails_to("agentur@example.com")) == 1


def test_contract_notices_go_to_administrators_and_buchhaltung_only(owner, tom, bea, sent):
    with sent():
        # There is no invoice notice yet; any kind shows that `concerns` alone decides who is told.
        notify(recipient=owner, concerns=Action.CONTRACT, kind="request.declined", params={"project": "p10001"})
    told = "Dein Antrag für p10001 wurde abgelehnt."

    assert len(mails_to("owner@example.com")) == 1
    assert len(mails_to("bea@example.com")) == 1
    assert mails_to("tom@example.com") == []
    assert told in page_text(login(bea).get(reverse("notifications:list")))
    assert told not in page_text(login(tom).get(reverse("notifications:list")))


REQUEST = {"caretaker": "Webagentur Pixelwerk", "project": "p10001"}


def test_marking_all_read_leaves_what_the_member_does_not_see(owner, tom):
    notify(recipient=owner, concerns=Action.RELEASE, kind="request.created", params=REQUEST, email=False)
    notify(
        recipient=owner, concerns=Action.PROJECTS, kind="request.declined", params={"project": "p10001"}, email=False
    )

    login(tom).post(reverse("notifications:mark_all_read"))

    unread = Notification.objects.filter(recipient=owner, read_at__isnull=True)
    assert list(unread.values_list("kind", flat=True)) == ["request.created"]


# Invitations -----------------------------------------------------------------------------------


def invite(client, email="neu@example.com", role=Role.TECHNIK):
    return client.post(MEMBERS, {"email": email, "role": role})


def link_of(message) -> str:
    return re.search(r"/einladung/([\w-]+)/", message.body).group(1)


def test_an_invitation_is_mailed_with_a_link_stored_only_as_a_hash(owner_client, sent):
    with sent():
        assert invite(owner_client).status_code == 302

    [message] = mails_to("neu@example.com")
    token = link_of(message)
    invitation = Invitation.objects.get()
    assert invitation.role == Role.TECHNIK and invitation.status == Invitation.Status.PENDING
    assert token not in invitation.token_hash


def test_the_invited_person_accepts_with_a_post_and_joins_with_the_role(owner, owner_client, project, sent):
    with sent():
        invite(owner_client, "neu@example.com", Role.TECHNIK)
    token = link_of(mails_to("neu@example.com")[0])
    person = UserFactory(email="neu@example.com")
    client = login(person)

    assert client.get(reverse("invitation", args=[token])).status_code == 200
    assert not Membership.objects.filter(user=person).exists()
    assert client.post(reverse("invitation_accept", args=[token])).status_code == 302

    assert Membership.objects.get(user=person).role == Role.TECHNIK
    assert client.get(reverse("projects:detail", args=["p12345"])).status_code == 200
    again = client.post(reverse("invitation_accept", args=[token]))
    assert again.status_code == 409
    assert "bereits angenommen" in page_text(again)


def test_an_invitation_is_bound_to_the_invited_verified_address(owner_client, outsider, sent):
    with sent():
        invite(owner_client, "neu@example.com")
    token = link_of(mails_to("neu@example.com")[0])
    unverified = UserFactory(email="neu@example.com", verified=False)

    wrong = login(outsider).post(reverse("invitation_accept", args=[token]))
    assert wrong.status_code == 409
    assert "an neu@example.com gesendet, du bist als outsider@example.com angemeldet" in page_text(wrong)
    assert login(unverified).post(reverse("invitation_accept", args=[token])).status_code == 409
    assert Invitation.objects.get().status == Invitation.Status.PENDING
    assert not Membership.objects.filter(user__in=[unverified, outsider.admin], role=Role.TECHNIK).exists()


def test_an_expired_invitation_cannot_be_accepted(owner_client, sent):
    with sent():
        invite(owner_client)
    token = link_of(mails_to("neu@example.com")[0])
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    response = login(UserFactory(email="neu@example.com")).post(reverse("invitation_accept", args=[token]))

    assert response.status_code == 409
    assert "abgelaufen" in page_text(response)
    assert Membership.objects.count() == 1


def test_resending_an_invitation_kills_the_old_link(owner_client, sent):
    with sent():
        invite(owner_client)
    old = link_of(mails_to("neu@example.com")[0])
    invitation = Invitation.objects.get()

    with sent():
        owner_client.post(reverse("contract:invitation_resend", args=[invitation.pk]))

    new = link_of(mails_to("neu@example.com")[1])
    person = login(UserFactory(email="neu@example.com"))
    assert person.post(reverse("invitation_accept", args=[old])).status_code == 404
    assert person.post(reverse("invitation_accept", args=[new])).status_code == 302


def test_inviting_a_member_again_is_refused_at_the_field(owner_client, tom):
    response = invite(owner_client, "TOM@example.com")

    assert response.status_code == 422
    assert field_error(response, "email") == "tom@example.com ist bereits Mitglied dieses Kontos."
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_a_role_that_does_not_exist_is_refused(owner_client, owner, tom):
    response = invite(owner_client, role="chef")
    assert response.status_code == 422
    assert field_error(response, "role") == "Diese Rolle gibt es nicht."
    assert not Invitation.objects.exists()

    membership = Membership.objects.get(user=tom)
    changed = owner_client.post(reverse("contract:member_role", args=[membership.pk]), {"role": "chef"})
    assert changed.status_code == 422
    assert "Diese Rolle gibt es nicht." in page_text(changed)
    membership.refresh_from_db()
    assert membership.role == Role.TECHNIK


def test_only_administrators_manage_members(tom, bea):
    assert login(tom).get(MEMBERS).status_code == 403
    assert invite(login(bea)).status_code == 403
    assert not Invitation.objects.exists()


# Roles and removal -----------------------------------------------------------------------------


def test_an_administrator_changes_a_role_and_removes_a_member(owner_client, tom):
    membership = Membership.objects.get(user=tom)

    owner_client.post(reverse("contract:member_role", args=[membership.pk]), {"role": Role.BUCHHALTUNG})
    membership.refresh_from_db()
    assert membership.role == Role.BUCHHALTUNG

    assert owner_client.get(reverse("contract:member_remove", args=[membership.pk])).status_code == 200
    assert Membership.objects.filter(pk=membership.pk).exists()
    owner_client.post(reverse("contract:member_remove", args=[membership.pk]))
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_the_last_administrator_can_be_neither_demoted_nor_removed(owner, owner_client):
    mine = Membership.objects.get(customer=owner)

    demoted = owner_client.post(reverse("contract:member_role", args=[mine.pk]), {"role": Role.TECHNIK})
    assert demoted.status_code == 409
    assert "mindestens einen Administrator" in page_text(demoted)
    removed = owner_client.post(reverse("contract:member_remove", args=[mine.pk]))
    assert removed.status_code == 409
    assert Membership.objects.get(pk=mine.pk).role == Role.ADMINISTRATOR


def test_with_a_second_administrator_the_first_may_step_down(owner, owner_client, tom):
    Membership.objects.filter(user=tom).update(role=Role.ADMINISTRATOR)
    mine = Membership.objects.get(customer=owner, user=owner.admin)

    assert owner_client.post(reverse("contract:member_role", args=[mine.pk]), {"role": Role.TECHNIK}).status_code == 302
    mine.refresh_from_db()
    assert mine.role == Role.TECHNIK


def test_members_of_another_account_cannot_be_touched(owner_client, caretaker):
    foreign = Membership.objects.get(customer=caretaker)

    assert owner_client.post(reverse("contract:member_remove", args=[foreign.pk])).status_code == 404
    assert Membership.objects.filter(pk=foreign.pk).exists()


def test_members_page_query_count_is_the_same_for_50_members(owner, owner_client, django_assert_max_num_queries):
    for n in range(50):
        MembershipFactory(customer=owner, user=UserFactory(email=f"m{n}@example.com"), role=Role.TECHNIK)
    with django_assert_max_num_queries(10):
        response = owner_client.get(MEMBERS)
    assert page_text(response).count("m4") >= 1


def test_a_ticket_shows_the_person_its_account_and_role(owner, project, caretaker, lena):
    caretaker.company, caretaker.first_name, caretaker.last_name = "Webagentur Pixelwerk", "", ""
    caretaker.save()
    Caretakership.objects.create(project=project, owner_number=owner.number, caretaker=caretaker)
    client = login(lena)
    switch_to(client, caretaker)
    data = {"project": "p12345", "subject": "Seite langsam", "category": "technical", "body": "Bitte prüfen."}

    opened = client.post(reverse("tickets:new"), data)

    page = page_text(login(owner).get(opened["Location"]))
    assert f"Technischer Betreuer · Lena Pixel (Webagentur Pixelwerk) · {caretaker.number} für p12345" in page


# Release links -----------------------------------------------------------------------------------


def test_a_release_to_a_persons_address_goes_into_the_account_it_works_in(owner, project, caretaker, lena, sent):
    with sent():
        _release, token = delegation.create_release(
            owner=owner, email="lena@pixelwerk.example", projects=[project], access_expires_at=None
        )
    client = login(lena)
    switch_to(client, caretaker)

    assert client.post(reverse("release_link_accept", args=[token])).status_code == 302

    assert Caretakership.objects.active().get(project=project).caretaker == caretaker
    assert ProjectRelease.objects.get().accepted_by == caretaker
    told = Notification.objects.filter(recipient=owner).latest("pk").text
    assert caretaker.name_with_number in told


def test_a_colleague_cannot_accept_a_release_sent_to_another_members_address(owner, project, caretaker, lena):
    _release, token = delegation.create_release(
        owner=owner, email="lena@pixelwerk.example", projects=[project], access_expires_at=None
    )

    response = login(caretaker).post(reverse("release_link_accept", args=[token]))

    assert response.status_code == 409
    assert "an lena@pixelwerk.example gesendet, du bist als agentur@example.com angemeldet" in page_text(response)
    assert not Caretakership.objects.exists()


# Query counts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        reverse("home"),
        reverse("projects:list"),
        reverse("projects:detail", args=["p12345"]),
        reverse("contract:caretakers"),
        reverse("contract:invoices"),
        reverse("tickets:list"),
        reverse("notifications:list"),
        MEMBERS,
    ],
)
def test_pages_of_an_agency_with_50_members_keep_their_query_count(
    caretaker, project, url, django_assert_max_num_queries
):
    Caretakership.objects.create(project=project, owner_number=project.owner.number, caretaker=caretaker)
    for n in range(50):
        MembershipFactory(customer=caretaker, user=UserFactory(email=f"dev{n}@pixelwerk.example"))
    client = login(caretaker)

    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200


def test_technik_manages_only_its_own_tokens_and_an_administrator_all(owner, tom):
    from api.tokens import create_token

    own, _secret = create_token(customer=owner, created_by=tom, name="toms", scope="read", expires_at=None)
    other, _secret = create_token(customer=owner, created_by=owner.admin, name="chefs", scope="read", expires_at=None)
    technik, administrator = login(tom), login(owner.admin)

    assert "toms" in page_text(technik.get(reverse("api_tokens:list")))
    assert "chefs" not in page_text(technik.get(reverse("api_tokens:list")))
    assert technik.post(reverse("api_tokens:revoke", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None
    assert "toms" in page_text(administrator.get(reverse("api_tokens:list")))
    assert administrator.post(reverse("api_tokens:revoke", args=[own.pk])).status_code == 302
    own.refresh_from_db()
    assert own.revoked_at is not None
