"""Caretakerships (Betreuung): open or extend one, and end it as owner, caretaker or staff.

The caretakership row is locked (`select_for_update`) before its state is read; the partial
unique constraint on open caretakerships backs up two acceptances that open one at once.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customercenter.models import Customer, User
from delegation.expiry import last_day_text
from delegation.models import Caretakership
from delegation.rules import DelegationError
from delegation.services.common import Role, overview_link, who
from notifications.services import notify
from projects import audit
from projects.models import Project


def start_caretakership(
    *, project: Project, caretaker: Customer, source: str, expires_at: datetime | None
) -> Caretakership:
    """Open a caretakership, or extend the one that is already active for this pair.

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
            old=last_day_text(row.expires_at),
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
                new=last_day_text(expires_at),
            )
            return current
    if current.expires_at != expires_at:
        old = current.expires_at
        current.expires_at = expires_at
        current.reminder_sent_at = None
        current.save(update_fields=["expires_at", "reminder_sent_at"])
        audit.record(
            project=project,
            role=Role.OWNER,
            actor=project.owner,
            action="caretakership.started",
            subject=who(caretaker),
            old=last_day_text(old),
            new=last_day_text(expires_at),
        )
    return current


def _close(caretakership: Caretakership, reason: str, *, at: datetime | None = None) -> None:
    caretakership.ended_at = at or timezone.now()
    caretakership.end_reason = reason
    caretakership.save(update_fields=["ended_at", "end_reason"])


def _lock_open_caretakership(pk: int, **scope) -> Caretakership:
    caretakership = (
        Caretakership.objects.select_for_update(of=("self",))
        .select_related("project__owner__user", "caretaker__user")
        .filter(pk=pk, **scope)
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
        text=lambda: (
            _("%(owner)s hat deine Betreuung von %(project)s widerrufen.")
            % {"owner": owner.display_name, "project": project.number}
        ),
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
        text=lambda: (
            _("%(caretaker)s betreut %(project)s nicht mehr.")
            % {"caretaker": who(caretaker), "project": project.number}
        ),
        link=overview_link(),
        topic="caretakership",
    )
    return caretakership


@transaction.atomic
def staff_end_caretakership(*, staff: User, caretakership_id: int) -> Caretakership:
    caretakership = _lock_open_caretakership(caretakership_id)
    _close(caretakership, Caretakership.EndReason.STAFF)
    project, caretaker = caretakership.project, caretakership.caretaker
    audit.record(
        project=project,
        role=Role.STAFF,
        actor_user=staff,
        action="caretakership.ended_by_staff",
        subject=who(caretaker),
    )
    for recipient in (project.owner, caretaker):
        notify(
            recipient=recipient,
            text=lambda: (
                _("Der Support hat die Betreuung von %(project)s durch %(caretaker)s beendet.")
                % {"project": project.number, "caretaker": caretaker.display_name}
            ),
            link=overview_link(),
            topic="caretakership",
        )
    return caretakership
