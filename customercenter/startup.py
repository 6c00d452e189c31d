from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def require_secret_key() -> None:
    """Called where a server or worker starts: production never runs on the local key."""
    if settings.SECRET_KEY == settings.INSECURE_SECRET_KEY and not (settings.DEBUG or settings.TESTING):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (use `make run` for a local development server)."
        )
