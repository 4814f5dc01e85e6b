"""The fast canonicalization path's alert reaches the admin: a mismatch disables it and raises a visible flag."""

import pytest
from django.urls import reverse

from badges.models import SystemAlert
from badges.openbadges.ob3 import proof
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_fast_path_alert_is_shown_to_operators(client):
    from badges.receivers import record_fast_path_alert

    record_fast_path_alert("sampled canonicalization differed (hash a != hash b)")
    assert SystemAlert.objects.filter(kind="fast-path-disabled").count() == 1
    client.force_login(UserFactory(is_superuser=True))
    page = client.get(reverse("admin:index")).content.decode()
    assert "fast-path-disabled" in page and "hash a != hash b" in page


def test_the_sample_rate_comes_from_settings(settings):
    assert proof.fast_path_status().sample_rate == settings.FAST_PATH_SAMPLE_RATE == 0.0025
