"""A funder's statement for a period: its position at the opening, what moved during the period, its position at the
closing, and a reconciliation in pounds that ties the two together.

A period is a quarter (`2026-Q1`), a year (`2026`) or everything since the start (`all`); one that has not ended yet
closes today. The opening position is the funder's position at the end of the day before the period starts (nothing,
for `all`), the closing position at the end of its last day, so the opening of one period is always the closing of the
one before it.

A position is worked out from the ledger in SQL (its lines carry the funder for pledges, receipts and conversions) and
from the fixed attribution for awards: pledged, received, still to arrive, sold for pounds and cash held, per currency
(never added across currencies); the GBP the bank credited; the cash held valued in GBP and USD at the day's reference
rates (the one method of the README's money rules); and the funder's parts of the awards: attributed (an award that
ended early counts for what was paid on it, from the day it ended, as on the dashboard), paid and still committed.

The reconciliation, in pounds: the balance (cash held at the day's reference rates, less the awards attributed) at
the opening, plus the receipts at their own day's reference rate, plus the FX difference of each conversion (the GBP
the bank credited, less the currency sold at the reference rate of the day it was received), plus the revaluation of
cash not yet converted (what is left of the change in its reference value), less the awards attributed during the
period, is the balance at the closing. Nothing here depends on any other funder's money: a funder's parts of
payments are split with the private funders as one group (grants.reads.attribution), as on the dashboard.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connections
from django.db.models import Min, Q, Sum

from alignment_fund.money import BASE_CURRENCY, round_money, total
from alignment_fund.rates.models import QuotedRate, RateBook
from funders.models import Conversion, Funder, Pledge, Receipt
from grants.models import Account
from grants.reads.funder_parts import award_parts_sql, database, fetch, pounds, with_clause
from grants.reads.periods import Period
from grants.reads.pool_overview import ZERO, load_rate_book
from grants.reads.position import Valued, balances_on, value
from grants.reads.remembered import remembered

# Positions


@dataclass(frozen=True)
class CurrencyPosition:
    """The funder's money in one currency: cash held is what was received, less what was sold for pounds (for GBP,
    plus the pounds credited)."""

    currency: str
    pledged: Decimal
    received: Decimal
    outstanding: Decimal
    sold: Decimal
    credited: Decimal  # the pounds the bank credited for what was sold
    held: Decimal


@dataclass(frozen=True)
class FunderPosition:
    on: date | None
    currencies: tuple[CurrencyPosition, ...]
    gbp_credited: Decimal
    held_gbp: Decimal
    held_usd: Decimal
    held_valued: tuple[Valued, ...]
    # The funder's parts of the awards, added up in SQL (grants.reads.funder_parts): what they count for on the day
    # (the part, or only what was paid if the award ended early), paid, and still committed.
    attributed: Decimal
    paid: Decimal
    committed: Decimal

    @property
    def balance_gbp(self) -> Decimal:
        """Cash held at the day's reference rates, less the awards attributed to the funder."""
        return self.held_gbp - self.attributed

    def currency(self, code: str) -> CurrencyPosition:
        return next((row for row in self.currencies if row.currency == code), CurrencyPosition(code, *[ZERO] * 6))


def funder_position(funder: Funder, on: date | None, book: RateBook) -> FunderPosition:
    """The funder's position at the close of `on` (nothing before the start): six queries."""
    if on is None:
        return FunderPosition(None, (), ZERO, ZERO, ZERO, (), ZERO, ZERO, ZERO)
    balances = balances_on(on, funder_key=funder.pk)

    def balance(currency: str, *accounts: str) -> Decimal:
        return total(balances.get((account, currency), ZERO) for account in accounts)

    credited = dict(
        Conversion.objects.filter(receipt__pledge__funder=funder, converted_on__lte=on)
        .values("amount_sold_currency")
        .annotate(total=Sum("gbp_credited"))
        .values_list("amount_sold_currency", "total")
        .order_by()
    )
    currencies = []
    for currency in sorted({currency for _, currency in balances}):
        pledged = -balance(currency, Account.FUNDER_CAPITAL)
        outstanding = balance(currency, Account.PLEDGES_RECEIVABLE, Account.COMPUTE_RECEIVABLE)
        sold = balance(currency, Account.FX_CLEARING) if currency != BASE_CURRENCY else ZERO
        held = balance(currency, Account.CASH, Account.COMPUTE_CASH)
        gbp = round_money(credited.get(currency) or 0)
        currencies.append(CurrencyPosition(currency, pledged, pledged - outstanding, outstanding, sold, gbp, held))
    held_valued = tuple(value(row.held, row.currency, on, book) for row in currencies if row.held)
    return FunderPosition(
        on=on,
        currencies=tuple(currencies),
        gbp_credited=-balance(BASE_CURRENCY, Account.FX_CLEARING),
        held_gbp=total(valued.gbp for valued in held_valued),
        held_usd=total(valued.usd for valued in held_valued),
        held_valued=held_valued,
        **remembered("award_totals", _award_totals_of, funder.pk, on),
    )


