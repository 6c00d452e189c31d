"""The periodic job: expire caretakerships, lapse old requests and links, remind before expiry.

Access never depends on it (expiry is checked at every access); it records what
happened and tells people. One run at a time (a PostgreSQL advisory lock; a second
run that starts meanwhile does nothing), and each step claims its rows with `SKIP
LOCKED` and a conditional update, so one run twice does each thing once. Everything is
done in bulk, with one digest per recipient.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from datetime import datetime

from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customercenter.bulk import insert_rows
from customercenter.models import Customer
from customercenter.roles import Action
from delegation import rules
from delegation.expiry import last_day_text, until
from delegation.models import Caretakership, ManagementRequest, ProjectRelease, Scope
from notifications.services import Digest, linked_line, notify_many
from projects.audit import entry_params
from projects.models import ACTION_LABELS, AuditEntry

CHUNK = 2000
# What digests and audit entries read of an owner or caretaker (Customer.display_name; the
# members to tell are loaded by notify_many()): the sweep loads thousands of them.
RECIPIENT_FIELDS = ("number", "company", "first_name", "last_name")
MAX_LINES = 50


SWEEP_LOCK = 0x6B63_7377  # any number unique to this job
STEPS = ("expired", "reminded", "lapsed_requests", "lapsed_releases")


def sweep(now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    with _only_run() as running:
        if not running:
            return dict.fromkeys(STEPS, 0)
        return {
            "expired": expire_caretakerships(now),
            "reminded": remind_expiring(now),
            "lapsed_requests": lapse_requests(now),
            "lapsed_releases": lapse_releases(now),
        }


@contextmanager
def _only_run():
    """Two sweeps at once would split the rows and send each recipient two digests."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [SWEEP_LOCK])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [SWEEP_LOCK])


def _claim(queryset) -> list:
    return list(queryset.select_for_update(skip_locked=True, of=("self",)))


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


AUDIT_FIELDS = ["project", "role", "action", "params"]


def _audit(entries: list[tuple]) -> None:
    # Tens of thousands of rows nobody needs back as objects: COPY where the database has it.
    insert_rows(AuditEntry, AUDIT_FIELDS, entries)


def _system_entry(project_id: int, action: str, subject: str = "", old: dict | None = None) -> tuple:
    """One audit row in AUDIT_FIELDS order, written by the system rather than a person."""
    assert action in ACTION_LABELS
    return (project_id, AuditEntry.Role.SYSTEM.value, action, entry_params(subject=subject, old=old))


def _digests(groups: dict, concerns: Action, kind: str, line: Callable, topic: str) -> list[Digest]:
    overview = reverse("contract:caretakers")
    return [_digest(recipient, concerns, items, kind, {}, line, topic, overview) for recipient, items in groups.items()]


def _digest(
    recipient,
    concerns: Action,
    items: list,
    kind: str,
    params: dict,
    line: Callable,
    topic: str,
    link: str,
    footer: str = "",
) -> Digest:
    """A digest of `kind` about `items` for the members whom it `concerns`: its parameter `n`
    counts them."""

    def lines():
        shown = [line(item) for item in items[:MAX_LINES]]
        if len(items) > MAX_LINES:
            shown.append(_("… und %(n)s weitere") % {"n": len(items) - MAX_LINES})
        if footer:
            shown.append(str(footer))
        return shown

    return Digest(
        recipient=recipient,
        concerns=concerns,
        kind=kind,
        params={"n": len(items), **params},
        lines=lines,
        link=link,
        topic=topic,
    )


def _care_rows(queryset) -> list[Caretakership]:
    """The claimed rows; each owner and caretaker is loaded once, not once per row."""
    rows = _claim(
        queryset.select_related("project")
        .only("project_id", "caretaker_id", "expires_at", "scope", "project__number", "project__owner_id")
        .order_by("project__number")
    )
    people = Customer.objects.only(*RECIPIENT_FIELDS).in_bulk(
        {row.project.owner_id for row in rows} | {row.caretaker_id for row in rows}
    )
    for row in rows:
        row.project.owner = people[row.project.owner_id]
        row.caretaker = people[row.caretaker_id]
    return rows


def _by_owner_and_caretaker(rows: list[Caretakership]) -> tuple[dict, dict]:
    by_owner, by_caretaker = defaultdict(list), defaultdict(list)
    for row in rows:
        by_owner[row.project.owner].append(row)
        by_caretaker[row.caretaker].append(row)
    return by_owner, by_caretaker


