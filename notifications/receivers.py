from anymail.signals import tracking
from django.dispatch import receiver

from notifications.services import record_tracking_event


@receiver(tracking, dispatch_uid="kundencenter-anymail-tracking")
def on_tracking(sender, event, esp_name, **kwargs):
    record_tracking_event(
        message_id=event.message_id or "", event_type=event.event_type, description=event.description or ""
    )
