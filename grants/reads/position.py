"""The fund's money position on a date: what it holds, owes and can still award.

Figures in the reporting currencies (the one method, also in the README): a figure is made of amounts per currency;
each is converted once, directly, into GBP and into USD at the day's reference rate (the ECB legs at full precision,
rounded to the penny or cent), and the results are added. So a USD total is never a GBP total converted again, and
every surface that shows a figure (pages, API, snapshots, exports) gets the same cents.

Headroom policy (also in the README): the fund can award its GBP cash, plus its non-GBP cash valued at the reference
rate of the day, less what it has awarded and not yet paid (committed). Pledges not yet received are shown beside
headroom, never in it; cash given for compute only is never in it. A round can award the lesser of the fund's
headroom and what is left of its own budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Max, Q, Sum

from alignment_fund.money import BASE_CURRENCY, CURRENCIES, REPORTING_CURRENCIES, round_money, total
from alignment_fund.rates.models import QuotedRate, RateBook
from grants.models import Account, Approval, LedgerDayTotal, LedgerTransaction
from grants.models.ledger_totals import from_hundredths
from projects.models import Round

ZERO = Decimal("0.00")


def money_sum(aggregate) -> Decimal:
    """An aggregate as pounds and pence (SQLite's SUM can come back with stray precision, or None)."""
    return round_money(aggregate or 0)


@dataclass(frozen=True)
class Valued:
    """An amount in its own currency with its value in GBP and USD, and the rates behind them."""

    currency: str
    amount: Decimal
    gbp: Decimal
    usd: Decimal
    to_gbp: QuotedRate
    to_usd: QuotedRate


def value(amount: Decimal, currency: str, on: date, book: RateBook) -> Valued:
    to_gbp = book.quote(currency, "GBP", on)
    to_usd = book.quote(currency, "USD", on)
    return Valued(currency, amount, to_gbp.convert(amount), to_usd.convert(amount), to_gbp, to_usd)


def rate_book_for(on: date, since: date | None = None) -> RateBook:
    """Every reference rate the pages need, in one query: from `since` (the oldest pledge or receipt valued) to
    `on`."""
    return RateBook.load(CURRENCIES, since=since or on, until=on)


@dataclass(frozen=True)
class PoolPosition:
    on: date
    cash: dict[str, Decimal]
    compute_cash: dict[str, Decimal]
    receivable: dict[str, Decimal]
    committed_gbp: Decimal
    awarded_gbp: Decimal
    disbursed_gbp: Decimal
    cash_valued: list[Valued] = field(default_factory=list)
    receivable_valued: list[Valued] = field(default_factory=list)
    gbp_usd: QuotedRate | None = None
    ledger_version: int = 0
    # Awards waiting for a second administrator hold their amount (grants.models.approvals): in all, and per round.
    reserved_gbp: Decimal = ZERO
    reserved_by_round: dict[int, Decimal] = field(default_factory=dict)

    @property
    def cash_gbp(self) -> Decimal:
        return total(valued.gbp for valued in self.cash_valued)

    @property
    def cash_usd(self) -> Decimal:
        return total(valued.usd for valued in self.cash_valued)

    @property
    def receivable_gbp(self) -> Decimal:
        return total(valued.gbp for valued in self.receivable_valued)

    @property
    def receivable_usd(self) -> Decimal:
        return total(valued.usd for valued in self.receivable_valued)

    @property
    def headroom_gbp(self) -> Decimal:
        return self.cash_gbp - self.committed_gbp - self.reserved_gbp

    @property
    def headroom_usd(self) -> Decimal:
        return self.cash_usd - self.usd(self.committed_gbp) - self.usd(self.reserved_gbp)

    def usd(self, amount_gbp: Decimal) -> Decimal:
        """A figure held in pounds only (awards, payments), in dollars at the day's GBP/USD reference rate."""
        return self.gbp_usd.convert(amount_gbp) if self.gbp_usd else ZERO

    @property
    def pool_gbp(self) -> Decimal:
        """All the fund's money: cash held plus pledges still to arrive (compute-only cash excluded)."""
        return self.cash_gbp + self.receivable_gbp

    @property
    def pool_usd(self) -> Decimal:
        return self.cash_usd + self.receivable_usd

    @property
    def foreign_cash(self) -> list[Valued]:
        return [valued for valued in self.cash_valued if valued.currency != BASE_CURRENCY]

    def rates_used(self) -> list[QuotedRate]:
        seen = {}
        for valued in [*self.cash_valued, *self.receivable_valued]:
            for quote in (valued.to_gbp, valued.to_usd):
                if quote.rate_date is not None:
                    seen[quote.pair] = quote
        if self.gbp_usd is not None:
            seen[self.gbp_usd.pair] = self.gbp_usd
        return sorted(seen.values(), key=lambda quote: quote.pair)


def stale_rates(pool: PoolPosition, today: date) -> list[QuotedRate]:
    return [quote for quote in pool.rates_used() if quote.is_stale(today)]


def _nonzero(balances: dict[str, Decimal]) -> dict[str, Decimal]:
    return {currency: amount for currency, amount in sorted(balances.items()) if amount != 0}


def pool_position(on: date, book: RateBook | None = None) -> PoolPosition:
    """The fund's position from the ledger, counting every movement that occurred on or before `on`."""
    balances = balances_on(on)

    def by_currency(account: str) -> dict[str, Decimal]:
        return _nonzero(
            {currency: amount for (balance_account, currency), amount in balances.items() if balance_account == account}
        )

    cash = by_currency(Account.CASH)
    receivable = by_currency(Account.PLEDGES_RECEIVABLE)
    committed_gbp = -balances.get((Account.GRANTS_COMMITTED, BASE_CURRENCY), ZERO)
    awarded_gbp = balances.get((Account.GRANTS_AWARDED, BASE_CURRENCY), ZERO)
    disbursed_gbp = awarded_gbp - committed_gbp
    if book is None:
        book = RateBook.load(set(cash) | set(receivable) | set(REPORTING_CURRENCIES), until=on)
    version = LedgerTransaction.objects.aggregate(version=Max("pk"))["version"] or 0
    reserved = reservations_on(on)
    return PoolPosition(
        on=on,
        cash=cash,
        compute_cash=by_currency(Account.COMPUTE_CASH),
        receivable=receivable,
        committed_gbp=committed_gbp,
        awarded_gbp=awarded_gbp,
        disbursed_gbp=disbursed_gbp,
        cash_valued=[value(amount, currency, on, book) for currency, amount in cash.items()],
        receivable_valued=[value(amount, currency, on, book) for currency, amount in receivable.items()],
        gbp_usd=book.quote("GBP", "USD", on),
        ledger_version=version,
        reserved_gbp=money_sum(sum(reserved.values(), ZERO)),
        reserved_by_round={round_id: amount for round_id, amount in reserved.items() if round_id is not None},
    )


def balances_on(on: date, **dimensions) -> dict[tuple[str, str], Decimal]:
    """The ledger's balances counting every movement that occurred on or before `on`, in one query, from the lines'
    day totals (one row per day, account, currency, funder and round, not one per line). `funder_key` or `round_key`
    narrows them to one funder's or one round's lines."""
    return LedgerDayTotal.objects.up_to(on).filter(**dimensions).balances()


def reservations_on(on: date) -> dict[int | None, Decimal]:
    """What awards waiting for a second administrator hold on `on`, per round (None: held by no round), in one query.
    A reservation counts from its award's date, as the award itself will."""
    rows = (
        Approval.objects.pending()
        .filter(reserved__isnull=False, reserved_on__lte=on)
        .values("reserved_round")
        .annotate(total=Sum("reserved", filter=Q(reserved_currency=BASE_CURRENCY)))
        .values_list("reserved_round", "total")
        .order_by()
    )
    return {round_id: money_sum(amount) for round_id, amount in rows}


@dataclass(frozen=True)
class RoundPosition:
    round: Round
    budget_gbp: Decimal
    awarded_gbp: Decimal
    disbursed_gbp: Decimal
    fund_headroom_gbp: Decimal
    fund_headroom_usd: Decimal = ZERO
    gbp_usd: QuotedRate | None = None
    reserved_gbp: Decimal = ZERO  # held by this round's awards waiting for a second administrator

    @property
    def committed_gbp(self) -> Decimal:
        return self.awarded_gbp - self.disbursed_gbp

    @property
    def budget_left_gbp(self) -> Decimal:
        return self.budget_gbp - self.awarded_gbp - self.reserved_gbp

    @property
    def headroom_gbp(self) -> Decimal:
        return max(ZERO, min(self.budget_left_gbp, self.fund_headroom_gbp))

    @property
    def headroom_usd(self) -> Decimal:
        """The same limit in dollars: the fund's headroom as the fund states it, or the round's budget left."""
        if self.headroom_gbp == ZERO:
            return ZERO
        if self.headroom_gbp == self.fund_headroom_gbp:
            return self.fund_headroom_usd
        return self.gbp_usd.convert(self.headroom_gbp) if self.gbp_usd else ZERO


def round_positions(pool: PoolPosition, rounds=None) -> list[RoundPosition]:
    """Each round's budget, awarded, disbursed and headroom, in one query (two with the rounds) whatever their
    number."""
    every_round = rounds is None
    rounds = list(Round.objects.all() if every_round else rounds)
    # Only the rounds asked for are added up (a round's page reads its own day totals, not the whole ledger's).
    totals = LedgerDayTotal.objects.up_to(pool.on).filter(
        account__in=[Account.GRANTS_AWARDED, Account.GRANTS_COMMITTED], currency=BASE_CURRENCY, round_key__gt=0
    )
    if not every_round:
        totals = totals.filter(round_key__in=[round_.pk for round_ in rounds])
    # Both from the ledger, as the pool's: awarded is what the round's awards stand at (a terminated award for what
    # was paid on it, an amended one at its new amount); disbursed is awarded less what is still committed.
    awarded: dict[int, Decimal] = {}
    disbursed: dict[int, Decimal] = {}
    for round_id, account, hundredths in (
        totals.values("round_key", "account")
        .annotate(total=Sum("hundredths"))
        .values_list("round_key", "account", "total")
    ).order_by():
        amount = from_hundredths(hundredths)
        if account == Account.GRANTS_AWARDED:
            awarded[round_id] = amount
        disbursed[round_id] = disbursed.get(round_id, ZERO) + amount
    return [
        RoundPosition(
            round=round_,
            budget_gbp=round_.budget.amount,
            awarded_gbp=awarded.get(round_.pk, ZERO),
            disbursed_gbp=disbursed.get(round_.pk, ZERO),
            fund_headroom_gbp=pool.headroom_gbp,
            fund_headroom_usd=pool.headroom_usd,
            gbp_usd=pool.gbp_usd,
            reserved_gbp=pool.reserved_by_round.get(round_.pk, ZERO),
        )
        for round_ in rounds
    ]


@dataclass(frozen=True)
class RoundHeadroom:
    """What a round can still award on a date, with the GBP/USD rate to show it in dollars (the award form)."""

    position: RoundPosition
    gbp_usd: QuotedRate | None

    @property
    def headroom_usd(self) -> Decimal:
        return self.position.headroom_usd


def round_headroom(round_: Round, on: date) -> RoundHeadroom:
    """One round's position on `on`, the fund valued with the day's reference rates. Raises RateUnavailable when a
    currency held or pledged has no rate."""
    pool = pool_position(on, rate_book_for(on))
    (position,) = round_positions(pool, [round_])
    return RoundHeadroom(position, pool.gbp_usd)
