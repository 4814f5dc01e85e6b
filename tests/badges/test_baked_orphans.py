"""Baked files no award points at (badges.orphans): a worker killed between storing a badge's files and publishing
it leaves them, and so does a renewal; the periodic sweep deletes them once no delivery could still publish them.
On the filesystem storage here; tests/integration/test_many_workers.py runs it against an S3 server and workers."""

import os
import time
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from badges.issuing import award_issue
from badges.models import Award
from badges.orphans import baked_orphans_delete
from badges.services import award_renew
from badges.storage import baked_name
from courses.services import enrolment_complete
from tests.factories import BadgeClassFactory, CourseFactory, EnrolmentFactory

pytestmark = pytest.mark.django_db


def stored(name: str, *, age: timedelta) -> str:
    saved = default_storage.save(name, ContentFile(b"\x89PNG left behind"))
    then = time.time() - age.total_seconds()
    os.utime(default_storage.path(saved), (then, then))
    return saved


def issued() -> Award:
    created = enrolment_complete(actor=None, enrolment=EnrolmentFactory())
    assert award_issue(award_id=created.pk)
    return Award.objects.get(pk=created.pk)


def test_files_no_award_points_at_are_deleted_once_older_than_any_delivery(settings):
    settings.BAKED_ORPHAN_MIN_AGE_SECONDS = 3600
    award = issued()
    old = timedelta(hours=2)
    killed = stored(baked_name(public_id=award.public_id, extension="png"), age=old)  # a killed delivery's file
    young = stored(baked_name(public_id=award.public_id, extension="png"), age=timedelta(minutes=5))  # maybe in flight
    pending = enrolment_complete(actor=None, enrolment=EnrolmentFactory())
    of_pending = stored(baked_name(public_id=pending.public_id, extension="png"), age=old)  # its delivery died
    legacy = stored("baked/2024/05/lost.png", age=old)  # the old upload_to layout, referenced by nothing
    os.utime(default_storage.path(award.baked_png.name), (time.time() - 7200,) * 2)  # published: kept at any age

    deleted = baked_orphans_delete()

    assert sorted(deleted) == sorted([killed, of_pending, legacy])
    for name in (killed, of_pending, legacy):
        assert not default_storage.exists(name)
    assert default_storage.exists(award.baked_png.name) and default_storage.exists(young)
    assert baked_orphans_delete() == []  # the young one is not old enough yet


def test_a_renewed_badge_keeps_its_new_file_and_loses_the_old_one(settings):
    settings.BAKED_ORPHAN_MIN_AGE_SECONDS = 0
    award = issued()
    before = award.baked_png.name
    award.badge_class.validity_days = 365
    award.badge_class.save()
    award_renew(actor=None, award=award)
    assert award_issue(award_id=award.pk)
    award.refresh_from_db()
    assert award.baked_png.name != before
    assert baked_orphans_delete() == [before]
    assert default_storage.exists(award.baked_png.name) and not default_storage.exists(before)


def test_an_svg_badge_keeps_its_baked_svg(settings):
    settings.BAKED_ORPHAN_MIN_AGE_SECONDS = 0
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>'
    course = CourseFactory(badge_class=BadgeClassFactory(image=ContentFile(svg, name="art.svg")))
    created = enrolment_complete(actor=None, enrolment=EnrolmentFactory(course=course))
    assert award_issue(award_id=created.pk)
    award = Award.objects.get(pk=created.pk)
    assert award.baked_svg and not award.baked_png
    assert baked_orphans_delete() == []
    assert default_storage.exists(award.baked_svg.name)
