"""Learner accounts: an address brings its badges only to the account of the person who proved they hold it.

Each test is an attack on someone else's badges through allauth's real flows, over HTTP (Django's test client),
and the last one in Chromium. The attacker knows the victim's address but cannot read her mailbox.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from learners.models import Learner
from tests.browser.conftest import last_mail_to, link_in_mail
from tests.learners.helpers import LEARNER_PASSWORD, issue_award, make_account

VICTIM = "ada@example.net"
ATTACKER = "mallory@evil.example"
ATTACKER_PASSWORD = "the attacker knows this one"
VICTIM_PASSWORD = "ada's own long password"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth's rate limits live in the cache: one test's e-mails must not silence the next test's."""
    cache.clear()
    yield
    cache.clear()


def _minutes_pass() -> None:
    """A few minutes later: allauth sends one confirmation e-mail per address every 3 minutes (ACCOUNT_RATE_LIMITS),
    and the attacker's sign-up has just used it."""
    cache.clear()


def _signup(client: Client, email: str, password: str):
    return client.post(reverse("account_signup"), {"email": email, "password1": password, "password2": password})


def _password_sign_in(client: Client, email: str, password: str):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def _request_code(client: Client, email: str):
    return client.post(reverse("account_request_login_code"), {"email": email})


def _code_in(message) -> str | None:
    match = re.search(r"Please enter it in your open browser window\.\s+(\S+)", message.body)
    return match.group(1) if match else None


def _accounts_holding(email: str) -> set[int]:
    return set(EmailAddress.objects.filter(email=email).values_list("user_id", flat=True))


def _signed_in_user_id(client: Client) -> int | None:
    from django.contrib.auth import SESSION_KEY

    value = client.session.get(SESSION_KEY)
    return int(value) if value is not None else None


def _backpack(client: Client) -> str:
    response = client.get(reverse("backpack"))
    return response.content.decode() if response.status_code == 200 else ""


def _attacker_registers_the_victims_address() -> int:
    """The attacker signs up first with the victim's address and a password of his choosing."""
    attacker = Client()
    response = _signup(attacker, VICTIM, ATTACKER_PASSWORD)
    assert response.status_code == 302, response.content.decode()[:2000]
    (user_id,) = _accounts_holding(VICTIM)
    assert not EmailAddress.objects.get(user_id=user_id).verified
    return user_id


def _attacker_can_reach(award, user_id: int) -> bool:
    """Whether the attacker, with his password, can sign in and see the badge, or holds it in his account."""
    attacker = Client()
    _password_sign_in(attacker, VICTIM, ATTACKER_PASSWORD)
    signed_in = _signed_in_user_id(attacker) == user_id
    in_backpack = signed_in and award.badge_class.name in _backpack(attacker)
    return in_backpack or (signed_in and Learner.objects.get(email=VICTIM).user_id == user_id)


@pytest.mark.django_db
def test_sign_in_code_through_an_unverified_registration_is_refused():
    """Variant (a): the attacker signs up with victim@ (never verified) and a password. When the victim asks for an
    e-mailed sign-in code, the code must not sign her into the attacker's account (which would verify the address
    there and claim her badges into it): no code for an address nobody has verified; she is offered an account."""
    award = issue_award(email=VICTIM, name="Ada Lovelace")
    attacker_id = _attacker_registers_the_victims_address()
    mail.outbox.clear()

    victim = Client()
    response = _request_code(victim, VICTIM)
    assert response.status_code == 302
    message = last_mail_to(mail.outbox, VICTIM)
    code = _code_in(message)
    if code:  # today: the code signs her into the attacker's account
        victim.post(reverse("account_confirm_login_code"), {"code": code})
    assert _signed_in_user_id(victim) != attacker_id
    assert Learner.objects.get(email=VICTIM).user_id != attacker_id
    assert not EmailAddress.objects.filter(user_id=attacker_id, verified=True).exists()
    assert not _attacker_can_reach(award, attacker_id)

    # Instead of a code, the e-mail offers an account, with the address filled in; a second sign-up is possible.
    assert code is None
    signup = link_in_mail(message, r"/accounts/signup/")
    assert "email=ada%40example.net" in signup
    _minutes_pass()
    response = _signup(victim, VICTIM, VICTIM_PASSWORD)
    assert response.status_code == 302
    assert len(_accounts_holding(VICTIM)) == 2
    confirm = link_in_mail(last_mail_to(mail.outbox, VICTIM), r"/accounts/confirm-email/.+")
    assert victim.post(confirm).status_code == 302
    victim_id = _signed_in_user_id(victim)
    assert victim_id not in (None, attacker_id)
    assert award.badge_class.name in _backpack(victim)
    assert Learner.objects.get(email=VICTIM).user_id == victim_id
    # Verified on her account, the address is gone from the attacker's, and with it his way in.
    assert _accounts_holding(VICTIM) == {victim_id}
    assert not get_user_model().objects.get(pk=attacker_id).has_usable_password()
    assert not _attacker_can_reach(award, attacker_id)


