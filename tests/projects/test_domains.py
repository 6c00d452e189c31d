"""Domains and their targets: a path inside the webspace or an https redirect."""

from __future__ import annotations

import pytest

from projects.models import Domain
from tests.factories import DomainFactory, ProjectFactory
from tests.projects.helpers import HX, audit_trail, snapshot

PATH_ERROR = "Das Ziel muss innerhalb des Webspace liegen („..“ ist nicht erlaubt)."
SCHEME_ERROR = "Weiterleitungen müssen auf eine https://-Adresse zeigen."


def add(client, name="neu-shop.de", target_kind="path", target="/", **kwargs):
    return client.post(
        "/projekte/p12345/domains/", {"name": name, "target_kind": target_kind, "target": target}, **kwargs
    )


def test_owner_adds_domain(owner_client, project):
    response = add(owner_client, name="  Neu-Shop.DE. ", target="shop")

    assert response.status_code == 302
    assert response["Location"] == "/projekte/p12345/#domains"
    domain = Domain.objects.get()
    assert (domain.project, domain.name, domain.target_kind, domain.target) == (
        project,
        "neu-shop.de",
        "path",
        "/shop",
    )
    assert audit_trail(project) == [("owner", "domain.added", "neu-shop.de", "", "/shop")]
    page = owner_client.get("/projekte/p12345/")
    assert "Domain neu-shop.de hinzugefügt." in page.text
    assert "Domain hinzugefügt" in page.text.split('id="history"')[1]


def test_international_domain_name_is_accepted(owner_client, project):
    response = add(owner_client, name="bäckerei-müller.de")

    assert response.status_code == 302
    assert Domain.objects.filter(name="bäckerei-müller.de").exists()


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("/", "/"),
        ("shop", "/shop"),
        ("/shop/", "/shop"),
        ("//shop///neu//", "/shop/neu"),
        ("  /blog/2024 ", "/blog/2024"),
        ("/a.b/c_d/e-f/~g", "/a.b/c_d/e-f/~g"),
    ],
)
def test_path_targets_are_normalised(owner_client, project, raw, normalised):
    response = add(owner_client, target=raw)

    assert response.status_code == 302
    assert Domain.objects.get().target == normalised


@pytest.mark.parametrize(
    ("target_kind", "target", "message"),
    [
        ("path", "..", PATH_ERROR),
        ("path", "../etc", PATH_ERROR),
        ("path", "/shop/../../etc/passwd", PATH_ERROR),
        ("path", "shop/..", PATH_ERROR),
        ("path", "/./shop", PATH_ERROR),
        ("path", "/shop/%2e%2e/x", "Verzeichnisnamen dürfen nur Buchstaben"),
        ("path", "/shop\\..\\x", "Verzeichnisnamen dürfen nur Buchstaben"),
        ("path", "javascript:alert(1)", "Verzeichnisnamen dürfen nur Buchstaben"),
        ("path", "https://example.com", "Verzeichnisnamen dürfen nur Buchstaben"),
        ("path", "/shop?x=1", "Verzeichnisnamen dürfen nur Buchstaben"),
        ("path", "", "Dieses Feld ist zwingend erforderlich."),
        ("path", "/" + "a" * 500, "höchstens 500 Zeichen"),
        ("redirect", "javascript:alert(1)", SCHEME_ERROR),
        ("redirect", "JavaScript:alert(document.cookie)//https://x.de", SCHEME_ERROR),
        ("redirect", "http://example.com", SCHEME_ERROR),
        ("redirect", "//example.com", SCHEME_ERROR),
        ("redirect", "data:text/html,<script>alert(1)</script>", SCHEME_ERROR),
        ("redirect", "/shop", SCHEME_ERROR),
        ("redirect", "https://", "Bitte eine gültige https://-Adresse angeben."),
        ("redirect", "https://exa mple.com", "Bitte eine gültige https://-Adresse angeben."),
        ("unknown", "/", "unknown ist keine gültige Auswahl."),
    ],
)
def test_bad_target_is_refused_at_the_field(owner_client, project, target_kind, target, message):
    before = snapshot(project)

    response = add(owner_client, target_kind=target_kind, target=target)

    assert response.status_code == 422
    field = "target_kind" if target_kind == "unknown" else "target"
    assert f'id="id_{field}_error"' in response.text
    assert message in response.text
    assert snapshot(project) == before


