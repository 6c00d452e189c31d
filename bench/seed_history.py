"""Seeding of what the other steps leave behind: the audit entries they collected, notifications
and sent e-mails.
"""

from __future__ import annotations

from bench.seeding import OVERVIEW_LINK, Seeder
from notifications.models import Notification, OutboxEmail
from projects.models import AuditEntry


def audit(seeder: Seeder) -> None:
    role = AuditEntry.Role
    rows = (
        (
            pk,
            project,
            seeder.project_owner[project],
            role.SYSTEM if action == "caretakership.expired" else role.OWNER,
            action,
            {"subject": subject[:255]},
            at,
        )
        for pk, (project, action, subject, at) in enumerate(seeder.audit_rows, start=1)
    )
    seeder.write(
        AuditEntry,
        ["id", "project", "actor", "role", "action", "params", "created_at"],
        rows,
    )


def notifications(seeder: Seeder) -> None:
    size, rng = seeder.size, seeder.rng
    # What each says, and what it concerns (who in the account sees it).
    kinds = [
        ("request.created", {"caretaker": "Webagentur Pixelwerk", "project": "p10001"}, "RELEASE"),
        ("release.accepted", {"caretaker": "Webagentur Pixelwerk", "projects": "p10001"}, "RELEASE"),
        ("caretakerships.expired.owner", {"n": 1}, "RELEASE"),
        ("request.accepted", {"project": "p10001"}, "CARETAKING"),
    ]
    recipients = [seeder.agency] * size.agency_notifications + [
        rng.randint(1, size.customers) for _ in range(size.notifications - size.agency_notifications)
    ]
    rows = []
    for pk, recipient in enumerate(recipients, start=1):
        created = seeder.days_ago(0, 400)
        unread = rng.random() < 0.15
        kind, params, concerns = rng.choice(kinds)
        rows.append((pk, recipient, concerns, kind, params, OVERVIEW_LINK, created, None if unread else created))
    seeder.write(Notification, ["id", "recipient", "concerns", "kind", "params", "link", "created_at", "read_at"], rows)
    emails = []
    for pk in range(1, size.sent_emails + 1):
        created = seeder.days_ago(0.01, 400)
        emails.append(
            (
                pk,
                seeder.email[rng.randint(1, size.customers)],
                "[Kundencenter] Benachrichtigung",
                "Hallo,\n\nes gibt Neuigkeiten in deinem Kundencenter.\n",
                "<p>Hallo,</p><p>es gibt Neuigkeiten in deinem Kundencenter.</p>",
                OutboxEmail.Status.SENT,
                1,
                "",
                created,
                created,
                "",
                rng.choice(["expired", "request", "release", "reminder"]),
            )
        )
    seeder.write(
        OutboxEmail,
        [
            "id",
            "to",
            "subject",
            "body_text",
            "body_html",
            "status",
            "attempts",
            "last_error",
            "created_at",
            "sent_at",
            "message_id",
            "topic",
        ],
        emails,
    )
