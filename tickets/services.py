"""Tickets: open, reply, change status — each audited and notifying the other side."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from customercenter import event_params
from customercenter.models import Customer, User
from customercenter.roles import Action
from delegation.access import ProjectAccess, accessible_projects
from notifications.services import notify, send_notice
from projects import audit
from projects.models import AuditEntry
from tickets.models import Attachment, Message, Role, Ticket


class TicketClosed(Exception):
    pass


class TooManyMessages(Exception):
    pass


def _check_message_limit(customer: Customer) -> None:
    """Each message mails support: a customer writes at most so many a day, tickets opened included."""
    since = timezone.now() - timedelta(days=1)
    limit = settings.MAX_TICKET_MESSAGES_PER_CUSTOMER_PER_DAY
    if Message.objects.filter(author=customer, created_at__gt=since).count() >= limit:
        raise TooManyMessages(
            _("Du hast heute bereits %(n)s Nachrichten an den Support geschrieben. Bitte versuche es morgen wieder.")
            % {"n": limit}
        )


def role_badge(ticket: Ticket, message: Message) -> str:
    """How staff and customers see who wrote: role, name, customer number and project."""
    if message.role == Role.STAFF:
        return _("Support")
    author = message.author
    name = author.display_name
    if message.author_person is not None:
        name = f"{message.author_person.display_name} ({author.account_name})"
    if message.role == Role.CARETAKER:
        return _("Technischer Betreuer · %(name)s · %(number)s für %(project)s") % {
            "name": name,
            "number": author.number,
            "project": ticket.project.number,
        }
    return _("Vertragspartner · %(name)s · %(number)s") % {"name": name, "number": author.number}


def _person(access: ProjectAccess) -> User | None:
    return access.membership.user if access.membership is not None else None


def _attach(message: Message, files: Sequence[UploadedFile]) -> None:
    for upload in files:
        Attachment.objects.create(
            message=message, file=upload, name=upload.name, size=upload.size, content_type=upload.content_type
        )


def _tell_support(ticket: Ticket, message: Message) -> None:
    send_notice(
        to=settings.SUPPORT_EMAIL,
        language=settings.LANGUAGE_CODE,
        subject=f"[#{ticket.pk}] {ticket.subject} – {role_badge(ticket, message)}",
        lines=[message.body[:2000]],
        link=reverse("admin:tickets_ticket_change", args=[ticket.pk]),
        topic="ticket",
    )


@transaction.atomic
def open_ticket(
    *, access: ProjectAccess, subject: str, category: str, body: str, files: Sequence[UploadedFile] = ()
) -> Ticket:
    _check_message_limit(access.customer)
    ticket = Ticket.objects.create(
        project=access.project,
        subject=subject,
        category=category,
        opened_by=access.customer,
        opened_as=access.role,
        owner=access.project.owner,
    )
    message = Message.objects.create(
        ticket=ticket, author=access.customer, author_person=_person(access), role=access.role, body=body
    )
    _attach(message, files)
    audit.record(
        project=access.project,
        role=access.role,
        actor=access.customer,
        action="ticket.opened",
        subject=f"#{ticket.pk} {subject}",
    )
    _tell_support(ticket, message)
    return ticket


@transaction.atomic
def reply(*, access: ProjectAccess, ticket: Ticket, body: str, files: Sequence[UploadedFile] = ()) -> Message:
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.is_closed:
        raise TicketClosed(_("Dieses Ticket ist geschlossen. Öffne es wieder, um zu antworten."))
    _check_message_limit(access.customer)
    message = Message.objects.create(
        ticket=ticket, author=access.customer, author_person=_person(access), role=access.role, body=body
    )
    _attach(message, files)
    ticket.last_message_at = message.created_at
    old = ticket.status
    ticket.status = Ticket.Status.OPEN
    ticket.save(update_fields=["last_message_at", "status"])
    ticket.project = access.project
    if old != ticket.status:
        _record_status(ticket, old, role=access.role, customer=access.customer)
    _tell_support(ticket, message)
    return message


@transaction.atomic
def staff_reply(*, staff: User, ticket: Ticket, body: str) -> Message:
    ticket = Ticket.objects.select_for_update().select_related("project", "opened_by").get(pk=ticket.pk)
    message = Message.objects.create(ticket=ticket, author_staff=staff, role=Role.STAFF, body=body)
    ticket.last_message_at = message.created_at
    old = ticket.status
    ticket.status = Ticket.Status.ANSWERED
    ticket.save(update_fields=["last_message_at", "status"])
    if old != ticket.status:
        _record_status(ticket, old, role=AuditEntry.Role.STAFF, staff=staff)
    recipient = ticket.opened_by
    if not accessible_projects(recipient).filter(pk=ticket.project_id).exists():
        # A caretaker whose caretakership ended must not receive the answer; the owner gets it.
        recipient = ticket.project.owner
    notify(
        recipient=recipient,
        concerns=Action.PROJECTS,
        kind="ticket.answered",
        params={"id": ticket.pk, "subject": ticket.subject, "project": ticket.project.number},
        lines=lambda: [body[:2000]],
        link=reverse("tickets:detail", args=[ticket.pk]),
        topic="ticket",
    )
    return message


def _record_status(
    ticket: Ticket, old: str, *, role: str, customer: Customer | None = None, staff: User | None = None
) -> None:
    labels = dict(Ticket.Status.choices)
    audit.record(
        project=ticket.project,
        role=role,
        actor=customer,
        actor_user=staff,
        action="ticket.status_changed",
        subject=f"#{ticket.pk} {ticket.subject}",
        old=event_params.label(labels.get(old, old)),
        new=event_params.label(labels.get(ticket.status, ticket.status)),
    )


@transaction.atomic
def set_status(*, ticket: Ticket, status: str, access: ProjectAccess | None = None, staff: User | None = None):
    ticket = Ticket.objects.select_for_update().select_related("project").get(pk=ticket.pk)
    old = ticket.status
    if old == status:
        return ticket
    ticket.status = status
    ticket.last_message_at = timezone.now()
    ticket.save(update_fields=["status", "last_message_at"])
    if access is not None:
        _record_status(ticket, old, role=access.role, customer=access.customer)
    else:
        _record_status(ticket, old, role=AuditEntry.Role.STAFF, staff=staff)
    return ticket
