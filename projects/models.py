from __future__ import annotations

from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customercenter.models import Customer
from customercenter.subqueries import compiled


class Server(models.Model):
    number = models.CharField(_("Servernummer"), max_length=12, unique=True)
    owner = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="servers", verbose_name=_("Inhaber"))
    name = models.CharField(_("Bezeichnung"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("Server")
        verbose_name_plural = _("Server")
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number


class ProjectQuerySet(models.QuerySet["Project"]):
    def accessible_by(self, customer: Customer | None) -> ProjectQuerySet:
        """Projects the customer may administer: its own, and those it cares for right now.

        This is the one access decision; every view reaches a project through it or
        through `accessible_one()`, which asks the same question about a single project.
        """
        if customer is None or customer.number is None:
            return self.none()
        # Own and cared-for ids from two index scans, evaluated first (see projects/lookups.py):
        # an OR of both conditions, or a plain IN, lets PostgreSQL scan every project instead.
        # accessible_one(), owned_by() and cared_for_by() state the same rule in other shapes:
        # change all of them together (the delegation state machine test checks that they agree).
        own = Project.objects.owned_by(customer).order_by().values("pk")
        cared_for = self._active_caretakerships(customer).values("project_id")
        return self.filter(pk__one_of=own.union(cared_for, all=True))

    def owned_by(self, customer: Customer | None) -> ProjectQuerySet:
        """The first half of `accessible_by`: the customer's own projects."""
        if customer is None or customer.number is None:
            return self.none()
        return self.filter(owner=customer)

    def cared_for_by(self, customer: Customer | None, *, at=None) -> ProjectQuerySet:
        """The second half of `accessible_by`: projects the customer cares for right now.

        Joined to that caretakership (at most one is active per project and caretaker), whose
        expiry comes along as `care_expires_at` and the owner's customer number as
        `care_owner_number`, which an index keeps in order: a page of an agency's thousands of
        projects is read from the index instead of sorted. Its `care_project` and
        `care_owner_number` let a search filter the caretakerships before the join.
        """
        from delegation.models import active_condition

        if customer is None or customer.number is None:
            return self.none()
        care = Q(caretakerships__caretaker=customer) & active_condition(at=at, via="caretakerships__")
        return self.filter(care).annotate(
            care_expires_at=models.F("caretakerships__expires_at"),
            care_owner_number=models.F("caretakerships__owner_number"),
            care_project=models.F("caretakerships__project"),
        )

    def accessible_one(self, customer: Customer | None, **lookup) -> Project:
        """The one project matching `lookup` (a unique field) if `accessible_by` contains it.

        Same answer as `accessible_by(customer).get(**lookup)`, but the project is found by its
        key first and then checked, instead of first listing everything the customer may see.
        Raises Project.DoesNotExist.
        """
        if customer is None or customer.number is None:
            raise Project.DoesNotExist
        # The same rule as accessible_by(), written for a single row: owner, or an active
        # caretakership of this project (change both together).
        cares = self._active_caretakerships(customer).filter(project=models.OuterRef("pk"))
        return self.filter(Q(owner=customer) | Q(models.Exists(cares))).get(**lookup)

    def _active_caretakerships(self, customer: Customer):
        from delegation.models import Caretakership

        return Caretakership.objects.active().filter(caretaker=customer).order_by()


class SearchKeys(NamedTuple):
    """What a search matches: the ids of the matching projects and the customer numbers of the
    matching owners, each a subquery compiled once."""

    projects: RawSQL
    owner_numbers: RawSQL

    def condition(self, *, project: str = "pk", owner_number: str = "owner__number") -> Q:
        """Rows whose project or owner matches: `project` and `owner_number` name those keys on
        the queried model, so caretakerships can be searched without joining thousands of
        projects and owners first."""
        return Q(**{f"{project}__in": self.projects}) | Q(**{f"{owner_number}__in": self.owner_numbers})


def search_keys(query: str) -> SearchKeys | None:
    """Projects matching `query` by p-number or name, and owners matching it by name or customer
    number; None for an empty query.

    Projects and customers are matched on their own (trigram indexes on PostgreSQL, see
    migration 0003). The two subqueries are compiled here, once: Django would compile them again
    in every query that holds them, and a page of search results holds them three times (its
    counts, its own and its cared-for rows), which cost more CPU than the rest of the page.
    """
    query = (query or "").strip()
    if not query:
        return None
    projects = Project.objects.filter(Q(number__icontains=query) | Q(name__icontains=query)).order_by()
    owners = Q(company__icontains=query) | Q(last_name__icontains=query) | Q(first_name__icontains=query)
    if query.isdecimal() and query.isascii():
        owners |= Q(number=int(query))
    owner_numbers = Customer.objects.filter(owners).exclude(number=None).order_by()
    return SearchKeys(compiled(projects.values("pk")), compiled(owner_numbers.values("number")))


class Project(models.Model):
    class Tariff(models.TextChoices):
        START = "start", "Webhosting Start"
        PLUS = "plus", "Webhosting Plus"
        PRO = "pro", "Webhosting Pro"
        BUSINESS = "business", "Managed Business"

    number = models.CharField(_("Projektnummer"), max_length=12, unique=True)
    name = models.CharField(_("Bezeichnung"), max_length=100)
    owner = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="projects", verbose_name=_("Inhaber"))
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

    objects = ProjectQuerySet.as_manager()

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


class AuditEntry(models.Model):
    """Who changed what on a project, in which role, from which value to which."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Inhaber")
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
    subject = models.CharField(_("Gegenstand"), max_length=255, blank=True)
    old_value = models.CharField(_("alt"), max_length=500, blank=True)
    new_value = models.CharField(_("neu"), max_length=500, blank=True)
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
        from projects.audit import ACTION_LABELS

        return str(ACTION_LABELS.get(self.action, self.action))