@transaction.atomic
def expire_caretakerships(now: datetime) -> int:
    rows = _care_rows(Caretakership.objects.open().filter(expires_at__lte=now))
    if not rows:
        return 0
    for chunk in _chunks([row.pk for row in rows]):
        Caretakership.objects.filter(pk__in=chunk, ended_at__isnull=True).update(
            ended_at=F("expires_at"), end_reason=Caretakership.EndReason.EXPIRED
        )
    _audit(
        [
            _system_entry(row.project_id, "caretakership.expired", row.caretaker.display_name, until(row.expires_at))
            for row in rows
        ]
    )
    by_owner, by_caretaker = _by_owner_and_caretaker(rows)
    notify_many(
        _digests(
            by_owner,
            Action.RELEASE,
            "caretakerships.expired.owner",
            lambda row: (
                _("%(project)s – Betreuer %(caretaker)s, Umfang: %(scope)s, bis %(date)s")
                % {
                    "project": row.project.number,
                    "caretaker": row.caretaker.display_name,
                    "scope": Scope(row.scope).label,
                    "date": last_day_text(row.expires_at),
                }
            ),
            "expired",
        )
        + _digests(
            by_caretaker,
            Action.CARETAKING,
            "caretakerships.expired.caretaker",
            lambda row: (
                _("%(project)s – Vertragspartner %(owner)s, Umfang: %(scope)s, bis %(date)s")
                % {
                    "project": row.project.number,
                    "owner": row.project.owner.display_name,
                    "scope": Scope(row.scope).label,
                    "date": last_day_text(row.expires_at),
                }
            ),
            "expired",
        )
    )
    return len(rows)


@transaction.atomic
def remind_expiring(now: datetime) -> int:
    rows = _care_rows(
        Caretakership.objects.active(now).filter(
            expires_at__lte=now + rules.REMINDER_BEFORE, reminder_sent_at__isnull=True
        )
    )
    if not rows:
        return 0
    for chunk in _chunks([row.pk for row in rows]):
        Caretakership.objects.filter(pk__in=chunk, reminder_sent_at__isnull=True).update(reminder_sent_at=now)
    by_owner, by_caretaker = _by_owner_and_caretaker(rows)

    def access_section(row: Caretakership) -> str:
        """Where the owner extends it: the Zugriff section of the project's page."""
        return reverse("projects:detail", args=[row.project.number]) + "#access"

    def caretaker_line(row: Caretakership) -> dict:
        text = _("%(project)s – betreut von %(caretaker)s – Umfang: %(scope)s – endet am %(date)s") % {
            "project": row.project.number,
            "caretaker": row.caretaker.display_name,
            "scope": Scope(row.scope).label,
            "date": last_day_text(row.expires_at),
        }
        return linked_line(text, access_section(row))

    def owner_line(row: Caretakership) -> str:
        return _("%(project)s – für %(owner)s – Umfang: %(scope)s – endet am %(date)s") % {
            "project": row.project.number,
            "owner": row.project.owner.display_name,
            "scope": Scope(row.scope).label,
            "date": last_day_text(row.expires_at),
        }

    def ending(items: list[Caretakership]) -> dict:
        """The subject names the last of the days, so it is true however many days are left."""
        return {"date": until(max(row.expires_at for row in items))}

    released = reverse("contract:list", args=["freigegeben"])
    notify_many(
        [
            _digest(
                owner,
                Action.RELEASE,
                items,
                "caretakerships.ending.owner",
                ending(items),
                caretaker_line,
                "reminder",
                access_section(items[0]) if len(items) == 1 else released,
                footer=gettext_lazy("Verlängern kannst du auf der Seite des Projekts unter Zugriff."),
            )
            for owner, items in by_owner.items()
        ]
        + [
            _digest(
                caretaker,
                Action.CARETAKING,
                items,
                "caretakerships.ending.caretaker",
                ending(items),
                owner_line,
                "reminder",
                reverse("contract:list", args=["betreut"]),
            )
            for caretaker, items in by_caretaker.items()
        ]
    )
    return len(rows)


@transaction.atomic
def lapse_requests(now: datetime) -> int:
    rows = _claim(
        ManagementRequest.objects.filter(status=ManagementRequest.Status.PENDING, lapses_at__lte=now)
        .select_related("project", "caretaker")
        .order_by("pk")
    )
    if not rows:
        return 0
    for chunk in _chunks([row.pk for row in rows]):
        ManagementRequest.objects.filter(pk__in=chunk, status=ManagementRequest.Status.PENDING).update(
            status=ManagementRequest.Status.LAPSED, decided_at=now
        )
    _audit([_system_entry(row.project_id, "request.lapsed", row.caretaker.display_name) for row in rows])
    by_caretaker = defaultdict(list)
    for row in rows:
        by_caretaker[row.caretaker].append(row)
    notify_many(
        _digests(
            by_caretaker,
            Action.CARETAKING,
            "requests.lapsed",
            lambda row: row.project.number,
            "request",
        )
    )
    return len(rows)


@transaction.atomic
def lapse_releases(now: datetime) -> int:
    rows = _claim(
        ProjectRelease.objects.filter(status=ProjectRelease.Status.PENDING, link_expires_at__lte=now)
        .select_related("owner")
        .prefetch_related("projects")
        .order_by("pk")
    )
    if not rows:
        return 0
    for chunk in _chunks([row.pk for row in rows]):
        ProjectRelease.objects.filter(pk__in=chunk, status=ProjectRelease.Status.PENDING).update(
            status=ProjectRelease.Status.LAPSED
        )
    _audit([_system_entry(project.pk, "release.lapsed", row.email) for row in rows for project in row.projects.all()])
    by_owner = defaultdict(list)
    for row in rows:
        by_owner[row.owner].append(row)
    notify_many(
        _digests(
            by_owner,
            Action.RELEASE,
            "releases.lapsed",
            lambda row: (
                _("%(email)s: %(projects)s")
                % {"email": row.email, "projects": ", ".join(p.number for p in row.projects.all())}
            ),
            "release",
        )
    )
    return len(rows)
