"""Caretakerships (Betreuung): open or extend one, and end it as owner, caretaker or staff.

The caretakership row is locked (`select_for_update`) before its state is read; the partial
unique constraint on open caretakerships backs up two acceptances that open one at once.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from customercenter import event_params
from customercenter.models import Customer, User
from customercenter.roles import Action
from delegation import rules
from delegation.expiry import until
from delegation.models import Caretakership, Scope
from delegation.rules import DelegationError
from delegation.services.common import Role, overview_link, who
from notifications.services import notify
from projects import audit
from projects.models import Project


def start_caretakership(
    *, project: Project, caretaker: Customer, source: str, expires_at: datetime | None, scope: str
) -> Caretakership:
    """Open a caretakership, or give the one that is already active for this pair the new expiry
    and scope.

    Part of accepting a request or a release: runs inside that transaction.
    """
    now = timezone.now()
    stale = Caretakership.objects.open().filter(project=project, caretaker=caretaker, expires_at__lte=now)
    for row in stale.select_for_update():
        _close(row, Caretakership.EndReason.EXPIRED, at=row.expires_at)
        # The sweeper will not see this row any more: record the expiry as it would have.
        audit.record(
            project=project,
            role=Role.SYSTEM,
            action="caretakership.expired",
            subject=caretaker.display_name,
            old=until(row.expires_at),
        )
    existing = Caretakership.objects.active().select_for_update().filter(project=project, caretaker=caretaker)
    current = existing.first()
    if current is None:
        try:
            with transaction.atomic():
                current = Caretakership.objects.create(
                    project=project,
                    caretaker=caretaker,
                    source=source,
                    expires_at=expires_at,
                    scope=scope,
                    owner_number=project.owner.number,
                )
        except IntegrityError:
            # A parallel acceptance opened it first; extend that one instead.
            current = existing.get()
        else:
            audit.record(
                project=project,
                role=Role.OWNER,
                actor=project.owner,
                action="caretakership.started",
                subject=who(caretaker),
                new=until(expires_at),
                scope=event_params.label(Scope(scope).label),
            )
            return current
    if current.expires_at != expires_at:
        old = current.expires_at
        current.expires_at, current.reminder_sent_at = expires_at, None
        current.save(update_fields=["expires_at", "reminder_sent_at"])
        audit.record(
            project=project,
            role=Role.OWNER,
            actor=project.owner,
            action="caretakership.started",
            subject=who(caretaker),
            old=until(old),
            new=until(expires_at),
            scope=event_params.label(Scope(scope).label),
        )
    if current.scope != scope:
        old_scope, current.scope = current.scope, scope
        current.save(update_fields=["scope"])
        audit.record(
            project=project,
            role=Role.OWNER,
            actor=project.owner,
            action="caretakership.scope_changed",
            subject=who(caretaker),
            old=event_params.label(Scope(old_scope).label),
            new=event_params.label(Scope(scope).label),
        )
    return current


def _close(caretakership: Caretakership, reason: str, *, at: datetime | None = None) -> None:
    caretakership.ended_at = at or timezone.now()
    caretakership.end_reason = reason
    caretakership.save(update_fields=["ended_at", "end_reason", "end_note"])


def _lock_open_caretakership(pk: int, **lookup) -> Caretakership:
    caretakership = (
        Caretakership.objects.select_for_update(of=("self",))
        .select_related("project__owner", "caretaker")
        .filter(pk=pk, **lookup)
        .first()
    )
    if caretakership is None:
        raise Caretakership.DoesNotExist
    if not caretakership.is_active:
        raise DelegationError(_("Diese Betreuung ist bereits beendet."))
    return caretakership


@transaction.atomic
def revoke_caretakership(*, owner: Customer, caretakership_id: int) -> Caretakership:
    """Widerrufen: the owner ends a caretaker's access; effective on the caretaker's next request."""
    caretakership = _lock_open_caretakership(caretakership_id, project__owner=owner)
    _close(caretakership, Caretakership.EndReason.REVOKED)
    project, caretaker = caretakership.project, caretakership.caretaker
    audit.record(project=project, role=Role.OWNER, actor=owner, action="caretakership.revoked", subject=who(caretaker))
    notify(
        recipient=caretaker,
        concerns=Action.CARETAKING,
        kind="caretakership.revoked",
        params={"owner": owner.display_name, "project": project.number},
        link=overview_link(),
        topic="caretakership",
    )
    return caretakership


@transaction.atomic
def end_caretakership(*, caretaker: Customer, caretakership_id: int) -> Caretakership:
    """Betreuung beenden: the caretaker gives a project back."""
    caretakership = _lock_open_caretakership(caretakership_id, caretaker=caretaker)
    _close(caretakership, Caretakership.EndReason.ENDED)
    project = caretakership.project
    audit.record(
        project=project,
        role=Role.CARETAKER,
        actor=caretaker,
        action="caretakership.ended",
        subject=who(caretaker),
    )
    notify(
        recipient=project.owner,
        concerns=Action.RELEASE,
        kind="caretakership.ended",
        params={"caretaker": who(caretaker), "project": project.number},
        link=overview_link(),
        topic="caretakership",
    )
    return caretakership


@transaction.atomic
def change_expiry(*, owner: Customer, caretakership_id: int, expires_at: datetime | None) -> Caretakership:
    """The owner extends, shortens or removes the expiry of a running caretakership."""
    caretakership = _lock_open_caretakership(caretakership_id, project__owner=owner)
    problem = rules.expiry_problem(expires_at)
    if problem:
        raise DelegationError(problem)
    old = caretakership.expires_at
    if old == expires_at:
        return caretakership
    caretakership.expires_at, caretakership.reminder_sent_at = expires_at, None
    caretakership.save(update_fields=["expires_at", "reminder_sent_at"])
    project, caretaker = caretakership.project, caretakership.caretaker
    audit.record(
        project=project,
        role=Role.OWNER,
        actor=owner,
        action="caretakership.expiry_changed",
        subject=who(caretaker),
        old=until(old),
        new=until(expires_at),
    )
    if expires_at is None:
        kind, day = "caretakership.expiry_removed", {}
    else:
        kind, day = "caretakership.expiry_changed", {"day": until(expires_at)}
    notify(
        recipient=caretaker,
        concerns=Action.CARETAKING,
        kind=kind,
        params={
            "owner": owner.display_name,
            "project": project.number,
            "scope": event_params.label(Scope(caretakership.scope).label),
            **day,
        },
        link=reverse("projects:detail", args=[project.number]),
        topic="caretakership",
    )
    return caretakership


@transaction.atomic
def change_scope(*, owner: Customer, caretakership_id: int, scope: str) -> Caretakership:
    """The owner widens or narrows what a caretaker may do (Umfang)."""
    caretakership = _lock_open_caretakership(caretakership_id, project__owner=owner)
    if scope not in Scope.values:
        raise DelegationError(_("Diesen Umfang gibt es nicht."))
    old = caretakership.scope
    if old == scope:
        return caretakership
    caretakership.scope = scope
    caretakership.save(update_fields=["scope"])
    project, caretaker = caretakership.project, caretakership.caretaker
    audit.record(
        project=project,
        role=Role.OWNER,
        actor=owner,
        action="caretakership.scope_changed",
        subject=who(caretaker),
        old=event_params.label(Scope(old).label),
        new=event_params.label(Scope(scope).label),
    )
    notify(
        recipient=caretaker,
        concerns=Action.CARETAKING,
        kind="caretakership.scope_changed",
        params={
            "owner": owner.display_name,
            "project": project.number,
            "scope": event_params.label(Scope(scope).label),
        },
        link=reverse("projects:detail", args=[project.number]),
        topic="caretakership",
    )
    return caretakership


@transaction.atomic
def staff_end_caretakership(*, staff: User, caretakership_id: int, reason: str) -> Caretakership:
    """Support ends a caretakership; its reason goes to both sides."""
    reason = reason.strip()
    if not reason:
        raise DelegationError(_("Bitte gib eine Begründung an; beide Seiten erhalten sie."))
    caretakership = _lock_open_caretakership(caretakership_id)
    caretakership.end_note = reason[:500]
    _close(caretakership, Caretakership.EndReason.STAFF)
    project, caretaker = caretakership.project, caretakership.caretaker
    audit.record(
        project=project,
        role=Role.STAFF,
        actor_user=staff,
        action="caretakership.ended_by_staff",
        subject=who(caretaker),
        new=caretakership.end_note,
    )
    for recipient, concerns in ((project.owner, Action.RELEASE), (caretaker, Action.CARETAKING)):
        notify(
            recipient=recipient,
            concerns=concerns,
            kind="caretakership.ended_by_staff",
            params={"project": project.number, "caretaker": caretaker.display_name, "reason": caretakership.end_note},
            link=overview_link(),
            topic="caretakership",
        )
    return caretakership
