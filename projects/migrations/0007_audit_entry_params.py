"""History rows store their subject and old and new value as event parameters, not as finished text.

Existing text is read back where it is something the reader's language writes (a customer with
its number, a day, a scope or ticket status), in German or in English; the rest (names, numbers,
domains) stays text, which reads the same in every language.
"""

from django.db import migrations, models
from django.utils import translation

from customercenter import event_params

# The choices a history row's old and new value can be, by action (their German sources).
LABELS = {
    "caretakership.scope_changed": ["Technische Verwaltung", "Nur lesen"],
    "ticket.status_changed": ["offen", "beantwortet", "geschlossen"],
}
FIELDS = {"subject": "subject", "old": "old_value", "new": "new_value"}
BATCH = 1000


def to_params(apps, schema_editor):
    AuditEntry = apps.get_model("projects", "AuditEntry")
    changed = []
    rows = AuditEntry.objects.only("action", *FIELDS.values()).iterator(chunk_size=BATCH)
    for entry in rows:
        labels = LABELS.get(entry.action, [])
        entry.params = {
            name: event_params.read(getattr(entry, field), labels)
            for name, field in FIELDS.items()
            if getattr(entry, field)
        }
        changed.append(entry)
        if len(changed) >= BATCH:
            AuditEntry.objects.bulk_update(changed, ["params"])
            changed = []
    AuditEntry.objects.bulk_update(changed, ["params"])


def to_text(apps, schema_editor):
    """Back to finished German text."""
    AuditEntry = apps.get_model("projects", "AuditEntry")
    changed = []
    with translation.override("de"):
        for entry in AuditEntry.objects.only("params").iterator(chunk_size=BATCH):
            for name, field in FIELDS.items():
                setattr(entry, field, event_params.text(entry.params.get(name))[:500])
            entry.subject = entry.subject[:255]
            changed.append(entry)
            if len(changed) >= BATCH:
                AuditEntry.objects.bulk_update(changed, list(FIELDS.values()))
                changed = []
    AuditEntry.objects.bulk_update(changed, list(FIELDS.values()))


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0006_owner_named_vertragspartner"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="params",
            field=models.JSONField(blank=True, default=dict, verbose_name="Angaben"),
        ),
        migrations.RunPython(to_params, to_text),
        migrations.RemoveField(model_name="auditentry", name="subject"),
        migrations.RemoveField(model_name="auditentry", name="old_value"),
        migrations.RemoveField(model_name="auditentry", name="new_value"),
    ]
