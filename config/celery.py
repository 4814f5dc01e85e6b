"""The Celery application; tasks are discovered in each app's tasks.py."""

import logging
import os

from celery import Celery
from celery.signals import worker_init, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("laurel")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _self_test_fast_path(**kwargs) -> None:
    """Each worker process checks the fast canonicalization path against the 1EdTech vector before signing."""
    from badges.openbadges.ob3.proof import self_test_fast_path

    self_test_fast_path()


@worker_init.connect
def refuse_undecryptable_signing_keys(**kwargs) -> None:
    """The worker does not start when KEY_ENCRYPTION_KEYS cannot decrypt the signing keys: every award it took
    would fail to sign. The same check runs under `manage.py check --deploy` before the web server starts."""
    from django.db import DatabaseError, connections

    from issuers.checks import signing_keys_require_decryptable

    try:
        signing_keys_require_decryptable()
    except DatabaseError:  # the database is not up yet: tasks will retry; the key is checked by check --deploy
        logging.getLogger(__name__).warning("Signing keys not checked at worker start: the database is unreachable.")
    finally:
        connections.close_all()  # the pool's processes open their own
