"""The back office's funders and their contacts: who gives, in which currency, whether their amounts are disclosed,
and what each has pledged (summed per currency, never across)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.contrib import admin
from django.db import models
from django.db.models import Sum
from django.urls import reverse
from django.utils.html import format_html
from djmoney.money import Money

from alignment_fund.admin import HistoryAdmin, PreparedPageMixin, ReadOnlyTabularInline, money_display
from alignment_fund.templatetags.money import format_money
from funders.models import Funder, FunderContact, Pledge

_NOT_PREPARED = object()


def per_currency(amounts) -> str:
    """Amounts of several currencies side by side, never added together: "$7,500,000.00 + £1,000.00"."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for value in amounts:
        totals[value.currency.code] += value.amount
    return " + ".join(format_money(v, c) for c, v in sorted(totals.items())) or "—"


class FunderContactInline(admin.TabularInline):
    model = FunderContact
    extra = 0
    autocomplete_fields = ["user"]


class FunderPledgeInline(ReadOnlyTabularInline):
    model = Pledge
    fields = ("reference", "amount_shown", "pledged_on", "restriction", "illustrative")
    readonly_fields = fields
    amount_shown = money_display("amount", "amount")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("restricted_to_round", "restricted_to_area")


@admin.register(Funder)
class FunderAdmin(PreparedPageMixin, HistoryAdmin):
    list_display = (
        "name",
        "kind",
        "country",
        "currency",
        "pledged",
        "disclose_amounts",
        "publicly_named",
        "gives_compute",
        "administered_by",
        "statement",
    )
    list_filter = ("kind", "currency", "disclose_amounts", "publicly_named", "gives_compute", "country")
    search_fields = ("name", "slug", "org_id", "administered_by")
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "country", "org_id", "website", "currency", "administered_by")}),
        ("Disclosure", {"fields": ("disclose_amounts", "publicly_named")}),
        (None, {"fields": ("gives_compute", "notes")}),
    )
    inlines = [FunderContactInline, FunderPledgeInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def prepare_page(self, request, funders: list[Funder]) -> None:
        """Each funder's pledges added up per currency in the database, one query for the page (a funder may have
        pledged a thousand times)."""
        totals: dict[int, list[Money]] = defaultdict(list)
        rows = Pledge.objects.filter(funder__in=funders).values_list("funder_id", "amount_currency")
        for funder_id, currency, amount in rows.annotate(total=Sum("amount")).order_by():
            totals[funder_id].append(Money(amount, currency))
        for funder in funders:
            funder.pledged_totals = totals.get(funder.pk, [])

    @admin.display(description="Statement")
    def statement(self, funder: Funder) -> str:
        url = reverse("grants:funder_statement_page", args=[funder.pk])
        return format_html('<a href="{}">By period</a>', url)

    @admin.display(description="pledged")
    def pledged(self, funder: Funder) -> str:
        if not hasattr(funder, "pledged_totals"):
            return per_currency(p.amount for p in funder.pledges.all())
        return per_currency(funder.pledged_totals)


@admin.register(FunderContact)
class FunderContactAdmin(HistoryAdmin):
    list_display = ("user", "funder", "job_title")
    list_filter = ("funder",)
    search_fields = ("user__username", "user__display_name", "user__email", "funder__name", "job_title")
    list_select_related = ("user", "funder")
    autocomplete_fields = ["user", "funder"]


# Pledges, receipts and conversions: added through the operations, append-only afterwards
