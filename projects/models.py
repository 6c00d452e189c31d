from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customercenter import event_params
from customercenter.models import Customer


class Server(models.Model):
    number = models.CharField(_("Servernummer"), max_length=12, unique=True)
    owner = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="servers", verbose_name=_("Vertragspartner")
    )
    name = models.CharField(_("Bezeichnung"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("Server")
        verbose_name_plural = _("Server")
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number


class Project(models.Model):
    class Tariff(models.TextChoices):
        START = "start", "Webhosting Start"
        PLUS = "plus", "Webhosting Plus"
        PRO = "pro", "Webhosting Pro"
        BUSINESS = "business", "Managed Business"

    number = models.CharField(_("Projektnummer"), max_length=12, unique=True)
    name = models.CharField(_("Bezeichnung"), max_length=100)
    owner = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="projects", verbose_name=_("Vertragspartner")
    )
    tariff = models.CharField(_("Tarif"), max_length=16, choices=Tariff.choices)
    server = models.ForeignKey(
        Server,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("Server"),
    )
    php_version = models.CharField(_("PHP-Version"), max_length=8)
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)

    class Meta:
        verbose_name = _("Projekt")
        verbose_name_plural = _("Projekte")
        ordering = ["number"]
        indexes = [
            # A customer's projects in number order, so a page of them (and of their
            # caretakers, Freigegebene Projekte) is read from the index instead of sorted.
            models.Index(fields=["owner", "number"], name="project_by_owner_number"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def webspace_root(self) -> str:
        return f"/home/{self.number}/www"


class Database(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="databases")
    name = models.CharField(_("Name"), max_length=40, unique=True)
    password_hash = models.CharField(max_length=200)
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)
    password_changed_at = models.DateTimeField(_("Passwort geändert am"), default=timezone.now)

    class Meta:
        verbose_name = _("Datenbank")
        verbose_name_plural = _("Datenbanken")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Domain(models.Model):
    class TargetKind(models.TextChoices):
        PATH = "path", _("Verzeichnis im Webspace")
        REDIRECT = "redirect", _("Weiterleitung")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="domains")
    name = models.CharField(_("Domain"), max_length=253, unique=True)
    target_kind = models.CharField(_("Ziel"), max_length=16, choices=TargetKind.choices, default=TargetKind.PATH)
    target = models.CharField(_("Ziel"), max_length=500, default="/")
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)

    class Meta:
        verbose_name = _("Domain")
        verbose_name_plural = _("Domains")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def target_display(self) -> str:
        if self.target_kind == self.TargetKind.REDIRECT:
            return f"→ {self.target}"
        return self.target


