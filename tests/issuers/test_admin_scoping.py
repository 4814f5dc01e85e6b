"""Over HTTP: a member of institution A cannot see or touch institution B's objects, and each role can do
exactly what it should in the admin."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from badges.models import Award, AwardStatus, BadgeClass
from courses.imports import completion_import_preview
from courses.models import Course, Enrolment, EnrolmentStatus
from courses.services import enrolment_complete
from issuers.admin_scoping import SECRET_FIELDS, lookup_fields
from issuers.models import AuditEvent, Invitation, IssuerMembership, Role, SigningKey
from tests.factories import EnrolmentFactory, IssuerFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two institutions, each with a course, an enrolment, a completed enrolment with its award, and staff."""
    data = {}
    for name in ("a", "b"):
        issuer = IssuerFactory(name=f"Institute {name.upper()}")
        open_enrolment = EnrolmentFactory(course__issuer=issuer)
        course = open_enrolment.course
        done = EnrolmentFactory(course=course)
        award = enrolment_complete(actor=None, enrolment=done)
        record, _ = completion_import_preview(
            actor=None,
            issuer=issuer,
            filename="x.csv",
            content=f"email,name,course\nz@x.org,Z,{course.code}\n".encode(),
        )
        owner = MembershipFactory(issuer=issuer, role=Role.OWNER)
        data[name] = {
            "issuer": issuer,
            "course": course,
            "badge_class": course.badge_class,
            "enrolment": open_enrolment,
            "award": award,
            "import": record,
            "membership": owner,
            "key": SigningKey.objects.filter(issuer=issuer).first(),
            "audit": AuditEvent.objects.filter(issuer=issuer).first(),
            "learner": open_enrolment.learner,
        }
    return data


def login_as(client, issuer, role):
    user = UserFactory()
    IssuerMembership.objects.create(issuer=issuer, user=user, role=role)
    client.force_login(user)
    return user


OBJECTS = [
    ("issuers", "issuer", "issuer"),
    ("issuers", "issuermembership", "membership"),
    ("issuers", "signingkey", "key"),
    ("issuers", "auditevent", "audit"),
    ("badges", "badgeclass", "badge_class"),
    ("badges", "award", "award"),
    ("courses", "course", "course"),
    ("courses", "enrolment", "enrolment"),
    ("courses", "completionimport", "import"),
    ("learners", "learner", "learner"),
]


@pytest.mark.parametrize(("app", "model", "key"), OBJECTS)
def test_owner_of_a_cannot_see_b_objects(client, world, app, model, key):
    login_as(client, world["a"]["issuer"], Role.OWNER)
    own, foreign = world["a"][key], world["b"][key]

    listing = client.get(reverse(f"admin:{app}_{model}_changelist"))
    assert listing.status_code == 200
    ids = {obj.pk for obj in listing.context["cl"].result_list}
    assert own.pk in ids
    assert foreign.pk not in ids

    for view in ("change", "history", "delete"):
        response = client.get(reverse(f"admin:{app}_{model}_{view}", args=[foreign.pk]))
        assert response.status_code in (403, 404), (view, response.status_code)
    response = client.post(reverse(f"admin:{app}_{model}_change", args=[foreign.pk]), {"name": "hijacked"})
    assert response.status_code in (403, 404)


