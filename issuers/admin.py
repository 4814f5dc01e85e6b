"""Admin for institutions, their members, their (public) keys and the audit trail. Thin: writes go to services."""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from badges.openbadges.ob3.domain_linkage import WELL_KNOWN_PATH

from .admin_scoping import IssuerScopedAdmin, OwnersOnlyRecordAdmin
from .invitations import invitation_state
from .models import AuditEvent, Invitation, Issuer, IssuerMembership, KeyAlgorithm, SigningKey
from .permissions import Capability
from .services import (
    DID_CONFIGURATION_VALIDITY,
    DidConfigurationError,
    InvitationError,
    invitation_cancel,
    invitation_create,
    invitation_problem,
    invitation_resend,
    issuer_create,
    issuer_did_configuration_create,
    issuer_website_origin,
    membership_remove,
    membership_role_set,
    signing_key_revoke,
    signing_key_rotate,
)


class PublicKeyInline(admin.TabularInline):
    """Shows only the public half and state of each key; the encrypted private key is never a field here."""

    model = SigningKey
    fields = ("public_id", "algorithm", "state", "created_at", "retired_at", "revoked_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Issuer)
class IssuerAdmin(IssuerScopedAdmin):
    issuer_path = ""
    edit_capability = Capability.MANAGE
    list_display = ("name", "slug", "url", "email")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("public_id", "created_at")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "slug",
                    "url",
                    "email",
                    "description",
                    # No "image": the logo is not yet used in any document or page, and an upload nobody checks or
                    # serves is only a place to put files (its link under /media/ was a 404). It returns with
                    # content checks when used.
                    "awards_public_by_default",
                    "require_mfa",
                    "public_id",
                )
            },
        ),
        (_("Identity"), {"fields": ("linkedin_organization_id",)}),
    )
    inlines = [PublicKeyInline]
    actions = ["rotate_keys"]
    change_form_template = "admin/issuers/issuer/change_form.html"

    def get_urls(self):
        return [
            path(
                "<path:object_id>/did-configuration/",
                self.admin_site.admin_view(self.did_configuration_view),
                name="issuers_issuer_did_configuration",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra = {"can_link_domain": obj is not None and self.user_can(request, Capability.MANAGE, obj)}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def did_configuration_view(self, request, object_id):
        """Owners download the DID configuration their website publishes to confirm its domain (decision 0022).
        GET explains; POST signs a fresh one (audited) and sends it as a file."""
        issuer = self.get_object(request, object_id) if object_id.isdigit() else None
        if issuer is None:
            raise Http404("No such institution.")
        if not self.user_can(request, Capability.MANAGE, issuer):
            raise PermissionDenied
        problem = None
        try:
            origin = issuer_website_origin(issuer=issuer)
        except DidConfigurationError as exc:
            origin, problem = None, str(exc)
        if request.method == "POST" and origin is not None:
            resource = issuer_did_configuration_create(actor=request.user, issuer=issuer)
            response = HttpResponse(json.dumps(resource, indent=2) + "\n", content_type="application/json")
            response["Content-Disposition"] = 'attachment; filename="did-configuration.json"'
            return response
        context = {
            **self.admin_site.each_context(request),
            "title": _("Confirm your website's domain"),
            "issuer": issuer,
            "opts": self.opts,
            "original": issuer,
            "origin": origin,
            "publish_url": f"{origin}{WELL_KNOWN_PATH}" if origin else None,
            "problem": problem,
            "validity_days": DID_CONFIGURATION_VALIDITY.days,
        }
        return TemplateResponse(request, "admin/issuers/issuer/did_configuration.html", context)

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser  # institutions are created by the platform's operators

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # badges stay verifiable only while their issuer exists

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = {f: form.cleaned_data[f] for f in ("name", "slug", "url", "email", "description")}
        created = issuer_create(
            actor=request.user,
            **data,
            awards_public_by_default=form.cleaned_data["awards_public_by_default"],
            require_mfa=form.cleaned_data["require_mfa"],
            linkedin_organization_id=form.cleaned_data.get("linkedin_organization_id", ""),
        )
        obj.pk, obj.public_id = created.pk, created.public_id

    @admin.action(description=_("Rotate signing keys (old keys stay published)"))
    def rotate_keys(self, request, queryset):
        self.require(request, Capability.MANAGE, queryset)
        for issuer in queryset:
            for algorithm in KeyAlgorithm.values:
                signing_key_rotate(actor=request.user, issuer=issuer, algorithm=algorithm)
        self.message_user(request, _("New keys sign from now on; earlier badges still verify."), messages.SUCCESS)


@admin.register(IssuerMembership)
class IssuerMembershipAdmin(IssuerScopedAdmin):
    """Members and their roles. A member is added only by invitation: "Add" leads to the invitation form."""

    edit_capability = Capability.MANAGE
    list_display = ("user", "issuer", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "user__username", "issuer__name")
    fields = ("user", "issuer", "role")
    readonly_fields = ("user", "issuer")

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return redirect("admin:issuers_invitation_add")

    def save_model(self, request, obj, form, change) -> None:
        if not change or not self.user_can(request, Capability.MANAGE, obj):
            raise PermissionDenied
        membership_role_set(actor=request.user, membership=obj, role=obj.role)

    def delete_model(self, request, obj) -> None:
        membership_remove(actor=request.user, membership=obj)

    def delete_queryset(self, request, queryset) -> None:
        with transaction.atomic():
            for membership in queryset:
                membership_remove(actor=request.user, membership=membership)


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ("issuer", "email", "role")

    def clean(self):
        data = super().clean()
        if data.get("issuer") and data.get("email"):
            problem = invitation_problem(issuer=data["issuer"], email=data["email"])
            if problem:
                self.add_error("email", problem)
        return data


@admin.register(Invitation)
class InvitationAdmin(OwnersOnlyRecordAdmin):
    """Owners invite people by e-mail, and see, resend and cancel their institutions' invitations. The link itself
    is never shown here: it goes only to the invited address."""

    form = InvitationForm
    list_display = ("email", "issuer", "role", "status", "created_at", "expires_at", "invited_by", "accepted_by")
    list_filter = ("role",)
    search_fields = ("email", "issuer__name")
    actions = ["resend_invitations", "cancel_invitations"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("invited_by", "accepted_by")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("issuer", "email", "role")
        return (
            "issuer",
            "email",
            "role",
            "status",
            "invited_by",
            "created_at",
            "expires_at",
            "accepted_by",
            "accepted_at",
            "cancelled_at",
        )

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.get_fields(request, obj)

    # The states are code values (issuers.invitations); the list shows them in the viewer's language.
    STATE_LABELS = {
        "pending": _("waiting"),
        "invalid": _("invalid"),
        "expired": _("expired"),
        "cancelled": _("cancelled"),
        "used": _("accepted"),
    }

    @admin.display(description=_("status"))
    def status(self, obj) -> str:
        state = invitation_state(obj).value
        return self.STATE_LABELS.get(state, state)

    def save_model(self, request, obj, form, change) -> None:
        if change or not self.user_can(request, Capability.MANAGE, obj):
            raise PermissionDenied
        try:
            created = invitation_create(actor=request.user, issuer=obj.issuer, email=obj.email, role=obj.role)
        except InvitationError as error:  # raced with another owner between the form and the save
            raise PermissionDenied(str(error)) from error
        obj.pk, obj.public_id = created.pk, created.public_id

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(request, _("Invitation e-mailed to %(email)s.") % {"email": obj.email}, messages.SUCCESS)
        return redirect("admin:issuers_invitation_changelist")

    @admin.action(description=_("Send again (with a fresh expiry)"))
    def resend_invitations(self, request, queryset):
        self.require(request, Capability.MANAGE, queryset)
        sent, skipped = 0, 0
        for invitation in queryset:
            try:
                invitation_resend(actor=request.user, invitation=invitation)
                sent += 1
            except InvitationError:
                skipped += 1
        self.message_user(
            request,
            _("%(sent)d sent again, %(skipped)d already used or cancelled.") % {"sent": sent, "skipped": skipped},
            messages.SUCCESS if not skipped else messages.WARNING,
        )

    @admin.action(description=_("Cancel (their links stop working)"))
    def cancel_invitations(self, request, queryset):
        self.require(request, Capability.MANAGE, queryset)
        for invitation in queryset:
            invitation_cancel(actor=request.user, invitation=invitation)
        self.message_user(request, _("Invitations cancelled."), messages.SUCCESS)


@admin.register(SigningKey)
class SigningKeyAdmin(IssuerScopedAdmin):
    """Public facts about keys. There is no field, column or export that reads the private key."""

    edit_capability = None
    fields = ("issuer", "public_id", "algorithm", "state", "public_key_pem", "created_at", "retired_at")
    readonly_fields = fields
    list_display = ("public_id", "issuer", "algorithm", "state", "created_at")
    list_filter = ("algorithm", "state")
    actions = ["revoke_compromised"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.user_can(request, Capability.MANAGE):
            actions.pop("revoke_compromised", None)
        return actions

    @admin.action(description=_("Revoke as compromised (its badges will stop verifying)"))
    def revoke_compromised(self, request, queryset):
        self.require(request, Capability.MANAGE, queryset)
        for key in queryset:
            signing_key_revoke(actor=request.user, key=key, reason="compromised (admin action)")
        self.message_user(request, _("Keys revoked; new keys were created where needed."), messages.WARNING)


@admin.register(AuditEvent)
class AuditEventAdmin(IssuerScopedAdmin):
    edit_capability = None
    list_display = ("created_at", "actor", "issuer", "action", "target_type", "target_id")
    list_filter = ("action",)
    search_fields = ("target_id", "action")
    readonly_fields = ("created_at", "actor", "issuer", "action", "target_type", "target_id", "details")
    fields = readonly_fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "issuer")


# Admins kept in their own modules, registered by importing them here.
from . import admin_api_keys, admin_authenticators  # noqa: E402, F401  (API keys; authenticators without secrets)
