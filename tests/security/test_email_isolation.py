"""Abuse: a name carrying CR/LF (or another control character) cannot inject e-mail headers or stop other e-mails.

Names are refused at validation (model clean() for institutions, badge classes and learners; the learner services
used by the CSV import and the API; the completions API serializer). A row written before that rule, or directly,
can still hold one: its e-mail cannot be built, so it is recorded (audit trail and log) and skipped, and the other
e-mails of the batch, other institutions' included, still go out. Before the fix one such name stopped every later
e-mail of the batch, and the batch was retried (and failed) again and again.
"""

import logging

import pytest
from django import forms
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from badges.issuing import award_issue
from badges.models import Award, BadgeClass
from badges.notifications import awards_notify
from courses.imports import completion_import_preview
from courses.services import enrolment_complete
from issuers.models import AuditEvent, Issuer, Role
from learners.models import Learner, LearnerName
from learners.services import learner_get_or_create, learners_get_or_create
from tests.factories import (
    BadgeClassFactory,
    CourseFactory,
    EnrolmentFactory,
    IssuerFactory,
    LearnerFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db

INJECTIONS = ["Evil\r\nBcc: everyone@example.org", "Evil\nSubject: hi", "Evil\rX", "Tab\there", "Nul\x00", "Sep\u2028x"]


@pytest.fixture
def queued(monkeypatch):
    monkeypatch.setattr("badges.services._queue_issue", lambda ids: None)
    monkeypatch.setattr("badges.issuing.queue_notify", lambda ids: None)


def _issued_award(issuer=None):
    enrolment = EnrolmentFactory(course=CourseFactory(issuer=issuer or IssuerFactory()))
    award = enrolment_complete(actor=None, enrolment=enrolment)
    assert award_issue(award_id=award.id)
    return Award.objects.get(pk=award.id)


@pytest.mark.parametrize("what", ["badge", "issuer"])
def test_one_unsendable_email_blocking_its_batch_is_refused(queued, caplog, what):
    """Attack: a badge (or institution) name with CR/LF, written before validation existed, placed mid-batch."""
    awards = [_issued_award() for _ in range(4)]  # four institutions
    bad = awards[1]
    if what == "badge":
        BadgeClass.objects.filter(pk=bad.badge_class_id).update(name="Evil\r\nBcc: everyone@example.org")
    else:
        Issuer.objects.filter(pk=bad.issuer_id).update(name="Evil\r\nBcc: everyone@example.org")
    ids = [a.id for a in awards]
    with caplog.at_level(logging.ERROR, logger="badges.notifications"):
        sent = awards_notify(award_ids=ids)  # no exception: the batch completes
    assert sent == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(a.learner.email for a in awards if a.pk != bad.pk)
    assert all("everyone@example.org" not in str(m.message()) for m in mail.outbox)
    # Recorded: for the institution (audit trail) and the operators (log), not retried forever.
    event = AuditEvent.objects.get(action="award.email_failed")
    assert event.target_id == bad.public_id and event.issuer_id == bad.issuer_id
    assert any(bad.public_id in r.getMessage() for r in caplog.records)
    assert awards_notify(award_ids=ids) == 0 and len(mail.outbox) == 3
    assert AuditEvent.objects.filter(action="award.email_failed").count() == 1


def test_a_transient_failure_still_leaves_the_rest_for_the_retry(queued, monkeypatch):
    """A mail server that drops the connection is not the message's fault: the unsent ones stay queued."""
    from badges import notifications

    awards = [_issued_award() for _ in range(3)]

    def down(message):
        raise OSError("connection reset")

    monkeypatch.setattr(notifications, "_deliver", down)
    with pytest.raises(OSError):
        awards_notify(award_ids=[a.id for a in awards])
    assert not AuditEvent.objects.filter(action="award.email_failed").exists()
    monkeypatch.undo()
    assert awards_notify(award_ids=[a.id for a in awards]) == 3


@pytest.mark.parametrize("name", INJECTIONS)
def test_control_characters_in_names_are_refused_by_model_validation(name):
    """Attack: an institution, badge class or learner named with a line break (admin forms call full_clean)."""
    issuer = IssuerFactory.build(name=name)
    with pytest.raises(ValidationError) as error:
        issuer.full_clean()
    assert "name" in error.value.message_dict
    badge = BadgeClassFactory.build(name=name, issuer=IssuerFactory())
    with pytest.raises(ValidationError) as error:
        badge.clean()
    assert "name" in error.value.message_dict
    learner = LearnerFactory.build(name=name)
    with pytest.raises(ValidationError) as error:
        learner.clean()
    assert "name" in error.value.message_dict
    with pytest.raises(ValidationError):
        LearnerName(issuer=IssuerFactory(), learner=LearnerFactory(), name=name).clean()


def _admin_form_data(context) -> dict:
    """What the browser would post back from an admin change page, unchanged (files left as they are)."""
    data = {}

    def add(form):
        for name, field in form.fields.items():
            value = form[name].value()
            if isinstance(field, forms.FileField) or value is None:
                continue
            if isinstance(value, bool):
                if value:
                    data[form[name].html_name] = "on"
            elif isinstance(value, list | tuple):
                data[form[name].html_name] = [str(v) for v in value]
            else:
                data[form[name].html_name] = value

    add(context["adminform"].form)
    for inline in context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def test_line_break_in_an_institution_or_badge_name_through_the_admin_is_refused(client):
    """Attack: an owner (or a stolen owner session) renames the institution or a badge class with CR/LF."""
    membership = MembershipFactory(role=Role.OWNER)
    badge = BadgeClassFactory(issuer=membership.issuer)
    client.force_login(membership.user)
    for url, obj in (
        (reverse("admin:issuers_issuer_change", args=[membership.issuer.pk]), membership.issuer),
        (reverse("admin:badges_badgeclass_change", args=[badge.pk]), badge),
    ):
        data = _admin_form_data(client.get(url).context)
        before = obj.name
        data["name"] = "Evil\r\nBcc: everyone@example.org"
        response = client.post(url, data)
        assert response.status_code == 200 and "must be a single line" in response.content.decode()
        obj.refresh_from_db()
        assert obj.name == before
        data["name"] = before + " (renamed)"
        assert client.post(url, data).status_code == 302  # the same form, with an ordinary name, saves


def test_ordinary_names_still_pass_validation():
    for name in ("Zoë O’Brien-Łukasiewicz", "山田 太郎", "محمد", "Data Science: Level 2 (2026)"):
        IssuerFactory.build(name=name).clean()
        LearnerFactory.build(name=name).clean()


@pytest.mark.parametrize("name", INJECTIONS[:3])
def test_control_characters_in_learner_names_are_refused_by_the_services(name):
    """Attack: a learner name with a line break through the services behind the CSV import and the API."""
    issuer = IssuerFactory()
    with pytest.raises(ValidationError):
        learner_get_or_create(issuer=issuer, email="ann@example.org", name=name)
    with pytest.raises(ValidationError):
        learners_get_or_create(issuer=issuer, people={"ann@example.org": name, "bob@example.org": "Bob"})
    assert not Learner.objects.exists() and not LearnerName.objects.exists()


def test_control_characters_in_a_completions_api_name_are_refused():
    """Attack: POST /api/v1/completions with a learner name carrying CR/LF."""
    course = CourseFactory()
    client = APIClient()
    client.force_authenticate(user=MembershipFactory(issuer=course.issuer, role=Role.AWARDER).user)
    response = client.post(
        "/api/v1/completions",
        {"course": course.public_id, "email": "ann@example.org", "name": "Ann\r\nBcc: x@example.org"},
        format="json",
    )
    assert response.status_code == 400 and "name" in response.json()
    assert not Award.objects.exists()


def test_control_characters_in_a_csv_name_are_listed_as_a_bad_row():
    """Attack: a quoted CSV cell holding a line break in the name column."""
    course = CourseFactory(code="py101")
    content = b'email,name,course\nann@example.org,"Ann\r\nBcc: x@example.org",py101\nbob@example.org,Bob,py101\n'
    record, parsed = completion_import_preview(actor=None, issuer=course.issuer, filename="f.csv", content=content)
    assert [e.line for e in parsed.errors] == [2], parsed.errors
    assert "line break" in parsed.errors[0].message or "control character" in parsed.errors[0].message


def test_line_break_in_a_learner_name_through_the_admin_enrolment_form_is_refused(client):
    """Attack: an awarder enrols a learner named with CR/LF through the admin's add-enrolment form."""
    course = CourseFactory()
    client.force_login(MembershipFactory(issuer=course.issuer, role=Role.AWARDER).user)
    response = client.post(
        reverse("admin:courses_enrolment_add"),
        {"course": course.pk, "email": "ann@example.org", "name": "Ann\r\nBcc: everyone@example.org"},
    )
    assert response.status_code == 200 and "must be a single line" in response.content.decode()
    assert not Learner.objects.exists()