@pytest.mark.django_db
def test_pre_registered_signup_with_a_known_password_is_refused():
    """Variant (b): the attacker signs up with victim@ and a password he knows; the confirmation e-mail reaches the
    victim, who has just been told about a badge and clicks it. The attacker must not then sign in with his
    password and find her badges: a first verification from another browser discards the registrant's password."""
    award = issue_award(email=VICTIM, name="Ada Lovelace")
    attacker_id = _attacker_registers_the_victims_address()

    victim = Client()  # her own browser: she never typed the attacker's password
    confirm = link_in_mail(last_mail_to(mail.outbox, VICTIM), r"/accounts/confirm-email/.+")
    page = victim.get(confirm).content.decode()
    assert "the password chosen at sign-up is discarded" in page  # she is told before she presses the button
    response = victim.post(confirm, follow=True)
    assert response.status_code == 200
    assert not _attacker_can_reach(award, attacker_id)
    assert not get_user_model().objects.get(pk=attacker_id).has_usable_password()
    page = response.content.decode()
    assert "sign-in code" in page  # she is told how to get in

    # She proved the address, so she alone gets in: by a code sent to it, into the account that now holds it.
    mail.outbox.clear()
    _request_code(victim, VICTIM)
    code = _code_in(last_mail_to(mail.outbox, VICTIM))
    assert code
    victim.post(reverse("account_confirm_login_code"), {"code": code})
    assert _signed_in_user_id(victim) == attacker_id  # the account, not the attacker: his password is gone
    assert award.badge_class.name in _backpack(victim)


@pytest.mark.django_db
def test_second_signup_after_a_pre_registration_takes_the_address_and_the_badges():
    """Variant (b), the victim signs up herself: a pre-registration must not reserve the address (today her sign-up
    only gets an "account already exists" e-mail, leaving the attacker's account the only way to her badges)."""
    award = issue_award(email=VICTIM, name="Ada Lovelace")
    attacker_id = _attacker_registers_the_victims_address()
    mail.outbox.clear()

    victim = Client()
    _minutes_pass()
    _signup(victim, VICTIM, VICTIM_PASSWORD)
    victim_ids = _accounts_holding(VICTIM) - {attacker_id}
    assert len(victim_ids) == 1, "a second sign-up with an unverified address must create an account"
    (victim_id,) = victim_ids
    confirm = link_in_mail(last_mail_to(mail.outbox, VICTIM), r"/accounts/confirm-email/.+")
    victim.post(confirm)
    assert _signed_in_user_id(victim) == victim_id
    assert get_user_model().objects.get(pk=victim_id).check_password(VICTIM_PASSWORD)  # her own: kept
    assert Learner.objects.get(email=VICTIM).user_id == victim_id
    assert _accounts_holding(VICTIM) == {victim_id}
    assert not _attacker_can_reach(award, attacker_id)


@pytest.mark.django_db
def test_confirmation_link_for_an_address_added_to_another_account_is_refused():
    """The attacker has his own verified account and adds victim@ to it; the confirmation e-mail reaches the victim.
    Clicking it in her browser must not verify her address on his account (his own address would let him in)."""
    award = issue_award(email=VICTIM, name="Ada Lovelace")
    attacker_user = make_account(ATTACKER)
    attacker = Client()
    _password_sign_in(attacker, ATTACKER, LEARNER_PASSWORD)
    assert _signed_in_user_id(attacker) == attacker_user.pk
    attacker.post(reverse("account_email"), {"email": VICTIM, "action_add": ""})
    assert EmailAddress.objects.filter(user=attacker_user, email=VICTIM, verified=False).exists()

    victim = Client()
    confirm = link_in_mail(last_mail_to(mail.outbox, VICTIM), r"/accounts/confirm-email/.+")
    page = victim.get(confirm).content.decode()
    assert "sign in to that account here, then open the link again" in page and ">Confirm</button>" not in page
    response = victim.post(confirm, follow=True)  # the button is not even offered; posting anyway is refused
    assert response.status_code == 200
    assert not EmailAddress.objects.filter(user=attacker_user, email=VICTIM, verified=True).exists()
    assert Learner.objects.get(email=VICTIM).user_id is None
    assert award.badge_class.name not in _backpack(attacker)
    assert "signed in" in response.content.decode()  # the refusal says how the account's holder can confirm it


