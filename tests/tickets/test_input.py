"""Bad input is refused in place, says why, and creates nothing; what is shown is escaped."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from notifications.models import OutboxEmail
from projects.models import AuditEntry
from tests.conftest import login
from tests.factories import ProjectFactory
from tests.tickets.helpers import (
    ADMIN_LIST,
    HTML,
    LIST,
    NEW,
    PDF,
    PNG,
    admin_change_url,
    detail_url,
    field_error,
    form_error,
    open_ticket,
    page_text,
    reopen_url,
    reply_url,
    upload,
)
from tickets.models import Attachment, Message, Ticket

REQUIRED = "Dieses Feld ist zwingend erforderlich."
NOT_YOURS = "Dieses Projekt kannst du nicht auswählen."
CLOSED = "Dieses Ticket ist geschlossen. Öffne es wieder, um zu antworten."


def ticket_data(**fields) -> dict:
    return {
        "project": "p12345",
        "category": Ticket.Category.TECHNICAL,
        "subject": "Seite langsam",
        "body": "Seit heute ist die Seite langsam.",
        **fields,
    }


def assert_nothing_created(media_root) -> None:
    assert not Ticket.objects.exists()
    assert not Message.objects.exists()
    assert not Attachment.objects.exists()
    assert not OutboxEmail.objects.exists()
    assert not AuditEntry.objects.exists()
    assert [path for path in media_root.rglob("*") if path.is_file()] == []


@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        ({"subject": ""}, "subject", REQUIRED),
        ({"subject": "   "}, "subject", REQUIRED),
        ({"subject": "x" * 151}, "subject", "höchstens 150 Zeichen"),
        ({"body": ""}, "body", REQUIRED),
        ({"body": " \n\t "}, "body", REQUIRED),
        ({"body": "x" * (settings.TICKET_MESSAGE_MAX_CHARS + 1)}, "body", "höchstens 10000 Zeichen"),
        ({"category": "billing"}, "category", "Bitte eine gültige Auswahl treffen."),
        ({"project": ""}, "project", "Bitte ein Projekt auswählen."),
        ({"project": "p77777"}, "project", NOT_YOURS),
        ({"project": "p99999"}, "project", NOT_YOURS),
    ],
)
def test_new_ticket_with_bad_input_is_refused(owner_client, project, outsider, tmp_path, fields, field, error):
    ProjectFactory(owner=outsider, number="p77777", name="Fremdprojekt")

    response = owner_client.post(NEW, ticket_data(**fields))

    assert response.status_code == 422
    assert error in field_error(response, field)
    assert_nothing_created(tmp_path)


def test_the_longest_allowed_message_is_accepted(owner_client, project):
    body = "x" * settings.TICKET_MESSAGE_MAX_CHARS

    response = owner_client.post(NEW, ticket_data(body=body))

    assert response.status_code == 302
    assert Message.objects.get().body == body


def test_a_refused_form_keeps_what_was_typed(owner_client, project):
    response = owner_client.post(NEW, ticket_data(body=""))

    page = response.content.decode()
    assert 'value="Seite langsam"' in page
    assert '<option value="p12345" selected>' in page


@pytest.mark.parametrize("persona", ["outsider", "ended_caretaker", "expired_caretaker"])
def test_cannot_open_a_ticket_for_a_project_without_access(request, persona, project, tmp_path):
    client = login(request.getfixturevalue(persona))

    response = client.post(NEW, ticket_data(attachments=[upload("log.txt", b"Protokoll")]))

    assert response.status_code == 422
    assert field_error(response, "project") == NOT_YOURS
    assert "Hauptseite" not in response.content.decode()
    assert_nothing_created(tmp_path)


def test_a_link_to_a_foreign_project_does_not_show_it(owner_client, project, outsider):
    ProjectFactory(owner=outsider, number="p77777", name="Fremdprojekt")

    response = owner_client.get(NEW, {"projekt": "p77777"})

    assert response.status_code == 200
    select = response.content.decode().split('name="project"')[1].split("</select>")[0]
    assert "p77777" not in select
    assert " selected" not in select
    assert '<option value="p12345">p12345 · Hauptseite</option>' in select
    assert "Fremdprojekt" not in response.content.decode()


# Each case: the files (made fresh for every test, an upload is read once), and the error shown.
ATTACHMENT_CASES = {
    "too_big": (lambda: [upload("log.txt", b"x" * 1025)], "„log.txt“ ist zu groß (höchstens 1,0\xa0KB)."),
    "exe": (
        lambda: [upload("setup.exe", b"MZ\x90\x00", "application/x-msdownload")],
        "Der Dateityp von „setup.exe“ ist nicht erlaubt.",
    ),
    "html": (lambda: [upload("seite.html", HTML, "text/html")], "Der Dateityp von „seite.html“ ist nicht erlaubt."),
    "svg": (
        lambda: [upload("logo.svg", b"<svg onload=alert(1)/>", "image/svg+xml")],
        "Der Dateityp von „logo.svg“ ist nicht erlaubt.",
    ),
    "no_extension": (lambda: [upload("README", b"Hallo")], "Der Dateityp von „README“ ist nicht erlaubt."),
    "double_extension": (
        lambda: [upload("bild.png.html", HTML, "image/png")],
        "Der Dateityp von „bild.png.html“ ist nicht erlaubt.",
    ),
    "html_as_png": (lambda: [upload("bild.png", HTML, "image/png")], "„bild.png“ passt nicht zu seiner Dateiendung."),
    "pdf_as_jpg": (lambda: [upload("foto.jpg", PDF, "image/jpeg")], "„foto.jpg“ passt nicht zu seiner Dateiendung."),
    "binary_as_txt": (lambda: [upload("log.txt", b"MZ\x00\x00")], "„log.txt“ passt nicht zu seiner Dateiendung."),
    "empty": (lambda: [upload("leer.txt", b"")], "Die übertragene Datei ist leer."),
    "too_many": (
        lambda: [upload(f"log{n}.txt", b"Protokoll") for n in range(settings.TICKET_ATTACHMENTS_PER_MESSAGE + 1)],
        "Höchstens 5 Anhänge pro Nachricht.",
    ),
}


@pytest.fixture
def small_attachments(settings):
    settings.TICKET_ATTACHMENT_MAX_BYTES = 1024


@pytest.mark.parametrize("case", ATTACHMENT_CASES)
def test_new_ticket_with_bad_attachments_is_refused(owner_client, project, small_attachments, tmp_path, case):
    files, error = ATTACHMENT_CASES[case]

    response = owner_client.post(NEW, ticket_data(attachments=files()))

    assert response.status_code == 422
    assert error in field_error(response, "attachments")
    assert_nothing_created(tmp_path)


@pytest.mark.parametrize("case", ATTACHMENT_CASES)
def test_reply_with_bad_attachments_is_refused(owner_client, owner, project, small_attachments, tmp_path, case):
    ticket = open_ticket(owner, project)
    files, error = ATTACHMENT_CASES[case]

    response = owner_client.post(reply_url(ticket), {"body": "Anbei.", "attachments": files()})

    assert response.status_code == 422
    assert error in field_error(response, "attachments")
    assert ticket.messages.count() == 1
    assert not Attachment.objects.exists()
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


def test_allowed_attachments_up_to_the_limits_are_accepted(owner_client, project, small_attachments):
    files = [
        upload("log.txt", b"x" * 1024),
        upload("bild.png", PNG, "image/png"),
        upload("rechnung.PDF", PDF, "application/pdf"),
        upload("foto.jpeg", b"\xff\xd8\xff\xe0" + bytes(10), "image/jpeg"),
        upload("daten.csv", b"a;b\n1;2\n", "text/csv"),
    ]

    response = owner_client.post(NEW, ticket_data(attachments=files))

    assert response.status_code == 302
    assert sorted(Attachment.objects.values_list("name", "content_type")) == [
        ("bild.png", "image/png"),
        ("daten.csv", "text/csv; charset=utf-8"),
        ("foto.jpeg", "image/jpeg"),
        ("log.txt", "text/plain; charset=utf-8"),
        ("rechnung.PDF", "application/pdf"),
    ]


def test_reply_with_empty_or_oversize_message_is_refused(owner_client, owner, project):
    ticket = open_ticket(owner, project)

    for body, error in [("", REQUIRED), ("x" * (settings.TICKET_MESSAGE_MAX_CHARS + 1), "höchstens 10000 Zeichen")]:
        response = owner_client.post(reply_url(ticket), {"body": body})

        assert response.status_code == 422
        assert error in field_error(response, "body")
    assert ticket.messages.count() == 1


def test_reply_to_a_closed_ticket_is_refused_and_reopening_offered(owner_client, owner, project, tmp_path):
    ticket = open_ticket(owner, project)
    ticket.status = Ticket.Status.CLOSED
    ticket.save()
    OutboxEmail.objects.all().delete()

    response = owner_client.post(
        reply_url(ticket), {"body": "Doch noch etwas.", "attachments": [upload("log.txt", b"Protokoll")]}
    )

    assert response.status_code == 409
    assert form_error(response) == CLOSED
    assert f'action="{reopen_url(ticket)}"' in response.content.decode()
    assert "Wieder öffnen" in page_text(response)
    assert ticket.messages.count() == 1
    assert not Attachment.objects.exists()
    assert not OutboxEmail.objects.exists()
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED


SCRIPT = '<script>alert("x")</script>'
IMG = "<img src=x onerror=alert(1)>"


def test_markup_in_subject_and_message_is_shown_escaped(owner_client, owner, project, staff_client):
    owner_client.post(NEW, ticket_data(subject=f"Hilfe {SCRIPT}", body=f"Text {IMG} {SCRIPT}"))
    ticket = Ticket.objects.get()
    assert ticket.subject == f"Hilfe {SCRIPT}"

    for client, url in [
        (owner_client, LIST),
        (owner_client, detail_url(ticket)),
        (staff_client, ADMIN_LIST),
        (staff_client, admin_change_url(ticket)),
    ]:
        page = client.get(url).content.decode()
        assert SCRIPT not in page
        assert IMG not in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page

    page = owner_client.get(detail_url(ticket)).content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_markup_is_escaped_when_the_form_is_shown_again(owner_client, project):
    response = owner_client.post(NEW, ticket_data(subject=SCRIPT, body=""))

    assert SCRIPT not in response.content.decode()
    assert "&lt;script&gt;" in response.content.decode()


def test_links_in_messages_become_safe_links(owner_client, owner, project):
    ticket = open_ticket(
        owner,
        project,
        body=(
            "Status: https://example.com/status?a=1&b=2\n"
            'Und javascript:alert(1) sowie <a href="javascript:alert(2)">klick</a>\n'
            "und www.example.org"
        ),
    )

    page = owner_client.get(detail_url(ticket)).content.decode()

    assert (
        '<a href="https://example.com/status?a=1&amp;b=2" rel="nofollow">https://example.com/status?a=1&amp;b=2</a>'
        in page
    )
    assert '<a href="http://www.example.org" rel="nofollow">www.example.org</a>' in page
    assert 'href="javascript:' not in page
    assert "javascript:alert(1)" in page
    assert "&lt;a href=&quot;javascript:alert(2)&quot;&gt;klick&lt;/a&gt;" in page
    assert "<br>" in page


LIMIT_REACHED = "Du hast heute bereits 2 Nachrichten an den Support geschrieben. Bitte versuche es morgen wieder."


def test_ticket_messages_are_limited_per_customer_and_day(owner_client, owner, project, settings, tmp_path):
    settings.MAX_TICKET_MESSAGES_PER_CUSTOMER_PER_DAY = 2
    ticket = open_ticket(owner, project)
    assert owner_client.post(reply_url(ticket), {"body": "Noch etwas."}).status_code == 302
    OutboxEmail.objects.all().delete()

    reply = owner_client.post(reply_url(ticket), {"body": "Und noch etwas.", "attachments": [upload("a.txt", b"x")]})
    new = owner_client.post(NEW, ticket_data(subject="Noch ein Ticket"))

    for response in (reply, new):
        assert response.status_code == 429
        assert form_error(response) == LIMIT_REACHED
    assert "Und noch etwas." in page_text(reply)  # what was typed stays in the form
    assert Ticket.objects.count() == 1
    assert Message.objects.count() == 2
    assert not Attachment.objects.exists()
    assert not OutboxEmail.objects.exists()
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


def test_the_message_limit_counts_each_customer_and_the_last_day(
    owner_client, owner, caretaker, project, caretakership, settings
):
    settings.MAX_TICKET_MESSAGES_PER_CUSTOMER_PER_DAY = 1
    ticket = open_ticket(owner, project)

    caretaker_reply = login(caretaker).post(reply_url(ticket), {"body": "Vom Betreuer."})
    refused = owner_client.post(reply_url(ticket), {"body": "Vom Vertragspartner."})
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        tomorrow = owner_client.post(reply_url(ticket), {"body": "Am nächsten Tag."})

    assert caretaker_reply.status_code == 302
    assert refused.status_code == 429
    assert tomorrow.status_code == 302
    assert list(ticket.messages.values_list("body", flat=True)) == [
        "Seit heute ist die Seite langsam.",
        "Vom Betreuer.",
        "Am nächsten Tag.",
    ]
