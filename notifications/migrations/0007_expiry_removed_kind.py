"""A caretakership whose expiry was removed has a notification of its own kind.

Before, such a row was "caretakership.expiry_changed" with no day, and read "sie gilt jetzt bis
unbefristet"; it becomes "caretakership.expiry_removed".
"""

from django.db import migrations

CHANGED, REMOVED = "caretakership.expiry_changed", "caretakership.expiry_removed"


def to_removed(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    Notification.objects.filter(kind=CHANGED, params__day__day=None).update(kind=REMOVED)


def to_changed(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    rows = list(Notification.objects.filter(kind=REMOVED).only("params"))
    for notification in rows:
        notification.kind = CHANGED
        notification.params = {**notification.params, "day": {"day": None}}
    Notification.objects.bulk_update(rows, ["kind", "params"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0006_notification_kind_params"),
    ]

    operations = [migrations.RunPython(to_removed, to_changed)]
