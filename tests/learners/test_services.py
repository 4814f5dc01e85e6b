"""Claiming addresses, and the holder's public/private switch with its audit trail."""

import pytest
from allauth.account.models import EmailAddress

from badges.models import AwardStatus
from badges.services import AwardError, award_revoke, award_set_visibility
from issuers.models import AuditEvent
from learners.models import Learner
from learners.services import learner_claim_address, learner_get_or_create, learner_release_address
from tests.factories import IssuerFactory, UserFactory
from tests.learners.helpers import issue_award, make_account

pytestmark = pytest.mark.django_db


def test_verifying_an_address_claims_its_learner(award):
    user = make_account("ada@example.net")
    assert Learner.objects.get(email="ada@example.net").user == user
    assert AuditEvent.objects.filter(action="learner.claim", actor=user).exists()
    assert learner_claim_address(user=user, email="ADA@example.net") == 0  # idempotent, normalised


def test_an_unverified_address_claims_nothing(award):
    make_account("ada@example.net", verified=False)
    assert Learner.objects.get(email="ada@example.net").user is None


def test_a_new_award_to_an_already_verified_address_joins_the_account():
    user = make_account("later@example.net")
    issuer = IssuerFactory()
    assert learner_get_or_create(issuer=issuer, email="Later@Example.net", name="Lee").user == user


def test_removing_an_address_releases_its_badges(award):
    user = make_account("ada@example.net")
    assert learner_release_address(user=user, email="ada@example.net") == 1
    assert Learner.objects.get(email="ada@example.net").user is None


def test_visibility_toggle_is_the_holders_and_is_audited(award):
    holder = make_account("ada@example.net")
    assert award.public is False  # private by default
    award = award_set_visibility(actor=holder, award=award, public=True)
    award.refresh_from_db()
    assert award.public is True
    event = AuditEvent.objects.get(action="award.publish")
    assert event.actor == holder and event.target_id == award.public_id and event.issuer == award.issuer
    award_set_visibility(actor=holder, award=award, public=True)  # no change, no second event
    assert AuditEvent.objects.filter(action="award.publish").count() == 1
    award_set_visibility(actor=holder, award=award, public=False)
    assert AuditEvent.objects.filter(action="award.unpublish", actor=holder).count() == 1
    with pytest.raises(AwardError):
        award_set_visibility(actor=UserFactory(), award=award, public=True)


def test_a_revoked_badge_cannot_be_made_public(award):
    holder = make_account("ada@example.net")
    award_revoke(actor=None, award=award, reason="Issued in error")
    award.refresh_from_db()
    assert award.status == AwardStatus.REVOKED
    with pytest.raises(AwardError):
        award_set_visibility(actor=holder, award=award, public=True)


def test_issuers_public_by_default_setting_is_respected():
    award = issue_award(email="pub@example.net", course__issuer__awards_public_by_default=True)
    assert award.public is True
    assert not EmailAddress.objects.exists()
