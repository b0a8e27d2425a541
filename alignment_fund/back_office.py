"""The back office's admin site: Django's, with the fund's titles and the one administrator rule."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

from alignment_fund.access import is_administrator


class BackOffice(admin.AdminSite):
    site_header = "Alignment Fund back office"
    site_title = "Alignment Fund back office"
    index_title = "Record and review the fund's money, awards and rates"

    def has_permission(self, request) -> bool:
        return is_administrator(request.user)


class BackOfficeConfig(AdminConfig):
    default_site = "alignment_fund.back_office.BackOffice"
