from __future__ import annotations

from decimal import Decimal

from django.contrib import admin
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.html import format_html

from alignment_fund.admin import (
    ActionAdminMixin,
    HistoryAdmin,
    PreparedPageMixin,
    ReadOnlyTabularInline,
    money_display,
)
from alignment_fund.money import BASE_CURRENCY, REPORTING_CURRENCIES
from alignment_fund.rates.models import ExchangeRate, QuotedRate, RateBook, RateUnavailable
from alignment_fund.spreadsheets.admin import SpreadsheetImportMixin
from alignment_fund.templatetags.money import format_money, money, rate
from funders.models import Conversion, Pledge, PledgeInstalment, Receipt
from grants.admin.corrections import ReversibleAdminMixin
from grants.admin.funder_directory import per_currency
from grants.forms.funders_admin import ConversionAddForm, InstalmentInlineForm, PledgeAddForm, ReceiptAddForm
from grants.imports.pledges import COLUMNS as PLEDGE_COLUMNS
from grants.imports.pledges import import_pledges

_NOT_PREPARED = object()


def _stale_note(quote: QuotedRate, on) -> str:
    return " (stale: no fresher rate was published)" if quote.is_stale(on) else ""


def _quote_or_none(book_or_queryset, currency: str, on) -> QuotedRate | None:
    try:
        return book_or_queryset.quote(currency, BASE_CURRENCY, on)
    except RateUnavailable:
        return None


# Funders and their contacts


class PledgeReceiptInline(ReadOnlyTabularInline):
    model = Receipt
    fields = ("received_on", "amount_shown", "bank_reference", "recorded_by")
    readonly_fields = fields
    amount_shown = money_display("amount", "amount")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by", "pledge__funder")


class PledgeInstalmentInline(ReadOnlyTabularInline):
    model = PledgeInstalment
    fields = ("expected_on", "amount_shown")
    readonly_fields = fields
    show_change_link = False
    amount_shown = money_display("amount", "amount")


class PledgeInstalmentAddInline(admin.TabularInline):
    """Expected instalments, entered with the pledge and recorded by its operation (see PledgeAddForm)."""

    model = PledgeInstalment
    form = InstalmentInlineForm
    extra = 4
    max_num = 24
    can_delete = False
    verbose_name_plural = "expected instalments (optional; they must add up to the pledge)"


