"""Celery application: configured from Django settings (CELERY_ namespace), tasks per app."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reclass_volunteers.settings")

app = Celery("reclass_volunteers")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
