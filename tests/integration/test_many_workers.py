"""Many workers on many hosts (issue 19): two Celery workers that share nothing but PostgreSQL, Redis and an S3
store — each with its own working directory, TMPDIR, var/, MEDIA_ROOT and node name — issue 10,000 completions
imported from a CSV file; one is killed with SIGKILL mid-batch and started again. Then every award is issued once,
none is missing, and the store holds exactly one baked file per award and nothing else.

Real processes throughout: the test's PostgreSQL database, a redis-server of its own, moto's S3 API server, the
workers and the `manage.py import_completions` producer are separate processes, spoken to as production does.
"""

import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections import Counter

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection

from badges.issuing import OB2_KEYWORD, OB3_KEYWORD
from badges.models import Award, AwardStatus
from badges.openbadges.baking.png import unbake_png
from badges.storage import storage_from_url
from badges.verification.award import verify_award_report
from tests.conftest import skip_or_fail
from tests.factories import CourseFactory
from tests.integration.harness import ROOT, Host, RedisServer, S3Server, database_url, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

COMPLETIONS = 10_000
VERIFIED_SAMPLE = 300  # the project's verifier on this many awards chosen at random (about 10 ms each)
BATCH_TASK = "badges.tasks.award_issue_batch_task"


@pytest.fixture
def services(settings, monkeypatch):
    """PostgreSQL (the test's database), a Redis server and an S3 server, with a bucket of the test's own that this
    process (the factories' artwork upload, the verifier) uses as its default storage too."""
    if connection.vendor != "postgresql":
        skip_or_fail("the many-workers test needs PostgreSQL (set DATABASE_URL; `bash .ci/run` does)")
    if shutil.which("redis-server") is None:
        skip_or_fail("the many-workers test needs redis-server on PATH")
    try:
        import boto3  # noqa: F401
        import moto.server  # noqa: F401
        import storages.backends.s3  # noqa: F401
    except ImportError as exc:
        skip_or_fail(f"moto's S3 server, boto3 or django-storages is missing ({exc}); `make install` installs them")
    broker, store = RedisServer(), S3Server()
    broker.start()
    store.start()
    bucket = f"laurel-{uuid.uuid4().hex[:12]}"
    storage_url = store.bucket_create(bucket)
    for name, value in store.credentials().items():
        monkeypatch.setenv(name, value)
    settings.STORAGES = {**settings.STORAGES, "default": storage_from_url(storage_url)}
    shared = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_SETTINGS"))},
        **store.credentials(),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker.url,
        "STORAGE_URL": storage_url,
        "KEY_ENCRYPTION_KEYS": ",".join(django_settings.KEY_ENCRYPTION_KEYS),
        "PUBLIC_BASE_URL": django_settings.PUBLIC_BASE_URL,
        "DEBUG": "0",  # as deployed: with DEBUG on, every task's SQL is kept in memory
        "LOG_LEVEL": "WARNING",
        # A killed worker's unacknowledged batches come back after 10 s. The sweep (the backstop for a lost broker)
        # keeps its production grace: it re-queues every award still pending after it, and on a loaded machine
        # 10,000 awards take longer than a short grace, which would queue thousands of duplicate batches.
        "CELERY_VISIBILITY_TIMEOUT": "10",
        "AWARD_SWEEP_SECONDS": "5",
        "AWARD_PENDING_GRACE_SECONDS": "600",
        # Files a killed worker stored and never published are deleted by beat's orphan sweep (badges/orphans.py)
        # once older than any delivery of this test could run (a day and an hour by default).
        "BAKED_ORPHAN_SWEEP_SECONDS": "5",
        "BAKED_ORPHAN_MIN_AGE_SECONDS": "20",
    }
    yield shared, store, bucket, broker
    store.stop()
    broker.stop()


def no_issuing_in_flight(broker: RedisServer):
    """No issuing task waiting in the queue nor delivered and unacknowledged (kombu's `unacked` hash): no delivery
    is still between storing its files and publishing or discarding them. (Beat's own tasks and the e-mails come
    and go; they store nothing.)"""
    client = redis.Redis.from_url(broker.url)
    name = BATCH_TASK.encode()

    def check() -> bool:
        waiting = sum(name in message for message in client.lrange("celery", 0, -1))
        delivered = sum(name in message for message in client.hvals("unacked"))
        sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] issuing batches waiting {waiting}, delivered {delivered}\n")
        return not waiting and not delivered

    return check


def held_at_kill(log: str) -> set[str]:
    """Batch tasks the killed worker had received (running or reserved) and not finished."""
    received = set(re.findall(rf"Task {re.escape(BATCH_TASK)}\[([\w-]+)\] received", log))
    finished = set(re.findall(rf"Task {re.escape(BATCH_TASK)}\[([\w-]+)\] (?:succeeded|retry|raised)", log))
    return received - finished


def swept(*hosts: Host) -> int:
    """Deletions the orphan sweep's runs reported in the workers' logs (the task returns how many). Every 5 s here, a
    run can overlap the previous one on a loaded machine: a file deleted by both is counted twice."""
    pattern = r"baked_orphans_delete_task\[[\w-]+\] succeeded in [\d.]+s: (\d+)"
    return sum(int(count) for host in hosts for count in re.findall(pattern, host.log()))


