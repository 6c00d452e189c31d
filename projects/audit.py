"""The project history: one row per change, written by the service that makes it."""

from __future__ import annotations

from customercenter.models import Customer, User
from projects.models import ACTION_LABELS, AuditEntry, Project


def record(
    *,
    project: Project | None,
    role: str,
    action: str,
    actor: Customer | None = None,
    actor_user: User | None = None,
    subject: str = "",
    old: object = "",
    new: object = "",
) -> AuditEntry:
    if action not in ACTION_LABELS:
        raise ValueError(f"Unknown audit action {action!r}")
    return AuditEntry.objects.create(
        project=project,
        role=role,
        action=action,
        actor=actor,
        actor_user=actor_user if actor_user is not None else getattr(actor, "user", None),
        subject=str(subject)[:255],
        old_value=str(old)[:500],
        new_value=str(new)[:500],
    )