@pytest.mark.parametrize(
    ("app", "model", "key", "action"),
    [
        ("courses", "enrolment", "enrolment", "mark_completed"),
        ("badges", "award", "award", "revoke"),
        ("badges", "award", "award", "retry"),
        ("issuers", "issuer", "issuer", "rotate_keys"),
        ("issuers", "signingkey", "key", "revoke_compromised"),
        ("courses", "course", "course", "delete_selected"),
    ],
)
def test_actions_on_b_objects_are_forbidden(client, world, app, model, key, action):
    login_as(client, world["a"]["issuer"], Role.OWNER)
    foreign = world["b"][key]
    response = client.post(
        reverse(f"admin:{app}_{model}_changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [foreign.pk], "reason": "x", "apply": "1", "post": "yes"},
    )
    assert response.status_code == 403
    assert not Enrolment.objects.filter(pk=world["b"]["enrolment"].pk, status=EnrolmentStatus.COMPLETED).exists()
    assert Award.objects.get(pk=world["b"]["award"].pk).status == AwardStatus.PENDING
    assert SigningKey.objects.filter(issuer=world["b"]["issuer"], state="active").count() == 2
    assert Course.objects.filter(pk=world["b"]["course"].pk).exists()


def test_autocomplete_never_offers_b_objects(client, world):
    login_as(client, world["a"]["issuer"], Role.OWNER)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "courses", "model_name": "course", "field_name": "badge_class", "term": ""},
    )
    assert response.status_code == 200
    ids = {int(r["id"]) for r in response.json()["results"]}
    assert world["a"]["badge_class"].pk in ids
    assert world["b"]["badge_class"].pk not in ids


def test_raw_ids_of_b_objects_are_refused_in_forms(client, world):
    login_as(client, world["a"]["issuer"], Role.EDITOR)
    before = Course.objects.count()
    response = client.post(
        reverse("admin:courses_course_add"),
        {
            "issuer": world["b"]["issuer"].pk,
            "badge_class": world["b"]["badge_class"].pk,
            "code": "evil",
            "title": "E",
        },
    )
    assert response.status_code == 200  # the form comes back with errors
    assert "Select a valid choice" in response.content.decode()
    assert Course.objects.count() == before


def test_import_preview_of_b_is_not_found(client, world):
    login_as(client, world["a"]["issuer"], Role.OWNER)
    url = reverse("admin:courses_enrolment_import_confirm", args=[world["b"]["import"].public_id])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404


def test_a_user_without_membership_sees_nothing(client, world):
    client.force_login(UserFactory())
    assert client.get(reverse("admin:courses_course_changelist")).status_code == 403
    assert (
        client.get(
            reverse("admin:autocomplete"),
            {"app_label": "courses", "model_name": "course", "field_name": "badge_class"},
        ).status_code
        == 403
    )


# -- roles ---------------------------------------------------------------------------------------------------


def complete(client, enrolment):
    return client.post(
        reverse("admin:courses_enrolment_changelist"),
        {"action": "mark_completed", ACTION_CHECKBOX_NAME: [enrolment.pk]},
    )


def revoke(client, award):
    return client.post(
        reverse("admin:badges_award_changelist"),
        {"action": "revoke", ACTION_CHECKBOX_NAME: [award.pk], "reason": "Plagiarism", "apply": "1"},
    )


def edit_course(client, course):
    return client.post(
        reverse("admin:courses_course_change", args=[course.pk]),
        {
            "issuer": course.issuer_id,
            "badge_class": course.badge_class_id,
            "code": course.code,
            "title": "Renamed",
        },
    )


def add_member(client, issuer):
    return client.post(
        reverse("admin:issuers_issuermembership_add"),
        {"issuer": issuer.pk, "email": "new.colleague@example.org", "role": Role.VIEWER},
    )


def test_viewer_sees_but_changes_nothing(client, world):
    a = world["a"]
    login_as(client, a["issuer"], Role.VIEWER)
    assert client.get(reverse("admin:courses_course_change", args=[a["course"].pk])).status_code == 200
    assert complete(client, a["enrolment"]).status_code in (200, 302, 403)
    assert Enrolment.objects.get(pk=a["enrolment"].pk).status == EnrolmentStatus.ENROLLED
    assert revoke(client, a["award"]).status_code in (200, 302, 403)
    assert Award.objects.get(pk=a["award"].pk).status == AwardStatus.PENDING
    assert edit_course(client, a["course"]).status_code == 403
    assert client.get(reverse("admin:badges_badgeclass_add")).status_code == 403
    assert client.get(reverse("admin:courses_enrolment_import")).status_code == 403


