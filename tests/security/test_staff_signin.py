"""Attacks on the staff's sign-in: guessing passwords, flooding resets, the old unprotected /staff/ views, accounts
without a verified address, and skipping the two-factor step an institution requires. All over HTTP."""

import json
import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from issuers.models import Role
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth counts attempts in the default cache; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def sign_in(client, email, password):
    # Both field names: allauth's form reads "login", Django's admin form read "username".
    return client.post(reverse("admin:login"), {"login": email, "username": email, "password": password})


def admin_opens(client) -> bool:
    return client.get(reverse("admin:index")).status_code == 200


def test_unprotected_django_auth_views_under_staff_are_gone(client):
    """Attack: use /staff/ (django.contrib.auth.urls), which had no rate limit, answered 500 on a bad password and
    sent unlimited reset e-mails."""
    staff = UserFactory()
    for path in ("/staff/login/", "/staff/password_reset/", "/staff/password_change/"):
        assert client.get(path).status_code == 404
    for _ in range(3):
        response = client.post("/staff/login/", {"username": staff.username, "password": "wrong"})
        assert response.status_code == 404
        client.post("/staff/password_reset/", {"email": staff.email})
    assert not mail.outbox


def test_bad_password_at_the_admin_sign_in_is_refused_without_an_error_page(client):
    """Attack: a wrong password (or junk) must be a plain refusal, never a 500 that leaks a traceback."""
    staff = UserFactory()
    for login, password in ((staff.email, "wrong"), ("", ""), ("x" * 5000, "\x00"), (staff.email, "é" * 3000)):
        response = sign_in(client, login, password)
        assert response.status_code == 200
        assert not admin_opens(client)


def test_repeated_failed_passwords_lock_the_account_out(client):
    """Attack: guess a staff password online. After 5 failures the right password is refused for a while."""
    staff = UserFactory()
    for _ in range(5):
        assert sign_in(client, staff.email, "guess").status_code == 200
    response = sign_in(client, staff.email, PASSWORD)
    assert response.status_code in (200, 429)
    assert "too many" in response.content.decode().lower()
    assert not admin_opens(client)


def test_password_reset_requests_are_rate_limited(client):
    """Attack: flood a staff member's mailbox (or the mail server) with reset e-mails."""
    staff = UserFactory()
    statuses = [client.post(reverse("account_reset_password"), {"email": staff.email}).status_code for _ in range(8)]
    assert all(status in (200, 302, 429) for status in statuses)
    assert 429 in statuses
    assert 1 <= len(mail.outbox) <= 5


def test_forgot_password_link_resets_a_verified_staff_password(client):
    """The sign-in page's "forgotten your password" link really sends a working reset to a verified address."""
    staff = UserFactory()
    page = client.get(reverse("admin:login")).content.decode()
    assert reverse("account_reset_password") in page
    response = client.post(reverse("account_reset_password"), {"email": staff.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [staff.email]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    new = "a fresh staff password 2026"
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link, {"password1": new, "password2": new}
    )
    assert done.status_code == 302
    assert sign_in(client, staff.email, new).status_code == 302
    assert admin_opens(client)


def test_staff_without_a_verified_address_cannot_sign_in_to_the_admin(client):
    """Attack: an is_staff account whose address was never verified (e.g. created before invitations) signs in."""
    staff = UserFactory(verified_email=False)
    EmailAddress.objects.create(user=staff, email=staff.email, primary=True, verified=False)
    sign_in(client, staff.email, PASSWORD)
    assert not admin_opens(client)


def test_staff_session_without_a_verified_primary_address_is_refused_with_an_explanation(client):
    """Attack: a session of a staff account whose primary address is unverified reaches the admin."""
    staff = MembershipFactory(role=Role.OWNER, user__verified_email=False).user
    EmailAddress.objects.create(user=staff, email=staff.email, primary=True, verified=False)
    client.force_login(staff)
    for url in (reverse("admin:index"), reverse("admin:issuers_issuer_changelist")):
        response = client.get(url)
        assert response.status_code == 403
        assert "verif" in response.content.decode().lower()


def test_a_learner_signing_in_at_the_admin_gets_no_admin(client):
    """Attack: a non-staff account uses the admin's sign-in page."""
    learner = UserFactory(is_staff=False)
    sign_in(client, learner.email, PASSWORD)
    assert not admin_opens(client)
    assert client.get(reverse("admin:login")).status_code == 403


# -- two-factor ---------------------------------------------------------------------------------------------------


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def issuer_form(issuer, **changes) -> dict:
    data = {
        "name": issuer.name,
        "slug": issuer.slug,
        "url": issuer.url,
        "email": issuer.email,
        "description": issuer.description,
        "signing_keys-TOTAL_FORMS": "0",
        "signing_keys-INITIAL_FORMS": "0",
        "signing_keys-MIN_NUM_FORMS": "0",
        "signing_keys-MAX_NUM_FORMS": "0",
    }
    if issuer.awards_public_by_default:
        data["awards_public_by_default"] = "on"
    data.update(changes)
    return data


def test_owner_requires_two_factor_and_a_member_without_it_cannot_use_the_admin(client):
    """Attack: after the owner requires two-factor sign-in, a member without an authenticator keeps using the admin
    (and an editor cannot turn the requirement off)."""
    owner = MembershipFactory(role=Role.OWNER)
    editor = MembershipFactory(issuer=owner.issuer, role=Role.EDITOR)
    client.force_login(owner.user)
    change = reverse("admin:issuers_issuer_change", args=[owner.issuer.pk])
    response = client.post(change, issuer_form(owner.issuer, require_mfa="on"))
    assert response.status_code == 302, response.content.decode()[:3000]
    owner.issuer.refresh_from_db()
    assert owner.issuer.require_mfa
    for user in (owner.user, editor.user):
        client.force_login(user)
        for url in (reverse("admin:index"), reverse("admin:courses_course_changelist"), change):
            response = client.get(url)
            assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    assert client.post(change, issuer_form(owner.issuer)).status_code == 302  # to the set-up page
    owner.issuer.refresh_from_db()
    assert owner.issuer.require_mfa


def test_totp_sign_in_end_to_end_and_a_wrong_code_is_refused(client):
    """Attack: sign in with the password alone where the institution requires two-factor; or with a wrong code."""
    member = MembershipFactory(role=Role.EDITOR, issuer__require_mfa=True)
    email = member.user.email
    assert sign_in(client, email, PASSWORD).status_code == 302
    assert client.get(reverse("admin:index"))["Location"] == reverse("mfa_activate_totp")
    # allauth asks for the password again before an authenticator is added (a stolen session cannot add its own).
    asked = client.get(reverse("mfa_activate_totp"))
    assert asked.status_code == 302 and asked["Location"].startswith(reverse("account_reauthenticate"))
    assert client.post(asked["Location"], {"password": PASSWORD}).status_code == 302
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    assert "<script>" not in page.content.decode()  # the set-up page works under script-src 'self'
    secret = re.search(r'value="([A-Z2-7]{16,})"', page.content.decode()).group(1)
    assert client.post(reverse("mfa_activate_totp"), {"code": "000000"}).status_code == 200
    activated = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)}, follow=True)
    assert activated.redirect_chain[-1][0] == reverse("mfa_view_recovery_codes")
    assert reverse("admin:index") in activated.content.decode()  # the way back to the admin
    assert Authenticator.objects.filter(user=member.user, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=member.user, type=Authenticator.Type.RECOVERY_CODES).exists()
    assert admin_opens(client)

    client.logout()
    response = sign_in(client, email, PASSWORD)
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_authenticate"))
    assert not admin_opens(client)  # the password alone opens nothing
    wrong = client.post(reverse("mfa_authenticate"), {"code": "123456"})
    assert wrong.status_code == 200 and not admin_opens(client)
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert admin_opens(client)

    # A recovery code is the way in without the phone; each works once.
    client.logout()
    codes = Authenticator.objects.get(user=member.user, type=Authenticator.Type.RECOVERY_CODES).wrap()
    recovery = codes.get_unused_codes()[0]
    sign_in(client, email, PASSWORD)
    assert client.post(reverse("mfa_authenticate"), {"code": recovery}).status_code == 302
    assert admin_opens(client)
    client.logout()
    sign_in(client, email, PASSWORD)
    client.post(reverse("mfa_authenticate"), {"code": recovery})
    assert not admin_opens(client)


