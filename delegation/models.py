from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customercenter.models import Customer
from projects.models import Project


def active_condition(*, at=None, via: str = "") -> Q:
    """Not ended and not past its expiry, as a condition on caretakerships or on a relation to
    them (`via="caretakerships__"`): the one statement of what "active" means."""
    at = at or timezone.now()
    return Q(**{f"{via}ended_at__isnull": True}) & (
        Q(**{f"{via}expires_at__isnull": True}) | Q(**{f"{via}expires_at__gt": at})
    )


class Scope(models.TextChoices):
    # How far a caretaker's access reaches (Umfang). A comment, not a docstring: the API's schema
    # would show a docstring to partners, untranslated.

    TECHNICAL = "technical", _("Technische Verwaltung")
    READ_ONLY = "read", _("Nur lesen")

    @property
    def allows_changes(self) -> bool:
        return self is Scope.TECHNICAL


class CaretakershipQuerySet(models.QuerySet["Caretakership"]):
    def active(self, at=None) -> CaretakershipQuerySet:
        """Not ended and not past its expiry — checked on every access, not only by the sweeper."""
        return self.filter(active_condition(at=at))

    def open(self) -> CaretakershipQuerySet:
        """Rows without an end, including those whose expiry has passed but were not swept yet."""
        return self.filter(ended_at__isnull=True)


