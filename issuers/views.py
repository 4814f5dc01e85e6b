"""Public identity of an institution: its keys and its did:web DID document (its OB 2.0 profile and page are
served by badges.views, which also lists its badges); and the staff's doors: the admin sign-in and the page an
invitation link opens."""

from allauth.account.models import EmailAddress
from allauth.account.views import LoginView
from allauth.core import ratelimit
from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model, password_validation
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from . import public_cache
from .identity_documents import cryptographic_key_document, issuer_did_document
from .invitations import InvitationState, invitation_read_token
from .models import Issuer, KeyAlgorithm, SigningKey
from .negotiation import body_response, json_body, json_response
from .services import InvitationError, invitation_accept_with_new_account
from .services import invitation_accept as invitation_accept_service


def issuer_document_response(request, public_id: str, name: str, build, content_type: str | None = None):
    """An institution's JSON document `name`, built by `build(issuer)` and answered from the public cache that key
    rotation and list changes invalidate. `content_type` None negotiates JSON-LD or JSON per request."""

    def render_document():
        issuer = Issuer.objects.filter(public_id=public_id).first()
        return None if issuer is None else (200, json_body(build(issuer)), content_type or "")

    key = public_cache.issuer_key(public_id, name)
    hit = public_cache.cached(key, render_document)
    if hit is None:
        raise Http404("No such institution.")
    status, body, stored_type = hit
    return body_response(
        body, request=request, status=status, content_type=stored_type or None, cache=public_cache.cache_kind(key)
    )


@require_GET
def issuer_did_json(request, public_id: str):
    """did:web resolution target: <base>/issuers/<id>/did.json."""
    return issuer_document_response(request, public_id, "did", issuer_did_document, "application/did+json")


@require_GET
def issuer_key(request, public_id: str, key_id: str):
    """An RSA key as an OB 2.0 CryptographicKey (verification.creator of signed assertions)."""
    key = (
        SigningKey.objects.select_related("issuer")
        .filter(public_id=key_id, issuer__public_id=public_id, algorithm=KeyAlgorithm.RSA2048)
        .exclude(state="revoked")
        .first()
    )
    if key is None:
        raise Http404("No such key.")
    return json_response(cryptographic_key_document(key), request=request, cache="document")


# -- staff sign-in --------------------------------------------------------------------------------------------------


class StaffLoginView(LoginView):
    """The admin's sign-in page, served by allauth's login view: its rate limits (ACCOUNT_RATE_LIMITS, including the
    lock-out after failed attempts), mandatory e-mail verification and the two-factor step all apply. Mounted as
    admin.site.login in config/urls.py."""

    template_name = "admin/login.html"
    success_url = reverse_lazy("admin:index")

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not (user.is_active and user.is_staff):
            context = {**admin.site.each_context(request), "refused_user": user.get_username()}
            return render(request, self.template_name, context, status=403)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**admin.site.each_context(self.request), **super().get_context_data(**kwargs)}


staff_login = StaffLoginView.as_view()


def staff_password_change(request, extra_context=None):
    """The admin's "change password" link leads to allauth's form, which is rate limited per account (Django's
    admin form is not) and tells the account's verified address."""
    return redirect("account_change_password")


# -- invitations ----------------------------------------------------------------------------------------------------


class NewAccountForm(forms.Form):
    """The first password of the account an invitation creates, checked by the platform's password validators."""

    password1 = forms.CharField(
        label=_("Choose a password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("The same password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            probe = get_user_model()(username=self.email, email=self.email)
            try:
                password_validation.validate_password(first, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


UNUSABLE_STATUS = {InvitationState.INVALID: 404}


def _render(request, mode: str, status: int = 200, **context):
    return render(request, "issuers/invitation.html", {"mode": mode, **context}, status=status)


@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    """The page an invitation link opens. Who may take the role: an account whose address is the invited one and is
    verified (it confirms), or, when no account holds the address verified, the holder of the link (who chooses the
    first password of a new account). Anyone else gets a page that says what to do, never the role."""
    limited = ratelimit.consume_or_429(request, action="accept_invitation")  # POSTs only; ACCOUNT_RATE_LIMITS
    if limited:
        return limited
    reading = invitation_read_token(token)
    invitation = reading.invitation
    if reading.state != InvitationState.PENDING:
        status = UNUSABLE_STATUS.get(reading.state, 410)
        return _render(request, "unusable", status, state=reading.state.value, invitation=invitation)
    context = {"invitation": invitation, "issuer": invitation.issuer}
    user = request.user
    if user.is_authenticated:
        address = EmailAddress.objects.filter(user=user, email__iexact=invitation.email).first()
        if address is None:
            return _render(request, "other_account", 403, **context)
        if not address.verified:
            return _render(request, "verify_first", 403, **context)
        if request.method == "POST":
            try:
                invitation_accept_service(invitation=invitation, user=user)
            except InvitationError as error:
                return _render(request, "unusable", 410, state="used", reason=str(error), **context)
            messages.success(request, _("Welcome to %(issuer)s.") % {"issuer": invitation.issuer.name})
            return redirect("admin:index")
        return _render(request, "confirm", **context)
    if EmailAddress.objects.filter(email__iexact=invitation.email, verified=True).exists():
        sign_in = f"{reverse('admin:login')}?{urlencode({'next': request.path})}"
        return _render(request, "sign_in", sign_in_url=sign_in, **context)
    form = NewAccountForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            invitation_accept_with_new_account(invitation=invitation, password=form.cleaned_data["password1"])
        except InvitationError as error:
            return _render(request, "unusable", 410, state="used", reason=str(error), **context)
        messages.success(request, _("Your account is ready: sign in with your e-mail address and new password."))
        return redirect("admin:login")
    return _render(request, "new_account", form=form, **context)
