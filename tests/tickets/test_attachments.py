"""Attachments are stored under MEDIA_ROOT and only ever downloaded, never rendered by the browser."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import login
from tests.tickets.helpers import (
    NEW,
    PDF,
    PNG,
    admin_change_url,
    attachment_url,
    detail_url,
    open_ticket,
    reply_url,
    upload,
)
from tickets.models import Attachment

CSP = "default-src 'none'; sandbox"


def open_with(client, *files):
    response = client.post(
        NEW,
        {
            "project": "p12345",
            "category": "technical",
            "subject": "Anhang",
            "body": "Siehe Anhang.",
            "attachments": files,
        },
    )
    assert response.status_code == 302
    return Attachment.objects.order_by("pk")


@pytest.mark.parametrize(
    ("name", "content", "claimed", "content_type"),
    [
        ("screenshot.png", PNG, "text/html", "image/png"),
        ("rechnung.pdf", PDF, "application/octet-stream", "application/pdf"),
        ("fehler.log", b"<script>alert(1)</script>", "text/html", "text/plain; charset=utf-8"),
        ("export.csv", b"a;b\n1;2\n", "application/vnd.ms-excel", "text/csv; charset=utf-8"),
    ],
)
def test_download_is_an_attachment_with_the_checked_type(
    owner_client, project, tmp_path, name, content, claimed, content_type
):
    (attachment,) = open_with(owner_client, upload(name, content, claimed))
    assert attachment.content_type == content_type
    assert (attachment.name, attachment.size) == (name, len(content))
    assert (tmp_path / attachment.file.name).read_bytes() == content

    response = owner_client.get(attachment_url(attachment))

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response["Content-Type"] == content_type
    assert response["Content-Security-Policy"] == CSP
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == content


def test_file_names_are_made_safe(owner_client, project, tmp_path):
    (attachment,) = open_with(owner_client, upload("Mein Bericht (März).txt", b"Bericht"))

    assert attachment.name == "Mein_Bericht_März.txt"
    assert attachment.file.name.endswith("/Mein_Bericht_März.txt")
    assert attachment.file.name.startswith("tickets/")
    assert (tmp_path / attachment.file.name).is_file()
    response = owner_client.get(attachment_url(attachment))
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''Mein_Bericht_M%C3%A4rz.txt"


def test_the_same_name_twice_keeps_both_files(owner_client, owner, project):
    first, second = open_with(owner_client, upload("log.txt", b"eins"), upload("log.txt", b"zwei"))

    assert first.file.name != second.file.name
    assert b"".join(owner_client.get(attachment_url(first)).streaming_content) == b"eins"
    assert b"".join(owner_client.get(attachment_url(second)).streaming_content) == b"zwei"


def test_thread_links_every_attachment_with_its_size(owner_client, caretaker_client, owner, project, caretakership):
    ticket = open_ticket(owner, project, files=[upload("inhaber.txt", b"x" * 2048)])
    response = caretaker_client.post(
        reply_url(ticket), {"body": "Bild anbei.", "attachments": [upload("bild.png", PNG, "image/png")]}
    )
    assert response.status_code == 302

    page = owner_client.get(detail_url(ticket)).content.decode()

    for attachment in Attachment.objects.all():
        assert f'href="{attachment_url(attachment)}"' in page
    assert '📎 inhaber.txt</a> <small class="text-body-secondary">(2,0\xa0KB)</small>' in page
    assert "📎 bild.png" in page


def test_unknown_attachment_is_404(owner_client, project):
    assert owner_client.get("/tickets/anhang/999999/").status_code == 404


def test_staff_download_attachments_from_the_admin_with_the_same_headers(staff_client, owner, project):
    ticket = open_ticket(owner, project, files=[upload("bild.png", PNG, "image/png")])
    attachment = Attachment.objects.get()
    url = reverse("admin:tickets_attachment_download", args=[attachment.pk])

    assert f'<a href="{url}">bild.png</a>' in staff_client.get(admin_change_url(ticket)).content.decode()
    assert (
        f'<a href="{url}">bild.png</a>'
        in staff_client.get(reverse("admin:tickets_attachment_change", args=[attachment.pk])).content.decode()
    )
    response = staff_client.get(url)

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="bild.png"'
    assert response["Content-Type"] == "image/png"
    assert response["Content-Security-Policy"] == CSP
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG


@pytest.mark.parametrize("persona", ["owner", "outsider"])
def test_customers_cannot_use_the_admin_download(request, persona, owner, project):
    open_ticket(owner, project, files=[upload("log.txt", b"Protokoll")])
    url = reverse("admin:tickets_attachment_download", args=[Attachment.objects.get().pk])

    response = login(request.getfixturevalue(persona)).get(url)

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_admin_download_of_an_unknown_attachment_is_404(staff_client):
    assert staff_client.get(reverse("admin:tickets_attachment_download", args=[999999])).status_code == 404
