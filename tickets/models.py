from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customercenter.models import Customer
from delegation.access import accessible_projects
from projects.models import Project


class Role(models.TextChoices):
    OWNER = "owner", _("Vertragspartner")
    CARETAKER = "caretaker", _("Technischer Betreuer")
    STAFF = "staff", _("Support")


class TicketQuerySet(models.QuerySet["Ticket"]):
    def visible_to(self, customer: Customer) -> TicketQuerySet:
        """Tickets of every project the customer may access right now — the same one decision."""
        return self.filter(project__in=accessible_projects(customer).values("pk"))


class Ticket(models.Model):
    class Category(models.TextChoices):
        TECHNICAL = "technical", _("Technik")
        DOMAINS = "domains", _("Domains und SSL")
        DATABASES = "databases", _("Datenbanken")
        EMAIL = "email", _("E-Mail")
        OTHER = "other", _("Sonstiges")

    class Status(models.TextChoices):
        OPEN = "open", _("offen")
        ANSWERED = "answered", _("beantwortet")
        CLOSED = "closed", _("geschlossen")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tickets", verbose_name=_("Projekt"))
    subject = models.CharField(_("Betreff"), max_length=150)
    category = models.CharField(_("Kategorie"), max_length=16, choices=Category.choices)
    status = models.CharField(_("Status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="opened_tickets", verbose_name=_("eröffnet von")
    )
    opened_as = models.CharField(_("eröffnet als"), max_length=16, choices=Role.choices)
    # The contract partner when the ticket was opened, so staff see both customer numbers.
    owner = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("Vertragspartner"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("zuständig"),
        limit_choices_to={"is_staff": True},
    )
    created_at = models.DateTimeField(_("eröffnet am"), default=timezone.now)
    last_message_at = models.DateTimeField(_("letzte Nachricht"), default=timezone.now, db_index=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("Ticket")
        verbose_name_plural = _("Tickets")
        ordering = ["-last_message_at"]
        indexes = [
            models.Index(fields=["project", "-last_message_at"]),
            models.Index(fields=["last_message_at"], condition=~Q(status="closed"), name="ticket_not_closed"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class Message(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The member of the author's account who wrote it (none for older messages).
    author_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    role = models.CharField(_("Rolle"), max_length=16, choices=Role.choices)
    body = models.TextField(_("Nachricht"))
    created_at = models.DateTimeField(_("geschrieben am"), default=timezone.now)

    class Meta:
        verbose_name = _("Nachricht")
        verbose_name_plural = _("Nachrichten")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["author", "created_at"])]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.body[:40]}"


def attachment_path(attachment: Attachment, filename: str) -> str:
    return f"tickets/{timezone.now():%Y/%m}/{attachment.message.ticket_id}/{filename}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    name = models.CharField(_("Dateiname"), max_length=150)
    size = models.PositiveIntegerField(_("Größe"))
    content_type = models.CharField(max_length=100)

    class Meta:
        verbose_name = _("Anhang")
        verbose_name_plural = _("Anhänge")

    def __str__(self) -> str:
        return self.name
