"""The back office's admin site: Django's, with the fund's titles and the one administrator rule."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import reverse

from alignment_fund.access import is_administrator, second_factor_missing


class BackOffice(admin.AdminSite):
    site_header = "Alignment Fund back office"
    site_title = "Alignment Fund back office"
    index_title = "Record and review the fund's money, awards and rates"

    def has_permission(self, request) -> bool:
        return is_administrator(request.user)

    def login(self, request, extra_context=None):
        # A staff member who signed in with their password but owes the second factor gives it first.
        if second_factor_missing(request.user):
            from django.contrib.auth.views import redirect_to_login  # not at import: this module loads with the apps

            return redirect_to_login(request.GET.get("next", self.index_url()), reverse("two_factor"))
        return super().login(request, extra_context)

    def index_url(self) -> str:
        return reverse("admin:index", current_app=self.name)


class BackOfficeConfig(AdminConfig):
    default_site = "alignment_fund.back_office.BackOffice"
