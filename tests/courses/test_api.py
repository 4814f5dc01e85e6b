"""The completions API for staff signed in to the admin (session), scoped like the admin, idempotent, clear 4xx
for bad input. Institution API keys: tests/security/test_api_keys.py (personal user tokens no longer exist)."""

import pytest
from rest_framework.test import APIClient

from badges.models import Award
from issuers.models import Role
from tests.factories import CourseFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def course():
    return CourseFactory()


def post(client, target, **extra):
    return client.post(
        "/api/v1/completions",
        {"course": target.public_id, "email": "Ann@Example.org", "name": "Ann", **extra},
        format="json",
    )


def test_awarder_completes_and_repeats_idempotently(course):
    client = client_for(MembershipFactory(issuer=course.issuer, role=Role.AWARDER).user)
    first = post(client, course, evidence_url="https://example.org/work")
    assert first.status_code == 201, first.json()
    assert first.json()["status"] == "pending" and first.json()["url"].endswith(first.json()["award"])
    again = post(client, course)
    assert again.status_code == 200 and again.json()["award"] == first.json()["award"]
    assert Award.objects.count() == 1
    assert Award.objects.get().learner.email == "ann@example.org"


@pytest.mark.parametrize(("role", "expected"), [(Role.VIEWER, 403), (Role.AWARDER, 201), (Role.OWNER, 201)])
def test_roles(course, role, expected):
    client = client_for(MembershipFactory(issuer=course.issuer, role=role).user)
    assert post(client, course).status_code == expected


def test_staff_of_another_institution_cannot_see_the_course(course):
    client = client_for(MembershipFactory(role=Role.OWNER).user)
    response = post(client, course)
    assert response.status_code == 404 and Award.objects.count() == 0


def test_anonymous_and_non_staff_are_refused(course):
    assert post(APIClient(), course).status_code == 401
    assert post(client_for(UserFactory(is_staff=False)), course).status_code == 403


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"name": ""}, "name"),
        ({"evidence_url": "javascript:alert(1)"}, "evidence_url"),
        ({"completed_at": "2999-01-01T00:00:00Z"}, "completed_at"),
        ({"completed_at": "yesterday"}, "completed_at"),
        ({"course": "x" * 41}, "course"),  # longer than any code (40) or public id
    ],
)
def test_bad_input_is_a_clear_400_and_writes_nothing(course, payload, field):
    client = client_for(MembershipFactory(issuer=course.issuer, role=Role.AWARDER).user)
    response = post(client, course, **payload)
    assert response.status_code == 400 and field in response.json()
    assert Award.objects.count() == 0


def test_non_json_body_is_a_400(course):
    client = client_for(MembershipFactory(issuer=course.issuer, role=Role.AWARDER).user)
    response = client.post("/api/v1/completions", "{not json", content_type="application/json")
    assert response.status_code == 400


def test_json_nested_past_the_recursion_limit_is_a_400_not_a_500(course):
    client = client_for(MembershipFactory(issuer=course.issuer, role=Role.AWARDER).user)
    client.raise_request_exception = False
    response = client.post("/api/v1/completions", "[" * 100_000 + "]" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]
    assert Award.objects.count() == 0
