"""URL roots: the institution admin, the public badge pages and documents, and the REST API."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from badges.admin_dashboard import dashboard_view
from issuers.views import staff_login, staff_password_change

admin.site.site_header = _("Laurel — institution admin")
admin.site.site_title = _("Laurel admin")
admin.site.index_title = _("Courses and badges")
# Staff sign in through allauth (rate limits, lock-out, verified address, two-factor): issuers.views.StaffLoginView.
# Django's own password views (django.contrib.auth.urls) are not mounted: they had none of those protections.
admin.site.login = staff_login
admin.site.password_change = staff_password_change

urlpatterns = [
    # The institution's dashboard (badges/admin_dashboard.py), behind the admin's own door.
    path("admin/dashboard/", admin.site.admin_view(dashboard_view), name="admin-dashboard"),
    path("admin/", admin.site.urls),
    path("invitations/", include("issuers.urls")),
    path("api/v1/", include("config.api_urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("learners.urls")),
    path("", include("badges.verification.urls")),
    path("", include("badges.wallets.urls")),
    path("", include("badges.urls")),
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
]
