"""Admin for institution API keys: owners add (the secret is shown once, on the page answering the form) and revoke.

Thin: issuers.api_keys creates, revokes and audits. Only owners (Capability.MANAGE) of an institution see its keys
at all; keys are never edited or deleted (revoke instead: the row and its audit trail stay). The secret is never a
field, a message, a log line or a cached page: it exists in the response to the add form and nowhere else.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from .admin_scoping import OwnersOnlyRecordAdmin
from .api_keys import api_key_create, api_key_revoke
from .models import ApiKey
from .permissions import Capability


class ApiKeyAddForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ("issuer", "name", "scope", "expires_at")
        help_texts = {"expires_at": _("Optional. After this moment the key is refused. Leave empty for no expiry.")}

    def clean_name(self):
        name = (self.cleaned_data.get("name") or "").strip()
        if any(c in name for c in "\r\n\x00") or not name.isprintable():
            raise ValidationError(_("The name must be one line of printable text."))
        return name

    def clean_expires_at(self):
        value = self.cleaned_data.get("expires_at")
        if value is not None and value <= timezone.now():
            raise ValidationError(_("The expiry must be in the future."))
        return value


@admin.register(ApiKey)
class ApiKeyAdmin(OwnersOnlyRecordAdmin):
    form = ApiKeyAddForm
    list_display = ("name", "issuer", "prefix", "scope", "state", "created_at", "expires_at", "last_used_at")
    list_filter = ("scope",)
    search_fields = ("name", "prefix")
    readonly_fields = (
        "issuer",
        "name",
        "prefix",
        "scope",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    actions = ["revoke_keys"]

    # -- the add form and the one-time secret ---------------------------------------------------------------
    def get_fields(self, request, obj=None):
        return ("issuer", "name", "scope", "expires_at") if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    @sensitive_variables("created")
    def save_model(self, request, obj, form, change) -> None:
        if change:
            raise PermissionDenied
        data = form.cleaned_data
        try:
            created = api_key_create(
                actor=request.user,
                issuer=data["issuer"],
                name=data["name"],
                scope=data["scope"],
                expires_at=data.get("expires_at"),
            )
        except ValidationError as exc:  # the form checked the same; a race (e.g. the expiry just passed) lands here
            raise PermissionDenied(" ".join(exc.messages)) from None
        obj.pk, obj.prefix = created.key.pk, created.key.prefix
        # Kept on this in-memory instance only until response_add renders it; never saved, never in a message.
        obj._created_secret = created.secret

    def save_related(self, request, form, formsets, change) -> None:
        return  # no relations to save; the service made the row

    def log_addition(self, request, obj, message):
        return None  # the service wrote the audit row (Django's LogEntry would repeat it with less)

    @sensitive_variables("secret")
    def response_add(self, request, obj, post_url_continue=None):
        secret = getattr(obj, "_created_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("API key created"),
            "key": ApiKey.objects.select_related("issuer").get(pk=obj.pk),
            "secret": secret,
        }
        response = TemplateResponse(request, "admin/issuers/apikey/created.html", context)
        add_never_cache_headers(response)
        patch_cache_control(response, no_store=True, private=True)
        return response

    # -- revoke ---------------------------------------------------------------------------------------------
    @admin.display(description=_("state"))
    def state(self, obj: ApiKey) -> str:
        if obj.revoked_at:
            return _("revoked")
        if obj.expires_at and obj.expires_at <= timezone.now():
            return _("expired")
        return _("active")

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Revoke selected API keys (they stop working at once)"))
    def revoke_keys(self, request, queryset):
        self.require(request, Capability.MANAGE, queryset)
        for key in queryset:
            api_key_revoke(actor=request.user, key=key)
        self.message_user(request, _("Keys revoked: calls with them are refused from now on."), messages.WARNING)
