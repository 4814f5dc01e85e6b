"""The course admin forms over HTTP: the public id the API wants is shown only once it exists (after saving),
never a freshly drawn id that the saved course will not have."""

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.urls import reverse

from badges.issuing import award_issue
from badges.models import Award, AwardStatus
from badges.services import award_revoke
from courses.models import Course, Enrolment, EnrolmentStatus
from courses.services import enrolment_complete
from tests.factories import BadgeClassFactory, CourseFactory, EnrolmentFactory, MembershipFactory

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


def _mark_completed(client, enrolments) -> list[tuple[str, str]]:
    response = client.post(
        reverse("admin:courses_enrolment_changelist"),
        {"action": "mark_completed", ACTION_CHECKBOX_NAME: [e.pk for e in enrolments]},
        follow=True,
    )
    assert response.status_code == 200
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)] or [
        (m.level_tag, str(m)) for m in response.context["messages"]
    ]


@pytest.fixture
def enrolments_in_every_state(owner_client):
    """One enrolment of each kind the action meets: still enrolled, completed with its badge issued, completed with
    its badge revoked, completed with its badge failed, and withdrawn."""
    client, owner = owner_client
    course = CourseFactory(issuer=owner.issuer)
    enrolled, queued, issued, revoked, failed, withdrawn = (EnrolmentFactory(course=course) for _ in range(6))
    enrolment_complete(actor=None, enrolment=queued)  # its badge waits for the worker
    for enrolment in (issued, revoked, failed):
        award = enrolment_complete(actor=None, enrolment=enrolment)
        assert award_issue(award_id=award.id)
    award_revoke(actor=None, award=revoked.awards.get(), reason="Issued by mistake")
    Award.objects.filter(enrolment=failed).update(status=AwardStatus.FAILED, failure_reason="signing key missing")
    Enrolment.objects.filter(pk=withdrawn.pk).update(status=EnrolmentStatus.WITHDRAWN)
    return client, {
        "enrolled": enrolled,
        "queued": queued,
        "issued": issued,
        "revoked": revoked,
        "failed": failed,
        "withdrawn": withdrawn,
    }


def test_mark_completed_on_a_revoked_award_does_not_claim_badges_are_being_issued(enrolments_in_every_state):
    """ "Mark completed" on an enrolment whose badge was revoked said "their badges are being issued" and issued
    nothing. It says what happened: nothing issued, the badge is revoked, and "Re-issue" is the way to issue again."""
    client, e = enrolments_in_every_state
    messages = _mark_completed(client, [e["revoked"]])
    text = " ".join(m for _level, m in messages)
    assert "being issued" not in text and "queued" not in text, messages
    assert all(level != "success" for level, _m in messages), messages
    assert "1 badge is revoked" in text and "Re-issue" in text, messages
    assert Award.objects.filter(enrolment=e["revoked"]).get().status == AwardStatus.REVOKED


def test_mark_completed_reports_each_outcome_with_its_count(enrolments_in_every_state):
    """Selected together, each kind is counted for what really happened to it: newly completed and queued, queued
    earlier, already issued, revoked (use Re-issue), failed (use Retry), withdrawn (skipped). No count includes
    another's rows."""
    client, e = enrolments_in_every_state
    messages = _mark_completed(client, list(e.values()))
    text = " | ".join(m for _level, m in messages)
    assert ("success", "1 enrolment completed; its badge is queued for issuing.") in messages, messages
    assert "1 badge was already queued for issuing; nothing changed." in text, messages
    assert "1 badge was already issued; nothing changed." in text, messages
    assert "1 badge is revoked" in text and "Re-issue" in text, messages
    assert "1 badge failed to issue earlier" in text and "Retry" in text, messages
    assert "1 withdrawn enrolment was skipped." in text, messages
    assert not any(f"{n} enrolments" in text for n in range(2, 7)), messages
    assert Award.objects.get(enrolment=e["enrolled"]).status == AwardStatus.PENDING


def test_adding_an_enrolment_that_exists_says_so_instead_of_added(owner_client):
    """Enrolling someone already on the course answered "was added successfully" and changed nothing. It says they
    were already enrolled; and a name typed for a learner the institution already names differently is not
    silently dropped: the page says which name their badges carry."""
    client, owner = owner_client
    course = CourseFactory(issuer=owner.issuer)
    first = client.post(
        reverse("admin:courses_enrolment_add"),
        {"course": course.pk, "email": "ada@example.net", "name": "Ada Lovelace"},
        follow=True,
    )
    assert [str(m) for m in first.context["messages"]][0].endswith("was added successfully.")
    again = client.post(
        reverse("admin:courses_enrolment_add"),
        {"course": course.pk, "email": "ADA@example.net ", "name": "Ada King"},
        follow=True,
    )
    said = [(m.level_tag, str(m)) for m in again.context["messages"]]
    assert not any("added successfully" in text for _level, text in said), said
    assert ("info", "ada@example.net was already enrolled on this course; nothing changed.") in said, said
    assert any(level == "warning" and "“Ada Lovelace”" in text for level, text in said), said
    assert Enrolment.objects.filter(course=course).count() == 1


