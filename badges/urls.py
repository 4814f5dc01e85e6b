"""Public URLs of badge documents and pages (see badges/public_urls.py and issuers/public_urls.py)."""

from django.urls import path

from issuers import views as issuer_views

from . import views

urlpatterns = [
    path("issuers/<str:public_id>", views.issuer_profile, name="issuer"),
    path("issuers/<str:public_id>/did.json", issuer_views.issuer_did_json, name="issuer-did"),
    path("issuers/<str:public_id>/keys/<str:key_id>", issuer_views.issuer_key, name="issuer-key"),
    path("issuers/<str:public_id>/revocations", views.revocation_list, name="issuer-revocations"),
    path("issuers/<str:public_id>/status/<str:purpose>", views.status_list, name="issuer-status-list"),
    path("badges/<str:public_id>", views.badge_class, name="badge-class"),
    path("badges/<str:public_id>/image", views.badge_class_image, name="badge-class-image"),
    path("assertions/<str:public_id>", views.assertion, name="assertion"),
    path("assertions/<str:public_id>/<str:filename>", views.award_download, name="award-download"),
]