def test_awarder_awards_and_revokes_but_edits_no_course(client, world):
    a = world["a"]
    login_as(client, a["issuer"], Role.AWARDER)
    assert complete(client, a["enrolment"]).status_code == 302
    assert Enrolment.objects.get(pk=a["enrolment"].pk).status == EnrolmentStatus.COMPLETED
    assert Award.objects.filter(enrolment=a["enrolment"]).count() == 1
    assert revoke(client, a["award"]).status_code == 302
    award = Award.objects.get(pk=a["award"].pk)
    assert (award.status, award.revocation_reason) == (AwardStatus.REVOKED, "Plagiarism")
    assert AuditEvent.objects.filter(action="award.revoke", target_id=award.public_id).exists()
    assert edit_course(client, a["course"]).status_code == 403
    assert client.get(reverse("admin:badges_badgeclass_add")).status_code == 403
    assert add_member(client, a["issuer"]).status_code == 403


def test_editor_edits_courses_but_manages_no_members(client, world):
    a = world["a"]
    login_as(client, a["issuer"], Role.EDITOR)
    assert edit_course(client, a["course"]).status_code == 302
    assert Course.objects.get(pk=a["course"].pk).title == "Renamed"
    assert client.get(reverse("admin:badges_badgeclass_add")).status_code == 200
    assert add_member(client, a["issuer"]).status_code == 403
    response = client.post(reverse("admin:issuers_issuer_change", args=[a["issuer"].pk]), {"name": "X"})
    assert response.status_code == 403


def invite_member(client, issuer):
    return client.post(
        reverse("admin:issuers_invitation_add"),
        {"issuer": issuer.pk, "email": "new.colleague@example.org", "role": Role.VIEWER},
    )


def test_owner_invites_members_with_an_audit_trail(client, world):
    """Adding a member is by invitation only (tests/security/test_staff_accounts.py covers accepting it)."""
    a = world["a"]
    login_as(client, a["issuer"], Role.OWNER)
    response = add_member(client, a["issuer"])
    assert response.status_code == 302 and response["Location"] == reverse("admin:issuers_invitation_add")
    assert not IssuerMembership.objects.filter(user__email="new.colleague@example.org").exists()
    assert invite_member(client, a["issuer"]).status_code == 302
    invitation = Invitation.objects.get(issuer=a["issuer"], email="new.colleague@example.org")
    assert invitation.role == Role.VIEWER and invitation.accepted_at is None
    assert AuditEvent.objects.filter(action="invitation.create", issuer=a["issuer"]).exists()
    assert invite_member(client, world["b"]["issuer"]).status_code == 200  # B is not a valid choice
    assert not Invitation.objects.filter(issuer=world["b"]["issuer"]).exists()


def test_superuser_sees_everything(client, world):
    admin = UserFactory(is_superuser=True)
    client.force_login(admin)
    response = client.get(reverse("admin:badges_badgeclass_changelist"))
    ids = {obj.pk for obj in response.context["cl"].result_list}
    assert {world["a"]["badge_class"].pk, world["b"]["badge_class"].pk} <= ids
    assert BadgeClass.objects.count() == 2


# -- one user, two institutions, two roles -------------------------------------------------------------------


