"""Admin scoping: a staff user sees and changes only their institutions' objects, within their role.

Every institution-owned model admin inherits IssuerScopedAdmin and names the path from its model to the issuer.
The same rule covers list views, change views, actions, autocomplete and raw-id lookups, because Django routes
all of them through get_queryset() and the has_*_permission() methods overridden here. Objects outside the
user's scope answer 404 (Django's default would redirect), and actions on them answer 403.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404

from .models import Issuer
from .permissions import Capability
from .selectors import issuer_ids_for_user, issuers_for_user


class IssuerScopedAdmin(admin.ModelAdmin):
    #: Lookup path from the model to its Issuer ("" for the Issuer model itself).
    issuer_path: str = "issuer"
    #: The capability needed to add, change and delete; None makes the model read-only in the admin.
    edit_capability: Capability | None = Capability.EDIT

    # -- scope -----------------------------------------------------------------------------------------------
    def _issuer_filter(self, ids) -> dict:
        return {f"{self.issuer_path}__in" if self.issuer_path else "id__in": ids}

    def get_queryset(self, request) -> QuerySet:
        qs = super().get_queryset(request)
        ids = issuer_ids_for_user(user=request.user, capability=Capability.VIEW)
        return qs if ids is None else qs.filter(**self._issuer_filter(ids))

    def issuer_of(self, obj: Model) -> Issuer:
        if not self.issuer_path:
            return obj
        target = obj
        for part in self.issuer_path.split("__"):
            target = getattr(target, part)
        return target

    def user_can(self, request, capability: Capability | None, obj: Model | None = None) -> bool:
        if capability is None:
            return False
        ids = issuer_ids_for_user(user=request.user, capability=capability)
        if ids is None:
            return True
        if obj is None:
            return bool(ids)
        return self.issuer_of(obj).id in ids

    def require(self, request, capability: Capability, queryset: QuerySet) -> None:
        """Refuse an action unless the user has `capability` on every selected object's issuer."""
        ids = issuer_ids_for_user(user=request.user, capability=capability)
        if ids is not None and queryset.exclude(**self._issuer_filter(ids)).exists():
            raise PermissionDenied("Your role does not allow this on one or more of the selected items.")

    # -- permissions -----------------------------------------------------------------------------------------
    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff and self.user_can(request, Capability.VIEW)

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff and self.user_can(request, Capability.VIEW, obj)

    def has_add_permission(self, request) -> bool:
        return request.user.is_staff and self.user_can(request, self.edit_capability)

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_staff and self.user_can(request, self.edit_capability, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_staff and self.user_can(request, self.edit_capability, obj)

    # -- forms -----------------------------------------------------------------------------------------------
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """Offer only the issuers (and their objects) on which the user may edit."""
        capability = self.edit_capability or Capability.VIEW
        related = db_field.related_model
        if related is Issuer:
            kwargs["queryset"] = issuers_for_user(user=request.user, capability=capability)
        elif hasattr(related, "issuer"):
            ids = issuer_ids_for_user(user=request.user, capability=capability)
            if ids is not None:
                kwargs["queryset"] = related._default_manager.filter(issuer__in=ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        if not self.user_can(request, self.edit_capability, obj):
            raise PermissionDenied
        super().save_model(request, obj, form, change)

    # -- out-of-scope objects --------------------------------------------------------------------------------
    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django redirects to the index for an unknown id; an object of another institution must look absent.
        raise Http404("No such object.")

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and "action" in request.POST:
            selected = request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)
            if selected:
                if not all(s.isdigit() for s in selected):
                    raise PermissionDenied("The selection is not valid.")
                visible = self.get_queryset(request).filter(pk__in=selected).count()
                if visible != len(set(selected)):
                    raise PermissionDenied("One or more of the selected items are not yours to act on.")
        return super().changelist_view(request, extra_context)
