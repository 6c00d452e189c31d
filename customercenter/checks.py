"""Deployment checks of our own, run by `manage.py check --deploy` next to Django's."""

from django.conf import settings
from django.core.checks import Tags, register
from django.core.checks import Warning as CheckWarning


@register(Tags.security, deploy=True)
def anymail_webhooks_have_a_secret(app_configs, **kwargs):
    """The provider's tracking webhook (/anymail/<provider>/tracking/) is mounted only with a
    secret, so without one bounces are never reported."""
    if settings.EMAIL_BACKEND.startswith("anymail.") and not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        return [
            CheckWarning(
                "The mail provider's webhook is not mounted: bounces are not reported without a secret.",
                hint="Set ANYMAIL_WEBHOOK_SECRET to user:password and put it into the webhook URL at the provider.",
                id="customercenter.W001",
            )
        ]
    return []