def test_the_admins_own_password_change_form_is_replaced_by_the_rate_limited_one(client):
    """Attack: with a borrowed session, guess the current password on Django's admin form, which has no limit."""
    staff = MembershipFactory(role=Role.OWNER).user
    client.force_login(staff)
    response = client.get(reverse("admin:password_change"))
    assert response.status_code == 302 and response["Location"] == reverse("account_change_password")
    response = client.post(
        reverse("admin:password_change"),
        {"old_password": PASSWORD, "new_password1": "another pw 12345", "new_password2": "another pw 12345"},
    )
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)


def test_authenticator_secrets_are_not_stored_or_shown_in_clear(client, admin_user):
    """Attack: read a member's TOTP secret (and so forge their second factor forever) from a database dump or the
    admin. allauth stores it as given unless its adapter encrypts it; ours encrypts under KEY_ENCRYPTION_KEYS."""
    member = MembershipFactory(role=Role.EDITOR, issuer__require_mfa=True)
    assert sign_in(client, member.user.email, PASSWORD).status_code == 302
    client.post(client.get(reverse("mfa_activate_totp"))["Location"], {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp")).content.decode()
    secret = re.search(r'value="([A-Z2-7]{16,})"', page).group(1)
    client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    totp = Authenticator.objects.get(user=member.user, type=Authenticator.Type.TOTP)
    codes = Authenticator.objects.get(user=member.user, type=Authenticator.Type.RECOVERY_CODES)
    stored = json.dumps([totp.data, codes.data])
    assert secret not in stored and codes.wrap().get_unused_codes()[0] not in stored
    assert totp.wrap().validate_code(current_code(secret))  # still usable: decrypted when checked

    client.force_login(admin_user)
    for url in (
        reverse("admin:mfa_authenticator_changelist"),
        reverse("admin:mfa_authenticator_change", args=[totp.pk]),
        reverse("admin:mfa_authenticator_change", args=[codes.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        shown = response.content.decode()
        assert secret not in shown and totp.data["secret"] not in shown and codes.data["seed"] not in shown


def test_rotating_the_key_encryption_key_keeps_authenticators_working(settings, admin_user):
    """Rotating KEY_ENCRYPTION_KEYS re-encrypts the authenticator secrets too, so nobody is locked out."""
    from cryptography.fernet import Fernet

    from issuers.mfa import MfaAdapter
    from issuers.services import key_encryption_key_rotate

    secret = "JBSWY3DPEHPK3PXP"
    Authenticator.objects.create(
        user=admin_user, type=Authenticator.Type.TOTP, data={"secret": MfaAdapter().encrypt(secret)}
    )
    settings.KEY_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.KEY_ENCRYPTION_KEYS]
    key_encryption_key_rotate()
    settings.KEY_ENCRYPTION_KEYS = settings.KEY_ENCRYPTION_KEYS[:1]  # the old key is gone
    totp = Authenticator.objects.get(user=admin_user, type=Authenticator.Type.TOTP)
    assert MfaAdapter().decrypt(totp.data["secret"]) == secret