@pytest.mark.django_db
def test_password_reset_through_an_unverified_address_is_refused():
    """The attacker registers victim@ unverified (and may add his own address later). A password-reset request for
    victim@ must not mail a reset link for his account: whoever follows it would be setting up the attacker's
    account for her badges. Nobody has verified the address, so the e-mail offers an account instead."""
    attacker_id = _attacker_registers_the_victims_address()
    mail.outbox.clear()
    victim = Client()
    response = victim.post(reverse("account_reset_password"), {"email": VICTIM})
    assert response.status_code == 302
    message = last_mail_to(mail.outbox, VICTIM)
    assert "/accounts/password/reset/key/" not in message.body
    assert "/accounts/signup/" in message.body
    assert get_user_model().objects.get(pk=attacker_id).check_password(ATTACKER_PASSWORD)


@pytest.mark.django_db
def test_password_sign_in_through_an_unverified_address_is_refused():
    """Password sign-in finds accounts only through verified addresses: the attacker's registration does not even
    start a sign-in (which would e-mail the victim another confirmation link for his account)."""
    _attacker_registers_the_victims_address()
    mail.outbox.clear()
    attacker = Client()
    response = _password_sign_in(attacker, VICTIM, ATTACKER_PASSWORD)
    assert response.status_code == 200  # the form again, with its error
    assert _signed_in_user_id(attacker) is None
    assert not mail.outbox


@pytest.mark.django_db
def test_sign_in_code_request_for_an_unknown_address_offers_an_account_without_telling_who_has_one():
    """A learner without an account asks for a sign-in code: she is offered to create one (the e-mail links to sign-up
    with her address), and the page a stranger sees is the same whether or not the address has an account."""
    make_account("known@example.net")
    mail.outbox.clear()

    pages = {}
    for email in ("known@example.net", "nobody@example.net"):
        client = Client()
        response = _request_code(client, email)
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
        pages[email] = page.replace(email, "ADDRESS")
    assert pages["known@example.net"] == pages["nobody@example.net"]
    assert "If there is no account for this address" in pages["nobody@example.net"]

    assert _code_in(last_mail_to(mail.outbox, "known@example.net"))
    unknown = last_mail_to(mail.outbox, "nobody@example.net")
    assert _code_in(unknown) is None
    assert "There is no account for this address" in unknown.body
    assert "email=nobody%40example.net" in link_in_mail(unknown, r"/accounts/signup/")


@pytest.mark.django_db
def test_own_signup_confirmed_in_the_same_browser_keeps_its_password():
    """Not an attack: the registrant who confirms in the browser she signed up in keeps her password and is in."""
    award = issue_award(email=VICTIM)
    learner = Client()
    _signup(learner, VICTIM, VICTIM_PASSWORD)
    learner.post(link_in_mail(last_mail_to(mail.outbox, VICTIM), r"/accounts/confirm-email/.+"))
    (user_id,) = _accounts_holding(VICTIM)
    assert _signed_in_user_id(learner) == user_id
    assert get_user_model().objects.get(pk=user_id).check_password(VICTIM_PASSWORD)
    assert award.badge_class.name in _backpack(learner)
    again = Client()
    _password_sign_in(again, VICTIM, VICTIM_PASSWORD)
    assert _signed_in_user_id(again) == user_id


