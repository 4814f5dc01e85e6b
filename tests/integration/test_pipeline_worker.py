"""The award pipeline with real processes: PostgreSQL, a Redis server and Celery workers (with beat).

500 completions through the CSV import; a worker killed with SIGKILL mid-batch; Redis down while completions are
marked; a task delivered twice. Each time: exactly one correct, signed, baked badge per completion, none lost.
"""

import shutil
from pathlib import Path

import pytest
from django.db import connection

from badges.models import Award, AwardStatus
from badges.openbadges.baking.png import unbake_png
from badges.verification.award import verify_award
from tests.conftest import skip_or_fail
from tests.factories import CourseFactory
from tests.integration.harness import Platform, RedisServer, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def platform(tmp_path, settings):
    if connection.vendor != "postgresql":
        skip_or_fail("the worker integration tests need PostgreSQL (set DATABASE_URL; `bash .ci/run` does)")
    if shutil.which("redis-server") is None:
        skip_or_fail("the worker integration tests need redis-server on PATH")
    server = RedisServer()
    server.start()
    running = Platform(redis_server=server, workdir=tmp_path)
    settings.MEDIA_ROOT = running.media
    yield running
    running.stop_all()
    server.stop()


def write_csv(path: Path, course, start: int, count: int) -> Path:
    rows = [f"learner{i}@example.org,Learner {i},{course.code},yes" for i in range(start, start + count)]
    path.write_text("email,name,course,completed\n" + "\n".join(rows) + "\n")
    return path


def import_csv(platform: Platform, course, path: Path) -> None:
    result = platform.manage("import_completions", "--issuer", course.issuer.slug, str(path))
    assert result.returncode == 0, result.stderr


def issued(count: int):
    return lambda: Award.objects.filter(status=AwardStatus.ISSUED).count() >= count


def assert_exactly_one_good_badge_each(platform: Platform, expected: int, *, emails_lost: int = 0) -> None:
    awards = list(Award.objects.select_related("badge_class", "issuer", "learner"))
    assert len(awards) == expected
    assert {a.status for a in awards} == {AwardStatus.ISSUED}
    assert len({a.learner_id for a in awards}) == expected  # none duplicated
    for award in awards:
        assert verify_award(award=award).verdict == "valid"
        baked = award.baked_png.read()
        assert unbake_png(image=baked, keyword="openbadges") == award.ob2_jws
    # Generous: the e-mails queue is served after the badges, and a loaded CI machine sends 500 slowly.
    wait_until(lambda: len(platform.emails()) >= expected - emails_lost, timeout=180, what="the e-mails")
    recipients = platform.emails()
    assert len(set(recipients)) == len(recipients), "an e-mail was sent twice"
    assert expected - emails_lost <= len(recipients) <= expected


def test_500_completions_through_the_csv_import(platform, tmp_path):
    course = CourseFactory()
    platform.start_worker()
    import_csv(platform, course, write_csv(tmp_path / "500.csv", course, 0, 500))
    wait_until(issued(500), timeout=240, what="500 issued awards")
    assert_exactly_one_good_badge_each(platform, 500)


def test_worker_killed_mid_batch_loses_and_duplicates_nothing(platform, tmp_path):
    course = CourseFactory()
    worker = platform.start_worker()
    import_csv(platform, course, write_csv(tmp_path / "500.csv", course, 0, 500))
    wait_until(issued(50), timeout=120, what="the first awards")
    platform.kill_worker(worker)
    done_at_kill = Award.objects.filter(status=AwardStatus.ISSUED).count()
    assert done_at_kill < 500, "the worker finished before it could be killed; the test proves nothing"
    # E-mails are sent at most once (decision 0006): one claimed by the killed worker and not yet written is lost.
    # The badges must all be there exactly once; of the e-mails, only those in flight at the kill may be missing
    # (none when the kill came before the e-mails started, the usual case on an idle machine).
    in_flight = Award.objects.filter(notified_at__isnull=False).count() - len(platform.emails())
    assert 0 <= in_flight <= 2 * 100, "more e-mails in flight than two worker processes can hold"
    platform.start_worker()
    wait_until(issued(500), timeout=240, what="the remaining awards after the restart")
    assert_exactly_one_good_badge_each(platform, 500, emails_lost=in_flight)


def test_completions_marked_while_redis_is_down_are_issued_after_the_sweep(platform, tmp_path):
    course = CourseFactory()
    platform.start_worker()
    platform.redis.stop()
    import_csv(platform, course, write_csv(tmp_path / "100.csv", course, 0, 100))  # queueing fails; still committed
    assert Award.objects.filter(status=AwardStatus.PENDING).count() == 100
    platform.redis.start()  # same port: the worker reconnects, and beat's sweep re-queues the pending awards
    wait_until(issued(100), timeout=180, what="100 awards after Redis came back")
    assert_exactly_one_good_badge_each(platform, 100)


def test_a_task_delivered_twice_gives_one_award_and_one_email(platform, tmp_path):
    course = CourseFactory()
    import_csv(platform, course, write_csv(tmp_path / "1.csv", course, 0, 1))  # queued once by the import
    award = Award.objects.get()
    duplicate = platform.manage(
        "shell",
        "-c",
        f"from badges.tasks import award_issue_batch_task as t; t.delay([{award.id}]); t.delay([{award.id}])",
    )
    assert duplicate.returncode == 0, duplicate.stderr
    platform.start_worker()
    wait_until(issued(1), timeout=120, what="the award")
    wait_until(lambda: len(platform.emails()) >= 1, timeout=60, what="the e-mail")
    import time

    time.sleep(3)  # give the duplicate deliveries time to run
    assert Award.objects.count() == 1
    assert_exactly_one_good_badge_each(platform, 1)
