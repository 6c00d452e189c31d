"""The project page: PHP version and databases, history (Verlauf), htmx sections."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password

from projects.models import AuditEntry, Database
from tests.factories import DatabaseFactory, DomainFactory, ProjectFactory
from tests.helpers import count_queries
from tests.projects.helpers import HX, PASSWORD_SHOWN_RE, audit_trail, snapshot

# session, user with customer, project, databases, domains with their SSL orders, the owner's
# Zugriff section (caretakers, pending requests, pending releases), unread badge, history
DETAIL_QUERIES = 10


def test_project_page_shows_the_project(owner_client, project, database, domain):
    response = owner_client.get("/projekte/p12345/")

    assert response.status_code == 200
    for text in ["p12345", "Hauptseite", "Webhosting Plus", "/home/p12345/www", "Eigenes Projekt"]:
        assert text in response.text
    assert "p12345_shop" in response.text
    assert "sonnenschein.de" in response.text
    assert "Verlauf" in response.text


@pytest.mark.parametrize("number", ["P12345", "p12345", "%20p12345%20"])
def test_project_number_in_url_is_case_insensitive(owner_client, project, number):
    response = owner_client.get(f"/projekte/{number}/")

    assert response.status_code == 200
    assert "Hauptseite" in response.text


def test_unknown_project_is_404(owner_client, project):
    assert owner_client.get("/projekte/p99999/").status_code == 404
    assert owner_client.get("/projekte/s12345/").status_code == 404


def test_project_page_query_count_does_not_grow_with_resources(owner, owner_client, django_assert_max_num_queries):
    small = ProjectFactory(owner=owner)
    DatabaseFactory.create_batch(2, project=small)
    DomainFactory.create_batch(2, project=small)
    large = ProjectFactory(owner=owner)
    DatabaseFactory.create_batch(40, project=large)
    DomainFactory.create_batch(40, project=large)
    for index in range(60):
        AuditEntry.objects.create(
            project=large, role="owner", actor=owner, action="database.created", params={"subject": str(index)}
        )

    with django_assert_max_num_queries(DETAIL_QUERIES):
        owner_client.get(f"/projekte/{large.number}/")

    assert count_queries(owner_client, f"/projekte/{small.number}/") == count_queries(
        owner_client, f"/projekte/{large.number}/"
    )


@pytest.mark.parametrize("section", ["php", "databases", "domains", "orders", "history"])
def test_section_fragment_for_htmx(owner_client, project, section):
    response = owner_client.get("/projekte/p12345/", {"section": section}, headers=HX)

    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith(f'<section id="{section}"')
    assert "HX-Request" in response["Vary"]


# PHP version


def test_owner_changes_php_version(owner_client, owner, project):
    response = owner_client.post("/projekte/p12345/php/", {"php_version": "8.4"})

    assert response.status_code == 302
    assert response["Location"] == "/projekte/p12345/#php"
    project.refresh_from_db()
    assert project.php_version == "8.4"
    assert audit_trail(project) == [("owner", "php_version.changed", "", "8.3", "8.4")]
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.actor_user) == (owner, owner.admin)


def test_owner_sees_the_change_in_verlauf(owner_client, project):
    owner_client.post("/projekte/p12345/php/", {"php_version": "8.4"})

    page = owner_client.get("/projekte/p12345/")

    assert "PHP-Version ist jetzt 8.4." in page.text
    history = page.text.split('id="history"')[1]
    assert "PHP-Version geändert" in history
    assert '<td data-label="alt">8.3</td><td data-label="neu">8.4</td>' in history
    assert "Vertragspartner" in history


@pytest.mark.parametrize("version", ["7.4", "9.0", "8.3; rm -rf /", "x" * 500])
def test_unsupported_php_version_is_refused_at_the_field(owner_client, project, version):
    before = snapshot(project)

    response = owner_client.post("/projekte/p12345/php/", {"php_version": version})

    assert response.status_code == 422
    assert 'id="id_php_version_error"' in response.text
    assert "wird nicht unterstützt." in response.text
    assert snapshot(project) == before


def test_missing_php_version_is_refused(owner_client, project):
    response = owner_client.post("/projekte/p12345/php/", {})

    assert response.status_code == 422
    assert "Dieses Feld ist zwingend erforderlich." in response.text
    assert audit_trail(project) == []


def test_supported_php_versions_come_from_the_setting(owner_client, project, settings):
    settings.PHP_VERSIONS = ["8.2", "8.3"]

    refused = owner_client.post("/projekte/p12345/php/", {"php_version": "8.4"})
    accepted = owner_client.post("/projekte/p12345/php/", {"php_version": "8.2"})

    assert refused.status_code == 422
    assert "PHP 8.4 wird nicht unterstützt." in refused.text
    assert accepted.status_code == 302
    project.refresh_from_db()
    assert project.php_version == "8.2"


def test_unchanged_php_version_writes_no_history(owner_client, project):
    response = owner_client.post("/projekte/p12345/php/", {"php_version": "8.3"})

    assert response.status_code == 302
    assert audit_trail(project) == []


def test_php_version_change_via_htmx_returns_the_section_and_a_trigger(owner_client, project):
    response = owner_client.post("/projekte/p12345/php/", {"php_version": "8.2"}, headers=HX)

    assert response.status_code == 200
    assert response["HX-Trigger"] == "projectChanged"
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<section id="php"')
    assert "PHP-Version ist jetzt 8.2." in response.text
    project.refresh_from_db()
    assert project.php_version == "8.2"


def test_invalid_php_version_via_htmx_returns_the_section_with_the_error(owner_client, project):
    response = owner_client.post("/projekte/p12345/php/", {"php_version": "5.6"}, headers=HX)

    assert response.status_code == 422
    assert "HX-Trigger" not in response
    assert response.text.lstrip().startswith('<section id="php"')
    assert "PHP 5.6 wird nicht unterstützt." in response.text


def test_actions_accept_the_number_in_any_case(owner_client, project):
    response = owner_client.post("/projekte/P12345/php/", {"php_version": "8.4"})

    assert response["Location"] == "/projekte/p12345/#php"
    project.refresh_from_db()
    assert project.php_version == "8.4"


def test_php_version_needs_post(owner_client, project):
    assert owner_client.get("/projekte/p12345/php/").status_code == 405


# Databases


def test_owner_creates_database_and_sees_password_once(owner_client, project):
    response = owner_client.post("/projekte/p12345/datenbanken/", {"suffix": "shop"}, follow=True)

    assert response.redirect_chain == [("/projekte/p12345/#databases", 302)]
    database = Database.objects.get(project=project)
    assert database.name == "p12345_shop"
    assert "Datenbank p12345_shop angelegt." in response.text
    password = PASSWORD_SHOWN_RE.search(response.text)["password"]
    assert check_password(password, database.password_hash)
    assert password not in database.password_hash
    assert password not in owner_client.get("/projekte/p12345/").text
    assert audit_trail(project) == [("owner", "database.created", "p12345_shop", "", "p12345_shop")]


def test_database_create_via_htmx_shows_password_in_the_section(owner_client, project):
    response = owner_client.post("/projekte/p12345/datenbanken/", {"suffix": "blog_2"}, headers=HX)

    assert response.status_code == 200
    assert response["HX-Trigger"] == "projectChanged"
    assert response.text.lstrip().startswith('<section id="databases"')
    password = PASSWORD_SHOWN_RE.search(response.text)["password"]
    assert check_password(password, Database.objects.get(name="p12345_blog_2").password_hash)


@pytest.mark.parametrize(
    ("suffix", "message"),
    [
        ("Shop", "Nur Kleinbuchstaben, Ziffern und Unterstrich"),
        ("1shop", "Nur Kleinbuchstaben, Ziffern und Unterstrich"),
        ("_shop", "Nur Kleinbuchstaben, Ziffern und Unterstrich"),
        ("shop-db", "Nur Kleinbuchstaben, Ziffern und Unterstrich"),
        ("shop db", "Nur Kleinbuchstaben, Ziffern und Unterstrich"),
        ("shöp", "Nur Kleinbuchstaben, Ziffern und Unterstrich"),
        ("shop;drop", "Nur Kleinbuchstaben, Ziffern und Unterstrich"),
        ("../shop", "Nur Kleinbuchstaben, Ziffern und Unterstrich"),
        ("", "Dieses Feld ist zwingend erforderlich."),
        ("a" * 17, "höchstens 16 Zeichen"),
        ("a" * 5000, "höchstens 16 Zeichen"),
    ],
)
def test_malformed_database_name_is_refused_at_the_field(owner_client, project, suffix, message):
    before = snapshot(project)

    response = owner_client.post("/projekte/p12345/datenbanken/", {"suffix": suffix})

    assert response.status_code == 422
    assert 'id="id_suffix_error"' in response.text
    assert message in response.text
    assert snapshot(project) == before


def test_duplicate_database_name_is_refused(owner_client, project, database):
    before = snapshot(project)

    response = owner_client.post("/projekte/p12345/datenbanken/", {"suffix": "shop"})

    assert response.status_code == 422
    assert "Diese Datenbank gibt es schon." in response.text
    assert snapshot(project) == before


def test_database_limit_is_enforced(owner_client, project, database, settings):
    settings.MAX_DATABASES_PER_PROJECT = 1
    before = snapshot(project)

    response = owner_client.post("/projekte/p12345/datenbanken/", {"suffix": "blog"})

    assert response.status_code == 422
    assert "Dieses Projekt hat bereits die höchste Anzahl an Datenbanken." in response.text
    assert snapshot(project) == before


def test_database_delete_get_asks_and_deletes_nothing(owner_client, project, database):
    before = snapshot(project)

    response = owner_client.get("/projekte/p12345/datenbanken/p12345_shop/loeschen/")

    assert response.status_code == 200
    assert "Die Datenbank p12345_shop und alle ihre Daten werden endgültig gelöscht." in response.text
    assert "Endgültig löschen" in response.text
    assert '<form method="post">' in response.text
    assert snapshot(project) == before


def test_database_delete_post_deletes(owner_client, project, database):
    response = owner_client.post("/projekte/p12345/datenbanken/p12345_shop/loeschen/", follow=True)

    assert response.redirect_chain == [("/projekte/p12345/#databases", 302)]
    assert "Datenbank p12345_shop gelöscht." in response.text
    assert not Database.objects.filter(pk=database.pk).exists()
    assert audit_trail(project) == [("owner", "database.deleted", "p12345_shop", "p12345_shop", "")]


def test_database_of_another_project_cannot_be_deleted_through_own_project(owner_client, owner, project):
    other = DatabaseFactory(project=ProjectFactory(owner=owner, number="p22222"), name="p22222_shop")
    before = snapshot(project)

    response = owner_client.post("/projekte/p12345/datenbanken/p22222_shop/loeschen/")

    assert response.status_code == 404
    assert Database.objects.filter(pk=other.pk).exists()
    assert snapshot(project) == before


def test_unknown_database_is_404(owner_client, project):
    assert owner_client.get("/projekte/p12345/datenbanken/p12345_nope/loeschen/").status_code == 404
    assert owner_client.post("/projekte/p12345/datenbanken/p12345_nope/passwort/").status_code == 404


def test_database_password_reset(owner_client, project, database):
    old_hash = database.password_hash

    response = owner_client.post("/projekte/p12345/datenbanken/p12345_shop/passwort/", follow=True)

    database.refresh_from_db()
    assert database.password_hash != old_hash
    assert "Neues Passwort für p12345_shop" in response.text
    password = PASSWORD_SHOWN_RE.search(response.text)["password"]
    assert check_password(password, database.password_hash)
    assert audit_trail(project) == [("owner", "database.password_reset", "p12345_shop", "", "")]


def test_database_password_reset_needs_post(owner_client, project, database):
    before = snapshot(project)

    response = owner_client.get("/projekte/p12345/datenbanken/p12345_shop/passwort/")

    assert response.status_code == 405
    assert snapshot(project) == before