def test_completed_enrolment_evidence_is_not_edited_where_it_would_change_nothing(owner_client):
    """The change page of a completed enrolment offered its evidence fields and said "changed successfully", while
    the badge kept the evidence it was issued with. Once completed, the evidence is read-only there, with the way
    to correct the badge; before completion it stays editable (completing uses it)."""
    client, owner = owner_client
    course = CourseFactory(issuer=owner.issuer)
    done, waiting = EnrolmentFactory(course=course), EnrolmentFactory(course=course)
    enrolment_complete(actor=None, enrolment=done, evidence_url="https://evidence.example/first")
    page = client.get(reverse("admin:courses_enrolment_change", args=[done.pk])).content.decode()
    assert 'name="evidence_url"' not in page and "https://evidence.example/first" in page
    assert "Correct the name or evidence" in page
    assert reverse("admin:badges_award_correct", args=[done.awards.get().pk]) in page
    client.post(
        reverse("admin:courses_enrolment_change", args=[done.pk]),
        {"evidence_url": "https://evidence.example/changed", "evidence_narrative": "changed"},
    )
    assert Enrolment.objects.get(pk=done.pk).evidence_url == "https://evidence.example/first"
    page = client.get(reverse("admin:courses_enrolment_change", args=[waiting.pk])).content.decode()
    assert 'name="evidence_url"' in page


def test_add_enrolment_without_any_course_says_what_to_do_first(client):
    """A new institution's awarder opened "Add enrolment" and met an empty course list with no word why. The page
    says there is no course yet and who can add one."""
    member = MembershipFactory(role="awarder")
    client.force_login(member.user)
    response = client.get(reverse("admin:courses_enrolment_add"), follow=True)
    said = [str(m) for m in response.context["messages"]]
    assert any("no course" in text for text in said), said


def test_withdraw_counts_only_what_it_withdrew(enrolments_in_every_state):
    """Withdraw said "N enrolment(s) withdrawn" counting enrolments that were already withdrawn, and "0 enrolment(s)
    withdrawn." as good news beside the refusals. It counts what it withdrew, what was already withdrawn, and names
    each refusal (a live badge must be revoked first)."""
    client, e = enrolments_in_every_state
    response = client.post(
        reverse("admin:courses_enrolment_changelist"),
        {"action": "withdraw", ACTION_CHECKBOX_NAME: [e["enrolled"].pk, e["withdrawn"].pk, e["issued"].pk]},
        follow=True,
    )
    said = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert ("success", "1 enrolment withdrawn.") in said, said
    assert ("info", "1 enrolment was already withdrawn; nothing changed.") in said, said
    assert any(level == "error" and "revoke it first" in text for level, text in said), said
    assert Enrolment.objects.get(pk=e["issued"].pk).status == EnrolmentStatus.COMPLETED

    response = client.post(
        reverse("admin:courses_enrolment_changelist"),
        {"action": "withdraw", ACTION_CHECKBOX_NAME: [e["issued"].pk]},
        follow=True,
    )
    said = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert not any("0 enrolment" in text for _level, text in said), said


def test_a_withdrawn_learner_can_be_enrolled_again(enrolments_in_every_state):
    """Completing a withdrawn enrolment is refused with "re-enrol first", but nothing re-enrolled: adding them again
    answered "added" (or "already enrolled") and left them withdrawn, a dead end. The add form says they had
    withdrawn and points to "Re-enrol"; the action enrols them again, and then they can be completed."""
    client, e = enrolments_in_every_state
    withdrawn = e["withdrawn"]
    again = client.post(
        reverse("admin:courses_enrolment_add"),
        {"course": withdrawn.course_id, "email": withdrawn.learner.email, "name": withdrawn.learner.name},
        follow=True,
    )
    said = [(m.level_tag, str(m)) for m in again.context["messages"]]
    assert any(level == "warning" and "withdrawn" in text and "Re-enrol" in text for level, text in said), said
    assert Enrolment.objects.get(pk=withdrawn.pk).status == EnrolmentStatus.WITHDRAWN

    response = client.post(
        reverse("admin:courses_enrolment_changelist"),
        {"action": "reenrol", ACTION_CHECKBOX_NAME: [withdrawn.pk, e["enrolled"].pk]},
        follow=True,
    )
    said = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert ("success", "1 enrolment enrolled again.") in said, said
    assert Enrolment.objects.get(pk=withdrawn.pk).status == EnrolmentStatus.ENROLLED
    messages = _mark_completed(client, [withdrawn])
    assert ("success", "1 enrolment completed; its badge is queued for issuing.") in messages, messages


def test_reenrol_of_another_institutions_enrolment_is_refused(client):
    """Staff of another institution select a withdrawn enrolment that is not theirs for "Re-enrol": 403, and it
    stays withdrawn."""
    theirs = EnrolmentFactory(status=EnrolmentStatus.WITHDRAWN)
    outsider = MembershipFactory(role="owner")
    client.force_login(outsider.user)
    response = client.post(
        reverse("admin:courses_enrolment_changelist"), {"action": "reenrol", ACTION_CHECKBOX_NAME: [theirs.pk]}
    )
    assert response.status_code == 403
    assert Enrolment.objects.get(pk=theirs.pk).status == EnrolmentStatus.WITHDRAWN
