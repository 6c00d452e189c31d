"""How notices and dates read: subjects are lines, not sentences; German times say "Uhr"."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import translation
from django.utils.formats import date_format

from customercenter.roles import Action
from notifications.models import OutboxEmail
from notifications.services import Digest, notify, notify_many
from tickets.forms import ReplyForm


def test_notice_subject_drops_the_full_stop_the_body_keeps(owner):
    notify(recipient=owner, concerns=Action.CARETAKING, kind="request.declined", params={"project": "p10002"})

    email = OutboxEmail.objects.get(to=owner.admin.email)
    assert email.subject == "Dein Antrag für p10002 wurde abgelehnt"
    assert "Dein Antrag für p10002 wurde abgelehnt." in email.body_text


def test_digest_subject_drops_the_full_stop(owner):
    notify_many(
        [
            Digest(
                recipient=owner,
                concerns=Action.RELEASE,
                kind="caretakerships.expired.caretaker",
                params={"n": 2},
                lines=lambda: ["p1"],
            )
        ]
    )

    assert OutboxEmail.objects.get(to=owner.admin.email).subject == "Deine Betreuung von 2 Projekten ist abgelaufen"


def test_german_times_say_uhr_and_english_ones_do_not():
    moment = datetime(2026, 12, 14, 8, 0, tzinfo=ZoneInfo("Europe/Berlin"))

    with translation.override("de"):
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == "14.12.2026, 08:00 Uhr"
        assert date_format(moment, "DATETIME_FORMAT") == "14. Dezember 2026, 08:00 Uhr"
    with translation.override("en"):
        assert "Uhr" not in date_format(moment, "SHORT_DATETIME_FORMAT")


def test_attachment_help_text_is_in_the_language_of_the_page():
    with translation.override("en"):
        english = str(ReplyForm().fields["attachments"].help_text)
    with translation.override("de"):
        german = str(ReplyForm().fields["attachments"].help_text)

    assert english.startswith("Up to ")
    assert german.startswith("Bis zu ")
