import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "customercenter.settings")

app = Celery("customercenter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
