from __future__ import annotations

import re

from projects.models import AuditEntry, Database, Domain, Order, Project

HX = {"HX-Request": "true"}
PASSWORD_SHOWN_RE = re.compile(r"\(wird nur jetzt angezeigt\): (?P<password>[-\w]+)")


def audit_trail(project: Project) -> list[tuple[str, str, str, str, str]]:
    """(role, action, subject, old, new), oldest first."""
    entries = AuditEntry.objects.filter(project=project).order_by("created_at", "pk")
    return [(entry.role, entry.action, entry.subject, entry.old_value, entry.new_value) for entry in entries]


def snapshot(project: Project) -> tuple:
    """Everything an action on a project could change."""
    project.refresh_from_db()
    return (
        project.php_version,
        list(Database.objects.order_by("pk").values_list("project_id", "name", "password_hash")),
        list(Domain.objects.order_by("pk").values_list("project_id", "name", "target_kind", "target")),
        list(Order.objects.order_by("pk").values_list("project_id", "kind", "subject")),
        list(AuditEntry.objects.order_by("pk").values_list("pk", flat=True)),
    )
