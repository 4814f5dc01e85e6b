"""Learner pages: the backpack and sharing settings (accounts themselves are allauth's, under accounts/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("backpack/", views.backpack, name="backpack"),
    path("backpack/<str:public_id>/visibility", views.award_visibility, name="award-visibility"),
]
