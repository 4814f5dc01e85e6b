"""allauth's e-mail forms, finding accounts through verified addresses only (settings.ACCOUNT_FORMS).

allauth looks accounts up by any address they hold, verified or not, so whoever typed an address first would
reserve it and receive its sign-in codes and reset links. These forms keep allauth's checks (rate limits,
enumeration prevention) and replace only that lookup with learners.selectors.users_with_verified_email.
"""

from allauth.account.adapter import get_adapter
from allauth.account.forms import RequestLoginCodeForm, ResetPasswordForm, SignupForm

from .selectors import users_with_verified_email


class LearnerSignupForm(SignupForm):
    def validate_unique_email(self, value: str) -> str:
        # Only a verified holder makes the address taken. allauth then e-mails that holder instead of creating an
        # account, and shows the visitor the same page as a new sign-up (ACCOUNT_PREVENT_ENUMERATION).
        self.account_already_exists = bool(users_with_verified_email(email=value, is_active=None))
        return get_adapter().validate_unique_email(value)


class LearnerRequestLoginCodeForm(RequestLoginCodeForm):
    def clean_email(self) -> str:
        email = super().clean_email()  # allauth's rate limit per address
        if email:
            # No verified holder: no code is sent; the address gets the "no account, create one" e-mail instead.
            users = users_with_verified_email(email=email)
            self._user = users[0] if users else None
        return email


class LearnerResetPasswordForm(ResetPasswordForm):
    def clean_email(self) -> str:
        email = super().clean_email()
        # A reset link for an account that merely typed this address would hand its holder that account.
        self.users = users_with_verified_email(email=email)
        return email