# An award counts as ended early on a day when the ledger holds less of it awarded than its amount.
ENDED = "standing < whole"


def _award_totals_of(funder_id: int, on: date) -> dict[str, Decimal]:
    """`_award_totals` of the funder with this id, its record read afresh (what the statement remembers)."""
    return _award_totals(Funder.objects.get(pk=funder_id), on)


def _award_totals(funder: Funder, on: date) -> dict[str, Decimal]:
    """The funder's parts of the awards on `on`, added up in SQL: one query."""
    sql, params = with_clause(award_parts_sql(funder, on))
    ((attributed, paid, committed),) = fetch(
        f"{sql} SELECT SUM(CASE WHEN {ENDED} THEN paid ELSE amount END), SUM(paid), "
        f"SUM(CASE WHEN {ENDED} THEN 0 ELSE amount - paid END) FROM awards",
        params,
    )
    return {"attributed": pounds(attributed), "paid": pounds(paid), "committed": pounds(committed)}


# What moved during the period


@dataclass(frozen=True)
class PeriodPledge:
    pledged_on: date
    reference: str
    amount: Decimal
    currency: str
    valued: Valued


@dataclass(frozen=True)
class PeriodReceipt:
    received_on: date
    bank_reference: str
    pledge_reference: str
    amount: Decimal
    currency: str
    valued: Valued  # at the reference rate of the day it arrived


@dataclass(frozen=True)
class PeriodConversion:
    """Cash sold for pounds: the rate the bank dealt against the reference rate of the day the cash arrived."""

    converted_on: date
    bank_reference: str
    receipt_reference: str
    received_on: date
    amount_sold: Decimal
    currency: str
    gbp_credited: Decimal
    dealt_rate: Decimal
    reference_rate: QuotedRate
    gbp_at_reference: Decimal

    @property
    def fx_difference(self) -> Decimal:
        return self.gbp_credited - self.gbp_at_reference


@dataclass(frozen=True)
class AwardMovement:
    """One award's change for the funder during the period: what was attributed and what was paid."""

    reference: str
    title: str
    awarded_on: date
    attributed: Decimal
    paid: Decimal
    committed_at_close: Decimal
    ended: bool


@dataclass(frozen=True)
class AwardMovements:
    """The awards whose part for the funder moved during the period (made in it, or attributed or paid differently
    at its close than at its opening), in the order they were made. Read from the database while iterated, in
    chunks, one query, so a download streams them however many there are."""

    funder: Funder
    opening_on: date | None
    closing_on: date

    def __iter__(self) -> Iterator[AwardMovement]:
        pieces = [award_parts_sql(self.funder, self.closing_on, "c_")]
        if self.opening_on is not None:
            pieces.append(award_parts_sql(self.funder, self.opening_on, "o_"))
            opening = "o.award, o.amount, o.paid, o.standing < o.whole"
            join = "LEFT JOIN o_awards o ON o.award = c.award"
        else:
            opening, join = "NULL, NULL, NULL, NULL", ""
        sql, params = with_clause(*pieces)
        sql += (
            f" SELECT c.reference, c.title, c.awarded_on, c.amount, c.paid, c.standing < c.whole, {opening} "
            f"FROM c_awards c {join} ORDER BY c.awarded_on, c.reference"
        )
        with connections[database()].chunked_cursor() as cursor:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(CHUNK):
                for reference, title, awarded_on, amount, paid, ended, earlier, *before in rows:
                    amount, paid = pounds(amount), pounds(paid)
                    attributed, paid_in_period = (paid if ended else amount), paid
                    if earlier is not None:
                        before_amount, before_paid, before_ended = pounds(before[0]), pounds(before[1]), before[2]
                        attributed -= before_paid if before_ended else before_amount
                        paid_in_period -= before_paid
                    if earlier is None or attributed or paid_in_period:
                        yield AwardMovement(
                            reference,
                            title,
                            awarded_on if isinstance(awarded_on, date) else date.fromisoformat(awarded_on),
                            attributed,
                            paid_in_period,
                            ZERO if ended else amount - paid,
                            bool(ended),
                        )

    def __bool__(self) -> bool:
        return next(iter(self), None) is not None


