"""The Celery application; tasks are discovered in each app's tasks.py."""

import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("laurel")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _self_test_fast_path(**kwargs) -> None:
    """Each worker process checks the fast canonicalization path against the 1EdTech vector before signing."""
    from badges.openbadges.ob3.proof import self_test_fast_path

    self_test_fast_path()
