"""insert_rows: many rows at once (COPY on PostgreSQL, bulk_create elsewhere), same result on both."""

from __future__ import annotations

from customercenter.bulk import insert_rows
from notifications.models import Notification, OutboxEmail
from projects.models import AuditEntry


def test_rows_get_the_values_given_and_the_defaults_of_the_rest(owner, project):
    count = insert_rows(
        AuditEntry,
        ["project", "role", "action", "params"],
        [
            (project.pk, "system", "caretakership.expired", {"subject": f"Agentur {i}", "old": {"day": "2026-12-31"}})
            for i in range(3)
        ],
    )

    entries = list(AuditEntry.objects.order_by("pk"))
    assert count == 3
    assert [entry.subject for entry in entries] == ["Agentur 0", "Agentur 1", "Agentur 2"]
    assert {(entry.project_id, entry.role, entry.old_value, entry.new_value) for entry in entries} == {
        (project.pk, "system", "31.12.2026", "")
    }
    assert all(entry.created_at is not None and entry.actor_id is None for entry in entries)


def test_returned_ids_belong_to_the_rows_in_order_and_json_is_stored_as_json(owner):
    Notification.objects.create(
        recipient=owner, concerns="PROJECTS", kind="request.declined", params={"project": "p10001"}
    )
    rows = [
        (f"kunde{i}@example.com", f"Betreff {i}", "notice", {"lines": [f"p{i}"], "link": "/"}, "de", "expired")
        for i in range(4)
    ]

    ids = insert_rows(
        OutboxEmail, ["to", "subject", "template", "context", "language", "topic"], rows, returning_ids=True
    )

    emails = OutboxEmail.objects.in_bulk(ids)
    assert [emails[key].to for key in ids] == [f"kunde{i}@example.com" for i in range(4)]
    assert emails[ids[2]].context == {"lines": ["p2"], "link": "/"}
    assert {email.status for email in emails.values()} == {OutboxEmail.Status.PENDING}
    assert len(set(ids)) == 4
    # The next row made the ordinary way gets a key of its own.
    later = OutboxEmail.objects.create(to="spaeter@example.com", subject="s", body_text="t")
    assert later.pk not in ids
