import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "customercenter.settings")

application = get_wsgi_application()

from customercenter.startup import require_secret_key  # noqa: E402 — needs the app registry

require_secret_key()
