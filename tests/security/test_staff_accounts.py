"""Attacks on institution staff accounts: becoming staff without proving the address, misusing invitation links,
and a compromised-key revocation that an attacker could make impossible.

Every test works over HTTP, through the admin and the invitation pages, as the people involved would.
"""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from badges.models import StatusList
from badges.status_lists import status_list_credential
from issuers.models import AuditEvent, Invitation, IssuerMembership, KeyAlgorithm, KeyState, Role, SigningKey
from issuers.selectors import signing_key_active
from tests.badges.verification.issued import issue
from tests.factories import IssuerFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NEWHIRE = "newhire@institute.example"
ATTACKER_PASSWORD = "attacker knows this one"
NEW_PASSWORD = "a brand new staff password"


def unverified_account(email: str):
    """What a stranger gets by signing up with someone else's address: an account, the address unverified."""
    user = get_user_model().objects.create_user(username=f"x-{email}", email=email, password=ATTACKER_PASSWORD)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    return user


def invite(client, issuer, email=NEWHIRE, role=Role.EDITOR, *, capture):
    """The owner (signed in on `client`) invites `email` through the admin form; returns the e-mailed link."""
    with capture(execute=True):
        response = client.post(
            reverse("admin:issuers_invitation_add"), {"issuer": issuer.pk, "email": email, "role": role}
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    return invitation_link(email)


def invitation_link(email: str) -> str:
    message = [m for m in mail.outbox if email in m.to][-1]
    match = re.search(r"https?://[^/\s]+(/invitations/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth counts attempts (sign-in, invitation page) in the default cache; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def owner(client):
    membership = MembershipFactory(role=Role.OWNER)
    client.force_login(membership.user)
    return membership


# -- pre-hijack ---------------------------------------------------------------------------------------------------


def test_pre_registered_unverified_account_is_not_made_staff_when_its_address_is_added(
    client, owner, django_capture_on_commit_callbacks
):
    """Attack: sign up as newhire@institution before the owner adds that address, and become staff."""
    attacker = unverified_account(NEWHIRE)
    # The old "add member" form, and the invitation that replaces it.
    client.post(
        reverse("admin:issuers_issuermembership_add"),
        {"issuer": owner.issuer.pk, "email": NEWHIRE, "role": Role.OWNER},
    )
    invite(client, owner.issuer, capture=django_capture_on_commit_callbacks)
    attacker.refresh_from_db()
    assert not attacker.is_staff
    assert not IssuerMembership.objects.filter(user=attacker).exists()
    assert Invitation.objects.filter(issuer=owner.issuer, email=NEWHIRE, accepted_at=None).count() == 1


def test_leaked_invitation_link_is_refused_to_an_account_whose_address_is_unverified(
    client, owner, django_capture_on_commit_callbacks
):
    """Attack: the holder of an unverified account for the address opens the invitation link and accepts it."""
    link = invite(client, owner.issuer, capture=django_capture_on_commit_callbacks)
    attacker = unverified_account(NEWHIRE)
    client.force_login(attacker)
    page = client.get(link)
    assert page.status_code == 403 and "verif" in page.content.decode().lower()
    response = client.post(link, {"accept": "1"})
    assert response.status_code == 403
    attacker.refresh_from_db()
    assert not attacker.is_staff and not IssuerMembership.objects.filter(user=attacker).exists()
    assert Invitation.objects.get(email=NEWHIRE).accepted_at is None


def test_invitation_link_is_refused_to_another_verified_account(client, owner, django_capture_on_commit_callbacks):
    """Attack: a signed-in account with another address opens a forwarded link and takes the role."""
    link = invite(client, owner.issuer, capture=django_capture_on_commit_callbacks)
    stranger = UserFactory(is_staff=False)
    client.force_login(stranger)
    assert client.post(link, {"accept": "1"}).status_code == 403
    assert not IssuerMembership.objects.filter(user=stranger).exists()


def test_verified_account_accepts_and_gets_the_role_with_an_audit_row(
    client, owner, django_capture_on_commit_callbacks
):
    """The invitation's own address, verified: the one way an existing account gets a role."""
    link = invite(client, owner.issuer, role=Role.AWARDER, capture=django_capture_on_commit_callbacks)
    person = UserFactory(username=NEWHIRE, is_staff=False)
    assert EmailAddress.objects.filter(user=person, email=NEWHIRE, verified=True).exists()
    client.force_login(person)
    page = client.get(link)
    assert page.status_code == 200 and owner.issuer.name in page.content.decode()
    response = client.post(link, {"accept": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    person.refresh_from_db()
    assert person.is_staff
    assert IssuerMembership.objects.get(user=person, issuer=owner.issuer).role == Role.AWARDER
    assert AuditEvent.objects.filter(action="invitation.accept", issuer=owner.issuer, actor=person).exists()
    assert client.get(reverse("admin:index")).status_code == 200
    # Single use: a second POST (or anyone else) gets the "already used" page.
    again = client.post(link, {"accept": "1"})
    assert again.status_code == 410 and "already" in again.content.decode().lower()


def test_new_person_sets_first_password_and_the_pre_registered_account_gets_nothing(
    client, owner, django_capture_on_commit_callbacks
):
    """Attack: pre-register the address; the real person, who has no account, accepts. The role must land on an
    account the real person controls, and the attacker's unverified claim on the address must not survive."""
    attacker = unverified_account(NEWHIRE)
    link = invite(client, owner.issuer, capture=django_capture_on_commit_callbacks)
    client.logout()
    page = client.get(link)
    assert page.status_code == 200 and "password" in page.content.decode().lower()
    weak = client.post(link, {"password1": "short", "password2": "short"})
    assert weak.status_code == 200 and not Invitation.objects.get(email=NEWHIRE).accepted_at
    response = client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    invitation = Invitation.objects.get(email=NEWHIRE)
    person = invitation.accepted_by
    assert person is not None and person != attacker and person.is_staff
    assert person.check_password(NEW_PASSWORD)
    assert EmailAddress.objects.get(user=person, email=NEWHIRE).verified
    assert EmailAddress.objects.get(user=person, email=NEWHIRE).primary
    assert not EmailAddress.objects.filter(user=attacker, email__iexact=NEWHIRE).exists()
    attacker.refresh_from_db()
    assert not attacker.is_staff and not IssuerMembership.objects.filter(user=attacker).exists()
    # The new person signs in through the admin's sign-in page and works.
    signed_in = client.post(reverse("admin:login"), {"login": NEWHIRE, "password": NEW_PASSWORD})
    assert signed_in.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    # The attacker's password opens nothing in the admin.
    client.logout()
    client.post(reverse("admin:login"), {"login": NEWHIRE, "password": ATTACKER_PASSWORD})
    assert client.get(reverse("admin:index")).status_code != 200


def test_anonymous_with_link_cannot_create_a_second_account_for_a_verified_address(
    client, owner, django_capture_on_commit_callbacks
):
    """Attack: with a forwarded link, set a password for an address that already has a verified account."""
    person = UserFactory(username=NEWHIRE, is_staff=False)
    link = invite(client, owner.issuer, capture=django_capture_on_commit_callbacks)
    client.logout()
    page = client.get(link)
    assert page.status_code == 200 and "sign in" in page.content.decode().lower()
    client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert get_user_model().objects.filter(email__iexact=NEWHIRE).count() == 1
    assert not person.check_password(NEW_PASSWORD)
    assert Invitation.objects.get(email=NEWHIRE).accepted_at is None


@pytest.mark.parametrize("spoil", ["expired", "cancelled", "tampered", "garbage"])
def test_spoilt_invitation_link_is_refused_with_an_explanation(
    client, owner, django_capture_on_commit_callbacks, spoil
):
    """Attack: reuse an old, cancelled or hand-edited link."""
    link = invite(client, owner.issuer, capture=django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(email=NEWHIRE)
    if spoil == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    elif spoil == "cancelled":
        Invitation.objects.filter(pk=invitation.pk).update(cancelled_at=timezone.now())
    elif spoil == "tampered":
        link = link.replace(invitation.public_id, IssuerFactory().public_id)
    else:
        link = "/invitations/%F0%9F%92%A9%00::/"
    client.logout()
    for response in (client.get(link), client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})):
        assert response.status_code in (404, 410)
        text = response.content.decode().lower()
        assert "ask" in text  # tells the person to ask the institution for a new invitation
    assert not get_user_model().objects.filter(email__iexact=NEWHIRE).exists()


# -- the invitation admin -----------------------------------------------------------------------------------------


def test_owner_cannot_invite_into_or_see_invitations_of_another_institution(
    client, owner, django_capture_on_commit_callbacks
):
    """Attack: an owner of A invites someone into B, or lists, cancels and resends B's invitations."""
    other = MembershipFactory(role=Role.OWNER)
    response = client.post(
        reverse("admin:issuers_invitation_add"), {"issuer": other.issuer.pk, "email": NEWHIRE, "role": Role.OWNER}
    )
    assert response.status_code == 200 and not Invitation.objects.exists()  # B is not a valid choice
    theirs = Invitation.objects.create(
        issuer=other.issuer, email="b@example.org", role=Role.VIEWER, expires_at=timezone.now() + timedelta(days=1)
    )
    listing = client.get(reverse("admin:issuers_invitation_changelist")).content.decode()
    assert "b@example.org" not in listing
    assert client.get(reverse("admin:issuers_invitation_change", args=[theirs.pk])).status_code == 404
    for action in ("cancel_invitations", "resend_invitations"):
        response = client.post(
            reverse("admin:issuers_invitation_changelist"), {"action": action, ACTION_CHECKBOX_NAME: [theirs.pk]}
        )
        assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.cancelled_at is None and not mail.outbox


@pytest.mark.parametrize("role", [Role.EDITOR, Role.AWARDER, Role.VIEWER])
def test_non_owner_cannot_invite(client, role):
    """Attack: an editor invites an accomplice (or themselves under another address) as owner."""
    member = MembershipFactory(role=role)
    client.force_login(member.user)
    response = client.post(
        reverse("admin:issuers_invitation_add"), {"issuer": member.issuer.pk, "email": NEWHIRE, "role": Role.OWNER}
    )
    assert response.status_code == 403 and not Invitation.objects.exists()


def test_owner_cancels_and_resends_and_members_keep_role_changes_and_removal(
    client, owner, django_capture_on_commit_callbacks
):
    """Cancel, resend, change a role and remove a member, each audited; a cancelled link stops working."""
    link = invite(client, owner.issuer, capture=django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(email=NEWHIRE)
    changelist = reverse("admin:issuers_invitation_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, {"action": "resend_invitations", ACTION_CHECKBOX_NAME: [invitation.pk]})
    assert len([m for m in mail.outbox if NEWHIRE in m.to]) == 2
    client.post(changelist, {"action": "cancel_invitations", ACTION_CHECKBOX_NAME: [invitation.pk]})
    invitation.refresh_from_db()
    assert invitation.cancelled_at is not None
    assert AuditEvent.objects.filter(action="invitation.cancel", target_id=invitation.public_id).exists()
    assert client.get(link).status_code == 410
    assert client.get(invitation_link(NEWHIRE)).status_code == 410  # the resent link too

    colleague = MembershipFactory(issuer=owner.issuer, role=Role.VIEWER)
    change = reverse("admin:issuers_issuermembership_change", args=[colleague.pk])
    assert client.post(change, {"role": Role.EDITOR}).status_code == 302
    colleague.refresh_from_db()
    assert colleague.role == Role.EDITOR
    assert AuditEvent.objects.filter(action="membership.set", target_id=str(colleague.pk)).exists()
    delete = reverse("admin:issuers_issuermembership_delete", args=[colleague.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not IssuerMembership.objects.filter(pk=colleague.pk).exists()
    colleague.user.refresh_from_db()
    assert not colleague.user.is_staff  # no institution left: no admin


# -- revoking a compromised key -----------------------------------------------------------------------------------


def test_revoking_a_compromised_key_works_when_the_institution_has_a_status_list(client):
    """Attack scenario: the Ed25519 key leaked. Revoking it must succeed (and re-sign the status list with the new
    key) even though the institution already publishes a status list; today the revocation rolls back."""
    award = issue()
    issuer = award.badge_class.issuer
    status_list_credential(issuer=issuer)
    assert StatusList.objects.filter(issuer=issuer).exists()
    owner = MembershipFactory(issuer=issuer, role=Role.OWNER)
    client.force_login(owner.user)
    leaked = signing_key_active(issuer=issuer, algorithm=KeyAlgorithm.ED25519)
    response = client.post(
        reverse("admin:issuers_signingkey_changelist"),
        {"action": "revoke_compromised", ACTION_CHECKBOX_NAME: [leaked.pk]},
    )
    assert response.status_code == 302
    leaked.refresh_from_db()
    assert leaked.state == KeyState.REVOKED
    replacement = signing_key_active(issuer=issuer, algorithm=KeyAlgorithm.ED25519)
    assert replacement != leaked
    credential = StatusList.objects.get(issuer=issuer, purpose="revocation").credential
    assert replacement.public_id in credential["proof"]["verificationMethod"]
    assert SigningKey.objects.filter(issuer=issuer, state=KeyState.ACTIVE).count() == len(KeyAlgorithm.values)


def test_invitation_page_posts_are_rate_limited(client, owner, django_capture_on_commit_callbacks):
    """Attack: hammer the invitation page (password attempts, token guessing) from one client."""
    link = invite(client, owner.issuer, capture=django_capture_on_commit_callbacks)
    client.logout()
    statuses = [client.post(link, {"password1": "x", "password2": "y"}).status_code for _ in range(25)]
    assert statuses[0] == 200 and statuses[-1] == 429
    assert client.post("/invitations/garbage/", {}).status_code == 429
