"""Password sign-in by e-mail address, through verified addresses only (docs/decisions/0013)."""

from allauth.account import app_settings
from allauth.account.app_settings import LoginMethod
from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.base_user import AbstractBaseUser

from .selectors import users_with_verified_email


class VerifiedEmailAuthenticationBackend(AuthenticationBackend):
    """allauth's backend, except that an address matches only the account that has verified it.

    allauth would also try the password of every account that merely typed the address: an attacker who registered
    the victim's address could then start a sign-in that e-mails her a confirmation link for his account. The
    override is of a private method of the pinned django-allauth (constraints.txt); tests/security/
    test_learner_accounts.py fails if a new version stops calling it.
    """

    def _authenticate_by_email(self, email: str, password: str) -> AbstractBaseUser | None:
        if not email or LoginMethod.EMAIL not in app_settings.LOGIN_METHODS:
            return None
        for user in users_with_verified_email(email=email, is_active=None):
            if self._check_password(user, password):  # counts as a real check for allauth's timing mitigation
                return user
        return None
