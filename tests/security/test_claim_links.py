"""Claim links: the link in the award e-mail expires, and once an account has claimed the badge it works for that
account only; an expired or used link says what to do next and nothing about the badge's holder."""

import time
from unittest import mock

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from badges.notifications import award_notify
from badges.public_urls import CLAIM_LINK_MAX_AGE, claim_token
from learners.models import Learner
from tests.browser.conftest import last_mail_to, link_in_mail
from tests.learners.helpers import LEARNER_PASSWORD, issue_award, make_account

pytestmark = pytest.mark.django_db
HTML = {"HTTP_ACCEPT": "text/html"}
VICTIM = "ada@example.net"
NAME = "Ada Lovelace"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _token_made_days_ago(award, days: float) -> str:
    with mock.patch("django.core.signing.time.time", return_value=time.time() - days * 86400):
        return claim_token(award)


def _signed_in(email: str) -> Client:
    client = Client()
    client.post(reverse("account_login"), {"login": email, "password": LEARNER_PASSWORD})
    return client


def _page(client: Client, award, token: str):
    return client.get(f"/assertions/{award.public_id}", {"claim": token}, **HTML)


def _download(client: Client, award, token: str):
    return client.get(f"/assertions/{award.public_id}/credential.json", {"claim": token})


def test_expired_claim_link_is_refused_and_says_what_to_do():
    """An award e-mail forwarded, leaked or found in an old mailbox must not show a private badge forever: after
    CLAIM_LINK_MAX_AGE the link shows neither the holder's name nor the downloads, and explains the way back."""
    award = issue_award(email=VICTIM, name=NAME)
    old = _token_made_days_ago(award, CLAIM_LINK_MAX_AGE.days + 1)
    response = _page(Client(), award, old)
    assert response.status_code == 410
    page = response.content.decode()
    assert "This link has expired" in page
    assert NAME not in page and VICTIM not in page and "Keep this badge" not in page
    assert reverse("account_login") in page and reverse("account_signup") in page  # what to do next
    assert f"mailto:{award.issuer.email}" in page  # or ask the institution to send it again
    assert _download(Client(), award, old).status_code == 404

    recent = _token_made_days_ago(award, CLAIM_LINK_MAX_AGE.days - 1)
    assert NAME in _page(Client(), award, recent).content.decode()
    assert _download(Client(), award, recent).status_code == 200


def test_claim_link_used_by_one_account_cannot_show_or_pull_the_badge_for_another():
    """Once account A has claimed the badge (verified the address it was sent to), the e-mail's link, forwarded to or
    intercepted by B, must neither show B the private badge nor invite B to add the address to B's account."""
    award = issue_award(email=VICTIM, name=NAME)
    holder = make_account(VICTIM)
    assert Learner.objects.get(email=VICTIM).user == holder
    token = claim_token(award)
    make_account("bob@example.org")

    for stranger in (_signed_in("bob@example.org"), Client()):
        response = _page(stranger, award, token)
        assert response.status_code == 410
        page = response.content.decode()
        assert "This badge is already kept in an account" in page
        assert NAME not in page and VICTIM not in page
        assert "Add this address to my account" not in page and "Keep this badge" not in page
        assert _download(stranger, award, token).status_code == 404

    own = _signed_in(VICTIM)
    page = _page(own, award, token)
    assert page.status_code == 200 and NAME in page.content.decode()


def test_claim_link_used_to_sign_up_stops_working_for_everyone_else():
    """End to end over HTTP: the e-mail's link leads the learner to sign up and confirm; the badge is hers. The same
    link opened afterwards by anyone else explains that it has been used; the badge stays in her account."""
    award = issue_award(email=VICTIM, name=NAME)
    assert award_notify(award_id=award.id)
    message = last_mail_to(mail.outbox, VICTIM)
    link = link_in_mail(message, r"/assertions/.+\?claim=")
    assert f"This link works for {CLAIM_LINK_MAX_AGE.days} days" in message.body

    learner = Client()
    page = learner.get(link, **HTML).content.decode()
    assert "Keep this badge" in page and NAME in page
    learner.post(reverse("account_signup"), {"email": VICTIM, "password1": "hers, long", "password2": "hers, long"})
    learner.post(link_in_mail(last_mail_to(mail.outbox, VICTIM), r"/accounts/confirm-email/.+"))
    assert NAME in learner.get(link, **HTML).content.decode()  # still hers

    forwarded = Client()
    response = forwarded.get(link, **HTML)
    assert response.status_code == 410 and NAME not in response.content.decode()
    assert Learner.objects.get(email=VICTIM).user.emailaddress_set.get(email=VICTIM).verified


def test_forged_or_foreign_claim_token_shows_nothing():
    """A token for another award, or a made-up one, is no claim link at all: the private page as for anyone."""
    award = issue_award(email=VICTIM, name=NAME)
    other = issue_award(email="other@example.net", name="Other Person")
    for token in (claim_token(other), "garbage", "x" * 500, "a:b:c"):
        response = _page(Client(), award, token)
        assert response.status_code in (200, 404)
        assert NAME not in response.content.decode()
    undecodable = Client().get(f"/assertions/{award.public_id}?claim=%ED%B3%BF%FF", **HTML)  # not UTF-8
    assert undecodable.status_code in (200, 404) and NAME not in undecodable.content.decode()


def test_resend_of_the_award_email_is_the_institutions_own():
    """The expired-link page tells the learner to ask the institution to send the e-mail again: its staff can, with a
    fresh link that works, audited; staff of another institution cannot make it send (or learn anything)."""
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    from issuers.models import AuditEvent, Role
    from tests.factories import MembershipFactory

    award = issue_award(email=VICTIM, name=NAME)
    old = _token_made_days_ago(award, CLAIM_LINK_MAX_AGE.days + 10)
    assert _page(Client(), award, old).status_code == 410

    def resend(member) -> int:
        client = Client()
        client.force_login(member.user)
        mail.outbox.clear()
        client.post("/admin/badges/award/", {"action": "notify_again", ACTION_CHECKBOX_NAME: [award.pk]})
        return len([m for m in mail.outbox if VICTIM in m.to])

    for member in (MembershipFactory(role=Role.OWNER), MembershipFactory(issuer=award.issuer, role=Role.VIEWER)):
        _verified_primary(member.user)
        assert resend(member) == 0
    awarder = MembershipFactory(issuer=award.issuer, role=Role.AWARDER)
    _verified_primary(awarder.user)
    assert resend(awarder) == 1
    fresh = link_in_mail(last_mail_to(mail.outbox, VICTIM), r"/assertions/.+\?claim=")
    page = Client().get(fresh, **HTML)
    assert page.status_code == 200 and NAME in page.content.decode()
    assert AuditEvent.objects.filter(action="award.notify_again", actor=awarder.user).count() == 1


def _verified_primary(user) -> None:
    """Staff sign in to the admin only with a verified primary address (the staff door's rule)."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"primary": True, "verified": True})