@admin.register(Pledge)
class PledgeAdmin(SpreadsheetImportMixin, ActionAdminMixin, PreparedPageMixin, ReversibleAdminMixin, HistoryAdmin):
    spreadsheet_import = staticmethod(import_pledges)
    spreadsheet_columns = PLEDGE_COLUMNS
    add_form = PledgeAddForm
    add_fields = PledgeAddForm._meta.fields
    change_fields = (
        "reference",
        "funder",
        "amount_shown",
        "pledged_on",
        "gbp_value",
        "received",
        "restricted_to_round",
        "restricted_to_area",
        "compute_only",
        "illustrative",
        "note",
        "recorded_by",
        "created_at",
        "record_receipt",
        "reversal",
    )
    # Restrictions stay fixed too: awards already made were attributed on the strength of them.
    posted_fields = tuple(f for f in change_fields if f not in {"illustrative", "note"})

    list_display = (
        "reference",
        "funder",
        "amount_shown",
        "pledged_on",
        "gbp_value",
        "received",
        "restriction",
        "illustrative",
        "reversal",
    )
    list_filter = ("funder", "amount_currency", "compute_only", "illustrative", "restricted_to_round")
    search_fields = ("reference", "funder__name", "note")
    date_hierarchy = "pledged_on"
    list_select_related = ("funder", "restricted_to_round", "restricted_to_area", "reversed_by")
    inlines = [PledgeInstalmentInline, PledgeReceiptInline]

    amount_shown = money_display("amount", "amount")

    def get_inlines(self, request, obj):
        # Unlike other money records, the add page has an inline: the operation itself reads and saves it.
        return [PledgeInstalmentAddInline] if obj is None else super().get_inlines(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None and request.method == "POST":
            form = type(form.__name__, (form,), {"instalment_data": request.POST})
        return form

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if "data" in kwargs and f"{prefix}-TOTAL_FORMS" not in kwargs["data"]:
            # Posted without the inline (a script, an old page): no instalments, rather than an error shown after
            # the operation has already recorded the pledge.
            data = kwargs["data"].copy()
            data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
            kwargs["data"] = data
        return kwargs

    def save_formset(self, request, form, formset, change):
        if formset.model is PledgeInstalment:
            # Recorded by the pledge operation with the pledge; the admin's change message reads these.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            return
        super().save_formset(request, form, formset, change)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(Prefetch("receipts", queryset=Receipt.objects.order_by()))

    def prepare_page(self, request, pledges: list[Pledge]) -> None:
        """Each pledge's rate to pounds on its pledge date, from one rate book loaded for the whole page."""
        if not pledges:
            return
        book = RateBook.load(
            {p.amount_currency for p in pledges} | set(REPORTING_CURRENCIES),
            since=min(p.pledged_on for p in pledges),
            until=max(p.pledged_on for p in pledges),
        )
        for pledge in pledges:
            pledge.gbp_quote = _quote_or_none(book, pledge.amount_currency, pledge.pledged_on)

    @admin.display(description="GBP value at pledge date")
    def gbp_value(self, pledge: Pledge) -> str:
        if pledge.amount_currency == BASE_CURRENCY:
            return f"{money(pledge.amount)} (in pounds)"
        quote = getattr(pledge, "gbp_quote", _NOT_PREPARED)
        if quote is _NOT_PREPARED:  # the change page: one pledge, one look-up
            quote = _quote_or_none(ExchangeRate.objects, pledge.amount_currency, pledge.pledged_on)
        if quote is None:
            return f"no rate on or before {pledge.pledged_on:%-d %b %Y}"
        gbp = quote.convert(pledge.amount.amount)
        return f"{format_money(gbp, BASE_CURRENCY)} at {rate(quote)}{_stale_note(quote, pledge.pledged_on)}"

    @admin.display(description="received")
    def received(self, pledge: Pledge) -> str:
        return per_currency(r.amount for r in pledge.receipts.all()) if pledge.receipts.all() else "nothing yet"

    @admin.display(description="restriction")
    def restriction(self, pledge: Pledge) -> str:
        return pledge.restriction

    @admin.display(description="next step")
    def record_receipt(self, pledge: Pledge) -> str:
        url = reverse("admin:funders_receipt_add") + f"?pledge={pledge.pk}"
        return format_html('<a href="{}">Record money received against this pledge</a>', url)


class ReceiptConversionInline(ReadOnlyTabularInline):
    model = Conversion
    fields = ("converted_on", "amount_sold_shown", "gbp_credited_shown", "dealt_rate", "bank_reference")
    readonly_fields = fields
    amount_sold_shown = money_display("amount_sold", "sold")
    gbp_credited_shown = money_display("gbp_credited", "GBP credited")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("receipt__pledge__funder")


@admin.register(Receipt)
class ReceiptAdmin(ActionAdminMixin, ReversibleAdminMixin, HistoryAdmin):
    add_form = ReceiptAddForm
    autocomplete_fields = ["pledge"]  # searched by reference or funder, never a list of every pledge
    add_fields = ReceiptAddForm._meta.fields
    change_fields = (
        "pledge",
        "amount_shown",
        "received_on",
        "bank_reference",
        "converted",
        "recorded_by",
        "created_at",
        "reversal",
    )
    posted_fields = change_fields

    list_display = (
        "received_on",
        "bank_reference",
        "funder",
        "pledge_reference",
        "amount_shown",
        "converted",
        "reversal",
    )
    list_filter = ("amount_currency", "pledge__funder")
    search_fields = ("bank_reference", "pledge__reference", "pledge__funder__name")
    date_hierarchy = "received_on"
    list_select_related = ("pledge__funder", "reversed_by")
    inlines = [ReceiptConversionInline]

    amount_shown = money_display("amount", "amount")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("conversions", queryset=Conversion.objects.order_by()))
        )

    def has_change_permission(self, request, obj=None) -> bool:
        # Every field of a receipt is posted money: the change page is a view page.
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description="funder", ordering="pledge__funder__name")
    def funder(self, receipt: Receipt) -> str:
        return receipt.pledge.funder.name

    @admin.display(description="pledge", ordering="pledge__reference")
    def pledge_reference(self, receipt: Receipt) -> str:
        return receipt.pledge.reference

    @admin.display(description="converted into pounds")
    def converted(self, receipt: Receipt) -> str:
        if receipt.amount_currency == BASE_CURRENCY:
            return "in pounds"
        sold = sum((c.amount_sold.amount for c in receipt.conversions.all()), Decimal("0.00"))
        credited = sum((c.gbp_credited.amount for c in receipt.conversions.all()), Decimal("0.00"))
        if not sold:
            return "not yet"
        return f"{format_money(sold, receipt.amount_currency)} for {format_money(credited, BASE_CURRENCY)}"


