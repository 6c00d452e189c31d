"""The mail provider's tracking webhook (bounces, complaints), mounted only where it can work.

`anymail.urls` mounts every provider's views; one that is not configured raises before it checks
the secret, and a body it cannot read ends in a server error. Here only the tracking webhook of
the provider in EMAIL_BACKEND is mounted, only with an anymail backend and ANYMAIL_WEBHOOK_SECRET
(anymail refuses requests without it, 400), and a body the provider's parser cannot read is a bad
request (400) too. An error while recording a readable event stays a server error, so the
provider delivers the event again later.
"""

from __future__ import annotations

from anymail import urls as anymail_urls
from anymail.webhooks.base import AnymailCoreWebhookView
from django.conf import settings
from django.core.exceptions import BadRequest
from django.urls import URLPattern, include, path

ANYMAIL_BACKENDS = "anymail.backends."


def provider() -> str | None:
    """The provider of an anymail backend (`anymail.backends.postmark.EmailBackend`: "postmark"), or None."""
    module = settings.EMAIL_BACKEND.rpartition(".")[0]
    return module.removeprefix(ANYMAIL_BACKENDS) if module.startswith(ANYMAIL_BACKENDS) else None


def readable_only(view_class: type[AnymailCoreWebhookView]) -> type[AnymailCoreWebhookView]:
    """The provider's view, answering 400 to a body its checks or parser cannot read."""

    class ReadableOnly(view_class):
        def run_validators(self, request):
            try:
                super().run_validators(request)
            except (ValueError, LookupError, TypeError, AttributeError) as error:
                raise BadRequest("Unreadable webhook request") from error

        def parse_events(self, request):
            try:
                return super().parse_events(request)
            except (ValueError, LookupError, TypeError, AttributeError) as error:
                raise BadRequest("Unreadable webhook request") from error

    return ReadableOnly


def urlpatterns() -> list[URLPattern]:
    """`/anymail/<provider>/tracking/` of the configured provider, or nothing."""
    name = provider()
    if name is None or not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        return []
    # Mandrill's tracking webhook is its combined one.
    tracking = [
        path(str(pattern.pattern), readable_only(pattern.callback.view_class).as_view(), name=pattern.name)
        for pattern in anymail_urls.urlpatterns
        if pattern.name in {f"{name}_tracking_webhook", f"{name}_webhook"}
    ]
    return [path("anymail/", include((tracking, "anymail")))] if tracking else []
