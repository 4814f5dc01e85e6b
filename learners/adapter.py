"""The allauth adapter (settings.ACCOUNT_ADAPTER): who may verify an address on which account, and the e-mail that
offers an account to an address that has none (docs/decisions/0013)."""

from typing import Any
from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from badges.api.throttling import client_address

from . import accounts

# The accounts this browser registered (it chose their password at sign-up), kept in its session.
REGISTERED_SESSION_KEY = "learners.registered"


def remember_registrant(request: HttpRequest | None, user: AbstractBaseUser) -> None:
    """Mark this browser as the one that registered `user`: a confirmation link opened here comes from them."""
    session = getattr(request, "session", None)
    if session is None:
        return
    registered = set(session.get(REGISTERED_SESSION_KEY, []))
    registered.add(user.pk)
    session[REGISTERED_SESSION_KEY] = sorted(registered)


def is_account_holder(request: HttpRequest | None, user: AbstractBaseUser) -> bool:
    """Whether this request comes from `user`'s holder: signed in as them, or the browser that registered them."""
    if request is None:
        return False
    signed_in = getattr(request, "user", None)
    if signed_in is not None and signed_in.is_authenticated and signed_in.pk == user.pk:
        return True
    session = getattr(request, "session", None)
    return session is not None and user.pk in session.get(REGISTERED_SESSION_KEY, [])


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        """The client address every other limiter counts (TRUSTED_PROXY_COUNT), so allauth's limits agree with them.

        allauth's own reading raises ImproperlyConfigured (a 500) when X-Forwarded-For is shorter than the trusted
        proxy count, which a client can send by skipping the outer proxy.
        """
        return client_address(request) or super().get_client_ip(request)

    def confirm_email(self, request: HttpRequest, email_address: Any) -> bool:
        """Verify an address from its confirmation link, unless that would give its badges to someone else.

        The link proves only that its opener reads the mailbox. Opened by the account's own holder, it verifies.
        Opened by anyone else, it verifies only an account with no other proof of identity, which then becomes theirs
        (accounts.account_hand_over); an account that already has a verified address is refused.
        """
        account = email_address.user
        decision = accounts.address_verification_decide(
            account=account, by_account_holder=is_account_holder(request, account)
        )
        if decision is accounts.Verification.REFUSE:
            messages.error(
                request,
                _(
                    "%(email)s was not confirmed: it is being added to an account that is not signed in here. "
                    "Sign in to that account, then open the link again in the same browser."
                )
                % {"email": email_address.email},
                fail_silently=True,
            )
            return False
        try:
            with transaction.atomic():
                confirmed = super().confirm_email(request, email_address)
                if confirmed and decision is accounts.Verification.HAND_OVER:
                    accounts.account_hand_over(account=account, email=email_address.email)
        except IntegrityError:
            # Another account verified the same address a moment earlier (unique_verified_email): it keeps it.
            messages.error(
                request,
                _("%(email)s is already confirmed by another account.") % {"email": email_address.email},
                fail_silently=True,
            )
            return False
        if confirmed and decision is accounts.Verification.HAND_OVER:
            messages.info(
                request,
                _(
                    "%(email)s is confirmed. Sign in with a one-time code e-mailed to this address; you can then "
                    "choose a password."
                )
                % {"email": email_address.email},
                fail_silently=True,
            )
        return confirmed

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        if template_prefix == "account/email/unknown_account" and context.get("signup_url"):
            # The offer to create an account comes with the address filled in (the sign-up form reads ?email=).
            context = {**context, "signup_url": f"{context['signup_url']}?{urlencode({'email': email})}"}
        super().send_mail(template_prefix, email, context)
