"""The project history: one row per change, written by the service that makes it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from projects.models import AuditEntry, Project

if TYPE_CHECKING:
    from customercenter.models import Customer, User

ACTION_LABELS = {
    "php_version.changed": _("PHP-Version geändert"),
    "database.created": _("Datenbank angelegt"),
    "database.deleted": _("Datenbank gelöscht"),
    "database.password_reset": _("Datenbank-Passwort zurückgesetzt"),
    "domain.added": _("Domain hinzugefügt"),
    "domain.removed": _("Domain entfernt"),
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
    "ticket.opened": _("Ticket eröffnet"),
    "ticket.status_changed": _("Ticketstatus geändert"),
}


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
