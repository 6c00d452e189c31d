"""Notifications of a removed expiry, written before that had a kind of its own, read correctly."""

from __future__ import annotations

from notifications.models import Notification
from tests.factories import CustomerFactory

BEFORE = [("notifications", "0006_notification_kind_params")]
AFTER = [("notifications", "0007_expiry_removed_kind")]


def test_a_removed_expiry_becomes_its_own_kind_and_a_changed_one_stays(migrate):
    customer = CustomerFactory()
    rows = migrate(BEFORE).get_model("notifications", "Notification").objects
    params = {"owner": "Bäckerei", "project": "p10002"}
    rows.create(recipient_id=customer.pk, kind="caretakership.expiry_changed", params={**params, "day": {"day": None}})
    rows.create(
        recipient_id=customer.pk, kind="caretakership.expiry_changed", params={**params, "day": {"day": "2026-12-31"}}
    )

    migrate(AFTER)

    removed, changed = Notification.objects.order_by("pk")
    assert removed.kind == "caretakership.expiry_removed"
    assert removed.text == "Bäckerei hat deine Betreuung von p10002 geändert: sie gilt jetzt unbefristet."
    assert changed.kind == "caretakership.expiry_changed"
    assert changed.text == "Bäckerei hat deine Betreuung von p10002 geändert: sie gilt jetzt bis 31.12.2026."


def test_going_back_gives_the_removed_expiry_its_old_kind(migrate):
    customer = CustomerFactory()
    Notification.objects.create(
        recipient=customer, kind="caretakership.expiry_removed", params={"owner": "Bäckerei", "project": "p10002"}
    )

    rows = migrate(BEFORE).get_model("notifications", "Notification").objects

    assert list(rows.values_list("kind", "params")) == [
        ("caretakership.expiry_changed", {"owner": "Bäckerei", "project": "p10002", "day": {"day": None}})
    ]
