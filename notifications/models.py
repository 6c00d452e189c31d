from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customercenter.models import Customer, Membership
from customercenter.roles import Action, member_may
from notifications.rendering import notification_text, render_email
from notifications.signals import email_undeliverable

# Delivery takes seconds; an e-mail still waiting after this is late (provider down, no worker).
LATE_AFTER = timedelta(minutes=15)


class OutboxEmailQuerySet(models.QuerySet["OutboxEmail"]):
    def pending(self) -> OutboxEmailQuerySet:
        return self.filter(status=OutboxEmail.Status.PENDING)

    def due(self, now: datetime) -> OutboxEmailQuerySet:
        """Pending rows whose next attempt is due (not waiting out a backoff)."""
        return self.pending().filter(next_attempt_at__lte=now)

    def late(self, now: datetime) -> OutboxEmailQuerySet:
        return self.pending().filter(created_at__lt=now - LATE_AFTER)

    def requeueable(self) -> OutboxEmailQuerySet:
        """Never sent, and the body is still there: a failed e-mail with a link had it wiped."""
        return (
            self.filter(sent_at__isnull=True)
            .exclude(status=OutboxEmail.Status.SENT)
            .exclude(status=OutboxEmail.Status.FAILED, sensitive=True)
        )

    def oldest_pending_age(self, now: datetime) -> timedelta | None:
        oldest = self.pending().aggregate(oldest=Min("created_at"))["oldest"]
        return None if oldest is None else max(now - oldest, timedelta(0))


class OutboxEmail(models.Model):
    """An e-mail written in the same transaction as the change that causes it.

    A Celery task sends it; a periodic job picks up what is still unsent, so a broker
    or mail-provider outage delays mail but never loses it. After a temporary failure the
    row waits until `next_attempt_at` (backoff); after the last attempt it is failed.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("wartet")
        SENT = "sent", _("versendet")
        FAILED = "failed", _("nicht zustellbar")

    to = models.EmailField(_("Empfänger"))
    subject = models.CharField(_("Betreff"), max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    status = models.CharField(_("Status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("Versuche"), default=0)
    last_error = models.CharField(_("letzter Fehler"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("nächster Versuch"), default=timezone.now)
    sent_at = models.DateTimeField(_("versendet am"), null=True, blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    # What the mail is about, so delivery problems can be shown where they matter.
    topic = models.CharField(max_length=64, blank=True, db_index=True)
    # Carries a working link (release, password reset): the body is wiped once it left.
    sensitive = models.BooleanField(default=False)
    # A digest of the periodic job is stored as template, context and language and rendered by
    # the worker that sends it: one sweep writes thousands of them in one transaction.
    template = models.CharField(max_length=64, blank=True)
    context = models.JSONField(null=True, blank=True)
    language = models.CharField(max_length=8, blank=True)

    objects = OutboxEmailQuerySet.as_manager()

    class Meta:
        verbose_name = _("E-Mail")
        verbose_name_plural = _("E-Mail-Ausgang")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(status="pending"), name="outbox_pending"),
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="outbox_due"),
        ]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"

    def render(self) -> list[str]:
        """Render a row stored as template and context (once); returns the fields to save."""
        if not self.template or self.body_text:
            return []
        self.subject, self.body_text, self.body_html = render_email(
            self.template, self.context or {}, language=self.language or None
        )
        return ["subject", "body_text", "body_html"]

    def redact(self) -> list[str]:
        """Wipe a sensitive body once the mail has left; returns the fields to save."""
        if not self.sensitive:
            return []
        self.body_text = str(_("[Inhalt nach dem Versand entfernt: die E-Mail enthielt einen Zugangslink.]"))
        self.body_html = ""
        return ["body_text", "body_html"]

    def mark_undeliverable(self, reason: str) -> None:
        """The provider refused or bounced this e-mail: record it and tell the app that caused it."""
        self.status = self.Status.FAILED
        self.last_error = reason[:500]
        self.save(update_fields=["status", "attempts", "last_error", *self.redact()])
        email_undeliverable.send(sender=OutboxEmail, email=self)


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def for_member(self, membership: Membership) -> NotificationQuerySet:
        """The account's notifications that concern what the member's role may do."""
        concerns = [action.name for action in Action if member_may(membership, action)]
        return self.filter(recipient_id=membership.customer_id, concerns__in=concerns)


class Notification(models.Model):
    """A message in the customer center, with an unread badge in the navigation. It is the
    account's, and shown to the members whose role may do what it `concerns` (the name of a
    customercenter.roles.Action): a request to decide only to those who may decide it.

    It stores what happened (`kind`, see notifications/rendering.py) and its parameters; the
    sentence is written when it is shown, in the reader's language.
    """

    recipient = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notifications")
    concerns = models.CharField(_("betrifft"), max_length=16)
    kind = models.CharField(_("Art"), max_length=48, blank=True)
    params = models.JSONField(_("Angaben"), default=dict, blank=True)
    # The finished sentence of a notification from before kinds, which no kind matched: shown as is.
    legacy_text = models.CharField(_("Nachricht"), max_length=500, blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("Zeitpunkt"), default=timezone.now)
    read_at = models.DateTimeField(_("gelesen am"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("Benachrichtigung")
        verbose_name_plural = _("Benachrichtigungen")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread")]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """The sentence in the active language."""
        return notification_text(self.kind, self.params) if self.kind else self.legacy_text
