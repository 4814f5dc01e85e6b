"""Admin scoping: a staff user sees and changes only their institutions' objects, within their role.

Every institution-owned model admin inherits IssuerScopedAdmin and names the path from its model to the issuer.
The same rule covers list views, change views, actions, autocomplete and raw-id lookups, because Django routes
all of them through get_queryset() and the has_*_permission() methods overridden here. Objects outside the
user's scope answer 404 (Django's default would redirect), and actions on them answer 403.

Two rules close what scoping the rows alone leaves open: a list filter on a relation offers only objects of the
user's institutions (the choices would otherwise name every institution's courses and badges), and a URL lookup
is allowed only on a configured filter path and never on a path that reaches a secret column (a
``?private_key_encrypted__startswith=`` guessed a character at a time would read the column out).
"""

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Model, QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.http import Http404

from .models import Issuer
from .permissions import Capability
from .selectors import issuer_ids_for_user, issuers_for_user

#: Columns that hold a secret or what a secret can be checked against. Lookups may not reach them by any path.
SECRET_FIELDS = frozenset(
    {
        ("auth.user", "password"),
        ("issuers.signingkey", "private_key_encrypted"),
        ("issuers.apikey", "secret_hash"),
        ("authtoken.token", "key"),
        ("mfa.authenticator", "data"),
        ("sessions.session", "session_key"),
        ("sessions.session", "session_data"),
        ("account.emailconfirmation", "key"),
    }
)
# And, for a column added later without being listed above, its name gives it away.
SECRET_NAME_PARTS = ("password", "secret", "encrypted", "token", "private")


def _is_secret(model, field) -> bool:
    label = model._meta.concrete_model._meta.label_lower
    name = field.name.lower()
    return (label, field.name) in SECRET_FIELDS or any(part in name for part in SECRET_NAME_PARTS)


def lookup_fields(model, lookup: str) -> tuple[list[str], bool]:
    """The field names a lookup path walks through from `model`, and whether any of them is a secret column.

    What follows the last field (``exact``, ``startswith``, ``year``...) is a lookup or transform, not a field.
    """
    names: list[str] = []
    for part in lookup.split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            break
        names.append(part)
        if _is_secret(model, field):
            return names, True
        if not field.is_relation or field.related_model is None:
            break
        model = field.related_model
    return names, False


def refuse_secret_lookups_everywhere(site: admin.AdminSite) -> None:
    """Make every admin registered on `site` refuse a URL lookup that reaches a secret column.

    For the admins this project does not write (contrib.auth, allauth, DRF); ours inherit NoSecretLookupsAdmin,
    which is stricter. Each registered instance is wrapped, never a class that other admins share.
    """
    for model_admin in site._registry.values():
        allowed = model_admin.lookup_allowed
        if getattr(allowed, "refuses_secrets", False):
            continue

        def lookup_allowed(lookup, value, request=None, *, _model=model_admin.model, _allowed=allowed):
            return not lookup_fields(_model, lookup)[1] and _allowed(lookup, value, request)

        lookup_allowed.refuses_secrets = True
        model_admin.lookup_allowed = lookup_allowed


class NoSecretLookupsAdmin(admin.ModelAdmin):
    """Allows a URL lookup only on a path the admin offers as a list filter or date hierarchy.

    Django also allows any lookup on the model's own columns, and so a filter by hand-written URL on any of them
    — a column holding a secret included. Here the query string may only do what the filter sidebar does.
    """

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        names, secret = lookup_fields(self.model, lookup)
        if secret:
            return False
        filters = self.get_list_filter(request) if request is not None else self.list_filter
        if any(isinstance(f, type) and getattr(f, "parameter_name", None) == lookup for f in filters):
            return True  # a custom filter's own parameter: the filter decides what it means
        if not names:
            return False
        return self._offered(names, filters) and super().lookup_allowed(lookup, value, request)

    def _offered(self, names: list[str], filters) -> bool:
        offered = []
        for item in filters:
            if isinstance(item, (list, tuple)):
                item = item[0]
            if isinstance(item, str):
                offered.append(item.split(LOOKUP_SEP))
        if self.date_hierarchy:
            offered.append(self.date_hierarchy.split(LOOKUP_SEP))
        for path in offered:
            if names == path:
                return True
            # A relation filter's own parameter names the related row's key: course__id__exact.
            if names[: len(path)] == path and len(names) == len(path) + 1:
                related = lookup_fields_target(self.model, path)
                if related is not None and names[-1] == related._meta.pk.name:
                    return True
        return False