@pytest.mark.django_db(transaction=True)
def test_takeover_by_sign_in_code_is_refused_in_a_browser(site, new_page):
    """Variant (a) end to end in Chromium: attacker signs up with victim@; the victim asks for a code, gets an offer
    to create an account instead, creates it, confirms, and her badge is in her backpack; the attacker's password no
    longer opens anything."""
    award = issue_award(email=VICTIM, name="Ada Lovelace")

    attacker = new_page()
    attacker.goto(f"{site}/accounts/signup/")
    attacker.locator("input[name=email]").fill(VICTIM)
    attacker.locator("input[name=password1]").fill(ATTACKER_PASSWORD)
    attacker.locator("input[name=password2]").fill(ATTACKER_PASSWORD)
    attacker.get_by_role("button", name="Create account").click()
    attacker.wait_for_url("**/accounts/confirm-email/")
    mail.outbox.clear()

    victim = new_page()
    victim.goto(f"{site}/accounts/login/")
    victim.get_by_role("link", name="E-mail me a sign-in code").click()
    victim.locator("input[name=email]").fill(VICTIM)
    victim.locator("form").filter(has=victim.locator("input[name=email]")).locator("button[type=submit]").click()
    victim.wait_for_url("**/accounts/login/code/confirm/")
    assert victim.get_by_text("If there is no account for this address").is_visible()
    message = last_mail_to(mail.outbox, VICTIM)
    assert _code_in(message) is None

    _minutes_pass()
    victim.goto(link_in_mail(message, r"/accounts/signup/"))
    assert victim.locator("input[name=email]").input_value() == VICTIM
    victim.locator("input[name=password1]").fill(VICTIM_PASSWORD)
    victim.locator("input[name=password2]").fill(VICTIM_PASSWORD)
    victim.get_by_role("button", name="Create account").click()
    victim.wait_for_url("**/accounts/confirm-email/")
    victim.goto(link_in_mail(last_mail_to(mail.outbox, VICTIM), r"/accounts/confirm-email/.+"))
    victim.get_by_role("button", name="Confirm").click()
    victim.wait_for_url("**/backpack/")
    assert victim.locator(f"#badge-{award.public_id}").is_visible()

    attacker.goto(f"{site}/accounts/login/")
    attacker.locator("input[name=login]").fill(VICTIM)
    attacker.locator("input[name=password]").fill(ATTACKER_PASSWORD)
    attacker.get_by_role("button", name="Sign in", exact=True).click()
    attacker.wait_for_load_state()
    assert "/backpack/" not in attacker.url
    attacker.goto(f"{site}/backpack/")
    assert attacker.locator(f"#badge-{award.public_id}").count() == 0


@pytest.mark.django_db
def test_second_factor_set_up_by_the_registrant_does_not_survive_the_hand_over():
    """Variant (b) with a second factor: had the registrant's account an authenticator of his, the person who proved
    the address would get an account only he can finish signing in to. The hand-over removes it."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    award = issue_award(email=VICTIM, name="Ada Lovelace")
    attacker_id = _attacker_registers_the_victims_address()
    TOTP.activate(get_user_model().objects.get(pk=attacker_id), generate_totp_secret())

    victim = Client()
    victim.post(link_in_mail(last_mail_to(mail.outbox, VICTIM), r"/accounts/confirm-email/.+"))
    assert not Authenticator.objects.filter(user_id=attacker_id).exists()
    mail.outbox.clear()
    _request_code(victim, VICTIM)
    response = victim.post(reverse("account_confirm_login_code"), {"code": _code_in(last_mail_to(mail.outbox, VICTIM))})
    assert response.status_code == 302 and response["Location"] == reverse("backpack")
    assert award.badge_class.name in _backpack(victim)


@pytest.mark.django_db(transaction=True)
def test_simultaneous_confirmations_on_two_accounts_answer_without_error(monkeypatch):
    """Two accounts confirm the same address at the same moment: the database's one-verified-holder constraint decides,
    and the loser gets a message, not a 500 (simulated by letting allauth's own check pass for the second one)."""
    attacker_id = _attacker_registers_the_victims_address()
    confirm = link_in_mail(last_mail_to(mail.outbox, VICTIM), r"/accounts/confirm-email/.+")
    other = make_account(VICTIM, verified=False)
    EmailAddress.objects.filter(user=other).update(verified=True)  # confirmed a moment earlier, signals still to run
    monkeypatch.setattr(EmailAddress, "can_set_verified", lambda self: True)
    response = Client().post(confirm, follow=True)
    assert response.status_code == 200
    assert "already confirmed by another account" in response.content.decode()
    assert not EmailAddress.objects.filter(user_id=attacker_id, verified=True).exists()


@pytest.mark.django_db
def test_own_second_address_confirmed_signed_out_is_refused_then_works_once_signed_in():
    """Not an attack: the refusal above also meets the genuine holder who opens the link signed out (e.g. on her
    phone). She is told to sign in; the same link then works, and the address's badges join her account."""
    award = issue_award(email="ada.work@example.org")
    user = make_account(VICTIM)
    laptop = Client()
    _password_sign_in(laptop, VICTIM, LEARNER_PASSWORD)
    laptop.post(reverse("account_email"), {"email": "ada.work@example.org", "action_add": ""})
    confirm = link_in_mail(last_mail_to(mail.outbox, "ada.work@example.org"), r"/accounts/confirm-email/.+")

    phone = Client()
    page = phone.post(confirm, follow=True).content.decode()
    assert "Sign in to that account, then open the link again" in page
    _password_sign_in(phone, VICTIM, LEARNER_PASSWORD)
    phone.post(confirm)
    assert EmailAddress.objects.get(user=user, email="ada.work@example.org").verified
    assert award.badge_class.name in _backpack(phone)
    assert user.has_usable_password() and get_user_model().objects.get(pk=user.pk).has_usable_password()
