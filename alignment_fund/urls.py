"""The root URLconf: with the settings, the only module that wires every app together."""

from django.contrib import admin
from django.urls import include, path

from alignment_fund import two_factor, views
from alignment_fund.notifications import views as notifications
from grants import urls as pages

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/two-factor/", two_factor.verify, name="two_factor"),
    path("accounts/two-factor/setup/", two_factor.setup, name="two_factor_setup"),
    path("accounts/notifications/", notifications.preferences, name="notification_preferences"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("portfolio/", include((pages.administrators, "grants"))),
    path("funder/", include((pages.funders, "funder"))),
    path("awards/", include((pages.researchers, "researcher"))),
    path("api/", include("alignment_fund.api_urls")),
]

handler404 = views.not_found
