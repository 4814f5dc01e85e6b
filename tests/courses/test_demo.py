"""seed_demo: creates the demo once, prints a working login, and is safe to run again."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from badges.models import Award
from courses.models import Course, Enrolment
from issuers.models import Issuer

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_its_login_shows_the_demo(client, capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    call_command("seed_demo")
    assert Issuer.objects.count() == 1 and Course.objects.count() == 2
    assert Enrolment.objects.count() == 6 and Award.objects.count() == 6
    login = first.split("Demo login: ")[1].split()[0]
    password = first.split("password: ")[1].split()[0]
    response = client.post(reverse("admin:login"), {"login": login, "password": password}, follow=True)
    assert response.status_code == 200 and response.context["user"].is_authenticated
    page = client.get(reverse("admin:courses_enrolment_changelist")).content.decode()
    assert "Ada Lovelace" in page and "Python for data analysis" in page


def test_a_demo_seeded_before_staff_needed_a_verified_address_still_signs_in(client, capsys):
    """Staff need a verified primary address; an older demo database's owner has none until seed_demo runs again."""
    from allauth.account.models import EmailAddress

    from courses.demo import DEMO_LOGIN, DEMO_PASSWORD

    call_command("seed_demo")
    EmailAddress.objects.filter(email=DEMO_LOGIN).delete()
    call_command("seed_demo")
    assert EmailAddress.objects.get(email=DEMO_LOGIN).verified
    client.post(reverse("admin:login"), {"login": DEMO_LOGIN, "password": DEMO_PASSWORD})
    assert client.get(reverse("admin:index")).status_code == 200
