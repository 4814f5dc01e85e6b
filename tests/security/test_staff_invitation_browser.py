"""In Chromium: an owner invites a colleague through the admin form, and the colleague, who has no account, joins
from the e-mailed link. The browser shows what the HTTP tests assert: no step needs anything but the link."""

import pytest
from django.core import mail

from issuers.models import IssuerMembership, Role
from tests.browser.conftest import last_mail_to, link_in_mail, screenshot
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)
STAFF_PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
NEW_PASSWORD = "a long new colleague password"
COLLEAGUE = "colleague@institute.example"


def admin_sign_in(page, site: str, email: str, password: str) -> None:
    page.goto(f"{site}/admin/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site}/admin/")


def test_owner_invites_and_the_invitee_joins_from_the_emailed_link(site, new_page):
    """Attack surface in a real browser: the role reaches the person who opens the e-mailed link and nobody else;
    the pages need no inline script (no CSP violation is reported)."""
    owner = MembershipFactory(role=Role.OWNER)
    violations: list[str] = []

    page = new_page()
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    admin_sign_in(page, site, owner.user.email, STAFF_PASSWORD)
    page.goto(f"{site}/admin/issuers/issuermembership/")
    page.goto(f"{site}/admin/issuers/invitation/add/")
    page.locator("select[name=issuer]").select_option(str(owner.issuer.pk))
    page.locator("input[name=email]").fill(COLLEAGUE)
    page.locator("select[name=role]").select_option(Role.EDITOR.value)
    screenshot(page, "staff-01-invitation-form")
    page.locator("input[name=_save]").click()
    page.wait_for_url(f"{site}/admin/issuers/invitation/")
    assert COLLEAGUE in page.locator("#result_list").inner_text()
    screenshot(page, "staff-02-invitations")

    link = link_in_mail(last_mail_to(mail.outbox, COLLEAGUE), r"/invitations/.+/")
    invitee = new_page()
    invitee.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    invitee.goto(link)
    assert invitee.get_by_role("heading", name=f"Join {owner.issuer.name}").is_visible()
    invitee.locator("input[name=password1]").fill(NEW_PASSWORD)
    invitee.locator("input[name=password2]").fill(NEW_PASSWORD)
    screenshot(invitee, "staff-03-accept")
    invitee.get_by_role("button", name="Create my account and accept").click()
    invitee.wait_for_url(f"{site}/admin/login/")
    assert "Your account is ready" in invitee.content()
    admin_sign_in(invitee, site, COLLEAGUE, NEW_PASSWORD)
    screenshot(invitee, "staff-04-admin")
    assert IssuerMembership.objects.get(user__email=COLLEAGUE).role == Role.EDITOR

    # The link worked once: opened again, it explains instead of offering the role.
    again = new_page()
    response = again.goto(link)
    assert response.status == 410 and "already accepted" in again.content()
    assert not violations, violations


def test_member_of_an_institution_requiring_two_factor_sets_it_up_in_the_browser(site, new_page):
    """Attack surface in a real browser: the password alone does not open the admin of an institution that
    requires two-factor sign-in; the set-up and sign-in pages work under the Content Security Policy."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    member = MembershipFactory(role=Role.EDITOR, issuer__require_mfa=True)
    violations: list[str] = []
    page = new_page()
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    page.goto(f"{site}/admin/login/")
    page.locator("input[name=login]").fill(member.user.email)
    page.locator("input[name=password]").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/reauthenticate/**")  # allauth: the password again before adding a factor
    page.locator("input[name=password]").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    secret = page.locator("#authenticator_secret").input_value()
    assert page.locator("img[src^='data:image/svg+xml']").first.is_visible()  # the QR code
    screenshot(page, "staff-05-totp-activate")
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    page.locator("input[name=code]").fill(code)
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    screenshot(page, "staff-06-recovery-codes")
    page.get_by_role("link", name="continue to the institution admin").click()
    page.wait_for_url(f"{site}/admin/")
    assert not violations, violations
