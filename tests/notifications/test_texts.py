"""What notifications say, also in rows written before the text of their kind changed."""

from __future__ import annotations

from datetime import date

from customercenter import event_params
from delegation.models import Scope
from notifications.models import Notification

DAY = date(2026, 12, 31)


def test_a_caretakership_ended_by_staff_gives_the_reason():
    params = {"project": "p10002", "caretaker": "Pixelwerk", "reason": "Auf Wunsch des Vertragspartners."}

    text = Notification(kind="caretakership.ended_by_staff", params=params).text

    assert text == (
        "Der Support hat die Betreuung von p10002 durch Pixelwerk beendet. Grund: Auf Wunsch des Vertragspartners."
    )


def test_a_caretakership_ended_by_staff_before_reasons_were_stored_reads_as_written():
    notification = Notification(
        kind="caretakership.ended_by_staff", params={"project": "p10002", "caretaker": "Pixelwerk"}
    )

    assert notification.text == "Der Support hat die Betreuung von p10002 durch Pixelwerk beendet."


def test_an_expiry_change_names_the_scope():
    params = {"owner": "Bäckerei", "project": "p10002", "scope": event_params.label(Scope.READ_ONLY.label)}
    changed = Notification(kind="caretakership.expiry_changed", params={**params, "day": event_params.day(DAY)})
    removed = Notification(kind="caretakership.expiry_removed", params=params)

    assert (
        changed.text
        == "Bäckerei hat deine Betreuung von p10002 (Umfang: Nur lesen) geändert: sie gilt jetzt bis 31.12.2026."
    )
    assert (
        removed.text
        == "Bäckerei hat deine Betreuung von p10002 (Umfang: Nur lesen) geändert: sie gilt jetzt unbefristet."
    )


def test_an_expiry_change_before_scopes_were_stored_reads_as_written():
    params = {"owner": "Bäckerei", "project": "p10002"}
    changed = Notification(kind="caretakership.expiry_changed", params={**params, "day": event_params.day(DAY)})
    removed = Notification(kind="caretakership.expiry_removed", params=params)

    assert changed.text == "Bäckerei hat deine Betreuung von p10002 geändert: sie gilt jetzt bis 31.12.2026."
    assert removed.text == "Bäckerei hat deine Betreuung von p10002 geändert: sie gilt jetzt unbefristet."
