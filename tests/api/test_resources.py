"""What each resource does through the API: the same services, history and notifications as the
pages, named "über API-Token <name>" in the history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from api.models import AccessToken
from delegation import services
from delegation.expiry import expiry_from_last_day
from delegation.models import Caretakership, ManagementRequest, ProjectRelease, Scope
from notifications.models import Notification
from projects.models import AuditEntry, Database
from tests.api.conftest import token_client
from tests.conftest import login
from tests.delegation.factories import CaretakershipFactory, ManagementRequestFactory
from tests.factories import CustomerFactory, DatabaseFactory, DomainFactory, ProjectFactory


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def numbers(response) -> list[str]:
    return [row["number"] for row in response.json_body["results"]]


def test_project_list_has_own_and_cared_for_projects_with_the_role(owner, project, caretaker, caretakership):
    own = ProjectFactory(owner=caretaker, number="p70000")
    response = token_client(caretaker).get("/projects")
    rows = {row["number"]: row for row in response.json_body["results"]}
    assert set(rows) == {"p12345", own.number}
    assert rows["p12345"]["role"] == "caretaker" and rows["p12345"]["scope"] == "technical"
    assert rows["p12345"]["owner"]["number"] == owner.number
    assert rows[own.number]["role"] == "owner" and rows[own.number]["scope"] is None


def test_project_list_filters_by_role_and_searches(caretaker, project, caretakership):
    ProjectFactory(owner=caretaker, number="p70000", name="Agenturseite")
    client = token_client(caretaker)
    assert numbers(client.get("/projects?role=owner")) == ["p70000"]
    assert numbers(client.get("/projects?role=caretaker")) == ["p12345"]
    assert numbers(client.get("/projects?q=Hauptseite")) == ["p12345"]
    assert numbers(client.get("/projects?q=Sonnenschein")) == ["p12345"]
    assert numbers(client.get("/projects?q=nichts")) == []


def test_project_list_pages_by_cursor(owner):
    for n in range(5):
        ProjectFactory(owner=owner, number=f"p1000{n}")
    client = token_client(owner)
    first = client.get("/projects?page_size=2")
    assert numbers(first) == ["p10000", "p10001"]
    second = client.get(first.json_body["next"].split("/api/v1")[1])
    assert numbers(second) == ["p10002", "p10003"]
    last = client.get(second.json_body["next"].split("/api/v1")[1])
    assert numbers(last) == ["p10004"] and last.json_body["next"] is None
    back = client.get(last.json_body["previous"].split("/api/v1")[1])
    assert numbers(back) == ["p10002", "p10003"]


def test_history_pages_by_cursor_both_ways(owner, project, settings):
    client = token_client(owner)
    for version in settings.PHP_VERSIONS[:3]:
        client.put("/projects/p12345/php-version", {"version": version})
    first = client.get("/projects/p12345/history?page_size=2")
    second = client.get(first.json_body["next"].split("/api/v1")[1])
    back = client.get(second.json_body["previous"].split("/api/v1")[1])
    assert len(second.json_body["results"]) == 1
    assert back.json_body["results"] == first.json_body["results"]


def test_owner_sees_who_has_access_and_until_when(owner, project, caretaker, caretakership):
    caretakership.expires_at = expiry_from_last_day(timezone.localdate() + timedelta(days=10))
    caretakership.save()
    other = CustomerFactory(company="Zweite Agentur")
    CaretakershipFactory(project=project, caretaker=other, scope=Scope.READ_ONLY)
    detail = token_client(owner).get("/projects/P12345 ").json_body
    access = {row["caretaker"]["number"]: row for row in detail["access"]}
    assert set(access) == {caretaker.number, other.number}
    assert access[caretaker.number]["last_day"] == (timezone.localdate() + timedelta(days=10)).isoformat()
    assert access[other.number]["scope"] == "read" and access[other.number]["last_day"] is None


def test_caretaker_sees_only_its_own_access(project, caretaker, caretakership):
    CaretakershipFactory(project=project, caretaker=CustomerFactory(company="Zweite Agentur"))
    detail = token_client(caretaker).get("/projects/p12345").json_body
    assert [row["caretaker"]["number"] for row in detail["access"]] == [caretaker.number]
    assert detail["role"] == "caretaker"


def test_php_version_change_is_audited_with_the_token_name(owner, project, caretaker, caretakership):
    response = token_client(caretaker, name="Deployment").put("/projects/p12345/php-version", {"version": "8.4"})
    assert response.status_code == 200 and response.json_body["php_version"] == "8.4"
    project.refresh_from_db()
    assert project.php_version == "8.4"
    entry = AuditEntry.objects.get(action="php_version.changed")
    assert (entry.actor, entry.role, entry.via_token, entry.new_value) == (caretaker, "caretaker", "Deployment", "8.4")
    page = login(owner).get(reverse("projects:detail", args=["p12345"])).content.decode()
    assert "über API-Token „Deployment“" in page


def test_browser_changes_name_no_token(owner_client, project):
    owner_client.post(reverse("projects:php_version", args=["p12345"]), {"php_version": "8.4"})
    assert AuditEntry.objects.get(action="php_version.changed").via_token == ""


def test_unsupported_php_version_is_refused(owner, project):
    response = token_client(owner).put("/projects/p12345/php-version", {"version": "5.6"})
    assert response.status_code == 422
    assert response.json_body["errors"] == [
        {"field": "version", "code": "invalid_choice", "message": "PHP 5.6 wird nicht unterstützt."}
    ]


def test_database_password_is_in_that_one_response_only(owner, project):
    client = token_client(owner)
    created = client.post("/projects/p12345/databases", {"suffix": "shop"})
    assert created.status_code == 201
    assert created.json_body["name"] == "p12345_shop" and len(created.json_body["password"]) >= 16
    listed = client.get("/projects/p12345/databases")
    assert [row["name"] for row in listed.json_body] == ["p12345_shop"]
    assert created.json_body["password"] not in listed.content.decode()
    reset = client.post("/projects/p12345/databases/p12345_shop/password")
    assert reset.json_body["password"] != created.json_body["password"]
    assert Database.objects.get().password_hash.startswith("md5$")
    assert client.delete("/projects/p12345/databases/p12345_shop").status_code == 204
    assert not Database.objects.exists()
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", "via_token"))
    assert actions == [
        ("database.created", "skript"),
        ("database.password_reset", "skript"),
        ("database.deleted", "skript"),
    ]


def test_duplicate_database_is_refused(owner, project):
    DatabaseFactory(project=project, name="p12345_shop")
    response = token_client(owner).post("/projects/p12345/databases", {"suffix": "shop"})
    assert response.status_code == 422
    assert response.json_body["errors"][0]["code"] == "duplicate"


def test_domain_target_changes(owner, project):
    DomainFactory(project=project, name="sonnenschein.de", target="/")
    client = token_client(owner)
    response = client.put(
        "/projects/p12345/domains/sonnenschein.de/target", {"target_kind": "redirect", "target": "https://x.de"}
    )
    assert response.json_body == {"name": "sonnenschein.de", "target_kind": "redirect", "target": "https://x.de"}
    bad = client.put("/projects/p12345/domains/sonnenschein.de/target", {"target_kind": "path", "target": "/../etc"})
    assert bad.status_code == 422 and bad.json_body["errors"][0]["code"] == "outside_webspace"


def test_domains_are_added_and_removed(project, caretaker, caretakership):
    client = token_client(caretaker)
    added = client.post("/projects/p12345/domains", {"name": "Shop.DE", "target_kind": "path", "target": "shop"})
    assert added.status_code == 201
    assert added.json_body == {"name": "shop.de", "target_kind": "path", "target": "/shop"}
    taken = client.post("/projects/p12345/domains", {"name": "shop.de", "target_kind": "path", "target": "/"})
    assert taken.status_code == 422 and taken.json_body["errors"][0]["code"] == "duplicate"
    assert client.delete("/projects/p12345/domains/shop.de").status_code == 204
    assert list(AuditEntry.objects.values_list("action", flat=True).order_by("pk")) == [
        "domain.added",
        "domain.removed",
    ]


def test_caretaker_cannot_read_the_history(project, caretaker, caretakership):
    response = token_client(caretaker).get("/projects/p12345/history")
    assert response.status_code == 403
    assert response.json_body["code"] == "owner_only"


def test_owner_reads_the_history_newest_first(owner, project):
    client = token_client(owner)
    client.put("/projects/p12345/php-version", {"version": "8.4"})
    client.put("/projects/p12345/php-version", {"version": "8.2"})
    rows = client.get("/projects/p12345/history").json_body["results"]
    assert [(row["action"], row["new_value"], row["via_token"]) for row in rows] == [
        ("php_version.changed", "8.2", "skript"),
        ("php_version.changed", "8.4", "skript"),
    ]


def test_history_speaks_the_language_of_accept_language(owner, project, caretakership):
    services.change_scope(owner=owner, caretakership_id=caretakership.pk, scope=Scope.READ_ONLY)
    client = token_client(owner)

    german = client.get("/projects/p12345/history").json_body["results"][0]
    client.language = "en"
    english = client.get("/projects/p12345/history").json_body["results"][0]

    assert (german["action_display"], german["old_value"], german["new_value"]) == (
        "Umfang der Betreuung geändert",
        "Technische Verwaltung",
        "Nur lesen",
    )
    assert "Kundennummer" in german["subject"]
    assert (english["old_value"], english["new_value"]) == ("Technical administration", "Read only")
    assert "customer number" in english["subject"] and "Kundennummer" not in english["subject"]
    assert english["action_display"] != german["action_display"]


def test_history_gives_the_scope_a_caretakership_began_with(owner, caretaker, project):
    request = ManagementRequestFactory(project=project, caretaker=caretaker)
    services.accept_request(owner=owner, request_id=request.pk, expires_at=None, scope=Scope.READ_ONLY)
    client = token_client(owner)

    rows = client.get("/projects/p12345/history").json_body["results"]
    client.language = "en"
    english = client.get("/projects/p12345/history").json_body["results"]

    [started] = [row for row in rows if row["action"] == "caretakership.started"]
    assert (started["new_value"], started["scope"]) == ("unbefristet", "Nur lesen")
    assert [row["scope"] for row in english if row["action"] == "caretakership.started"] == ["Read only"]
    assert all(row["scope"] == "" for row in rows if row["action"] != "caretakership.started")


def test_read_only_caretaker_is_told_why(project):
    reader = CustomerFactory()
    CaretakershipFactory(project=project, caretaker=reader, scope=Scope.READ_ONLY)
    response = token_client(reader).put("/projects/p12345/php-version", {"version": "8.4"})
    assert response.status_code == 403
    assert response.json_body["code"] == "read_only_scope"
    assert "Nur lesen" in response.json_body["message"]


def test_request_accept_notifies_like_the_browser(owner, project, caretaker, on_commit):
    """The same decision through the page and through the API leaves the same notification and
    e-mail for the caretaker."""
    browser = ManagementRequestFactory(project=project, caretaker=caretaker)
    with on_commit():
        login(owner).post(reverse("contract:request_accept", args=[browser.pk]), {"scope": "technical"})
    Caretakership.objects.update(ended_at=timezone.now())
    by_api = ManagementRequestFactory(project=project, caretaker=caretaker)
    with on_commit():
        response = token_client(owner).post(f"/management-requests/{by_api.pk}/accept", {"scope": "technical"})
    assert response.status_code == 200
    texts = list(Notification.objects.filter(recipient=caretaker).values_list("kind", "params", "link"))
    assert len(texts) == 2 and texts[0] == texts[1]
    subjects = [message.subject for message in mail.outbox if message.to == [caretaker.admin.email]]
    assert len(subjects) == 2 and subjects[0] == subjects[1]
    entry = AuditEntry.objects.filter(action="request.accepted").latest("pk")
    assert entry.via_token == "skript"
    # The caretakership opens in the owner's name: the owner's token made it.
    assert AuditEntry.objects.filter(action="caretakership.started").latest("pk").via_token == "skript"


def test_management_request_round_trip(owner, project, caretaker):
    caretaker_api, owner_api = token_client(caretaker), token_client(owner)
    created = caretaker_api.post("/management-requests", {"project": " P12345 "})
    assert created.status_code == 201
    assert created.json_body["project"] == "p12345" and "Hauptseite" not in created.content.decode()
    outgoing = caretaker_api.get("/management-requests?direction=outgoing").json_body["results"]
    incoming = owner_api.get("/management-requests?direction=incoming").json_body["results"]
    assert [row["id"] for row in outgoing] == [row["id"] for row in incoming] == [created.json_body["id"]]
    last_day = timezone.localdate() + timedelta(days=30)
    accepted = owner_api.post(
        f"/management-requests/{created.json_body['id']}/accept", {"expires_on": last_day.isoformat(), "scope": "read"}
    )
    care = Caretakership.objects.get(pk=accepted.json_body["caretakership"])
    assert (care.caretaker, care.scope, care.expires_at) == (caretaker, "read", expiry_from_last_day(last_day))


def test_withdraw_and_decline(owner, project, caretaker):
    first = ManagementRequestFactory(project=project, caretaker=caretaker)
    assert token_client(caretaker).post(f"/management-requests/{first.pk}/withdraw").json_body["status"] == "withdrawn"
    second = ManagementRequestFactory(project=project, caretaker=caretaker)
    assert token_client(owner).post(f"/management-requests/{second.pk}/decline").json_body["status"] == "declined"
    again = token_client(owner, name="zwei").post(f"/management-requests/{second.pk}/decline")
    assert again.status_code == 409 and again.json_body["message"] == "Dieser Antrag ist nicht mehr offen."


def test_release_round_trip(owner, project, caretaker, on_commit):
    owner_api, caretaker_api = token_client(owner), token_client(caretaker)
    with on_commit():
        created = owner_api.post(
            "/releases", {"email": caretaker.admin.email.upper(), "projects": ["p12345"], "scope": "read"}
        )
    assert created.status_code == 201, created.json_body
    release_id = created.json_body["id"]
    assert created.json_body["projects"] == ["p12345"] and created.json_body["scope"] == "read"
    assert [m.to for m in mail.outbox] == [[caretaker.admin.email]]
    assert [row["id"] for row in caretaker_api.get("/releases?direction=incoming").json_body["results"]] == [release_id]
    old_hash = ProjectRelease.objects.get().token_hash
    with on_commit():
        assert owner_api.post(f"/releases/{release_id}/resend").status_code == 200
    assert ProjectRelease.objects.get().token_hash != old_hash and len(mail.outbox) == 2
    accepted = caretaker_api.post(f"/releases/{release_id}/accept")
    assert accepted.status_code == 200
    care = Caretakership.objects.get(pk=accepted.json_body["caretakerships"][0])
    assert (care.project, care.caretaker, care.scope) == (project, caretaker, "read")
    # The caretaker's token accepted; the row that opens the caretakership in the owner's name
    # names no token of the owner's.
    assert AuditEntry.objects.get(action="release.accepted").via_token == "skript"
    assert AuditEntry.objects.get(action="caretakership.started").via_token == ""


def test_release_withdraw_and_decline(owner, project, caretaker):
    owner_api = token_client(owner)
    first = owner_api.post("/releases", {"email": caretaker.admin.email, "projects": ["p12345"]}).json_body["id"]
    assert owner_api.post(f"/releases/{first}/withdraw").json_body["status"] == "withdrawn"
    second = owner_api.post("/releases", {"email": caretaker.admin.email, "projects": ["p12345"]}).json_body["id"]
    assert token_client(caretaker).post(f"/releases/{second}/decline").json_body["status"] == "declined"
    assert not Caretakership.objects.exists()


def test_release_for_another_address_cannot_be_answered(owner, project, outsider):
    release_id = token_client(owner).post("/releases", {"email": "jemand@example.com", "projects": ["p12345"]})
    response = token_client(outsider).post(f"/releases/{release_id.json_body['id']}/accept")
    assert response.status_code == 404
    assert ProjectRelease.objects.get().status == ProjectRelease.Status.PENDING


def test_caretakerships_as_owner_and_as_caretaker_ending_before(owner, project, caretaker):
    soon = CaretakershipFactory(
        project=project, caretaker=caretaker, expires_at=expiry_from_last_day(timezone.localdate() + timedelta(days=5))
    )
    CaretakershipFactory(
        project=ProjectFactory(owner=owner),
        caretaker=caretaker,
        expires_at=expiry_from_last_day(timezone.localdate() + timedelta(days=60)),
    )
    CaretakershipFactory(project=ProjectFactory(owner=owner), caretaker=caretaker)
    client = token_client(caretaker)
    assert len(client.get("/caretakerships").json_body["results"]) == 3
    cutoff = (timezone.localdate() + timedelta(days=6)).isoformat()
    assert [row["id"] for row in client.get(f"/caretakerships?ending_before={cutoff}").json_body["results"]] == [
        soon.pk
    ]
    edge = (timezone.localdate() + timedelta(days=5)).isoformat()
    assert client.get(f"/caretakerships?ending_before={edge}").json_body["results"] == []
    as_owner = token_client(owner).get("/caretakerships?role=owner").json_body["results"]
    assert {row["id"] for row in as_owner} == set(Caretakership.objects.values_list("pk", flat=True))
    assert token_client(owner, name="b").get("/caretakerships?role=caretaker").json_body["results"] == []


def test_owner_changes_expiry_and_scope(owner, project, caretaker, caretakership, on_commit):
    last_day = timezone.localdate() + timedelta(days=20)
    with on_commit():
        response = token_client(owner).patch(
            f"/caretakerships/{caretakership.pk}", {"expires_on": last_day.isoformat(), "scope": "read"}
        )
    assert response.json_body["last_day"] == last_day.isoformat() and response.json_body["scope"] == "read"
    caretakership.refresh_from_db()
    assert caretakership.expires_at == expiry_from_last_day(last_day)
    assert Notification.objects.filter(recipient=caretaker).count() == 2
    removed = token_client(owner, name="b").patch(f"/caretakerships/{caretakership.pk}", {"expires_on": None})
    assert removed.json_body["expires_at"] is None and removed.json_body["scope"] == "read"


def test_caretaker_cannot_change_its_own_caretakership(caretaker, caretakership):
    response = token_client(caretaker).patch(f"/caretakerships/{caretakership.pk}", {"scope": "technical"})
    assert response.status_code == 404


@pytest.mark.parametrize(("side", "reason"), [("owner", "revoked"), ("caretaker", "ended")])
def test_either_side_ends_a_caretakership(request, caretakership, side, reason):
    response = token_client(request.getfixturevalue(side)).post(f"/caretakerships/{caretakership.pk}/end")
    assert response.status_code == 200
    caretakership.refresh_from_db()
    assert caretakership.end_reason == reason
    again = token_client(request.getfixturevalue(side), name="b").post(f"/caretakerships/{caretakership.pk}/end")
    assert again.status_code == 404


def test_revoked_caretaker_loses_api_access_at_once(owner, project, caretaker, caretakership):
    client = token_client(caretaker)
    assert client.get("/projects/p12345").status_code == 200
    token_client(owner).post(f"/caretakerships/{caretakership.pk}/end")
    assert client.get("/projects/p12345").status_code == 404
    assert numbers(client.get("/projects")) == []


def test_expiry_is_enforced_at_every_request(project, caretaker, caretakership):
    client = token_client(caretaker)
    Caretakership.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/projects/p12345").status_code == 404


def test_token_never_grants_more_than_its_account(project, caretaker):
    """A write token of an account without access to p12345 gets nothing there."""
    response = token_client(caretaker, scope=AccessToken.Scope.WRITE).put(
        "/projects/p12345/php-version", {"version": "8.4"}
    )
    assert response.status_code == 404
    assert ManagementRequest.objects.count() == 0