class Order(models.Model):
    """A paid service ordered by the contract partner; shows up in Vertragsdaten."""

    class Kind(models.TextChoices):
        SSL = "ssl", _("SSL-Zertifikat")
        DOMAIN = "domain", _("Domainregistrierung")
        TARIFF = "tariff", _("Tarifwechsel")

    class Status(models.TextChoices):
        OPEN = "open", _("in Bearbeitung")
        DONE = "done", _("ausgeführt")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="orders")
    kind = models.CharField(_("Leistung"), max_length=16, choices=Kind.choices)
    subject = models.CharField(_("Gegenstand"), max_length=253)
    price = models.DecimalField(_("Preis (EUR/Jahr)"), max_digits=9, decimal_places=2)
    status = models.CharField(_("Status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("bestellt am"), default=timezone.now)

    class Meta:
        verbose_name = _("Bestellung")
        verbose_name_plural = _("Bestellungen")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind", "subject"],
                condition=Q(kind="ssl", status="open"),
                name="one_open_ssl_order_per_domain",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject}"


class Invoice(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("offen")
        PAID = "paid", _("bezahlt")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(_("Rechnungsnummer"), max_length=20, unique=True)
    issued_on = models.DateField(_("Rechnungsdatum"))
    amount = models.DecimalField(_("Betrag (EUR)"), max_digits=10, decimal_places=2)
    status = models.CharField(_("Status"), max_length=8, choices=Status.choices)

    class Meta:
        verbose_name = _("Rechnung")
        verbose_name_plural = _("Rechnungen")
        ordering = ["-issued_on", "-number"]

    def __str__(self) -> str:
        return self.number


# What each audit action is called on a project's history.
ACTION_LABELS = {
    "project.renamed": _("Bezeichnung geändert"),
    "tariff.changed": _("Tarif geändert"),
    "server.changed": _("Server geändert"),
    "php_version.changed": _("PHP-Version geändert"),
    "database.created": _("Datenbank angelegt"),
    "database.deleted": _("Datenbank gelöscht"),
    "database.password_reset": _("Datenbank-Passwort zurückgesetzt"),
    "domain.added": _("Domain hinzugefügt"),
    "domain.removed": _("Domain entfernt"),
    "domain.renamed": _("Domain umbenannt"),
    "domain.target_changed": _("Domain-Ziel geändert"),
    "order.ssl": _("SSL-Zertifikat bestellt"),
    "order.domain": _("Domain registriert"),
    "request.created": _("Verwaltung beantragt"),
    "request.accepted": _("Antrag angenommen"),
    "request.declined": _("Antrag abgelehnt"),
    "request.withdrawn": _("Antrag zurückgezogen"),
    "request.lapsed": _("Antrag verfallen"),
    "request.ended_by_staff": _("Antrag vom Support beendet"),
    "release.created": _("Projektfreigabe erteilt"),
    "release.resent": _("Freigabe-Link neu versendet"),
    "release.withdrawn": _("Projektfreigabe zurückgezogen"),
    "release.accepted": _("Projektfreigabe angenommen"),
    "release.declined": _("Projektfreigabe abgelehnt"),
    "release.lapsed": _("Freigabe-Link abgelaufen"),
    "caretakership.started": _("Betreuung begonnen"),
    "caretakership.revoked": _("Betreuung widerrufen"),
    "caretakership.ended": _("Betreuung beendet"),
    "caretakership.expired": _("Betreuung abgelaufen"),
    "caretakership.ended_by_staff": _("Betreuung vom Support beendet"),
    "caretakership.expiry_changed": _("Ablaufdatum der Betreuung geändert"),
    "caretakership.scope_changed": _("Umfang der Betreuung geändert"),
    "ticket.opened": _("Ticket eröffnet"),
    "ticket.status_changed": _("Ticketstatus geändert"),
}


class AuditEntry(models.Model):
    """Who changed what on a project, in which role, from which value to which.

    The action is a key of ACTION_LABELS; what it was done to and the old and new value are
    stored as event parameters (customercenter/event_params.py) under "subject", "old" and
    "new", and written in the reader's language when shown; a caretakership granted or begun also
    stores its scope under "scope" (rows before that have none).
    """

    class Role(models.TextChoices):
        OWNER = "owner", _("Vertragspartner")
        CARETAKER = "caretaker", _("Technischer Betreuer")
        STAFF = "staff", _("Support")
        SYSTEM = "system", _("System")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, null=True, related_name="audit_entries")
    actor = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    role = models.CharField(_("Rolle"), max_length=16, choices=Role.choices)
    action = models.CharField(_("Aktion"), max_length=48)
    params = models.JSONField(_("Angaben"), default=dict, blank=True)
    # The name of the API token the change was made through; empty for the browser.
    via_token = models.CharField(_("über API-Token"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("Zeitpunkt"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("Protokolleintrag")
        verbose_name_plural = _("Protokoll")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["project", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.subject}"

    @property
    def action_display(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))

    @property
    def subject(self) -> str:
        return event_params.text(self.params.get("subject"))

    @property
    def old_value(self) -> str:
        return event_params.text(self.params.get("old"))

    @property
    def new_value(self) -> str:
        return event_params.text(self.params.get("new"))

    @property
    def scope(self) -> str:
        return event_params.text(self.params.get("scope"))

    @property
    def actor_display(self) -> str:
        """Who acted: the person and its account ("Lena Pixel (Webagentur Pixelwerk, 100003)"),
        the account alone (older rows, the system), or the staff member."""
        if self.actor is not None and self.actor_user is not None:
            return f"{self.actor_user.display_name} ({self.actor.account_name}, {self.actor.number})"
        if self.actor is not None:
            return f"{self.actor.display_name} ({self.actor.number})"
        return self.actor_user.email if self.actor_user is not None else ""
