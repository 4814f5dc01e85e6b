"""Baked files in the store that no award points at, and their deletion.

A delivery that loses the race to publish deletes what it stored at once (badges.issuing._discard). Two things
leave files behind all the same: a worker killed between storing a batch's files and publishing the batch (SIGKILL,
an OOM kill, a lost machine: no code runs), and a renewal, whose new bake replaces the file the award pointed at.
A periodic task lists baked/ and deletes every file that no award names, once it is older than
BAKED_ORPHAN_MIN_AGE_SECONDS: a file that old cannot belong to a delivery still running (the batch task's hard time
limit is 600 s) and a new delivery always writes a new name (badges.storage.baked_name), so nothing could publish it.
"""

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import islice

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone

from .models import Award
from .storage import storage_errors

log = logging.getLogger(__name__)
PREFIX = "baked"
_CHUNK = 1000


def _stored(storage) -> Iterator[tuple[str, datetime]]:
    """Every file under baked/ with when it was written. On an S3 store one listing request per 1,000 files (the
    dates come with it); on any other storage, its own listing."""
    bucket = getattr(storage, "bucket", None)
    if bucket is not None:
        location = storage.location.strip("/")
        start = f"{location}/" if location else ""
        for item in bucket.objects.filter(Prefix=f"{start}{PREFIX}/"):
            yield item.key[len(start) :], item.last_modified
        return
    folders = [PREFIX]
    while folders:
        folder = folders.pop()
        try:
            subfolders, files = storage.listdir(folder)
        except FileNotFoundError:
            continue
        folders.extend(f"{folder}/{name}" for name in subfolders)
        for name in files:
            yield f"{folder}/{name}", storage.get_modified_time(f"{folder}/{name}")


def _referenced(names: list[str]) -> set[str]:
    """Which of `names` an award points at. Looked up by the award's public id (indexed) for the baked/<id>/…
    layout, by the file name only for the few of the old baked/<year>/<month>/ layout."""
    split = [name.split("/") for name in names]
    query = Q(public_id__in={parts[1] for parts in split if len(parts) == 3})
    legacy = ["/".join(parts) for parts in split if len(parts) != 3]
    if legacy:  # an unindexed column: only when there are such names
        query |= Q(baked_png__in=legacy) | Q(baked_svg__in=legacy)
    return {name for pair in Award.objects.filter(query).values_list("baked_png", "baked_svg") for name in pair}


def baked_orphans_delete(*, storage=None) -> list[str]:
    """Delete the baked files no award points at that are older than BAKED_ORPHAN_MIN_AGE_SECONDS; returns their
    names. Best effort per file: one the store refuses now is deleted by the next run."""
    storage = storage or default_storage
    cutoff = timezone.now() - timedelta(seconds=settings.BAKED_ORPHAN_MIN_AGE_SECONDS)
    deleted: list[str] = []
    candidates = (name for name, written in _stored(storage) if written <= cutoff)
    while chunk := list(islice(candidates, _CHUNK)):  # a bucket of millions is never held in memory at once
        for name in sorted(set(chunk) - _referenced(chunk)):
            try:
                storage.delete(name)
            except storage_errors():
                log.warning("Could not delete the orphaned file %s", name, exc_info=True)
                continue
            deleted.append(name)
    if deleted:
        log.info("Deleted %d baked file(s) that no award points at", len(deleted))
    return deleted
