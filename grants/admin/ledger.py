"""The back office for the ledger and the summary snapshots: read-only, for everyone."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal

from django.contrib import admin
from django.db.models import Prefetch
from django.utils.html import format_html

from alignment_fund.admin import LongListAdmin, ReadOnlyAdmin, ReadOnlyTabularInline
from alignment_fund.money import BASE_CURRENCY
from alignment_fund.templatetags.money import format_money, money
from grants.models import LedgerLine, LedgerTransaction, SummarySnapshot
from grants.reads.remembered import RememberedCountPaginator

# The ledger: read-only, for everyone


def _debit_credit(amount) -> tuple[str, str]:
    if amount.amount >= 0:
        return money(amount), ""
    return "", format_money(-amount.amount, amount.currency.code)


class LedgerLineInline(ReadOnlyTabularInline):
    model = LedgerLine
    fields = ("account", "debit", "credit", "funder", "round", "award_reference")
    readonly_fields = fields
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("funder", "round", "award")

    @admin.display(description="debit")
    def debit(self, line: LedgerLine) -> str:
        return _debit_credit(line.amount)[0]

    @admin.display(description="credit")
    def credit(self, line: LedgerLine) -> str:
        return _debit_credit(line.amount)[1]

    @admin.display(description="award")
    def award_reference(self, line: LedgerLine) -> str:
        return line.award.reference if line.award_id else "—"


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(LongListAdmin, ReadOnlyAdmin):
    paginator = RememberedCountPaginator  # counted once per version of the fund, not on every page
    list_display = ("occurred_on", "key", "kind", "memo", "amounts", "posted_by", "posted_at")
    list_filter = ("kind",)
    search_fields = ("key", "memo")
    date_hierarchy = "occurred_on"
    list_select_related = ("posted_by",)
    fields = ("key", "kind", "occurred_on", "memo", "reverses", "posted_by", "posted_at")
    inlines = [LedgerLineInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(Prefetch("lines", queryset=LedgerLine.objects.order_by()))

    @admin.display(description="amount moved")
    def amounts(self, txn: LedgerTransaction) -> str:
        # The debit side of a balanced transaction, per currency (a conversion moves two currencies).
        debits: dict[str, Decimal] = defaultdict(Decimal)
        for line in txn.lines.all():
            if line.amount.amount > 0:
                debits[line.amount.currency.code] += line.amount.amount
        return " and ".join(format_money(amount, currency) for currency, amount in sorted(debits.items()))


@admin.register(LedgerLine)
class LedgerLineAdmin(ReadOnlyAdmin):
    list_display = ("transaction_key", "occurred_on", "account", "debit", "credit", "funder", "round", "award_ref")
    list_filter = ("account", "amount_currency", "transaction__kind", "funder", "round")
    search_fields = ("transaction__key", "transaction__memo", "funder__name", "award__reference")
    date_hierarchy = "transaction__occurred_on"
    list_select_related = ("transaction", "funder", "round", "award")

    @admin.display(description="transaction", ordering="transaction__key")
    def transaction_key(self, line: LedgerLine) -> str:
        return line.transaction.key

    @admin.display(description="occurred on", ordering="transaction__occurred_on")
    def occurred_on(self, line: LedgerLine):
        return line.transaction.occurred_on

    @admin.display(description="debit")
    def debit(self, line: LedgerLine) -> str:
        return _debit_credit(line.amount)[0]

    @admin.display(description="credit")
    def credit(self, line: LedgerLine) -> str:
        return _debit_credit(line.amount)[1]

    @admin.display(description="award", ordering="award__reference")
    def award_ref(self, line: LedgerLine) -> str:
        return line.award.reference if line.award_id else "—"


@admin.register(SummarySnapshot)
class SummarySnapshotAdmin(ReadOnlyAdmin):
    list_display = ("as_of", "taken_at", "ledger_version", "rates_as_of", "headroom")
    date_hierarchy = "as_of"
    fields = ("as_of", "taken_at", "ledger_version", "rates_as_of", "summary")

    @admin.display(description="headroom (GBP)")
    def headroom(self, snapshot: SummarySnapshot) -> str:
        value = snapshot.data.get("fund", {}).get("headroom", {}).get(BASE_CURRENCY)
        return format_money(Decimal(value), BASE_CURRENCY) if value is not None else "—"

    @admin.display(description="summary")
    def summary(self, snapshot: SummarySnapshot) -> str:
        return format_html("<pre>{}</pre>", json.dumps(snapshot.data, indent=2, ensure_ascii=False))