@admin.register(Conversion)
class ConversionAdmin(ActionAdminMixin, PreparedPageMixin, ReversibleAdminMixin, HistoryAdmin):
    add_form = ConversionAddForm
    autocomplete_fields = ["receipt"]  # searched by bank reference or funder, never a list of every receipt
    add_fields = ConversionAddForm._meta.fields
    change_fields = (
        "receipt",
        "amount_sold_shown",
        "gbp_credited_shown",
        "dealt",
        "reference_rate",
        "converted_on",
        "bank_reference",
        "recorded_by",
        "created_at",
        "reversal",
    )
    posted_fields = change_fields

    list_display = (
        "converted_on",
        "bank_reference",
        "funder",
        "amount_sold_shown",
        "gbp_credited_shown",
        "dealt",
        "reference_rate",
        "reversal",
    )
    list_filter = ("amount_sold_currency", "receipt__pledge__funder")
    search_fields = ("bank_reference", "receipt__bank_reference", "receipt__pledge__funder__name")
    date_hierarchy = "converted_on"
    list_select_related = ("receipt__pledge__funder", "reversed_by")

    amount_sold_shown = money_display("amount_sold", "sold")
    gbp_credited_shown = money_display("gbp_credited", "GBP credited")

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def prepare_page(self, request, conversions: list[Conversion]) -> None:
        if not conversions:
            return
        book = RateBook.load(
            {c.amount_sold_currency for c in conversions} | {BASE_CURRENCY},
            since=min(c.converted_on for c in conversions),
            until=max(c.converted_on for c in conversions),
        )
        for conversion in conversions:
            conversion.reference_quote = _quote_or_none(book, conversion.amount_sold_currency, conversion.converted_on)

    @admin.display(description="funder", ordering="receipt__pledge__funder__name")
    def funder(self, conversion: Conversion) -> str:
        return conversion.receipt.pledge.funder.name

    @admin.display(description="dealt rate", ordering="dealt_rate")
    def dealt(self, conversion: Conversion) -> str:
        return f"1 {conversion.amount_sold_currency} = {format_money(conversion.dealt_rate, BASE_CURRENCY, places=4)}"

    @admin.display(description="reference rate that day")
    def reference_rate(self, conversion: Conversion) -> str:
        quote = getattr(conversion, "reference_quote", _NOT_PREPARED)
        if quote is _NOT_PREPARED:
            quote = _quote_or_none(ExchangeRate.objects, conversion.amount_sold_currency, conversion.converted_on)
        if quote is None:
            return f"no rate on or before {conversion.converted_on:%-d %b %Y}"
        return rate(quote)
