"""Celery tasks for courses: applying a large CSV import in a worker, and failing imports no worker will finish."""

from celery import shared_task
from django.contrib.auth import get_user_model

from .imports import ImportNotApplicable, completion_import_apply_failing, completion_imports_fail_stale
from .models import CompletionImport, ImportStatus


@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1700)
def completion_import_apply_task(import_id: int, actor_id: int | None) -> None:
    """Apply a confirmed import (all rows or none). Only an import still "applying" is applied: a repeat delivery
    finds it applied, and a late one finds it failed by the sweep (its retry queues a new task). Any failure, the
    soft time limit included, marks it failed with the reason; a hard kill is left to the sweep."""
    record = CompletionImport.objects.filter(pk=import_id).select_related("issuer").first()
    if record is None or record.status != ImportStatus.APPLYING:
        return
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    try:
        completion_import_apply_failing(actor=actor, completion_import=record)
    except ImportNotApplicable:
        return  # the file no longer applies (a course deleted meanwhile): recorded as the failure's reason


@shared_task(acks_late=True, time_limit=120)
def completion_import_sweep_task() -> None:
    """Periodic: mark failed the imports left "applying" by a worker that died or never came."""
    completion_imports_fail_stale()
