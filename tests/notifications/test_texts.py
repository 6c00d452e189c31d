"""What notifications say, also in rows written before the text of their kind changed."""

from __future__ import annotations

from notifications.models import Notification


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