def test_https_redirect_is_accepted(owner_client, project):
    response = add(owner_client, target_kind="redirect", target=" https://www.example.com/shop?ref=1 ")

    assert response.status_code == 302
    domain = Domain.objects.get()
    assert (domain.target_kind, domain.target) == ("redirect", "https://www.example.com/shop?ref=1")
    assert audit_trail(project) == [
        ("owner", "domain.added", "neu-shop.de", "", "→ https://www.example.com/shop?ref=1")
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("kein domainname", "ist kein gültiger Domainname."),
        ("localhost", "„localhost“ ist kein gültiger Domainname."),
        ("-minus.de", "ist kein gültiger Domainname."),
        ("unter_strich.de", "ist kein gültiger Domainname."),
        ("punkt..de", "ist kein gültiger Domainname."),
        ("a" * 64 + ".de", "ist kein gültiger Domainname."),
        ("http://example.com", "Bitte nur den Domainnamen angeben, z. B. beispiel.de."),
        ("example.com/shop", "Bitte nur den Domainnamen angeben, z. B. beispiel.de."),
        ("<script>.de", "ist kein gültiger Domainname."),
        ("", "Dieses Feld ist zwingend erforderlich."),
        ("   ", "Dieses Feld ist zwingend erforderlich."),
        ("a." * 130 + "de", "höchstens 253 Zeichen"),
    ],
)
def test_invalid_domain_name_is_refused_at_the_field(owner_client, project, name, message):
    before = snapshot(project)

    response = add(owner_client, name=name)

    assert response.status_code == 422
    assert 'id="id_name_error"' in response.text
    assert message in response.text
    assert snapshot(project) == before


UNAVAILABLE = "Die Domain fremd.de kann hier nicht hinzugefügt werden. Gehört sie dir, hilft der Support."


def test_domain_of_another_customers_project_is_refused_without_saying_where_it_is(owner_client, project, outsider):
    foreign = ProjectFactory(owner=outsider, name="Geheimes Projekt")
    DomainFactory(project=foreign, name="fremd.de")
    before = snapshot(project)

    response = add(owner_client, name="FREMD.de")

    assert response.status_code == 422
    error = response.text.split('id="id_name_error"')[1].split("</")[0]
    assert UNAVAILABLE in error
    assert "Projekt" not in error
    assert "zugeordnet" not in response.text
    assert foreign.number not in response.text
    assert foreign.name not in response.text
    assert snapshot(project) == before


def test_domain_of_own_other_project_gets_the_same_answer(owner_client, owner, project):
    DomainFactory(project=ProjectFactory(owner=owner), name="fremd.de")
    before = snapshot(project)

    response = add(owner_client, name="fremd.de")

    assert response.status_code == 422
    assert UNAVAILABLE in response.text
    assert snapshot(project) == before


def test_domain_already_in_the_project_is_refused(owner_client, project, domain):
    before = snapshot(project)

    response = add(owner_client, name="sonnenschein.de")

    assert response.status_code == 422
    assert "Die Domain sonnenschein.de gehört bereits zu diesem Projekt." in response.text
    assert snapshot(project) == before


def test_domain_limit_is_enforced(owner_client, project, domain, settings):
    settings.MAX_DOMAINS_PER_PROJECT = 1
    before = snapshot(project)

    response = add(owner_client)

    assert response.status_code == 422
    assert "Dieses Projekt hat bereits die höchste Anzahl an Domains." in response.text
    assert snapshot(project) == before


def test_domain_add_via_htmx_returns_the_section_and_a_trigger(owner_client, project):
    response = add(owner_client, headers=HX)

    assert response.status_code == 200
    assert response["HX-Trigger"] == "projectChanged"
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<section id="domains"')
    assert "neu-shop.de" in response.text


def test_invalid_domain_via_htmx_returns_the_section_with_the_error(owner_client, project):
    response = add(owner_client, name="kaputt", headers=HX)

    assert response.status_code == 422
    assert response.text.lstrip().startswith('<section id="domains"')
    assert 'id="id_name_error"' in response.text
    assert not Domain.objects.exists()


