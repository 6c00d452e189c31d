import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "customercenter.settings")

app = Celery("customercenter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
@signals.beat_init.connect
def _refuse_insecure_secret_key(**kwargs) -> None:
    from customercenter.startup import require_secret_key

    require_secret_key()
