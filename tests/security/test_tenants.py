"""Tenants: one institution never decides, reads or creates anything of another's.

Each test is an attack tried over HTTP by a member of one institution (or an anonymous visitor) on another.
"""

import io
import json

import pytest
from django.contrib import admin as django_admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from badges.issuing import awards_issue
from badges.models import Award, StatusList
from badges.notifications import awards_notify
from courses.services import enrolments_enrol
from issuers.models import ApiKey, IssuerMembership, Role, SigningKey
from issuers.public_urls import status_list_url
from issuers.services import audit_record
from tests.factories import CourseFactory, IssuerFactory, LearnerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_queue(monkeypatch):
    """Awards are issued by calling the pipeline here; nothing is handed to a broker."""
    monkeypatch.setattr("badges.services._queue_issue", lambda ids: None)
    monkeypatch.setattr("badges.issuing.queue_notify", lambda ids: None)


def staff_of(issuer, role=Role.OWNER):
    user = UserFactory()
    IssuerMembership.objects.create(issuer=issuer, user=user, role=role)
    return user


def enrol_in_admin(client, course, email, name):
    response = client.post(reverse("admin:courses_enrolment_add"), {"course": course.pk, "email": email, "name": name})
    assert response.status_code == 302, response.content.decode()[:2000]


def complete_in_admin(client, course):
    enrolments = list(course.enrolments.values_list("pk", flat=True))
    response = client.post(
        reverse("admin:courses_enrolment_changelist"),
        {"action": "mark_completed", ACTION_CHECKBOX_NAME: enrolments},
    )
    assert response.status_code == 302