@pytest.fixture
def hosts(services, tmp_path):
    """The web host (the CSV import) and two worker hosts; whatever runs on them is stopped at the end."""
    shared = services[0]
    machines = [Host(name=name, root=tmp_path, shared_env=shared) for name in ("web", "first", "second")]
    yield machines
    for machine in machines:
        machine.stop()


def test_two_workers_one_killed_mid_batch_issue_10000_awards_once_each_with_one_file_each(services, hosts):
    _shared, store, bucket, broker = services
    web, first, second = hosts
    course = CourseFactory()  # its artwork goes to the bucket, as an upload in the admin would
    csv = web.home / "completions.csv"
    rows = (f"learner{i}@example.org,Learner {i},{course.code},yes" for i in range(COMPLETIONS))
    csv.write_text("email,name,course,completed\n" + "\n".join(rows) + "\n")

    started = time.monotonic()
    first.start_worker()
    second.start_worker(beat=True)  # beat runs once in a deployment: on the host that is not killed here
    imported = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "import_completions", "--issuer", course.issuer.slug, str(csv)],
        cwd=web.home,
        env=web.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert imported.returncode == 0, imported.stderr
    import_seconds = time.monotonic() - started

    def issued() -> int:
        count = Award.objects.filter(status=AwardStatus.ISSUED).count()
        sys.stderr.write(f"[{time.monotonic() - started:6.1f} s] {count:,} issued\n")
        return count

    wait_until(lambda: issued() >= COMPLETIONS // 5, timeout=240, interval=0.5, what="the first fifth of the awards")
    first.kill()
    done_at_kill = issued()
    held = held_at_kill(first.log())
    assert done_at_kill < COMPLETIONS, "the workers finished before one could be killed; the test proves nothing"
    assert re.search(rf"{re.escape(BATCH_TASK)}\[[\w-]+\] succeeded", first.log()), "the killed worker issued none"
    assert held, "the killed worker held no batch when it was killed: it was not killed mid-batch"
    first.start_worker()  # the host comes back, with its own directories as before

    wait_until(lambda: issued() >= COMPLETIONS, timeout=480, interval=2, what=f"{COMPLETIONS:,} issued awards")
    issued_seconds = time.monotonic() - started
    wait_until(no_issuing_in_flight(broker), timeout=120, interval=2, what="the last issuing deliveries to end")

    # None lost, none twice: one award per completion, each issued, one per learner and per enrolment.
    awards = list(Award.objects.values("pk", "public_id", "status", "learner_id", "enrolment_id", "baked_png"))
    assert len(awards) == COMPLETIONS
    assert Counter(a["status"] for a in awards) == {AwardStatus.ISSUED: COMPLETIONS}
    assert len({a["learner_id"] for a in awards}) == len({a["enrolment_id"] for a in awards}) == COMPLETIONS

    # Every file in the store once: the artwork, and for each award its one baked PNG under its own prefix. What
    # the killed worker stored without publishing is left to the orphan sweep, which must have deleted it.
    published = {a["baked_png"] for a in awards}
    assert all(a["baked_png"].startswith(f"baked/{a['public_id']}/") for a in awards)

    def no_orphans() -> bool:
        return not set(store.keys(bucket, "baked/")) - published

    wait_until(no_orphans, timeout=120, interval=2, what="the orphan sweep to delete unpublished files")
    swept_seconds = time.monotonic() - started
    deleted = swept(first, second)
    for worker in (first, second):  # what follows reads the store and the database only
        worker.stop()
    keys = store.keys(bucket)
    baked = [key for key in keys if key.startswith("baked/")]
    orphans = sorted(set(baked) - published)
    assert published <= set(baked), "an award points at a file that is not in the store"
    assert not orphans, f"{len(orphans)} file(s) in the store belong to no award, e.g. {orphans[:3]}"
    assert len(baked) == COMPLETIONS
    assert sorted(set(keys) - set(baked)) == [course.badge_class.image.name]
    for host in (web, first, second):
        assert host.media_files() == [], f"{host.name} wrote files to its own disk instead of the store"

    checked_at = time.monotonic()
    # Each award verifies: the project's verifier (both generations) on a random sample, and the baked file in the
    # store carries exactly what was signed.
    sample = Award.objects.select_related("badge_class__issuer", "issuer", "learner").filter(
        pk__in=random.sample([a["pk"] for a in awards], VERIFIED_SAMPLE)
    )
    client = store.client()
    for award in sample:
        report = verify_award_report(award=award)
        assert report.verdict == "valid", (award.public_id, report.reasons)
        image = client.get_object(Bucket=bucket, Key=award.baked_png.name)["Body"].read()
        assert unbake_png(image=image, keyword=OB2_KEYWORD) == award.ob2_jws
        assert json.loads(unbake_png(image=image, keyword=OB3_KEYWORD)) == award.ob3_credential
    print(
        f"\nmany workers: {COMPLETIONS:,} completions; import {import_seconds:.1f} s; killed at {done_at_kill:,} "
        f"issued holding {len(held)} batch(es); all issued at {issued_seconds:.1f} s; orphan-sweep runs reported "
        f"{deleted} deletion(s) (overlapping runs count a file twice), none left at {swept_seconds:.1f} s; "
        f"{len(baked):,} baked files, {len(orphans)} orphans; {VERIFIED_SAMPLE} verified in "
        f"{time.monotonic() - checked_at:.1f} s; total {time.monotonic() - started:.1f} s"
    )