def lookup_fields_target(model, path: list[str]):
    """The model a relation path ends on, or None if it does not end on a relation."""
    for part in path:
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        if not field.is_relation or field.related_model is None:
            return None
        model = field.related_model
    return model


class IssuerScopedRelatedFilter(admin.RelatedFieldListFilter):
    """A 'by <relation>' filter whose choices are only the related objects of the user's institutions."""

    def field_choices(self, field, request, model_admin):
        related = field.related_model
        ids = issuer_ids_for_user(user=request.user, capability=Capability.VIEW)
        if ids is None:
            return super().field_choices(field, request, model_admin)
        if related is Issuer:
            queryset = Issuer.objects.filter(id__in=ids)
        elif _has_field(related, "issuer"):
            queryset = related._default_manager.filter(issuer__in=ids)
        else:
            # Not an institution's object: offer only what the user's own rows point at.
            pks = model_admin.get_queryset(request).values_list(f"{self.field_path}__pk", flat=True)
            queryset = related._default_manager.filter(pk__in=pks)
        ordering = self.field_admin_ordering(field, request, model_admin)
        return [(obj.pk, str(obj)) for obj in queryset.order_by(*ordering) if obj is not None]


class IssuerScopedValuesFilter(admin.AllValuesFieldListFilter):
    """A filter on a column across a relation (``course__title``): Django lists the column's values from every row
    of the related table; here only the values the user's own rows reach."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        scoped = model_admin.get_queryset(request).order_by(field_path).values_list(field_path, flat=True)
        self.lookup_choices = scoped.distinct()


def _has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


class IssuerScopedAdmin(NoSecretLookupsAdmin):
    #: Lookup path from the model to its Issuer ("" for the Issuer model itself).
    issuer_path: str = "issuer"
    #: The capability needed to add, change and delete; None makes the model read-only in the admin.
    edit_capability: Capability | None = Capability.EDIT

    # -- scope -----------------------------------------------------------------------------------------------
    def _issuer_filter(self, ids) -> dict:
        return {f"{self.issuer_path}__in" if self.issuer_path else "id__in": ids}

    def get_list_filter(self, request):
        """Each plain filter that reaches another table becomes a scoped one, so no admin can forget to scope its
        choices."""
        scoped = []
        for item in super().get_list_filter(request):
            if isinstance(item, str):
                if lookup_fields_target(self.model, item.split(LOOKUP_SEP)) is not None:
                    item = (item, IssuerScopedRelatedFilter)
                elif LOOKUP_SEP in item:
                    item = (item, IssuerScopedValuesFilter)
            scoped.append(item)
        return scoped

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


class OwnersOnlyRecordAdmin(IssuerScopedAdmin):
    """Records only owners see and add, never edited or deleted afterwards (invitations, API keys): a record is
    withdrawn by cancelling or revoking it, so the audit trail keeps its subject."""

    edit_capability = Capability.MANAGE

    def get_queryset(self, request) -> QuerySet:
        ids = issuer_ids_for_user(user=request.user, capability=Capability.MANAGE)
        qs = NoSecretLookupsAdmin.get_queryset(self, request).select_related("issuer")
        return qs if ids is None else qs.filter(issuer__in=ids)

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff and self.user_can(request, Capability.MANAGE)

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff and self.user_can(request, Capability.MANAGE, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
