"""The back office: the site's titles, the user admin, and the pieces every app's admin shares.

Money in the admin follows two rules. Amounts are shown with their currency (`money_display`), never as bare
numbers. And money is written only through `grants.actions`: add forms call the operation (see
`grants.forms.awards_admin.ActionForm`), posted amounts are read-only afterwards, and the ledger cannot be touched at all.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from alignment_fund.models import IdempotencyRecord
from alignment_fund.templatetags.money import money


def money_display(field: str, description: str, *, ordering: str | None = None):
    """A list or read-only column showing a MoneyField as £1,234.56 or $1,234.56: never a bare number."""

    @admin.display(description=description, ordering=ordering or field)
    def column(self, obj):
        value = getattr(obj, field)
        return "—" if value is None else money(value)

    column.__name__ = f"{field}_shown"
    return column


class PreparedChangeList(ChangeList):
    """A changelist that lets its ModelAdmin compute per-page values (rates, totals) in one go, once the page of
    results is fetched: a rate book loaded per page instead of a query per row. The values go on the objects of
    this request's page, so nothing is shared between requests."""

    def get_results(self, request):
        super().get_results(request)
        self.model_admin.prepare_page(request, list(self.result_list))


class PreparedPageMixin:
    def get_changelist(self, request, **kwargs):
        return PreparedChangeList

    def prepare_page(self, request, objects: list) -> None:
        raise NotImplementedError


class ReadOnlyAdmin(admin.ModelAdmin):
    """For what nobody may add, change or delete through the admin, superusers included: the ledger, the fixed
    attribution of awards, the summary snapshots. Correction is by reversing entry, through the operations."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyTabularInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class LongListAdmin(admin.ModelAdmin):
    """For lists of tens or hundreds of thousands of rows (awards, the ledger): 50 rows a page like the app's own
    lists (Django's 100 doubles the time spent rendering one), no second COUNT of the whole table beside the
    filtered one, and a date drill-down that does not scan for the years (`admin_dates`)."""

    list_per_page = 50
    show_full_result_count = False
    change_list_template = "admin/change_list_long.html"

    def action_checkbox(self, obj):
        # Django's own checkbox, written directly: Django renders a form widget's template for it on every row, which
        # took a third of the time of rendering a page of 50 awards.
        label = format_html(_("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            ACTION_CHECKBOX_NAME,
            obj.pk,
            label,
        )


def distinct_values_filter(field_path: str, model, column: str, title: str):
    """A list filter on `field_path` offering the distinct values of `model`'s indexed `column`, found by skipping
    through its index one value at a time (a recursive query: a few lookups per value) instead of Django's
    SELECT DISTINCT over every row. It offers every value the table holds, so one may match nothing in the list."""
    table = model._meta.db_table

    class DistinctValuesFilter(admin.SimpleListFilter):
        parameter_name = field_path

        def lookups(self, request, model_admin):
            with connection.cursor() as cursor:
                cursor.execute(
                    f"WITH RECURSIVE v(value) AS (SELECT min({column}) FROM {table} "  # noqa: S608 (our own names)
                    f"UNION ALL SELECT (SELECT min({column}) FROM {table} WHERE {column} > v.value) FROM v "
                    "WHERE v.value IS NOT NULL) SELECT value FROM v WHERE value IS NOT NULL"
                )
                return [(value, value) for (value,) in cursor.fetchall()]

        def queryset(self, request, queryset):
            return queryset.filter(**{field_path: self.value()}) if self.value() else queryset

    DistinctValuesFilter.title = title
    return DistinctValuesFilter


class ActionAdminMixin:
    """For records that are money: added through an operation of `grants.actions`, append-only afterwards.

    `add_form` is a `grants.forms.awards_admin.ActionForm`: it saves during validation, so `save_model` has nothing to do on
    add. After creation `change_fields` are shown and `posted_fields` among them are read-only; nothing is deleted.
    """

    add_form = None
    add_fields: tuple[str, ...] = ()
    change_fields: tuple[str, ...] = ()
    posted_fields: tuple[str, ...] = ()

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else self.change_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.posted_fields

    def get_inlines(self, request, obj):
        # No inlines on the add page: the operation has already saved when the form validates, and an invalid inline
        # would then leave it written while the page shows errors.
        return [] if obj is None else super().get_inlines(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            form = type(form.__name__, (form,), {"actor": request.user})
        return form

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    """What the API answered to each Idempotency-Key: read-only, for tracing a client's retries."""

    list_display = ("created_at", "user", "method", "path", "key", "response_status")
    list_filter = ("method", "response_status")
    search_fields = ("key", "path", "user__username")
    date_hierarchy = "created_at"
    list_select_related = ("user",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class HistoryAdmin(SimpleHistoryAdmin):
    """A record's back-office page with its history (django-simple-history): the list of changes, who made each and
    when, and each past version shown read-only on a plain page. simple-history's own version page is an edit form
    that would save a past version back (bypassing the fund's operations); here it only shows the values."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        opts = self.model._meta
        version = get_object_or_404(self.model.history.model, **{opts.pk.attname: object_id, "history_id": version_id})
        if not self.has_view_or_change_permission(request, version.instance):
            raise PermissionDenied
        kept = {f.attname for f in version._meta.concrete_fields}  # excluded fields (a password hash) are not kept
        fields = [(f.verbose_name, getattr(version, f.attname)) for f in opts.concrete_fields if f.attname in kept]
        context = {
            **self.admin_site.each_context(request),
            "title": f"{opts.verbose_name.capitalize()} #{object_id} as of {version.history_date:%d %b %Y %H:%M}",
            "opts": opts,
            "version": version,
            "fields": fields,
            "history_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[object_id]),
        }
        return TemplateResponse(request, "admin/history_version.html", context)
