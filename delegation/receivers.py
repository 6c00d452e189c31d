from django.dispatch import receiver

from delegation.services import mark_release_undeliverable
from notifications.signals import email_undeliverable


@receiver(email_undeliverable, dispatch_uid="delegation-release-undeliverable")
def on_email_undeliverable(sender, email, **kwargs):
    kind, _, pk = email.topic.partition(":")
    if kind == "release" and pk.isdigit():
        mark_release_undeliverable(pk=int(pk))
