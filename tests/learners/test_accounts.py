"""learners.accounts: what a verification settles for the verifying account and for every other that typed the
address (the HTTP flows are in tests/security/test_learner_accounts.py)."""

import pytest
from allauth.account.models import EmailAddress

from issuers.models import AuditEvent
from learners.accounts import Verification, account_hand_over, address_verification_decide, address_verified
from learners.models import Learner
from tests.learners.helpers import LEARNER_PASSWORD, issue_award, make_account

pytestmark = pytest.mark.django_db


def _typed(user, email: str) -> None:
    EmailAddress.objects.create(user=user, email=email, verified=False)


def test_verifying_drops_the_address_from_every_account_that_only_typed_it(award):
    squatter = make_account("ada@example.net", verified=False)  # typed it, nothing else
    other = make_account("bob@example.org")  # has his own verified address too
    _typed(other, "ada@example.net")
    holder = make_account("ada.home@example.net")
    _typed(holder, "ada@example.net")
    EmailAddress.objects.filter(user=holder, email="ada@example.net").update(verified=True)

    assert address_verified(account=holder, email="ada@example.net") == 1
    assert set(EmailAddress.objects.filter(email="ada@example.net").values_list("user", flat=True)) == {holder.pk}
    squatter.refresh_from_db()
    other.refresh_from_db()
    assert not squatter.has_usable_password() and squatter.email == ""  # nothing left to be anyone
    assert other.check_password(LEARNER_PASSWORD)  # still himself, by his own address
    assert Learner.objects.get(email="ada@example.net").user == holder
    assert AuditEvent.objects.filter(action="account.address_dropped").count() == 2
    assert address_verified(account=holder, email="ada@example.net") == 0  # idempotent


def test_hand_over_leaves_nothing_the_registrant_set_up():
    account = make_account("ada@example.net", verified=False)
    _typed(account, "mallory@evil.example")
    EmailAddress.objects.filter(user=account, email="ada@example.net").update(verified=True)
    account_hand_over(account=account, email="ada@example.net")
    account.refresh_from_db()
    assert not account.has_usable_password()
    assert list(EmailAddress.objects.filter(user=account).values_list("email", flat=True)) == ["ada@example.net"]
    assert AuditEvent.objects.get(action="account.hand_over").details["dropped"] == ["mallory@evil.example"]


def test_who_may_verify_on_which_account():
    fresh = make_account("new@example.net", verified=False)
    established = make_account("old@example.net")
    assert address_verification_decide(account=fresh, by_account_holder=True) is Verification.VERIFY
    assert address_verification_decide(account=fresh, by_account_holder=False) is Verification.HAND_OVER
    assert address_verification_decide(account=established, by_account_holder=True) is Verification.VERIFY
    assert address_verification_decide(account=established, by_account_holder=False) is Verification.REFUSE


def test_a_new_award_after_the_hand_over_joins_the_account():
    account = make_account("ada@example.net", verified=False)
    EmailAddress.objects.filter(user=account).update(verified=True)
    account_hand_over(account=account, email="ada@example.net")
    address_verified(account=account, email="ada@example.net")
    assert issue_award(email="ada@example.net").learner.user == account
