"""REST API of badges: verification of any badge, and of each badge issued here; renewal by its institution."""

from django.urls import path

from . import batch, views

urlpatterns = [
    path("verify", views.VerifyView.as_view(), name="api-verify"),
    path("verify/batch", batch.BatchVerifyView.as_view(), name="api-verify-batch"),
    path("awards/<str:public_id>/verify", views.AwardVerifyView.as_view(), name="api-award-verify"),
    path("awards/<str:public_id>/renew", views.AwardRenewView.as_view(), name="api-award-renew"),
]
