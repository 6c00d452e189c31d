"""The link from the release e-mail: GET shows, POST decides; single-use, expiring, for one address."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customercenter.models import Customer
from delegation import expiry, services, sweeper
from delegation.models import Caretakership, ProjectRelease
from notifications.models import Notification, OutboxEmail
from projects.models import AuditEntry
from tests.conftest import login
from tests.delegation.factories import CaretakershipFactory
from tests.delegation.helpers import OVERVIEW, link_url, mails_to, page_html, page_text
from tests.factories import CustomerFactory, ProjectFactory

INVALID = "Dieser Link ist ungültig."
USED = "Diese Freigabe wurde bereits angenommen; der Link ist verbraucht."
EXPIRED = "Dieser Link ist abgelaufen. Bitte den Vertragspartner, die Freigabe neu zu senden."
WITHDRAWN = "Der Vertragspartner hat diese Freigabe zurückgezogen."
NOT_OWNER_ANY_MORE = "Der Vertragspartner kann diese Projekte nicht mehr freigeben."
SIGNUP_PASSWORD = "Sonnenblume-Kaffeetasse-42"


def state():
    """Everything a decision on a release could change."""
    return (
        list(ProjectRelease.objects.values_list("pk", "status", "accepted_by", "decided_at")),
        list(Caretakership.objects.values_list("pk", "ended_at", "expires_at")),
        Notification.objects.count(),
        OutboxEmail.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def two_project_release(owner, project, caretaker):
    blog = ProjectFactory(owner=owner, number="p12346", name="Blog")
    return services.create_release(
        owner=owner, email="agentur@example.com", projects=[project, blog], access_expires_at=None
    )


# --- GET never changes anything ---------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "outsider", "caretaker", "owner"])
def test_get_never_changes_state(who, release, caretaker, outsider, owner):
    _pending, token = release
    client = {"anonymous": Client(), "outsider": login(outsider), "caretaker": login(caretaker), "owner": login(owner)}[
        who
    ]
    before = state()

    for _ in range(2):
        response = client.get(link_url(token))
        assert response.status_code == 200
    client.head(link_url(token))

    assert state() == before
    assert ProjectRelease.objects.get().status == "pending"


def test_get_on_the_accept_url_is_refused(caretaker_client, release):
    _pending, token = release
    before = state()

    response = caretaker_client.get(link_url(token, "annehmen"))

    assert response.status_code == 405
    assert state() == before


def test_declining_by_link_asks_first_and_the_question_changes_nothing(caretaker_client, owner, release):
    _pending, token = release
    before = state()

    link_page = page_html(caretaker_client.get(link_url(token)))
    question = caretaker_client.get(link_url(token, "ablehnen"))

    assert f'href="{link_url(token, "ablehnen")}"' in link_page
    assert question.status_code == 200
    text = page_text(question)
    assert f"{owner.display_name} erfährt, dass du die Freigabe abgelehnt hast; der Link gilt dann nicht mehr." in text
    assert f'href="{link_url(token)}"' in page_html(question)
    assert '<form method="post">' in page_html(question)
    assert state() == before


def test_only_the_invited_account_is_asked_to_decline(outsider_client, client, release):
    _pending, token = release
    before = state()

    wrong = outsider_client.get(link_url(token, "ablehnen"))
    anonymous = client.get(link_url(token, "ablehnen"))

    assert "wurde an agentur@example.com gesendet" in page_text(wrong)
    assert "erfährt, dass du die Freigabe abgelehnt hast" not in page_text(wrong)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/konto/login/")
    assert state() == before


def test_anonymous_sees_login_and_sign_up_links(client, release):
    _pending, token = release

    response = client.get(link_url(token))

    text, markup = page_text(response), page_html(response)
    assert "Diese Projektfreigabe wurde an agentur@example.com gesendet." in text
    assert f'href="/konto/login/?next=/freigabe/{token}/"' in markup
    assert f"/konto/signup/?email=agentur%40example.com&next=/freigabe/{token}/" in markup
    assert "Partner werden" in text
    assert "Hauptseite" not in text
    assert "Freigabe annehmen" not in text
    assert response["Cache-Control"].startswith("max-age=0")


def test_sign_up_link_prefills_the_address(client, release):
    _pending, token = release
    client.get(link_url(token))

    response = client.get("/konto/signup/", {"email": "agentur@example.com", "next": link_url(token)})

    assert 'value="agentur@example.com"' in response.text


def test_login_from_the_link_comes_back_to_it(client, release, caretaker):
    _pending, token = release

    response = client.post(
        f"/konto/login/?next={link_url(token)}",
        {"login": "agentur@example.com", "password": "correct-horse-battery-staple", "next": link_url(token)},
    )

    assert response.status_code == 302
    assert response["Location"] == link_url(token)
    assert "Freigabe annehmen" in page_text(client.get(link_url(token)))


def test_right_account_sees_the_details(caretaker_client, owner, release):
    _pending, token = release

    response = caretaker_client.get(link_url(token))

    text = page_text(response)
    assert f"Bäckerei Sonnenschein ({owner.first_name} {owner.last_name}, Kundennummer {owner.number})" in text
    assert "p12345 · Hauptseite" in text
    assert "unbefristet" in text
    assert f'action="/freigabe/{token}/annehmen/"' in page_html(response)
    assert f'href="/freigabe/{token}/ablehnen/"' in page_html(response)


@pytest.mark.parametrize(
    ("scope", "label", "says", "never"),
    [
        ("technical", "Technische Verwaltung", "technisch verwalten", "nichts ändern"),
        ("read", "Nur lesen", "aber nichts ändern", "technisch verwalten"),
    ],
)
def test_the_link_page_states_the_scope_before_accepting(caretaker_client, owner, project, scope, label, says, never):
    release, token = services.create_release(
        owner=owner, email="agentur@example.com", projects=[project], access_expires_at=None, scope=scope
    )

    text = page_text(caretaker_client.get(link_url(token)))
    tab = page_text(caretaker_client.get(OVERVIEW))

    assert f"Umfang {label}" in text
    assert says in text
    assert never not in text
    assert "unbefristet " + label in tab
    assert release.grants_changes is (scope == "technical")


# --- Only the invited address -----------------------------------------------------------------


def test_wrong_account_is_told_and_sees_no_details(outsider_client, release):
    _pending, token = release

    text = page_text(outsider_client.get(link_url(token)))

    assert "Diese Freigabe wurde an agentur@example.com gesendet, du bist als outsider@example.com angemeldet." in text
    assert "Hauptseite" not in text
    assert "Freigabe annehmen" not in text
    assert "Abmelden" in text


@pytest.mark.parametrize("action", ["annehmen", "ablehnen"])
def test_wrong_account_cannot_answer(outsider_client, release, action):
    _pending, token = release
    before = state()

    response = outsider_client.post(link_url(token, action))

    assert response.status_code == 409
    assert "Diese Freigabe wurde an agentur@example.com gesendet, du bist als outsider@example.com angemeldet." in (
        page_text(response)
    )
    assert state() == before


def test_owner_cannot_accept_its_own_release(owner, project):
    EmailAddress.objects.create(user=owner.admin, email="zweitadresse@example.com", verified=True)
    _release, token = services.create_release(
        owner=owner, email="zweitadresse@example.com", projects=[project], access_expires_at=None
    )
    before = state()

    response = login(owner).post(link_url(token, "annehmen"))

    assert response.status_code == 409
    assert "Du kannst keine Freigabe deiner eigenen Projekte annehmen." in page_text(response)
    assert state() == before


@pytest.mark.parametrize(
    ("account_email", "release_email"),
    [
        ("Agentur.Gross@Example.COM", "agentur.gross@example.com"),
        ("agentur.gross@example.com", "AGENTUR.Gross@example.com"),
    ],
)
def test_verified_address_matches_case_insensitively(owner, project, account_email, release_email):
    caretaker = CustomerFactory(admin__email=account_email)
    _release, token = services.create_release(
        owner=owner, email=release_email, projects=[project], access_expires_at=None
    )

    response = login(caretaker).post(link_url(token, "annehmen"))

    assert response.status_code == 302
    assert Caretakership.objects.get().caretaker == caretaker


def test_verified_secondary_address_may_accept(owner, project, outsider):
    EmailAddress.objects.create(user=outsider.admin, email="agentur@example.com", verified=True)
    _release, token = services.create_release(
        owner=owner, email="agentur@example.com", projects=[project], access_expires_at=None
    )

    response = login(outsider).post(link_url(token, "annehmen"))

    assert response.status_code == 302
    assert Caretakership.objects.get().caretaker == outsider


def test_unverified_matching_address_cannot_accept(owner, project):
    unverified = CustomerFactory(admin__email="neu@example.com", admin__verified=False)
    _release, token = services.create_release(
        owner=owner, email="neu@example.com", projects=[project], access_expires_at=None
    )
    client = login(unverified)
    before = state()

    shown = page_text(client.get(link_url(token)))
    response = client.post(link_url(token, "annehmen"))

    assert "Diese Freigabe wurde an neu@example.com gesendet, du bist als neu@example.com angemeldet." in shown
    assert "Freigabe annehmen" not in shown
    assert response.status_code == 409
    assert state() == before


# --- Accepting --------------------------------------------------------------------------------


def test_accept_creates_one_caretakership_per_project(caretaker, owner, two_project_release, on_commit):
    pending, token = two_project_release
    client = login(caretaker)

    with on_commit():
        response = client.post(link_url(token, "annehmen"))

    assert response.status_code == 302
    assert response["Location"] == OVERVIEW
    pending.refresh_from_db()
    assert (pending.status, pending.accepted_by) == ("accepted", caretaker)
    rows = Caretakership.objects.order_by("project__number")
    assert [(c.project.number, c.caretaker, c.source, c.expires_at) for c in rows] == [
        ("p12345", caretaker, "release", None),
        ("p12346", caretaker, "release", None),
    ]
    notification = Notification.objects.get(recipient=owner)
    assert "hat deine Projektfreigabe für p12345, p12346 angenommen" in notification.text
    [message] = mails_to("owner@example.com")
    assert "angenommen" in message.subject
    accepted = AuditEntry.objects.filter(action="release.accepted")
    assert sorted(e.project.number for e in accepted) == ["p12345", "p12346"]
    assert {e.role for e in accepted} == {AuditEntry.Role.CARETAKER}
    assert AuditEntry.objects.filter(action="caretakership.started").count() == 2
    assert client.get("/projekte/p12345/").status_code == 200
    assert client.get("/projekte/p12346/").status_code == 200


def test_accept_with_expiry_gives_access_until_that_day(owner, project, caretaker):
    last_day = timezone.localdate() + timedelta(days=10)
    _release, token = services.create_release(
        owner=owner,
        email="agentur@example.com",
        projects=[project],
        access_expires_at=expiry.expiry_from_last_day(last_day),
    )
    client = login(caretaker)

    assert f"{last_day:%d.%m.%Y}" in page_text(client.get(link_url(token)))
    client.post(link_url(token, "annehmen"))

    care = Caretakership.objects.get()
    assert expiry.last_day(care.expires_at) == last_day


def test_link_is_single_use(caretaker_client, release):
    _pending, token = release
    caretaker_client.post(link_url(token, "annehmen"))
    before = state()

    again = caretaker_client.post(link_url(token, "annehmen"))
    shown = caretaker_client.get(link_url(token))

    assert again.status_code == 409
    assert USED in page_text(again)
    assert USED in page_text(shown)
    assert state() == before
    assert Caretakership.objects.count() == 1


def test_used_link_cannot_be_declined_afterwards(caretaker_client, release):
    _pending, token = release
    caretaker_client.post(link_url(token, "annehmen"))

    response = caretaker_client.post(link_url(token, "ablehnen"))

    assert response.status_code == 409
    assert ProjectRelease.objects.get().status == "accepted"
    assert Caretakership.objects.get().is_active


@pytest.mark.parametrize("tamper", [lambda t: t[:-1], lambda t: t + "x", lambda t: t.swapcase(), lambda t: "0" * 43])
def test_tampered_token_shows_invalid_page(caretaker_client, release, tamper):
    _pending, token = release
    bad = tamper(token)
    before = state()

    shown = caretaker_client.get(link_url(bad))
    posted = caretaker_client.post(link_url(bad, "annehmen"))

    assert shown.status_code == 404
    assert INVALID in page_text(shown)
    assert posted.status_code == 404
    assert INVALID in page_text(posted)
    assert state() == before


def test_tampered_token_for_anonymous_is_invalid_too(client, release):
    _pending, token = release

    response = client.get(link_url(token[::-1]))

    assert response.status_code == 404
    assert INVALID in page_text(response)


def test_expired_link_says_so(release, caretaker, settings):
    pending, token = release
    assert settings.RELEASE_LINK_DAYS == 14

    with time_machine.travel(pending.created_at + timedelta(days=14, seconds=1), tick=False):
        client = login(caretaker)
        before = state()
        shown = client.get(link_url(token))
        posted = client.post(link_url(token, "annehmen"))
        after = state()

    assert EXPIRED in page_text(shown)
    assert "Freigabe annehmen" not in page_text(shown)
    assert posted.status_code == 409
    assert EXPIRED in page_text(posted)
    assert after == before


def test_link_still_works_just_before_it_expires(release, caretaker):
    pending, token = release

    with time_machine.travel(pending.link_expires_at - timedelta(minutes=1), tick=False):
        response = login(caretaker).post(link_url(token, "annehmen"))

    assert response.status_code == 302
    assert Caretakership.objects.count() == 1


def test_withdrawn_link_says_so(owner, caretaker_client, release):
    pending, token = release
    services.withdraw_release(owner=owner, pk=pending.pk)
    before = state()

    shown = caretaker_client.get(link_url(token))
    posted = caretaker_client.post(link_url(token, "annehmen"))

    assert WITHDRAWN in page_text(shown)
    assert posted.status_code == 409
    assert WITHDRAWN in page_text(posted)
    assert state() == before


def test_resend_kills_the_old_link_and_the_new_one_works(owner, caretaker_client, release):
    pending, old_token = release
    new_token = services.resend_release(owner=owner, pk=pending.pk)

    old_shown = caretaker_client.get(link_url(old_token))
    old_posted = caretaker_client.post(link_url(old_token, "annehmen"))
    assert old_shown.status_code == 404
    assert INVALID in page_text(old_shown)
    assert old_posted.status_code == 404
    assert not Caretakership.objects.exists()

    response = caretaker_client.post(link_url(new_token, "annehmen"))

    assert response.status_code == 302
    assert Caretakership.objects.count() == 1


def test_resend_of_an_expired_link_revives_the_release(owner, caretaker, release):
    pending, _token = release

    with time_machine.travel(pending.link_expires_at + timedelta(days=1), tick=False):
        assert sweeper.sweep()["lapsed_releases"] == 1
        new_token = services.resend_release(owner=owner, pk=pending.pk)
        response = login(caretaker).post(link_url(new_token, "annehmen"))

    assert response.status_code == 302
    assert Caretakership.objects.count() == 1


# --- The owner's right is checked at acceptance -----------------------------------------------


def test_nothing_is_granted_when_the_project_changed_owner(caretaker_client, release, project, outsider):
    _pending, token = release
    project.owner = outsider
    project.save()
    before = state()

    response = caretaker_client.post(link_url(token, "annehmen"))

    assert response.status_code == 409
    assert NOT_OWNER_ANY_MORE in page_text(response)
    assert state() == before
    assert caretaker_client.get("/projekte/p12345/").status_code == 404


def test_only_projects_still_owned_are_granted(caretaker_client, two_project_release, project, outsider):
    _pending, token = two_project_release
    project.owner = outsider
    project.save()

    response = caretaker_client.post(link_url(token, "annehmen"))

    assert response.status_code == 302
    assert [c.project.number for c in Caretakership.objects.all()] == ["p12346"]
    assert caretaker_client.get("/projekte/p12345/").status_code == 404
    assert caretaker_client.get("/projekte/p12346/").status_code == 200


# --- Two-factor requirement -------------------------------------------------------------------


@pytest.fixture
def mfa_release(owner, project, caretaker):
    return services.create_release(
        owner=owner, email="agentur@example.com", projects=[project], access_expires_at=None, require_mfa=True
    )


def test_mfa_release_refused_without_totp(caretaker_client, mfa_release):
    _pending, token = mfa_release
    before = state()

    response = caretaker_client.post(link_url(token, "annehmen"))

    assert response.status_code == 409
    assert "Diese Freigabe verlangt die Zwei-Faktor-Authentifizierung." in page_text(response)
    assert state() == before


def test_mfa_release_refused_with_recovery_codes_only(caretaker, mfa_release):
    _pending, token = mfa_release
    Authenticator.objects.create(user=caretaker.admin, type=Authenticator.Type.RECOVERY_CODES, data={})

    response = login(caretaker).post(link_url(token, "annehmen"))

    assert response.status_code == 409
    assert not Caretakership.objects.exists()


def test_mfa_release_accepted_with_totp(caretaker, mfa_release):
    _pending, token = mfa_release
    Authenticator.objects.create(user=caretaker.admin, type=Authenticator.Type.TOTP, data={"secret": "x"})

    response = login(caretaker).post(link_url(token, "annehmen"))

    assert response.status_code == 302
    assert Caretakership.objects.count() == 1


def test_mfa_release_refused_in_open_requests_too(caretaker_client, mfa_release):
    pending, _token = mfa_release

    response = caretaker_client.post(reverse("contract:release_accept", args=[pending.pk]), follow=True)

    assert "Diese Freigabe verlangt die Zwei-Faktor-Authentifizierung." in page_text(response)
    assert not Caretakership.objects.exists()


# --- Declining --------------------------------------------------------------------------------


def test_decline_by_link(caretaker_client, owner, release, on_commit):
    pending, token = release

    with on_commit():
        response = caretaker_client.post(link_url(token, "ablehnen"))

    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "declined"
    assert not Caretakership.objects.exists()
    assert "abgelehnt" in Notification.objects.get(recipient=owner).text
    assert [m.subject for m in mails_to("owner@example.com")]
    assert AuditEntry.objects.filter(action="release.declined").count() == 1
    assert "Diese Freigabe wurde bereits abgelehnt" in page_text(caretaker_client.get(link_url(token)))


# --- Sign-up from the link --------------------------------------------------------------------


def signup_data(email: str) -> dict:
    return {
        "email": email,
        "password1": SIGNUP_PASSWORD,
        "password2": SIGNUP_PASSWORD,
        "company": "Webwerk Nord",
        "first_name": "Nina",
        "last_name": "Neumann",
    }


@pytest.fixture
def release_to_newcomer(owner, project):
    return services.create_release(owner=owner, email="neu@example.com", projects=[project], access_expires_at=None)


def test_sign_up_from_the_link_gives_a_verified_numbered_account_that_can_accept(
    client, release_to_newcomer, on_commit
):
    _pending, token = release_to_newcomer
    client.get(link_url(token))

    with on_commit():
        response = client.post(f"/konto/signup/?next={link_url(token)}", signup_data("neu@example.com"))

    assert response.status_code == 302
    newcomer = Customer.objects.get(memberships__user__email="neu@example.com")
    assert newcomer.kind == Customer.Kind.PARTNER
    assert newcomer.number is not None
    assert EmailAddress.objects.get(user=newcomer.memberships.get().user).verified is True
    assert "Freigabe annehmen" in page_text(client.get(link_url(token)))

    accepted = client.post(link_url(token, "annehmen"))

    assert accepted.status_code == 302
    care = Caretakership.objects.get()
    assert (care.caretaker, care.project.number) == (newcomer, "p12345")
    assert client.get("/projekte/p12345/").status_code == 200


def test_sign_up_with_another_address_verifies_only_the_invited_one(client, release_to_newcomer, on_commit):
    _pending, token = release_to_newcomer
    client.get(link_url(token))

    with on_commit():
        client.post("/konto/signup/", signup_data("anders@example.com"))

    addresses = dict(
        EmailAddress.objects.filter(email__in=["neu@example.com", "anders@example.com"]).values_list(
            "email", "verified"
        )
    )
    assert addresses == {"neu@example.com": True, "anders@example.com": False}


def test_sign_up_without_opening_the_link_needs_confirmation(client, release_to_newcomer, on_commit):
    with on_commit():
        client.post("/konto/signup/", signup_data("neu@example.com"))

    newcomer = Customer.objects.get(memberships__user__email="neu@example.com")
    assert newcomer.number is None
    assert EmailAddress.objects.get(user=newcomer.memberships.get().user).verified is False


# --- Offene Anträge: the same release in the caretaker's customer center ----------------------


def test_pending_release_shows_in_the_caretakers_open_requests(caretaker_client, owner, release):
    pending, _token = release

    response = caretaker_client.get(OVERVIEW)

    text = page_text(response)
    assert "Projektfreigaben für dich" in text
    assert owner.display_name in text
    assert "p12345 · Hauptseite" in text
    assert reverse("contract:release_accept", args=[pending.pk]) in page_html(response)
    assert reverse("contract:release_decline", args=[pending.pk]) in page_html(response)


def test_pending_release_is_accepted_from_open_requests(caretaker_client, caretaker, release, on_commit):
    pending, _token = release

    with on_commit():
        response = caretaker_client.post(reverse("contract:release_accept", args=[pending.pk]), follow=True)

    assert "Freigabe angenommen. Die Projekte stehen jetzt in deiner Projektverwaltung." in page_text(response)
    pending.refresh_from_db()
    assert (pending.status, pending.accepted_by) == ("accepted", caretaker)
    assert Caretakership.objects.get().caretaker == caretaker
    assert mails_to("owner@example.com")


def test_pending_release_is_declined_from_open_requests(caretaker_client, release):
    pending, _token = release

    caretaker_client.post(reverse("contract:release_decline", args=[pending.pk]))

    pending.refresh_from_db()
    assert pending.status == "declined"


def test_others_cannot_accept_from_open_requests(outsider_client, release):
    pending, _token = release
    before = state()

    accepted = outsider_client.post(reverse("contract:release_accept", args=[pending.pk]))
    declined = outsider_client.post(reverse("contract:release_decline", args=[pending.pk]))

    assert (accepted.status_code, declined.status_code) == (404, 404)
    assert "agentur@example.com" not in page_text(accepted)
    assert state() == before


def test_release_to_another_address_does_not_show_for_the_caretaker(caretaker_client, owner, project):
    services.create_release(owner=owner, email="jemand@example.com", projects=[project], access_expires_at=None)

    text = page_text(caretaker_client.get(OVERVIEW))

    assert "Projektfreigaben für dich" not in text
    assert "Hauptseite" not in text


def test_accepting_a_release_for_an_already_cared_project_extends_it(owner, caretaker, project, release):
    _pending, token = release
    care = CaretakershipFactory(project=project, caretaker=caretaker, expires_at=timezone.now() + timedelta(days=3))

    response = login(caretaker).post(link_url(token, "annehmen"))

    assert response.status_code == 302
    care.refresh_from_db()
    assert Caretakership.objects.count() == 1
    assert care.expires_at is None
    assert care.is_active