class Caretakership(models.Model):
    """A caretaker may administer one project of another customer (Betreuung)."""

    class Source(models.TextChoices):
        REQUEST = "request", _("Verwaltung beantragt")
        RELEASE = "release", _("Projektfreigabe")

    class EndReason(models.TextChoices):
        REVOKED = "revoked", _("vom Vertragspartner widerrufen")
        ENDED = "ended", _("vom Betreuer beendet")
        EXPIRED = "expired", _("abgelaufen")
        STAFF = "staff", _("vom Support beendet")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="caretakerships", verbose_name=_("Projekt")
    )
    caretaker = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="caretakerships",
        verbose_name=_("Technischer Betreuer"),
    )
    source = models.CharField(_("Herkunft"), max_length=16, choices=Source.choices)
    scope = models.CharField(_("Umfang"), max_length=16, choices=Scope.choices, default=Scope.TECHNICAL)
    started_at = models.DateTimeField(_("seit"), default=timezone.now)
    expires_at = models.DateTimeField(_("Ablaufdatum"), null=True, blank=True)
    ended_at = models.DateTimeField(_("beendet am"), null=True, blank=True)
    end_reason = models.CharField(_("Grund"), max_length=16, choices=EndReason.choices, blank=True)
    # Support's explanation when it ends a caretakership; both sides are told.
    end_note = models.CharField(_("Begründung des Supports"), max_length=500, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # The owner's customer number, copied when the caretakership starts, so a caretaker's
    # projects come grouped by customer straight from an index (Projektverwaltung, Betreute
    # Projekte) instead of joining and sorting thousands of rows. Nothing changes a project's
    # owner or a customer number after the fact (the admin keeps both read-only), so the copy
    # stays true; the delegation state machine test checks it.
    owner_number = models.PositiveIntegerField(_("Kundennummer des Vertragspartners"), editable=False)

    objects = CaretakershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("Betreuung")
        verbose_name_plural = _("Betreuungen")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "caretaker"],
                condition=Q(ended_at__isnull=True),
                name="one_open_caretakership_per_project_and_caretaker",
            )
        ]
        indexes = [
            # expires_at is included so "projects I care for right now" is an index-only scan.
            models.Index(
                fields=["caretaker", "project"],
                include=["expires_at"],
                condition=Q(ended_at__isnull=True),
                name="care_open_by_caretaker",
            ),
            models.Index(
                fields=["expires_at"],
                condition=Q(ended_at__isnull=True),
                name="care_open_expiry",
            ),
            # A caretaker's projects in the order Projektverwaltung shows them; with the
            # project and expiry included, counting them (also when searching) is index-only.
            models.Index(
                fields=["caretaker", "owner_number"],
                include=["project", "expires_at"],
                condition=Q(ended_at__isnull=True),
                name="care_open_by_caretaker_owner",
            ),
            # An owner's caretakers (Freigegebene Projekte), counted from the index alone and
            # read in the order the tab shows them: ending soonest first.
            models.Index(
                fields=["owner_number", "expires_at"],
                condition=Q(ended_at__isnull=True),
                name="care_open_by_owner_expiry",
            ),
            # A caretaker's projects ending soonest (Betreute Projekte on the tab).
            models.Index(
                fields=["caretaker", "expires_at"],
                condition=Q(ended_at__isnull=True),
                name="care_open_by_caretaker_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} → {self.caretaker}"

    @property
    def is_active(self) -> bool:
        if self.ended_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


class ManagementRequestQuerySet(models.QuerySet["ManagementRequest"]):
    def pending(self) -> ManagementRequestQuerySet:
        """Waiting for the owner's decision and not lapsed yet (the sweeper may not have run)."""
        return self.filter(status=ManagementRequest.Status.PENDING, lapses_at__gt=timezone.now())


class ManagementRequest(models.Model):
    """A caretaker asks the owner to let it administer a project (Verwaltung beantragen)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("offen")
        ACCEPTED = "accepted", _("angenommen")
        DECLINED = "declined", _("abgelehnt")
        WITHDRAWN = "withdrawn", _("zurückgezogen")
        LAPSED = "lapsed", _("verfallen")
        ENDED_BY_STAFF = "staff", _("vom Support beendet")

    caretaker = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="management_requests",
        verbose_name=_("Technischer Betreuer"),
    )
    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="management_requests",
        verbose_name=_("Projekt"),
    )
    status = models.CharField(_("Status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("gestellt am"), default=timezone.now, db_index=True)
    lapses_at = models.DateTimeField(_("verfällt am"))
    decided_at = models.DateTimeField(_("entschieden am"), null=True, blank=True)

    objects = ManagementRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("Verwaltungsantrag")
        verbose_name_plural = _("Verwaltungsanträge")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "caretaker"],
                condition=Q(status="pending"),
                name="one_pending_request_per_project_and_caretaker",
            )
        ]
        indexes = [
            models.Index(fields=["project"], condition=Q(status="pending"), name="request_pending_by_project"),
            models.Index(fields=["lapses_at"], condition=Q(status="pending"), name="request_pending_lapse"),
        ]

    def __str__(self) -> str:
        return f"{self.caretaker} → {self.project} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING and self.lapses_at > timezone.now()


class ProjectReleaseQuerySet(models.QuerySet["ProjectRelease"]):
    def pending(self) -> ProjectReleaseQuerySet:
        """Waiting for the caretaker's answer, with a link that still works."""
        return self.filter(status=ProjectRelease.Status.PENDING, link_expires_at__gt=timezone.now())


class ProjectRelease(models.Model):
    """An owner invites a caretaker by e-mail to administer projects (Projektfreigabe)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("offen")
        ACCEPTED = "accepted", _("angenommen")
        DECLINED = "declined", _("abgelehnt")
        WITHDRAWN = "withdrawn", _("zurückgezogen")
        LAPSED = "lapsed", _("abgelaufen")

    owner = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="releases", verbose_name=_("Vertragspartner")
    )
    email = models.EmailField(_("E-Mail-Adresse des Betreuers"))
    projects = models.ManyToManyField(Project, related_name="releases", verbose_name=_("Projekte"))
    access_expires_at = models.DateTimeField(_("Ablaufdatum"), null=True, blank=True)
    scope = models.CharField(_("Umfang"), max_length=16, choices=Scope.choices, default=Scope.TECHNICAL)
    require_mfa = models.BooleanField(_("Nur Betreuer mit Zwei-Faktor-Authentifizierung"), default=False)
    token_hash = models.CharField(max_length=64, unique=True)
    link_expires_at = models.DateTimeField(_("Link gültig bis"))
    status = models.CharField(_("Status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("erteilt am"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("versendet am"), null=True, blank=True)
    decided_at = models.DateTimeField(_("entschieden am"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accepted_releases",
        verbose_name=_("angenommen von"),
    )
    delivery_failed_at = models.DateTimeField(_("Zustellung fehlgeschlagen"), null=True, blank=True)

    objects = ProjectReleaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("Projektfreigabe")
        verbose_name_plural = _("Projektfreigaben")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["email"], condition=Q(status="pending"), name="release_pending_by_email"),
            models.Index(
                fields=["link_expires_at"],
                condition=Q(status="pending"),
                name="release_pending_lapse",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner} → {self.email} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING and self.link_expires_at > timezone.now()

    @property
    def grants_changes(self) -> bool:
        """Whether accepting lets the caretaker change the projects (scope Technische Verwaltung)."""
        return Scope(self.scope).allows_changes

    @property
    def grantable_projects(self) -> list[Project]:
        """The released projects the owner still owns (a project may have changed hands since)."""
        return [project for project in self.projects.all() if project.owner_id == self.owner_id]


class ReleaseResend(models.Model):
    """One new link sent for a release; counted for the daily resend limits."""

    release = models.ForeignKey(ProjectRelease, on_delete=models.CASCADE, related_name="resends")
    sent_at = models.DateTimeField(_("versendet am"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("erneut gesendeter Freigabe-Link")
        verbose_name_plural = _("erneut gesendete Freigabe-Links")

    def __str__(self) -> str:
        return f"{self.release_id} {self.sent_at:%Y-%m-%d %H:%M}"
