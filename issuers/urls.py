"""Staff pages of the issuers app outside the admin: the page an invitation link opens."""

from django.urls import path

from . import views

urlpatterns = [
    path("<str:token>/", views.invitation_accept, name="invitation-accept"),
]
