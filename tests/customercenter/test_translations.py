"""German by default, English as the second language, every string translated."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
ENGLISH_PO = BASE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"
ENGLISH_MO = ENGLISH_PO.with_suffix(".mo")
APPS = ["customercenter", "projects", "delegation", "notifications", "tickets", "api"]
GETTEXT_FUNCTIONS = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy"}
TRANSLATE_TAG_RE = re.compile(r"""{%\s*(?:translate|trans)\s+(?P<quote>["'])(?P<text>.*?)(?P=quote)""")


def po_entries(path: Path) -> list[tuple[str, list[str], bool]]:
    """(msgid, msgstrs, fuzzy) for every entry of a .po file except the header and obsolete ones.

    Entries are separated by blank lines; a keyword line may be followed by "continuation" lines.
    """
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = [line.strip() for line in block.strip().splitlines()]
        if not lines or all(line.startswith("#") for line in lines):
            continue
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        fields: dict[str, str] = {}
        keyword = None
        for line in lines:
            if line.startswith("#"):
                continue
            if line.startswith('"'):
                fields[keyword] += ast.literal_eval(line)
            else:
                keyword, literal = line.split(" ", 1)
                fields[keyword] = ast.literal_eval(literal)
        if fields.get("msgid"):
            msgstrs = [value for key, value in fields.items() if key.startswith("msgstr")]
            entries.append((fields["msgid"], msgstrs, fuzzy))
    return entries


def test_german_is_the_default_language(client, db):
    response = client.get("/konto/login/")

    assert response.status_code == 200
    assert '<html lang="de">' in response.text
    assert "Im Kundencenter anmelden" in response.text
    assert "Partner werden" in response.text


def test_german_for_logged_in_pages(owner_client, project):
    response = owner_client.get("/projekte/")

    assert "Projektverwaltung" in response.text
    assert "Neu laden" in response.text


def test_accept_language_en_activates_english(client, db):
    response = client.get("/konto/login/", headers={"Accept-Language": "en"})

    assert '<html lang="en">' in response.text


def test_language_cookie_activates_english(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get("/konto/login/")

    assert '<html lang="en">' in response.text


@pytest.mark.skipif(not ENGLISH_MO.exists(), reason="English catalogue not compiled yet (locale/en)")
def test_english_pages_show_no_german_strings(client, owner_client, project):
    login_page = client.get("/konto/login/", headers={"Accept-Language": "en"})
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    project_list = owner_client.get("/projekte/")

    assert "Im Kundencenter anmelden" not in login_page.text
    assert "Partner werden" not in login_page.text
    assert "Neu laden" not in project_list.text
    assert "Projektverwaltung" not in project_list.text


def test_english_catalogue_covers_every_string():
    assert ENGLISH_PO.exists(), f"{ENGLISH_PO} is missing: run `make messages` and translate it"
    entries = po_entries(ENGLISH_PO)
    assert entries, "the English catalogue has no entries"

    untranslated = [msgid for msgid, msgstrs, fuzzy in entries if fuzzy or not all(msgstrs)]

    assert untranslated == []


def source_strings() -> set[str]:
    """Literal strings marked for translation in the apps' Python code and in the templates."""
    strings = set()
    for app in APPS:
        for path in (BASE_DIR / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "id", getattr(node.func, "attr", None)) in GETTEXT_FUNCTIONS
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    strings.add(node.args[0].value)
    for path in (BASE_DIR / "templates").rglob("*.html"):
        strings.update(match["text"] for match in TRANSLATE_TAG_RE.finditer(path.read_text(encoding="utf-8")))
    return strings


def test_english_catalogue_is_not_stale():
    """Strings added to the code after the last `make messages` would silently stay German."""
    assert ENGLISH_PO.exists(), f"{ENGLISH_PO} is missing: run `make messages` and translate it"
    # makemessages doubles the % of a {% translate %} literal ("%(n)s" is stored as "%%(n)s").
    catalogue = {msgid.replace("%%", "%") for msgid, _msgstrs, _fuzzy in po_entries(ENGLISH_PO)}

    missing = sorted(source_strings() - catalogue)

    assert missing == []