CHUNK = 2000


@dataclass(frozen=True)
class FunderStatement:
    funder: Funder
    period: Period
    today: date
    opening: FunderPosition
    closing: FunderPosition
    pledges: tuple[PeriodPledge, ...]
    receipts: tuple[PeriodReceipt, ...]
    conversions: tuple[PeriodConversion, ...]
    awards: AwardMovements
    gbp_usd_closing: QuotedRate
    book: RateBook

    @property
    def receipts_gbp(self) -> Decimal:
        return total(receipt.valued.gbp for receipt in self.receipts)

    @property
    def fx_difference_gbp(self) -> Decimal:
        return total(conversion.fx_difference for conversion in self.conversions)

    @property
    def awards_gbp(self) -> Decimal:
        return self.closing.attributed - self.opening.attributed

    @property
    def paid_gbp(self) -> Decimal:
        return self.closing.paid - self.opening.paid

    @property
    def revaluation_gbp(self) -> Decimal:
        """The change in the reference value of cash not yet converted: what the receipts and conversions of the
        period do not explain of the change in cash held."""
        return self.closing.held_gbp - self.opening.held_gbp - self.receipts_gbp - self.fx_difference_gbp

    @property
    def currencies(self) -> list[str]:
        return sorted({row.currency for row in (*self.opening.currencies, *self.closing.currencies)})

    def by_currency(self) -> list[tuple[CurrencyPosition, CurrencyPosition]]:
        """(opening, closing) for each currency the funder has dealt in."""
        return [(self.opening.currency(code), self.closing.currency(code)) for code in self.currencies]


def first_day(funder: Funder) -> date | None:
    """The day of the funder's first pledge: where its statements can start."""
    return Pledge.objects.filter(funder=funder).aggregate(first=Min("pledged_on"))["first"]


def funder_statement(funder: Funder, period: Period, today: date) -> FunderStatement:
    """The statement of `funder` for `period`, in a fixed number of queries whatever the number of records."""
    conversions = list(
        Conversion.objects.filter(receipt__pledge__funder=funder, converted_on__lte=period.end)
        .filter(Q(converted_on__gte=period.start) if period.start else Q())
        .select_related("receipt")
        .order_by("converted_on", "pk")
    )
    first = period.opening_on
    if first is None:
        first = first_day(funder) or period.end
    since = min([conversion.receipt.received_on for conversion in conversions] + [first])
    book = load_rate_book(period.end, since=since)
    opening = funder_position(funder, period.opening_on, book)
    closing = funder_position(funder, period.end, book)

    def dated(field: str):
        return Q(**{f"{field}__lte": period.end}) & (Q(**{f"{field}__gte": period.start}) if period.start else Q())

    pledges = tuple(
        PeriodPledge(
            p.pledged_on,
            p.reference,
            p.amount.amount,
            p.amount_currency,
            value(p.amount.amount, p.amount_currency, p.pledged_on, book),
        )
        for p in Pledge.objects.filter(dated("pledged_on"), funder=funder).order_by("pledged_on", "pk")
    )
    receipts = tuple(
        PeriodReceipt(
            r.received_on,
            r.bank_reference,
            r.pledge.reference,
            r.amount.amount,
            r.amount_currency,
            value(r.amount.amount, r.amount_currency, r.received_on, book),
        )
        for r in Receipt.objects.filter(dated("received_on"), pledge__funder=funder)
        .select_related("pledge")
        .order_by("received_on", "pk")
    )
    return FunderStatement(
        funder=funder,
        period=period,
        today=today,
        opening=opening,
        closing=closing,
        pledges=pledges,
        receipts=receipts,
        conversions=tuple(_conversion(conversion, book) for conversion in conversions),
        awards=AwardMovements(funder, period.opening_on, period.end),
        gbp_usd_closing=book.quote(BASE_CURRENCY, "USD", period.end),
        book=book,
    )


def _conversion(conversion: Conversion, book: RateBook) -> PeriodConversion:
    receipt = conversion.receipt
    sold = conversion.amount_sold.amount
    reference = book.quote(conversion.amount_sold_currency, BASE_CURRENCY, receipt.received_on)
    return PeriodConversion(
        converted_on=conversion.converted_on,
        bank_reference=conversion.bank_reference,
        receipt_reference=receipt.bank_reference,
        received_on=receipt.received_on,
        amount_sold=sold,
        currency=conversion.amount_sold_currency,
        gbp_credited=conversion.gbp_credited.amount,
        dealt_rate=conversion.dealt_rate,
        reference_rate=reference,
        gbp_at_reference=reference.convert(sold),
    )
