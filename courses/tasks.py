"""Celery tasks for courses: applying a large CSV import in a worker."""

from celery import shared_task
from django.contrib.auth import get_user_model

from .imports import completion_import_apply
from .models import CompletionImport


@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1700)
def completion_import_apply_task(import_id: int, actor_id: int | None) -> None:
    """Apply a confirmed import (all rows or none). A repeat delivery finds it applied and stops."""
    record = CompletionImport.objects.filter(pk=import_id).first()
    if record is None or record.status == "applied":
        return
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    completion_import_apply(actor=actor, completion_import=record)