def test_staff_of_two_institutions_cannot_change_by_url_where_they_may_only_view(client, world):
    """An editor at A who is only a viewer at B sees B's objects (the list is scoped by viewing), so only the
    object-level check stands between a hand-written URL and a change to or deletion of B's course or badge."""
    a, b = world["a"], world["b"]
    user = login_as(client, a["issuer"], Role.EDITOR)
    IssuerMembership.objects.create(issuer=b["issuer"], user=user, role=Role.VIEWER)

    assert edit_course(client, a["course"]).status_code == 302  # the control: A's course is theirs to edit
    page = client.get(reverse("admin:courses_course_change", args=[b["course"].pk]))
    assert page.status_code == 200 and not page.context["has_change_permission"]  # B's: shown read-only
    assert edit_course(client, b["course"]).status_code == 403
    assert Course.objects.get(pk=b["course"].pk).title == b["course"].title

    badge = client.post(reverse("admin:badges_badgeclass_change", args=[b["badge_class"].pk]), {"name": "Hijacked"})
    assert badge.status_code == 403
    assert BadgeClass.objects.get(pk=b["badge_class"].pk).name == b["badge_class"].name

    for app, model, key in (("courses", "course", "course"), ("badges", "badgeclass", "badge_class")):
        url = reverse(f"admin:{app}_{model}_delete", args=[b[key].pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"post": "yes"}).status_code == 403
    assert Course.objects.filter(pk=b["course"].pk).exists()
    assert BadgeClass.objects.filter(pk=b["badge_class"].pk).exists()


def test_a_viewer_at_b_cannot_view_objects_of_an_institution_they_do_not_belong_to(client, world):
    """Membership of two institutions opens neither a third's objects nor another's by URL."""
    third = IssuerFactory(name="Institute C")
    c_course = EnrolmentFactory(course__issuer=third).course
    user = login_as(client, world["a"]["issuer"], Role.EDITOR)
    IssuerMembership.objects.create(issuer=world["b"]["issuer"], user=user, role=Role.VIEWER)
    for view in ("change", "history", "delete"):
        response = client.get(reverse(f"admin:courses_course_{view}", args=[c_course.pk]))
        assert response.status_code in (403, 404), (view, response.status_code)
    assert edit_course(client, c_course).status_code in (403, 404)
    assert Course.objects.get(pk=c_course.pk).title == c_course.title


def test_filtering_a_list_by_one_of_the_users_own_related_objects_works(client, world):
    """The sidebar's relation filters (awards by badge, enrolments by course) send `<relation>__id__exact`: that
    lookup is allowed, and it narrows the list to the chosen object's rows."""
    a = world["a"]
    other_course = EnrolmentFactory(course__issuer=a["issuer"]).course
    login_as(client, a["issuer"], Role.OWNER)
    response = client.get(reverse("admin:courses_enrolment_changelist"), {"course__id__exact": a["course"].pk})
    assert response.status_code == 200
    shown = {e.course_id for e in response.context["cl"].result_list}
    assert shown == {a["course"].pk} and other_course.pk not in shown
    response = client.get(reverse("admin:badges_award_changelist"), {"badge_class__id__exact": a["badge_class"].pk})
    assert response.status_code == 200
    assert {aw.pk for aw in response.context["cl"].result_list} == {a["award"].pk}


def _installed_secret_fields() -> list[tuple[type, str]]:
    """SECRET_FIELDS' columns on the models installed here (it also names apps a deployment may add)."""
    from django.apps import apps

    found = []
    for label, field in sorted(SECRET_FIELDS):
        try:
            found.append((apps.get_model(label), field))
        except LookupError:
            continue
    return found


@pytest.mark.parametrize(("model", "field"), _installed_secret_fields())
def test_no_lookup_reaches_a_listed_secret_column_whatever_its_name(model, field):
    """Listed secrets are refused even where the column's name gives nothing away (a session's `session_data`, a
    second factor's `data`, a confirmation's `key`): the name check only adds to the list, never replaces it."""
    assert lookup_fields(model, f"{field}__startswith") == ([field], True)


def test_a_superuser_cannot_filter_second_factors_by_their_secret_data(client):
    """mfa's own admin (not ours) refuses a guessed prefix of an authenticator's secret: 400, nothing listed."""
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.get(reverse("admin:mfa_authenticator_changelist"), {"data__startswith": "a"})
    assert response.status_code == 400
