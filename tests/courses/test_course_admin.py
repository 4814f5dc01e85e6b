"""The course admin forms over HTTP: the public id the API wants is shown only once it exists (after saving),
never a freshly drawn id that the saved course will not have."""

import re

import pytest
from django.urls import reverse

from courses.models import Course
from tests.factories import BadgeClassFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client):
    owner = MembershipFactory()
    client.force_login(owner.user)
    return client, owner


def test_add_course_form_shows_no_public_id_that_the_saved_course_would_not_have(owner_client):
    """Staff copied the public id shown on the add form into their API client; the saved course had another one
    (the model default was drawn again for the saved row). The add form shows no public id; the change page shows
    the saved one, read-only, with where it is used."""
    client, owner = owner_client
    badge = BadgeClassFactory(issuer=owner.issuer)
    page = client.get(reverse("admin:courses_course_add")).content.decode()
    shown = re.findall(r"[A-Za-z0-9_-]{22}", page)
    assert "field-public_id" not in page

    response = client.post(
        reverse("admin:courses_course_add"),
        {"issuer": owner.issuer.pk, "code": "stats-101", "title": "Statistics", "badge_class": badge.pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    course = Course.objects.get(code="stats-101")
    assert course.public_id not in shown
    change = client.get(reverse("admin:courses_course_change", args=[course.pk])).content.decode()
    assert course.public_id in change
    assert "The API and CSV imports accept this id or the course code" in change
    assert 'name="public_id"' not in change  # read-only: shown, never a field that could be changed
