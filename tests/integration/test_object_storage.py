"""Artwork and baked badges on an S3-compatible store (STORAGE_URL=s3://…, badges/storage.py), against a real S3 API
server: moto's standalone server, started here as a process of its own on 127.0.0.1, spoken to over HTTP by
django-storages and boto3 exactly as MinIO or AWS would be. Nothing of the client is mocked."""

import re
import shutil

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from badges.issuing import OB2_KEYWORD, TransientIssueError, award_issue, awards_issue
from badges.models import Award, AwardStatus, BadgeClass
from badges.openbadges.baking.png import unbake_png
from badges.storage import storage_from_url
from courses.services import enrolment_complete
from tests.conftest import skip_or_fail
from tests.factories import CourseFactory, EnrolmentFactory, MembershipFactory
from tests.integration.harness import Platform, RedisServer, free_port, wait_until
from tests.integration.s3 import ACCESS_KEY, REGION, SECRET_KEY, Bucket, S3Server, require_s3_packages

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture(scope="module")
def s3_server():
    require_s3_packages()
    server = S3Server()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def bucket(s3_server, settings, monkeypatch, tmp_path):
    """The platform's default storage set from a STORAGE_URL naming a fresh bucket on the server."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    created = Bucket(s3_server)
    settings.STORAGES = {**settings.STORAGES, "default": storage_from_url(created.storage_url)}
    settings.MEDIA_ROOT = tmp_path / "must-stay-empty"
    yield created
    assert not settings.MEDIA_ROOT.exists(), "a file went to the local disk instead of the store"


def issued(**enrolment) -> Award:
    created = enrolment_complete(actor=None, enrolment=EnrolmentFactory(**enrolment))
    assert award_issue(award_id=created.id)
    return Award.objects.get(pk=created.id)


def test_issuing_reads_artwork_from_the_store_and_uploads_the_baked_badge(bucket):
    award = issued()
    artwork = award.badge_class.image.name
    assert bucket.keys("badge-classes/") == [artwork]
    assert re.fullmatch(rf"baked/{award.public_id}/[\w-]+\.png", award.baked_png.name)
    assert bucket.keys("baked/") == [award.baked_png.name]
    stored = bucket.read(award.baked_png.name)
    assert unbake_png(image=stored, keyword=OB2_KEYWORD) == award.ob2_jws  # what was signed, in the store


def test_downloads_and_artwork_are_streamed_from_the_store(client, bucket):
    award = issued()
    award.public = True
    award.save(update_fields=["public"])
    response = client.get(f"/assertions/{award.public_id}/badge.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content == bucket.read(award.baked_png.name)
    assert client.get(response.wsgi_request.path, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    image = client.get(reverse("badge-class-image", args=[award.badge_class.public_id]))
    assert image.status_code == 200 and image.content == bucket.read(award.badge_class.image.name)
    award.public = False
    award.save(update_fields=["public"])
    assert client.get(f"/assertions/{award.public_id}/badge.png").status_code == 404  # still checked per request


def test_a_delivery_that_loses_the_race_deletes_only_its_own_objects(bucket, django_capture_on_commit_callbacks):
    """Two deliveries of one award, both real: the second publishes while the first is between storing its files and
    publishing. Both wrote to the store; the first's conditional UPDATE then finds the award issued and deletes
    what it wrote — an object store overwrites a key silently, so the names must differ or it would delete the
    winner's badge."""
    from badges import issuing

    created = enrolment_complete(actor=None, enrolment=EnrolmentFactory())
    real_store = issuing._store
    written: list[str] = []

    def store_then_lose(award, artifacts):
        names = real_store(award, artifacts)
        written.extend(names.values())
        if len(written) == 1:  # the first delivery has stored; the second runs to the end before it publishes
            assert awards_issue(award_ids=[created.pk]) == 1
        return names

    with pytest.MonkeyPatch.context() as patch, django_capture_on_commit_callbacks(execute=True):
        patch.setattr(issuing, "_store", store_then_lose)
        assert awards_issue(award_ids=[created.pk]) == 0  # the first delivery lost
    award = Award.objects.get(pk=created.pk)
    assert award.status == AwardStatus.ISSUED
    # The published badge's file is in the store, once, and is what was signed; the loser's is gone.
    assert bucket.keys(f"baked/{award.public_id}/") == [award.baked_png.name]
    assert unbake_png(image=bucket.read(award.baked_png.name), keyword=OB2_KEYWORD) == award.ob2_jws
    loser, winner = written
    assert award.baked_png.name == winner != loser


