"""The worker's heartbeat with a real Celery worker (and its beat) on PostgreSQL and Redis: the dashboard tells staff
when the worker stops, within a few heartbeat intervals, and stops telling them when it is back."""

import shutil
import signal
import time

import pytest
from django.db import connection
from django.urls import reverse

from badges.models import WorkerHeartbeat
from issuers.models import IssuerMembership, Role
from tests.conftest import skip_or_fail
from tests.factories import IssuerFactory, UserFactory
from tests.integration.harness import Platform, RedisServer, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

HEARTBEAT = 2  # seconds: WORKER_HEARTBEAT_SECONDS for the worker and for the dashboard


@pytest.fixture
def platform(tmp_path, settings):
    if connection.vendor != "postgresql":
        skip_or_fail("the worker integration tests need PostgreSQL (set DATABASE_URL; `bash .ci/run` does)")
    if shutil.which("redis-server") is None:
        skip_or_fail("the worker integration tests need redis-server on PATH")
    server = RedisServer()
    server.start()
    running = Platform(redis_server=server, workdir=tmp_path)
    running.env["WORKER_HEARTBEAT_SECONDS"] = str(HEARTBEAT)
    settings.MEDIA_ROOT = running.media
    settings.WORKER_HEARTBEAT_SECONDS = HEARTBEAT
    yield running
    running.stop_all()
    server.stop()


def test_dashboard_alerts_when_the_worker_stops_and_clears_when_it_is_back(platform, client):
    """Stop the worker: the alert shows within the heartbeat's allowance (3 intervals, plus one for the last beat);
    start it again: the alert is gone as soon as it is up."""
    issuer = IssuerFactory()
    staff = UserFactory()
    IssuerMembership.objects.create(issuer=issuer, user=staff, role=Role.VIEWER)
    client.force_login(staff)
    url = reverse("admin-dashboard")

    def alerted() -> bool:
        response = client.get(url)
        assert response.status_code == 200
        return "worker-alert" in response.content.decode()

    assert alerted()  # no worker has ever run
    worker = platform.start_worker()
    wait_until(lambda: not alerted(), timeout=90, what="the first heartbeat")
    # The beat keeps it fresh: still no alert well past 3 intervals.
    time.sleep(HEARTBEAT * 4)
    assert not alerted()
    beats = WorkerHeartbeat.objects.count()
    assert beats >= 1

    platform.kill_worker(worker, signal.SIGKILL)
    stopped = time.monotonic()
    wait_until(alerted, timeout=HEARTBEAT * 10, interval=0.25, what="the worker alert")
    assert time.monotonic() - stopped <= HEARTBEAT * (3 + 1) + 1.5

    platform.start_worker()
    wait_until(lambda: not alerted(), timeout=90, what="the alert to clear")
