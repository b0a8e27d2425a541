import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alignment_fund.settings")

app = Celery("alignment_fund")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
