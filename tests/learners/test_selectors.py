"""What the backpack lists, and each badge's status in the holder's words."""

from datetime import timedelta

import pytest
from django.utils import timezone

from badges.selectors import award_get_for_holder, award_holder_status, award_list_for_holder
from badges.services import award_revoke
from learners.selectors import backpack_items
from tests.factories import UserFactory
from tests.learners.helpers import issue_award, make_account

pytestmark = pytest.mark.django_db


def test_badges_of_every_verified_address_and_none_of_an_unverified_one():
    first = issue_award(email="one@example.net")
    second = issue_award(email="two@example.net")
    stranger = issue_award(email="three@example.net")
    user = make_account("one@example.net")
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email="three@example.net", verified=False)  # added, not confirmed
    assert list(award_list_for_holder(user=user)) == [first]
    address = EmailAddress.objects.create(user=user, email="two@example.net", verified=False)
    address.set_verified(commit=True)
    from allauth.account.signals import email_confirmed

    email_confirmed.send(sender=EmailAddress, request=None, email_address=address)
    assert set(award_list_for_holder(user=user)) == {first, second}
    assert award_get_for_holder(user=user, public_id=stranger.public_id) is None
    assert award_get_for_holder(user=UserFactory(), public_id=first.public_id) is None


def test_holder_status_issued_expiring_expired_revoked(award):
    now = timezone.now()
    assert award_holder_status(award=award, now=now).code == "issued"
    award.expires_on = now + timedelta(days=10)
    assert award_holder_status(award=award, now=now).code == "expiring"
    award.expires_on = now + timedelta(days=45)
    assert award_holder_status(award=award, now=now).code == "issued"
    award.expires_on = now - timedelta(days=1)
    assert award_holder_status(award=award, now=now).code == "expired"
    award_revoke(actor=None, award=award, reason="Issued in error")
    award.refresh_from_db()
    assert award_holder_status(award=award, now=now).code == "revoked"


def test_backpack_items_carry_status(award):
    user = make_account("ada@example.net")
    [item] = backpack_items(user=user)
    assert item.award == award and item.status.code == "issued" and item.can_share
