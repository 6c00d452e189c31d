"""The notification list: what it shows counts as read."""

from __future__ import annotations

from django.urls import reverse

from notifications.models import Notification
from tests.helpers import count_queries


def test_reading_the_list_marks_the_shown_notifications_read(owner, owner_client):
    Notification.objects.create(
        recipient=owner, concerns="RELEASE", kind="request.declined", params={"project": "p10001"}
    )

    first = owner_client.get(reverse("notifications:list"))

    # Shown as new this once, and no longer counted as unread.
    assert "list-group-item-warning" in first.text
    assert not Notification.objects.filter(recipient=owner, read_at__isnull=True).exists()
    assert "list-group-item-warning" not in owner_client.get(reverse("notifications:list")).text


def test_the_unread_badge_counts_what_the_list_has_not_shown(owner, owner_client):
    Notification.objects.bulk_create(
        Notification(recipient=owner, concerns="PROJECTS", kind="request.declined", params={"project": f"p{10000 + n}"})
        for n in range(35)
    )

    owner_client.get(reverse("notifications:list"))

    # The first page shows 30; the five on page two wait.
    assert Notification.objects.filter(recipient=owner, read_at__isnull=True).count() == 5


def test_reading_marks_only_the_readers_notifications(owner, caretaker, owner_client):
    Notification.objects.create(
        recipient=caretaker, concerns="CARETAKING", kind="request.accepted", params={"project": "p10001"}
    )

    owner_client.get(reverse("notifications:list"))

    assert Notification.objects.get(recipient=caretaker).read_at is None


def test_notification_list_query_count(owner, owner_client):
    Notification.objects.bulk_create(
        Notification(recipient=owner, concerns="PROJECTS", kind="request.declined", params={"project": f"p{10000 + n}"})
        for n in range(5)
    )

    assert count_queries(owner_client, reverse("notifications:list")) <= 10
