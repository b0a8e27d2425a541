from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("portfolio/", include("grants.urls")),
    path("funder/", include("funders.urls")),
    path("awards/", include("projects.urls")),
    path("api/", include("alignment_fund.api_urls")),
]
