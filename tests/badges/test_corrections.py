"""Corrections of awards (an award is a public record): correct a name or evidence, re-issue after a revocation,
renew, withdraw, bulk revoke, resend — through the services, the admin and the API."""

import pytest

from badges.issuing import award_issue
from badges.models import Award, AwardStatus
from badges.openbadges.ob3.status_list import decode_list, get_bit
from badges.services import SUPERSEDED, AwardError, award_correct, award_reissue, award_revoke
from badges.status_lists import status_list_credential
from courses.services import enrolment_complete
from issuers.models import AuditEvent
from learners.models import LearnerName
from tests.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    calls: list[list[int]] = []
    monkeypatch.setattr("badges.services._queue_issue", calls.append)
    monkeypatch.setattr("badges.issuing.queue_notify", lambda ids: None)
    return calls


@pytest.fixture
def issued(queued):
    award = enrolment_complete(actor=None, enrolment=EnrolmentFactory())
    award_issue(award_id=award.id)
    award.refresh_from_db()
    return award


def _bit(award: Award) -> bool:
    bits = decode_list(status_list_credential(issuer=award.issuer)["credentialSubject"]["encodedList"])
    return get_bit(bits, award.status_list_index)


def test_a_name_correction_changes_the_institutions_name_and_keeps_the_badge(issued):
    """No signed document carries the name: the same award stays live, only LearnerName changes."""
    result = award_correct(actor=None, award=issued, name="Ada Lovelace")
    assert result.pk == issued.pk and result.status == AwardStatus.ISSUED
    assert LearnerName.objects.get(issuer=issued.issuer, learner=issued.learner).name == "Ada Lovelace"
    assert AuditEvent.objects.filter(action="award.correct_name").count() == 1
    award_correct(actor=None, award=issued, name="Ada Lovelace")  # the same correction again changes nothing
    assert AuditEvent.objects.filter(action="award.correct_name").count() == 1


def test_an_evidence_correction_revokes_as_superseded_and_issues_a_new_award(
    issued, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new = award_correct(actor=None, award=issued, evidence_url="https://example.org/work", narrative="Redone")
    old = Award.objects.get(pk=issued.pk)
    assert old.status == AwardStatus.REVOKED and old.revocation_reason == SUPERSEDED and _bit(old)
    assert new.pk != old.pk and new.public_id != old.public_id and new.supersedes_id == old.pk
    assert new.enrolment_id == old.enrolment_id and new.issued_on == old.issued_on
    assert new.evidence_url == "https://example.org/work" and new.status == AwardStatus.PENDING
    assert [new.id] in queued
    same = award_correct(actor=None, award=new, evidence_url="https://example.org/work", narrative="Redone")
    assert same.pk == new.pk  # equal to the live award: nothing happens


def test_a_correction_refuses_a_script_url_and_a_revoked_award(issued):
    with pytest.raises(AwardError):
        award_correct(actor=None, award=issued, evidence_url="javascript:alert(1)")
    with pytest.raises(AwardError):
        award_correct(actor=None, award=issued, name="Eve\nBcc: x@example.org")
    award_revoke(actor=None, award=issued, reason="Mistake")
    with pytest.raises(AwardError):
        award_correct(actor=None, award=issued, narrative="Other")
    assert Award.objects.count() == 1


def test_reissue_makes_a_new_award_and_the_revoked_one_stays(issued, queued):
    with pytest.raises(AwardError):
        award_reissue(actor=None, award=issued)  # not revoked
    award_revoke(actor=None, award=issued, reason="Mistake")
    new = award_reissue(actor=None, award=issued)
    assert new.supersedes_id == issued.pk and new.status == AwardStatus.PENDING
    assert Award.objects.get(pk=issued.pk).status == AwardStatus.REVOKED
    with pytest.raises(AwardError):
        award_reissue(actor=None, award=issued)  # already replaced
    assert AuditEvent.objects.filter(action="award.reissue").count() == 1
