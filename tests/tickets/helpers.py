from __future__ import annotations

import html
import re
from collections.abc import Sequence

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from customercenter.models import Customer
from delegation.access import ProjectAccess
from projects.models import Project
from tickets import services
from tickets.models import Attachment, Ticket

TAG_RE = re.compile(r"<[^>]*>")

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
HTML = b"<!doctype html><script>alert(document.cookie)</script>"

LIST = reverse("tickets:list")
NEW = reverse("tickets:new")


def detail_url(ticket: Ticket) -> str:
    return reverse("tickets:detail", args=[ticket.pk])


def reply_url(ticket: Ticket) -> str:
    return reverse("tickets:reply", args=[ticket.pk])


def close_url(ticket: Ticket) -> str:
    return reverse("tickets:close", args=[ticket.pk])


def reopen_url(ticket: Ticket) -> str:
    return reverse("tickets:reopen", args=[ticket.pk])


def attachment_url(attachment: Attachment) -> str:
    return reverse("tickets:attachment", args=[attachment.pk])


def admin_change_url(ticket: Ticket) -> str:
    return reverse("admin:tickets_ticket_change", args=[ticket.pk])


ADMIN_LIST = reverse("admin:tickets_ticket_changelist")


def upload(name: str, content: bytes, content_type: str = "text/plain; charset=utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def open_ticket(
    customer: Customer,
    project: Project,
    subject: str = "Seite langsam",
    body: str = "Seit heute ist die Seite langsam.",
    files: Sequence[SimpleUploadedFile] = (),
) -> Ticket:
    """A ticket opened through the service, as the view does once the form is valid."""
    return services.open_ticket(
        access=ProjectAccess(project=project, customer=customer),
        subject=subject,
        category="technical",
        body=body,
        files=files,
    )


def page_text(response) -> str:
    """What a reader sees: tags replaced by spaces, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(TAG_RE.sub(" ", response.content.decode())).split())


def field_error(response, field: str) -> str:
    """The error text shown under one form field, or "" when there is none."""
    match = re.search(rf'id="id_{field}_error">(.*?)</div>', response.content.decode(), re.S)
    return html.unescape(match.group(1)).strip() if match else ""


def form_error(response) -> str:
    match = re.search(r'<div class="alert alert-danger" role="alert">(.*?)</div>', response.content.decode(), re.S)
    return html.unescape(match.group(1)).strip() if match else ""


def subjects_listed(response) -> list[str]:
    """The ticket subjects in the list, top to bottom."""
    return [html.unescape(s) for s in re.findall(r'<a href="/tickets/\d+/">(.*?)</a>', response.content.decode())]


def message_badges(response) -> list[str]:
    """Who wrote each message of the thread, top to bottom."""
    pattern = r'<div class="card-header[^"]*">\s*<span class="badge[^"]*">(.*?)</span>'
    return [html.unescape(badge) for badge in re.findall(pattern, response.content.decode())]


def admin_change_data(ticket: Ticket, **fields) -> dict:
    """What the admin change form posts: its fields and the read-only message inline's management form."""
    ticket.refresh_from_db()
    message_ids = list(ticket.messages.values_list("pk", flat=True))
    data = {
        "status": ticket.status,
        "assignee": ticket.assignee_id or "",
        "reply": "",
        "messages-TOTAL_FORMS": str(len(message_ids)),
        "messages-INITIAL_FORMS": str(len(message_ids)),
        "messages-MIN_NUM_FORMS": "0",
        "messages-MAX_NUM_FORMS": "1000",
    }
    for index, pk in enumerate(message_ids):
        data[f"messages-{index}-id"] = str(pk)
        data[f"messages-{index}-ticket"] = str(ticket.pk)
    data.update(fields)
    return data
