"""Admin for learners: staff see the learners of their institutions' courses, by their institutions' own names
for them (another institution's name never shows); only superusers edit them."""

from django.contrib import admin
from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from issuers.admin_scoping import NoSecretLookupsAdmin
from issuers.permissions import Capability
from issuers.selectors import issuer_ids_for_user

from .models import Learner, LearnerName


@admin.register(Learner)
class LearnerAdmin(NoSecretLookupsAdmin):
    list_display = ("email", "names_here", "created_at")
    search_fields = ("email",)  # names: get_search_results, within the viewer's institutions only
    fields = ("email", "names_here", "user", "created_at")
    readonly_fields = ("names_here", "user", "created_at")

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        ids = issuer_ids_for_user(user=request.user, capability=Capability.VIEW)
        names = LearnerName.objects.select_related("issuer").order_by("issuer__name")
        if ids is not None:
            qs = qs.filter(Q(enrolments__course__issuer__in=ids) | Q(awards__issuer__in=ids)).distinct()
            names = names.filter(issuer__in=ids)
        return qs.prefetch_related(Prefetch("names", queryset=names, to_attr="visible_names"))

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            ids = issuer_ids_for_user(user=request.user, capability=Capability.VIEW)
            named = LearnerName.objects.filter(name__icontains=term)
            if ids is not None:
                named = named.filter(issuer__in=ids)
            results = results | queryset.filter(pk__in=named.values("learner_id"))
            may_have_duplicates = True
        return results, may_have_duplicates

    @admin.display(description=_("name"))
    def names_here(self, obj) -> str:
        """The names the viewer's institutions gave the learner (one, usually)."""
        names = getattr(obj, "visible_names", None)
        if names is None:
            return "—"
        return "; ".join(dict.fromkeys(n.name for n in names)) or "—"

    def has_module_permission(self, request):
        ids = issuer_ids_for_user(user=request.user, capability=Capability.VIEW)
        return request.user.is_staff and (ids is None or bool(ids))

    def has_view_permission(self, request, obj=None):
        if not self.has_module_permission(request):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False  # learners hold badges; deleting one would orphan them

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404("No such learner.")