def import_csv(client, issuer, content: bytes):
    """Upload a CSV in the admin and confirm it; returns the preview page's HTML."""
    response = client.post(
        reverse("admin:courses_enrolment_import"),
        {"issuer": issuer.pk, "file": SimpleUploadedFile("people.csv", content, content_type="text/csv")},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    return response["Location"], preview.content.decode()


# -- 1. the learner's name is each institution's own ----------------------------------------------------------


@pytest.fixture
def two_names(client):
    """A enrols bob@x as 'Robert A' in the admin; B then enrols and completes him as 'Bob B' by CSV."""
    a_course = CourseFactory(issuer=IssuerFactory(name="Institute A"))
    b_course = CourseFactory(issuer=IssuerFactory(name="Institute B"))
    staff_a, staff_b = staff_of(a_course.issuer), staff_of(b_course.issuer)
    client.force_login(staff_a)
    enrol_in_admin(client, a_course, "bob@x.example", "Robert A")
    complete_in_admin(client, a_course)
    client.force_login(staff_b)
    location, _preview = import_csv(
        client, b_course.issuer, f"email,name,course,completed\nBob@X.example,Bob B,{b_course.code},yes\n".encode()
    )
    assert client.post(location).status_code == 302
    awards = {a.issuer_id: a for a in Award.objects.all()}
    assert awards_issue(award_ids=[a.pk for a in awards.values()]) == 2
    Award.objects.update(public=True)
    return {
        "a": awards[a_course.issuer_id],
        "b": awards[b_course.issuer_id],
        "staff_a": staff_a,
        "staff_b": staff_b,
    }


def test_another_institution_naming_our_learner_on_our_badge_page_is_refused(client, two_names):
    """Attack: institution A enrols bob@x first as 'Robert A'; B's public badge page for bob then says 'Robert A'."""
    page = client.get(reverse("assertion", args=[two_names["b"].public_id]), HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Bob B" in html and "Robert A" not in html
    own = client.get(reverse("assertion", args=[two_names["a"].public_id]), HTTP_ACCEPT="text/html").content.decode()
    assert "Robert A" in own and "Bob B" not in own
    # The signed credentials name nobody (a salted e-mail hash identifies the recipient): nothing for A to decide.
    award = Award.objects.get(pk=two_names["b"].pk)
    for document in (award.ob2_assertion, award.ob3_credential):
        assert "Robert" not in json.dumps(document) and "Bob" not in json.dumps(document)


def test_another_institution_naming_our_learner_in_our_email_is_refused(two_names):
    """Attack: B's 'your badge is ready' e-mail greets bob by the name institution A gave him."""
    mail.outbox.clear()
    assert awards_notify(award_ids=[two_names["b"].pk, two_names["a"].pk]) == 2
    by_subject_issuer = {("Institute B" in m.body): m for m in mail.outbox}
    b_mail = by_subject_issuer[True]
    text = b_mail.body + b_mail.alternatives[0][0]
    assert "Bob B" in text and "Robert A" not in text
    a_mail = by_subject_issuer[False]
    assert "Robert A" in a_mail.body and "Bob B" not in a_mail.body


def test_another_institution_naming_our_learner_in_our_admin_is_refused(client, two_names):
    """Attack: B's staff see, in their own lists, the name institution A gave the learner (and so learn it)."""
    client.force_login(two_names["staff_b"])
    for url in (
        reverse("admin:courses_enrolment_changelist"),
        reverse("admin:badges_award_changelist"),
        reverse("admin:learners_learner_changelist"),
        reverse("admin:badges_award_change", args=[two_names["b"].pk]),
    ):
        html = client.get(url).content.decode()
        assert "Bob B" in html and "Robert A" not in html, url
    # Searching for A's name must not find the learner in B's lists either: that would confirm what A calls him.
    for url in (
        reverse("admin:courses_enrolment_changelist"),
        reverse("admin:badges_award_changelist"),
        reverse("admin:learners_learner_changelist"),
    ):
        assert client.get(url, {"q": "Robert"}).context["cl"].result_count == 0, url
        assert client.get(url, {"q": "Bob B"}).context["cl"].result_count == 1, url
    operator = UserFactory(is_superuser=True)
    client.force_login(operator)
    assert client.get(reverse("admin:learners_learner_changelist"), {"q": "Robert"}).context["cl"].result_count == 1
    client.force_login(two_names["staff_b"])
    revoke_page = client.post(
        reverse("admin:badges_award_changelist"),
        {"action": "revoke", ACTION_CHECKBOX_NAME: [two_names["b"].pk]},
    ).content.decode()
    assert "Bob B" in revoke_page and "Robert A" not in revoke_page


def test_bulk_naming_stays_a_few_queries_per_batch():
    """The 10,000-row import depends on it: names are written per batch, not per row, whatever the batch size."""
    course = CourseFactory()

    def queries(n: int, offset: int) -> int:
        rows = [(course, f"p{offset + i}@x.example", f"Person {i}") for i in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            enrolments_enrol(actor=None, course_people=rows)
        return len(ctx.captured_queries)

    assert queries(5, 0) == queries(60, 100)


def test_existing_learners_keep_their_name_at_each_institution_that_awarded_them():
    """The data migration: every institution that already enrolled or awarded a learner keeps the name it showed."""
    import importlib

    from django.apps import apps

    from learners.models import Learner, LearnerName

    migration = importlib.import_module("learners.migrations.0002_learnername")
    a_course, b_course = CourseFactory(), CourseFactory()
    learner = Learner.objects.create(email="old@x.example", name="Old Name")
    for course in (a_course, b_course):
        course.enrolments.create(learner=learner)
    LearnerName.objects.all().delete()
    migration.copy_names(apps, None)
    names = dict(LearnerName.objects.values_list("issuer_id", "name"))
    assert names == {a_course.issuer_id: "Old Name", b_course.issuer_id: "Old Name"}


# -- 2. admin filters and the CSV preview are scoped --------------------------------------------------------


@pytest.fixture
def neighbours():
    a_course = CourseFactory(title="Secret A course", badge_class__name="Secret A badge")
    b_course = CourseFactory(title="B course", badge_class__name="B badge")
    # A filter shows when it has two choices or more: B has two courses and two badges of its own.
    CourseFactory(issuer=b_course.issuer, title="B other course", badge_class__name="B other badge")
    return a_course, b_course


def test_list_filters_listing_another_institutions_courses_and_badges_is_refused(client, neighbours):
    """Attack: B's viewer reads A's course titles and badge names from the 'by course' / 'by badge class' filters."""
    a_course, b_course = neighbours
    client.force_login(staff_of(b_course.issuer, Role.VIEWER))
    for url, own, foreign in (
        (reverse("admin:courses_enrolment_changelist"), "B course", "Secret A course"),
        (reverse("admin:badges_award_changelist"), "B badge", "Secret A badge"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert own in html and foreign not in html, url


def test_a_filter_on_another_tables_column_listing_every_institutions_values_is_refused(client, neighbours):
    """Attack (for a filter an admin may add later): 'by course title' would list every institution's titles."""
    from courses.admin import EnrolmentAdmin

    a_course, b_course = neighbours
    for course in (a_course, b_course):
        course.enrolments.create(learner=LearnerFactory())
    EnrolmentAdmin.list_filter, before = ("status", "course__title"), EnrolmentAdmin.list_filter
    try:
        client.force_login(staff_of(b_course.issuer, Role.VIEWER))
        CourseFactory(issuer=b_course.issuer).enrolments.create(learner=LearnerFactory())
        html = client.get(reverse("admin:courses_enrolment_changelist")).content.decode()
    finally:
        EnrolmentAdmin.list_filter = before
    assert "B course" in html and "Secret A course" not in html


def test_csv_preview_confirming_another_institutions_course_code_is_refused(client, neighbours):
    """Attack: B uploads a CSV naming codes to learn which exist at other institutions ('belongs to another')."""
    a_course, b_course = neighbours
    client.force_login(staff_of(b_course.issuer, Role.AWARDER))
    _location, html = import_csv(
        client,
        b_course.issuer,
        f"email,name,course\nx@x.example,X,{a_course.code}\ny@x.example,Y,nosuchcode\n".encode(),
    )
    assert "another institution" not in html
    assert f"Unknown course &#x27;{a_course.code}&#x27;" in html or f"Unknown course '{a_course.code}'" in html
    assert "Unknown course &#x27;nosuchcode&#x27;" in html or "Unknown course 'nosuchcode'" in html


# -- 3. no admin lookup filters on a secret -----------------------------------------------------------------


@pytest.fixture
def secrets_world(client):
    """Institution B with a viewer signed in; its keys, an API key, staff with passwords and an audit trail."""
    course = CourseFactory()
    issuer = course.issuer
    viewer = staff_of(issuer, Role.VIEWER)
    owner = staff_of(issuer, Role.OWNER)
    audit_record(actor=owner, action="test.secret", target=course, issuer=issuer)
    ApiKey.objects.create(issuer=issuer, name="sync", prefix="abcd1234", secret_hash="f" * 64)
    enrolment = course.enrolments.create(learner=LearnerFactory())
    learner = enrolment.learner
    learner.user = owner
    learner.save()
    client.force_login(viewer)
    key = SigningKey.objects.filter(issuer=issuer).first()
    return {"key": key, "owner": owner, "issuer": issuer}


def _secret_probes(world):
    key, owner = world["key"].private_key_encrypted, world["owner"].password
    return [
        ("issuers", "signingkey", "private_key_encrypted__startswith", key),
        ("issuers", "signingkey", "issuer__signing_keys__private_key_encrypted__startswith", key),
        ("issuers", "issuer", "signing_keys__private_key_encrypted__startswith", key),
        ("courses", "course", "issuer__signing_keys__private_key_encrypted__startswith", key),
        ("issuers", "issuer", "api_keys__secret_hash__startswith", "f" * 64),
        ("issuers", "auditevent", "actor__password__startswith", owner),
        ("issuers", "issuermembership", "user__password__startswith", owner),
        ("learners", "learner", "user__password__startswith", owner),
        ("courses", "enrolment", "learner__user__password__startswith", owner),
    ]


@pytest.mark.parametrize("probe", range(9))
def test_admin_lookup_reading_a_secret_by_prefix_is_refused(client, secrets_world, probe):
    """Attack: a viewer guesses a secret one character at a time with ?<path-to-secret>__startswith=<prefix> and
    watches whether the list empties."""
    app, model, lookup, secret = _secret_probes(secrets_world)[probe]
    url = reverse(f"admin:{app}_{model}_changelist")
    answers = []
    for prefix in (secret[:12], "zz-not-a-prefix"):
        response = client.get(url, {lookup: prefix})
        assert response.status_code in (200, 302, 400), response.status_code
        if response.status_code == 302:
            assert "e=1" in response["Location"]
        count = response.context["cl"].result_count if response.status_code == 200 else None
        answers.append((response.status_code, count))
    assert answers[0] == answers[1], answers  # a true and a false prefix cannot be told apart
    if answers[0][0] == 200:  # not filtered at all
        assert answers[0][1] == client.get(url).context["cl"].result_count


def test_the_filters_the_sidebar_offers_still_work(client, neighbours):
    """Not an attack: refusing hand-written lookups must leave the offered filters working, and a made-up one is a
    clear 400, never a 500."""
    _a_course, b_course = neighbours
    b_course.enrolments.create(learner=LearnerFactory())
    client.force_login(staff_of(b_course.issuer, Role.VIEWER))
    url = reverse("admin:courses_enrolment_changelist")
    assert client.get(url, {"course__id__exact": b_course.pk}).context["cl"].result_count == 1
    assert client.get(url, {"status__exact": "enrolled"}).context["cl"].result_count == 1
    assert client.get(url, {"status__exact": "completed"}).context["cl"].result_count == 0
    assert client.get(url, {"no_such_field": "1"}).status_code in (302, 400)
    assert client.get(url, {"created_at__gte": "2000-01-01"}).status_code == 400  # not offered


def _paths_to_secrets(model, depth=3):
    """Every lookup path from `model` that reaches one of the platform's secret columns within `depth` hops."""
    secrets = {
        (get_user_model()._meta.label_lower, "password"),
        ("issuers.signingkey", "private_key_encrypted"),
        ("issuers.apikey", "secret_hash"),
    }
    found = []
    frontier = [(model, [])]
    for _ in range(depth):
        following = []
        for current, path in frontier:
            for field in current._meta.get_fields():
                name = field.name
                if (current._meta.concrete_model._meta.label_lower, name) in secrets:
                    found.append("__".join([*path, name, "startswith"]))
                elif field.is_relation and field.related_model is not None and len(path) < depth - 1:
                    following.append((field.related_model, [*path, name]))
        frontier = following
    return found


def test_every_admin_refuses_lookups_on_secret_columns(rf, secrets_world):
    """The class, not the instance: no registered admin allows a lookup path that ends on a secret column."""
    request = rf.get("/")
    request.user = secrets_world["owner"]
    allowed = []
    for model, model_admin in django_admin.site._registry.items():
        for lookup in _paths_to_secrets(model):
            if model_admin.lookup_allowed(lookup, "x", request):
                allowed.append(f"{model._meta.label}: {lookup}")
    assert not allowed, allowed


# -- 4. anonymous verification creates and signs nothing ----------------------------------------------------


def _signatures(monkeypatch):
    calls = []
    import badges.status_lists as status_lists

    original = status_lists.sign_credential

    def counting(**kwargs):
        calls.append(kwargs.get("credential", {}).get("type"))
        return original(**kwargs)

    monkeypatch.setattr(status_lists, "sign_credential", counting)
    return calls


def test_anonymous_status_list_request_creating_and_signing_a_list_is_refused(client, monkeypatch):
    """Attack: an anonymous visitor makes the server create and sign a status list for any institution."""
    issuer = IssuerFactory()
    signed = _signatures(monkeypatch)
    for purpose in ("revocation", "suspension"):
        response = client.get(f"/issuers/{issuer.public_id}/status/{purpose}")
        assert response.status_code == 404
    assert StatusList.objects.count() == 0 and signed == []


def test_anonymous_verification_creating_a_suspension_list_is_refused(client, monkeypatch):
    """Attack: POST /api/v1/verify a credential whose status entry names institution B's 'suspension' list (or
    view B's badge page, which verifies it): the server creates and signs that list for B."""
    course = CourseFactory()
    enrolment = course.enrolments.create(learner=LearnerFactory())
    from courses.services import enrolment_complete

    award = enrolment_complete(actor=None, enrolment=enrolment)
    assert awards_issue(award_ids=[award.pk]) == 1
    award.refresh_from_db()
    Award.objects.filter(pk=award.pk).update(public=True)
    before = set(StatusList.objects.values_list("issuer_id", "purpose", "updated_at"))
    signed = _signatures(monkeypatch)
    credential = dict(award.ob3_credential)
    for purpose in ("suspension", "revocation", "refresh"):
        credential["credentialStatus"] = {
            **award.ob3_credential["credentialStatus"],
            "statusPurpose": purpose,
            "statusListCredential": status_list_url(course.issuer, purpose),
        }
        response = client.post("/api/v1/verify", {"credential": credential}, content_type="application/json")
        assert response.status_code < 500, response.content
    page = client.get(reverse("assertion", args=[award.public_id]), HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert set(StatusList.objects.values_list("issuer_id", "purpose", "updated_at")) == before
    assert signed == []


def test_issuing_publishes_the_revocation_list_so_verification_needs_nothing_new():
    """Not an attack: the list a credential names exists once the credential is issued, so verifying it finds it."""
    from badges.verification.award import verify_award
    from courses.services import enrolment_complete

    course = CourseFactory()
    enrolment = course.enrolments.create(learner=LearnerFactory())
    award = enrolment_complete(actor=None, enrolment=enrolment)
    assert awards_issue(award_ids=[award.pk]) == 1
    assert StatusList.objects.filter(issuer=course.issuer, purpose="revocation").exists()
    award.refresh_from_db()
    result = verify_award(award=award)
    assert result.verdict == "valid" and result.check("status").ok


def test_lists_missing_after_the_upgrade_are_published_by_the_command():
    """Not an attack: an institution whose list nobody had fetched before the upgrade gets it from the command."""
    from django.core.management import call_command

    from courses.services import enrolment_complete

    course = CourseFactory()
    award = enrolment_complete(actor=None, enrolment=course.enrolments.create(learner=LearnerFactory()))
    assert awards_issue(award_ids=[award.pk]) == 1
    StatusList.objects.all().delete()  # as before the upgrade, when nothing had asked for it
    out = io.StringIO()
    call_command("publish_status_lists", stdout=out)
    assert "Published 1 status list(s)." in out.getvalue()
    assert StatusList.objects.filter(issuer=course.issuer, purpose="revocation", credential__isnull=False).exists()