def test_domain_edit_page_shows_current_target(owner_client, project):
    DomainFactory(project=project, name="sonnenschein.de", target="/shop")

    response = owner_client.get("/projekte/p12345/domains/sonnenschein.de/")

    assert response.status_code == 200
    assert "Ziel von sonnenschein.de" in response.text
    assert 'value="/shop"' in response.text


def test_owner_changes_domain_target_to_a_path(owner_client, project, domain):
    response = owner_client.post(
        "/projekte/p12345/domains/sonnenschein.de/", {"target_kind": "path", "target": "shop//neu/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/projekte/p12345/#domains"
    domain.refresh_from_db()
    assert (domain.target_kind, domain.target) == ("path", "/shop/neu")
    assert audit_trail(project) == [("owner", "domain.target_changed", "sonnenschein.de", "/", "/shop/neu")]


def test_owner_changes_domain_target_to_an_https_redirect(owner_client, project, domain):
    owner_client.post(
        "/projekte/p12345/domains/sonnenschein.de/",
        {"target_kind": "redirect", "target": "https://www.example.com/"},
    )

    domain.refresh_from_db()
    assert (domain.target_kind, domain.target) == ("redirect", "https://www.example.com/")
    assert audit_trail(project) == [
        ("owner", "domain.target_changed", "sonnenschein.de", "/", "→ https://www.example.com/")
    ]
    history = owner_client.get("/projekte/p12345/").text.split('id="history"')[1]
    assert "Domain-Ziel geändert: sonnenschein.de" in history
    assert "→ https://www.example.com/" in history


@pytest.mark.parametrize(
    ("target_kind", "target", "message"),
    [
        ("path", "/../../etc", PATH_ERROR),
        ("redirect", "javascript:alert(1)", SCHEME_ERROR),
        ("redirect", "http://example.com", SCHEME_ERROR),
    ],
)
def test_bad_target_edit_is_refused_and_changes_nothing(owner_client, project, domain, target_kind, target, message):
    before = snapshot(project)

    response = owner_client.post(
        "/projekte/p12345/domains/sonnenschein.de/", {"target_kind": target_kind, "target": target}
    )

    assert response.status_code == 422
    assert 'id="id_target_error"' in response.text
    assert message in response.text
    assert snapshot(project) == before


def test_unchanged_target_writes_no_history(owner_client, project, domain):
    response = owner_client.post("/projekte/p12345/domains/sonnenschein.de/", {"target_kind": "path", "target": "/"})

    assert response.status_code == 302
    assert audit_trail(project) == []


def test_target_of_a_domain_in_another_project_cannot_be_edited(owner_client, owner, project):
    other = DomainFactory(project=ProjectFactory(owner=owner, number="p22222"), name="anderes.de")
    before = snapshot(project)

    response = owner_client.post("/projekte/p12345/domains/anderes.de/", {"target_kind": "path", "target": "/x"})

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.target == "/"
    assert snapshot(project) == before


def test_domain_remove_get_asks_and_removes_nothing(owner_client, project, domain):
    before = snapshot(project)

    response = owner_client.get("/projekte/p12345/domains/sonnenschein.de/entfernen/")

    assert response.status_code == 200
    assert "Die Domain sonnenschein.de wird aus diesem Projekt entfernt." in response.text
    assert snapshot(project) == before


def test_domain_remove_post_removes(owner_client, project):
    DomainFactory(project=project, name="sonnenschein.de", target="/shop")

    response = owner_client.post("/projekte/p12345/domains/sonnenschein.de/entfernen/", follow=True)

    assert response.redirect_chain == [("/projekte/p12345/#domains", 302)]
    assert "Domain sonnenschein.de entfernt." in response.text
    assert not Domain.objects.exists()
    assert audit_trail(project) == [("owner", "domain.removed", "sonnenschein.de", "/shop", "")]


def test_unknown_domain_is_404(owner_client, project):
    assert owner_client.get("/projekte/p12345/domains/nope.de/").status_code == 404
    assert owner_client.post("/projekte/p12345/domains/nope.de/entfernen/").status_code == 404
