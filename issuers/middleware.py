"""The admin's door for signed-in staff: a verified primary address (operators excepted, see below), and an
authenticator app where the member's institution requires two-factor sign-in (Issuer.require_mfa). Checked on
every admin request, so it also holds for sessions that began before the rule or the requirement did."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import IssuerMembership


def staff_has_verified_primary_address(*, user) -> bool:
    return EmailAddress.objects.filter(user=user, primary=True, verified=True).exists()


def staff_lacks_required_authenticator(*, user) -> bool:
    """A member (superusers too) of an institution that requires two-factor sign-in, without an authenticator app."""
    required = IssuerMembership.objects.filter(user=user, issuer__require_mfa=True).exists()
    return required and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class StaffAccessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self._refusal(request) or self.get_response(request)

    def _refusal(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff:
            return None  # the admin itself sends these to its sign-in page
        if not request.path_info.startswith(reverse("admin:index")):
            return None
        if request.path_info in (reverse("admin:login"), reverse("admin:logout")):
            return None
        # Superusers are the platform's operators, made on the command line (createsuperuser), not by any web flow
        # that could hand the role to an unproven address; they still sign in only through allauth, which asks for
        # a verified address.
        if not user.is_superuser and not staff_has_verified_primary_address(user=user):
            return render(request, "issuers/staff_refused.html", {"reason": "unverified"}, status=403)
        if staff_lacks_required_authenticator(user=user):
            messages.warning(
                request,
                _("Your institution requires two-factor sign-in: set up an authenticator app to use the admin."),
            )
            return redirect("mfa_activate_totp")
        return None
