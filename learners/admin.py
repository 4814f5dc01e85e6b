"""Admin for learners: staff see the learners of their institutions' courses; only superusers edit them."""

from django.contrib import admin
from django.db.models import Q
from django.http import Http404

from issuers.permissions import Capability
from issuers.selectors import issuer_ids_for_user

from .models import Learner


@admin.register(Learner)
class LearnerAdmin(admin.ModelAdmin):
    list_display = ("email", "name", "created_at")
    search_fields = ("email", "name")
    readonly_fields = ("user", "created_at")

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        ids = issuer_ids_for_user(user=request.user, capability=Capability.VIEW)
        if ids is None:
            return qs
        return qs.filter(Q(enrolments__course__issuer__in=ids) | Q(awards__issuer__in=ids)).distinct()

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