def test_artwork_uploaded_in_the_admin_goes_to_the_store_without_overwriting(client, bucket):
    owner = MembershipFactory()
    client.force_login(owner.user)

    def upload(name: str, data: bytes) -> BadgeClass:
        response = client.post(
            reverse("admin:badges_badgeclass_add"),
            {
                "issuer": owner.issuer.pk,
                "name": name,
                "description": "d",
                "criteria_narrative": "c",
                "achievement_type": "Badge",
                "image": SimpleUploadedFile("art.svg", data),
                "alignments-TOTAL_FORMS": "0",
                "alignments-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        return BadgeClass.objects.get(name=name)

    first = upload("First", _svg("green"))
    second = upload("Second", _svg("blue"))  # the same file name: another object, the first one's bytes intact
    assert first.image.name != second.image.name
    assert bucket.keys("badge-classes/") == sorted([first.image.name, second.image.name])
    assert b"green" in bucket.read(first.image.name) and b"blue" in bucket.read(second.image.name)
    served = client.get(reverse("badge-class-image", args=[first.public_id]))
    assert served.status_code == 200 and b"green" in served.content
    assert served["Content-Security-Policy"].startswith("default-src 'none'")  # SVG from the store keeps our CSP


def test_an_unreachable_store_leaves_the_award_pending_for_a_retry(settings, monkeypatch, tmp_path):
    """A store that does not answer is a transient failure: the batch is retried later, nothing is published."""
    require_s3_packages()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    created = enrolment_complete(actor=None, enrolment=EnrolmentFactory())  # artwork on the local disk
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    url = f"s3://laurel-nowhere?endpoint_url={closed}&region_name={REGION}&addressing_style=path"
    settings.STORAGES = {**settings.STORAGES, "default": storage_from_url(url)}
    with pytest.raises(TransientIssueError):
        awards_issue(award_ids=[created.pk])
    award = Award.objects.get(pk=created.pk)
    assert award.status == AwardStatus.PENDING and not award.baked_png and award.failure_reason == ""


def _svg(colour: str) -> bytes:
    return (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
        b'<circle cx="32" cy="32" r="30" fill="' + colour.encode() + b'"/></svg>'
    )


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_issues_into_the_store_named_by_its_environment(bucket, tmp_path, settings):
    """The worker is another process configured only by its environment (STORAGE_URL and the store's keys), as on
    another host: every badge it bakes is in the bucket once, none on its disk."""
    if connection.vendor != "postgresql":
        skip_or_fail("the worker integration tests need PostgreSQL (set DATABASE_URL; `bash .ci/run` does)")
    if shutil.which("redis-server") is None:
        skip_or_fail("the worker integration tests need redis-server on PATH")
    redis_server = RedisServer()
    redis_server.start()
    platform = Platform(redis_server=redis_server, workdir=tmp_path / "platform")
    platform.env.update(
        {"STORAGE_URL": bucket.storage_url, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
    )
    try:
        course = CourseFactory()  # its artwork goes to the bucket (this process's storage is the same store)
        rows = [f"learner{i}@example.org,Learner {i},{course.code},yes" for i in range(40)]
        csv = tmp_path / "40.csv"
        csv.write_text("email,name,course,completed\n" + "\n".join(rows) + "\n")
        platform.start_worker()
        result = platform.manage("import_completions", "--issuer", course.issuer.slug, str(csv))
        assert result.returncode == 0, result.stderr
        wait_until(lambda: Award.objects.filter(status=AwardStatus.ISSUED).count() == 40, timeout=180, what="40 awards")
        awards = list(Award.objects.all())
        assert sorted(a.baked_png.name for a in awards) == bucket.keys("baked/")  # each once, no orphan
        for award in awards[:5]:
            assert unbake_png(image=bucket.read(award.baked_png.name), keyword=OB2_KEYWORD) == award.ob2_jws
        assert not any(platform.media.rglob("*.png")), "the worker wrote a badge to its own disk"
    finally:
        platform.stop_all()
        redis_server.stop()
