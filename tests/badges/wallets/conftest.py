"""Fixtures for wallet tests: an issued award held by a signed-in learner, a scripted wallet, wallet endpoints
unthrottled."""

import pytest
from django.utils import translation

from badges.issuing import award_issue
from courses.services import enrolment_complete
from tests.badges.wallets.wallet_kit import Wallet
from tests.factories import EnrolmentFactory, LearnerFactory, UserFactory


@pytest.fixture(autouse=True)
def _wallet_settings(settings):
    settings.WALLET_THROTTLE_RATE = "100000/minute"
    settings.PUBLIC_BASE_URL = "http://testserver"
    with translation.override("en"):  # the messages asserted on are the English ones, whatever ran before
        yield


@pytest.fixture
def queued(monkeypatch):
    monkeypatch.setattr("badges.services._queue_issue", lambda ids: None)
    monkeypatch.setattr("badges.issuing.queue_notify", lambda ids: None)


@pytest.fixture
def learner_user(db):
    return UserFactory(email="ada@example.net")


@pytest.fixture
def award(queued, learner_user):
    learner = LearnerFactory(email="ada@example.net", user=learner_user)
    created = enrolment_complete(actor=None, enrolment=EnrolmentFactory(learner=learner))
    assert award_issue(award_id=created.pk)
    created.refresh_from_db()
    return created


@pytest.fixture
def unclaimed_award(queued):
    created = enrolment_complete(actor=None, enrolment=EnrolmentFactory(learner=LearnerFactory()))
    assert award_issue(award_id=created.pk)
    created.refresh_from_db()
    return created


@pytest.fixture
def wallet():
    return Wallet()
