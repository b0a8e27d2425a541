"""What the administrator's pages show: the portfolio read side.

Pure reads. Sums are SQL grouped by currency (never one `Sum` across currencies); conversion to GBP and USD happens
here, in Python, with dated reference rates from one `RateBook`; results are frozen dataclasses the templates only
display. Every function costs a fixed number of queries, whatever the number of funders, awards or milestones.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Prefetch, Q, Sum

from alignment_fund.dates import add_months, first_of_month
from alignment_fund.money import BASE_CURRENCY, CURRENCIES, round_money, total
from alignment_fund.rates.models import QuotedRate, RateBook
from funders.models import Conversion, Funder, Pledge, Receipt
from grants.models import Award, AwardAttribution, Disbursement, LedgerLine, Milestone
from grants.position import PoolPosition, RoundPosition, pool_position, round_positions
from projects.models import Project, ResearchArea, Round

ZERO = Decimal("0.00")
GBP = Q(amount_currency=BASE_CURRENCY)
# The GBP moves the FX exposure table tries: +0.05 means the pound buys 5% more of the other currency.
GBP_MOVES = (Decimal("0.10"), Decimal("0.05"), Decimal("-0.05"), Decimal("-0.10"))


def move_label(gbp_move: Decimal) -> str:
    """'Pound 10% stronger' for 0.10, 'Pound 5% weaker' for -0.05."""
    return f"Pound {abs(gbp_move) * 100:.0f}% {'stronger' if gbp_move > 0 else 'weaker'}"


def _sum(value) -> Decimal:
    """An aggregate as pounds and pence (SQLite's SUM can come back with stray precision, or None)."""
    return round_money(value or 0)


# Money still to collect and to convert


@dataclass(frozen=True)
class OutstandingPledge:
    """A pledge with money still to arrive."""

    pledge: Pledge
    received: Decimal
    outstanding: Decimal

    @property
    def currency(self) -> str:
        return self.pledge.amount_currency


@dataclass(frozen=True)
class UnconvertedReceipt:
    """Non-GBP cash that arrived and has not been sold for pounds yet."""

    receipt: Receipt
    sold: Decimal
    unconverted: Decimal

    @property
    def currency(self) -> str:
        return self.receipt.amount_currency


def outstanding_pledges(on: date) -> list[OutstandingPledge]:
    """Every pledge made by `on` with money still to arrive, oldest first (one query)."""
    pledges = (
        Pledge.objects.filter(pledged_on__lte=on)
        .select_related("funder")
        .annotate(
            received_total=Sum(
                "receipts__amount",
                # Receipts are in their pledge's currency (the model checks it); the filter keeps this sum honest.
                filter=Q(receipts__received_on__lte=on, receipts__amount_currency=F("amount_currency")),
            )
        )
        .order_by("pledged_on", "pk")
    )
    rows = []
    for pledge in pledges:
        received = _sum(pledge.received_total)
        left = pledge.amount.amount - received
        if left > 0:
            rows.append(OutstandingPledge(pledge, received, left))
    return rows


def unconverted_receipts(on: date) -> list[UnconvertedReceipt]:
    """Every non-GBP receipt for the awards pool with cash not yet converted on `on` (one query).

    Cash given for compute only stays out: it never enters the awards pool, so it is neither converted nor exposed.
    """
    receipts = (
        Receipt.objects.filter(received_on__lte=on, pledge__compute_only=False)
        .exclude(amount_currency=BASE_CURRENCY)
        .select_related("pledge__funder")
        .annotate(
            sold_total=Sum(
                "conversions__amount_sold",
                filter=Q(
                    conversions__converted_on__lte=on,
                    conversions__amount_sold_currency=F("amount_currency"),
                ),
            )
        )
        .order_by("received_on", "pk")
    )
    rows = []
    for receipt in receipts:
        sold = _sum(receipt.sold_total)
        left = receipt.amount.amount - sold
        if left > 0:
            rows.append(UnconvertedReceipt(receipt, sold, left))
    return rows


# The portfolio page


@dataclass(frozen=True)
class FunderLine:
    """One funder's money in one currency."""

    currency: str
    pledged: Decimal
    received: Decimal
    sold: Decimal
    gbp_credited: Decimal
    value_gbp: Decimal
    rate: QuotedRate

    @property
    def to_arrive(self) -> Decimal:
        return self.pledged - self.received


@dataclass(frozen=True)
class FunderRow:
    funder: Funder
    lines: list[FunderLine]
    attributed_gbp: Decimal

    @property
    def value_gbp(self) -> Decimal:
        return total(line.value_gbp for line in self.lines)

    @property
    def gbp_credited(self) -> Decimal:
        return total(line.gbp_credited for line in self.lines)


def funder_rows(on: date, book: RateBook) -> list[FunderRow]:
    """Per funder and currency: pledged, received, converted (sold, and the pounds credited), and the value in GBP
    today (pounds credited plus what is not yet converted at today's reference rate). Five queries."""
    pledged = defaultdict(dict)
    for row in (
        Pledge.objects.filter(pledged_on__lte=on)
        .values("funder", "amount_currency")
        .annotate(t=Sum("amount"))
        .order_by()
    ):
        pledged[row["funder"]][row["amount_currency"]] = _sum(row["t"])
    received = defaultdict(dict)
    for row in (
        Receipt.objects.filter(received_on__lte=on)
        .values("pledge__funder", "amount_currency")
        .annotate(t=Sum("amount"))
        .order_by()
    ):
        received[row["pledge__funder"]][row["amount_currency"]] = _sum(row["t"])
    sold = defaultdict(dict)
    credited = defaultdict(dict)
    for row in (
        Conversion.objects.filter(converted_on__lte=on, gbp_credited_currency=BASE_CURRENCY)
        .values("receipt__pledge__funder", "amount_sold_currency")
        .annotate(sold=Sum("amount_sold"), credited=Sum("gbp_credited"))
        .order_by()
    ):
        funder_id, currency = row["receipt__pledge__funder"], row["amount_sold_currency"]
        sold[funder_id][currency] = _sum(row["sold"])
        credited[funder_id][currency] = _sum(row["credited"])
    attributed = {
        row["funder"]: _sum(row["t"])
        for row in AwardAttribution.objects.filter(
            award__status__in=Award.LIFECYCLE, award__awarded_on__lte=on, amount_currency=BASE_CURRENCY
        )
        .values("funder")
        .annotate(t=Sum("amount"))
        .order_by()
    }
    funder_ids = set(pledged) | set(received) | set(attributed)
    rows = []
    for funder in Funder.objects.filter(pk__in=funder_ids).order_by("name"):
        currencies = sorted(set(pledged[funder.pk]) | set(received[funder.pk]))
        lines = []
        for currency in currencies:
            p = pledged[funder.pk].get(currency, ZERO)
            r = received[funder.pk].get(currency, ZERO)
            s = sold[funder.pk].get(currency, ZERO)
            c = credited[funder.pk].get(currency, ZERO)
            rate = book.quote(currency, BASE_CURRENCY, on)
            lines.append(FunderLine(currency, p, r, s, c, c + rate.convert(p - s), rate))
        rows.append(FunderRow(funder, lines, attributed.get(funder.pk, ZERO)))
    return rows


@dataclass(frozen=True)
class AreaRow:
    area: ResearchArea
    award_count: int
    awarded_gbp: Decimal
    disbursed_gbp: Decimal

    @property
    def committed_gbp(self) -> Decimal:
        return self.awarded_gbp - self.disbursed_gbp


def area_rows(on: date) -> list[AreaRow]:
    """Awards by research area: how many, how much awarded, how much paid. Three queries."""
    awarded = {
        row["project__research_area"]: row
        for row in Award.objects.live()
        .filter(awarded_on__lte=on)
        .values("project__research_area")
        .annotate(n=Count("pk"), t=Sum("amount", filter=GBP))
        .order_by()
    }
    disbursed = {
        row["award__project__research_area"]: _sum(row["t"])
        for row in Disbursement.objects.filter(paid_on__lte=on, award__status__in=Award.LIFECYCLE)
        .values("award__project__research_area")
        .annotate(t=Sum("amount", filter=GBP))
        .order_by()
    }
    rows = []
    for area in ResearchArea.objects.order_by("name"):
        row = awarded.get(area.pk)
        rows.append(
            AreaRow(
                area,
                row["n"] if row else 0,
                _sum(row["t"]) if row else ZERO,
                disbursed.get(area.pk, ZERO),
            )
        )
    return rows


@dataclass(frozen=True)
class Scenario:
    """What a move of the pound against one currency would do, in GBP."""

    gbp_move: Decimal
    headroom_change_gbp: Decimal
    pledged_change_gbp: Decimal

    @property
    def label(self) -> str:
        return move_label(self.gbp_move)


@dataclass(frozen=True)
class ExposureRow:
    currency: str
    rate_now: QuotedRate
    held: Decimal
    held_gbp_then: Decimal
    held_gbp_now: Decimal
    to_arrive: Decimal
    to_arrive_gbp_then: Decimal
    to_arrive_gbp_now: Decimal
    scenarios: list[Scenario]

    @property
    def rate_text(self) -> str:
        """Today's rate in short, for a table cell (the full quote with its source is listed under the table)."""
        return f"1 {self.currency} = £{self.rate_now.rate:.4f}"

    @property
    def total_gbp_then(self) -> Decimal:
        return self.held_gbp_then + self.to_arrive_gbp_then

    @property
    def total_gbp_now(self) -> Decimal:
        return self.held_gbp_now + self.to_arrive_gbp_now

    @property
    def change_gbp(self) -> Decimal:
        return self.total_gbp_now - self.total_gbp_then


@dataclass(frozen=True)
class ScenarioTotal:
    gbp_move: Decimal
    headroom_change_gbp: Decimal
    headroom_after_gbp: Decimal
    pledged_change_gbp: Decimal

    @property
    def label(self) -> str:
        return move_label(self.gbp_move)


@dataclass(frozen=True)
class FxExposure:
    rows: list[ExposureRow]
    scenarios: list[ScenarioTotal]
    headroom_gbp: Decimal

    @property
    def total_gbp_then(self) -> Decimal:
        return total(r.total_gbp_then for r in self.rows)

    @property
    def total_gbp_now(self) -> Decimal:
        return total(r.total_gbp_now for r in self.rows)

    @property
    def change_gbp(self) -> Decimal:
        return total(r.change_gbp for r in self.rows)


def value_after_gbp_move(amount: Decimal, rate_to_gbp: Decimal, gbp_move: Decimal) -> Decimal:
    """The GBP value of `amount` of a foreign currency if the pound moved by `gbp_move` against it.

    A pound 5% stronger (`gbp_move` = 0.05) buys 5% more of the currency, so each unit of it is worth
    rate / 1.05 pounds; 5% weaker, rate / 0.95.
    """
    return round_money(amount * rate_to_gbp / (1 + gbp_move))


def fx_exposure(
    pool: PoolPosition, book: RateBook, pledges: list[OutstandingPledge], receipts: list[UnconvertedReceipt]
) -> FxExposure:
    """Per non-GBP currency: cash held and pledges still to arrive, in GBP at the rate of the day each was received
    or pledged and at today's rate, and what 5% and 10% moves of the pound would do. Headroom counts foreign cash at
    today's rate, so cash moves headroom; pledges not yet received sit beside headroom and move only the pool."""
    on = pool.on
    then_held = defaultdict(lambda: ZERO)
    for row in receipts:
        quote = book.quote(row.currency, BASE_CURRENCY, row.receipt.received_on)
        then_held[row.currency] += quote.convert(row.unconverted)
    then_pledged = defaultdict(lambda: ZERO)
    for row in pledges:
        if row.currency != BASE_CURRENCY:
            quote = book.quote(row.currency, BASE_CURRENCY, row.pledge.pledged_on)
            then_pledged[row.currency] += quote.convert(row.outstanding)
    held = {c: a for c, a in pool.cash.items() if c != BASE_CURRENCY and a > 0}
    to_arrive = defaultdict(lambda: ZERO)
    for row in pledges:
        if row.currency != BASE_CURRENCY:
            to_arrive[row.currency] += row.outstanding
    rows = []
    for currency in sorted(set(held) | set(to_arrive)):
        rate = book.quote(currency, BASE_CURRENCY, on)
        held_now = rate.convert(held.get(currency, ZERO))
        arrive_now = rate.convert(to_arrive[currency])
        scenarios = [
            Scenario(
                move,
                value_after_gbp_move(held.get(currency, ZERO), rate.rate, move) - held_now,
                value_after_gbp_move(to_arrive[currency], rate.rate, move) - arrive_now,
            )
            for move in GBP_MOVES
        ]
        rows.append(
            ExposureRow(
                currency=currency,
                rate_now=rate,
                held=held.get(currency, ZERO),
                held_gbp_then=then_held[currency],
                held_gbp_now=held_now,
                to_arrive=to_arrive[currency],
                to_arrive_gbp_then=then_pledged[currency],
                to_arrive_gbp_now=arrive_now,
                scenarios=scenarios,
            )
        )
    totals = []
    for index, move in enumerate(GBP_MOVES):
        change = total(r.scenarios[index].headroom_change_gbp for r in rows)
        pledged_change = total(r.scenarios[index].pledged_change_gbp for r in rows)
        totals.append(ScenarioTotal(move, change, pool.headroom_gbp + change, pledged_change))
    return FxExposure(rows, totals, pool.headroom_gbp)


@dataclass(frozen=True)
class Portfolio:
    today: date
    pool: PoolPosition
    rounds: list[RoundPosition]
    current_round: Round | None
    funders: list[FunderRow]
    areas: list[AreaRow]
    exposure: FxExposure
    pledges_to_arrive: list[OutstandingPledge]
    cash_to_convert: list[UnconvertedReceipt]
    stale_rates: list[QuotedRate] = field(default_factory=list)

    @property
    def gbp_usd(self) -> QuotedRate | None:
        return self.pool.gbp_usd

    @property
    def rates(self) -> list[QuotedRate]:
        return self.pool.rates_used()

    def usd(self, amount_gbp: Decimal) -> Decimal:
        return self.pool.gbp_usd.convert(amount_gbp)

    @property
    def committed_usd(self) -> Decimal:
        return self.usd(self.pool.committed_gbp)

    @property
    def disbursed_usd(self) -> Decimal:
        return self.usd(self.pool.disbursed_gbp)

    @property
    def awarded_usd(self) -> Decimal:
        return self.usd(self.pool.awarded_gbp)


def rate_book_for(on: date, since: date | None = None) -> RateBook:
    """Every reference rate the pages need, in one query: from `since` (the oldest pledge or receipt valued) to
    `on`."""
    return RateBook.load(CURRENCIES, since=since or on, until=on)


def stale_rates(pool: PoolPosition, today: date) -> list[QuotedRate]:
    return [quote for quote in pool.rates_used() if quote.is_stale(today)]


def portfolio(today: date) -> Portfolio:
    """The whole portfolio as of `today`. Raises RateUnavailable when no reference rate is known for a currency held
    or pledged (the view says so instead of guessing)."""
    pledges = outstanding_pledges(today)
    receipts = unconverted_receipts(today)
    oldest = min(
        [p.pledge.pledged_on for p in pledges] + [r.receipt.received_on for r in receipts] + [today],
    )
    book = rate_book_for(today, since=oldest)
    pool = pool_position(today, book)
    rounds = list(Round.objects.order_by("number"))
    current = Round.objects.current()
    return Portfolio(
        today=today,
        pool=pool,
        rounds=round_positions(pool, rounds),
        current_round=current,
        funders=funder_rows(today, book),
        areas=area_rows(today),
        exposure=fx_exposure(pool, book, pledges, receipts),
        pledges_to_arrive=pledges,
        cash_to_convert=receipts,
        stale_rates=stale_rates(pool, today),
    )


# The waitlist


@dataclass(frozen=True)
class WaitlistRow:
    rank: int
    project: Project
    requested_gbp: Decimal
    cumulative_gbp: Decimal
    funded: bool
    is_next: bool


@dataclass(frozen=True)
class Waitlist:
    today: date
    round: Round | None
    position: RoundPosition | None
    rows: list[WaitlistRow]
    other_rounds: list[Project]
    gbp_usd: QuotedRate | None
    stale_rates: list[QuotedRate] = field(default_factory=list)

    @property
    def headroom_gbp(self) -> Decimal:
        return self.position.headroom_gbp if self.position else ZERO

    @property
    def funded(self) -> list[WaitlistRow]:
        return [r for r in self.rows if r.funded]

    @property
    def funded_total_gbp(self) -> Decimal:
        return total(r.requested_gbp for r in self.funded)

    @property
    def waiting_total_gbp(self) -> Decimal:
        return total(r.requested_gbp for r in self.rows)

    @property
    def next_row(self) -> WaitlistRow | None:
        return next((r for r in self.rows if r.is_next), None)

    @property
    def more_needed_gbp(self) -> Decimal:
        """How much more headroom would fund the next project on the list, after those funded now."""
        row = self.next_row
        return row.cumulative_gbp - self.headroom_gbp if row else ZERO

    @property
    def more_needed_usd(self) -> Decimal:
        return self.gbp_usd.convert(self.more_needed_gbp) if self.gbp_usd else ZERO

    @property
    def cash_short_gbp(self) -> Decimal:
        """How much more money the fund needs for the next project, if the round's budget allowed it."""
        row = self.next_row
        return max(ZERO, row.cumulative_gbp - self.position.fund_headroom_gbp) if row else ZERO

    @property
    def budget_short_gbp(self) -> Decimal:
        """How much more budget the round needs for the next project."""
        row = self.next_row
        return max(ZERO, row.cumulative_gbp - self.position.budget_left_gbp) if row else ZERO

    @property
    def limited_by_budget(self) -> bool:
        """True when the round's remaining budget, not the fund's cash, is what stops the next award."""
        return bool(self.position) and self.position.budget_left_gbp < self.position.fund_headroom_gbp


def rank_waitlist(projects: list[Project], headroom_gbp: Decimal) -> list[WaitlistRow]:
    """In rank order, the projects the headroom covers, until the first it does not: that one is next. Funding
    goes strictly by rank, so a cheaper project further down is not funded ahead of the next one."""
    rows = []
    cumulative = ZERO
    blocked = False
    for rank, project in enumerate(projects, start=1):
        requested = project.amount_requested.amount
        cumulative += requested
        funded = not blocked and cumulative <= headroom_gbp
        is_next = not blocked and not funded
        blocked = blocked or not funded
        rows.append(WaitlistRow(rank, project, requested, cumulative, funded, is_next))
    return rows


def waitlist(today: date) -> Waitlist:
    """The vetted projects waiting for money, ranked by panel score. The current round's headroom decides which
    the money funds now; waiting projects of other rounds are listed apart."""
    book = rate_book_for(today)
    pool = pool_position(today, book)
    current = Round.objects.current()
    waiting = list(Project.objects.vetted_waiting().select_related("round", "research_area"))
    position = round_positions(pool, [current])[0] if current else None
    in_round = [p for p in waiting if current and p.round_id == current.pk]
    others = [p for p in waiting if not current or p.round_id != current.pk]
    return Waitlist(
        today=today,
        round=current,
        position=position,
        rows=rank_waitlist(in_round, position.headroom_gbp if position else ZERO),
        other_rounds=others,
        gbp_usd=pool.gbp_usd,
        stale_rates=stale_rates(pool, today),
    )


# The payment calendar


@dataclass(frozen=True)
class CalendarMonth:
    month: date
    payments: list[Milestone]
    payments_gbp: Decimal
    overdue_gbp: Decimal
    receipts_gbp: Decimal
    cash_after_gbp: Decimal
    cash_and_foreign_after_gbp: Decimal

    @property
    def short(self) -> bool:
        """GBP cash would not cover this month's payments."""
        return self.cash_after_gbp < 0

    @property
    def short_even_converting(self) -> bool:
        """Not even converting all foreign cash at today's rate would cover them."""
        return self.cash_and_foreign_after_gbp < 0


@dataclass(frozen=True)
class PaymentCalendar:
    today: date
    cash_gbp: Decimal
    foreign_cash_gbp: Decimal
    receivable_gbp: Decimal
    months: list[CalendarMonth]
    later_gbp: Decimal
    later_count: int
    stale_rates: list[QuotedRate] = field(default_factory=list)

    @property
    def scheduled_gbp(self) -> Decimal:
        return total(m.payments_gbp for m in self.months)

    @property
    def short_months(self) -> list[CalendarMonth]:
        return [m for m in self.months if m.short]

    @property
    def overdue_gbp(self) -> Decimal:
        return self.months[0].overdue_gbp if self.months else ZERO


def payment_calendar(today: date, months: int = 12) -> PaymentCalendar:
    """Scheduled payments (unpaid milestones of live awards, in the payment run they are expected in) month by month
    against GBP cash. Expected receipts count only where a date is known; pledges carry no payment schedule, so by
    default none is counted and pledges still to arrive are shown beside the table, not in it. A payment whose run
    has passed unpaid counts in the current month, as overdue."""
    book = rate_book_for(today)
    pool = pool_position(today, book)
    cash_gbp = pool.cash.get(BASE_CURRENCY, ZERO)
    foreign_gbp = total(v.gbp for v in pool.foreign_cash)
    unpaid = (
        Milestone.objects.filter(disbursement__isnull=True, award__status__in=Award.LIFECYCLE)
        .select_related("award__project")
        .order_by("due_on", "award__reference", "number")
    )
    start = first_of_month(today)
    end = add_months(start, months)
    by_month: dict[date, list[Milestone]] = defaultdict(list)
    overdue = ZERO
    later_gbp, later_count = ZERO, 0
    for milestone in unpaid:
        month = first_of_month(milestone.expected_payment_on)
        if month < start:
            overdue += milestone.amount.amount
            month = start
        if month >= end:
            later_gbp += milestone.amount.amount
            later_count += 1
            continue
        by_month[month].append(milestone)
    rows = []
    paid_so_far = ZERO
    for index in range(months):
        month = add_months(start, index)
        payments = by_month.get(month, [])
        amount = total(m.amount.amount for m in payments)
        paid_so_far += amount
        rows.append(
            CalendarMonth(
                month=month,
                payments=payments,
                payments_gbp=amount,
                overdue_gbp=overdue if index == 0 else ZERO,
                receipts_gbp=ZERO,
                cash_after_gbp=cash_gbp - paid_so_far,
                cash_and_foreign_after_gbp=cash_gbp + foreign_gbp - paid_so_far,
            )
        )
    return PaymentCalendar(
        today=today,
        cash_gbp=cash_gbp,
        foreign_cash_gbp=foreign_gbp,
        receivable_gbp=pool.receivable_gbp,
        months=rows,
        later_gbp=later_gbp,
        later_count=later_count,
        stale_rates=stale_rates(pool, today),
    )


# A round, a project, an award


@dataclass(frozen=True)
class RoundPage:
    position: RoundPosition
    awards: list[Award]
    waiting: list[WaitlistRow]
    restricted_pledges: list[Pledge]
    gbp_usd: QuotedRate | None

    @property
    def round(self) -> Round:
        return self.position.round


def round_page(round_: Round, today: date) -> RoundPage:
    book = rate_book_for(today)
    pool = pool_position(today, book)
    (position,) = round_positions(pool, [round_])
    awards = list(
        round_.awards.select_related("project__research_area")
        .annotate(paid_total=Sum("disbursements__amount", filter=Q(disbursements__amount_currency=BASE_CURRENCY)))
        .order_by("reference")
    )
    for award in awards:
        award.paid_gbp = _sum(award.paid_total)
    waiting = list(Project.objects.vetted_waiting().filter(round=round_).select_related("research_area"))
    pledges = list(round_.restricted_pledges.select_related("funder").order_by("pledged_on", "pk"))
    return RoundPage(position, awards, rank_waitlist(waiting, position.headroom_gbp), pledges, pool.gbp_usd)


@dataclass(frozen=True)
class ScheduleRow:
    milestone: Milestone
    report_status: str
    payment: Disbursement | None

    @property
    def expected_on(self) -> date | None:
        return None if self.payment else self.milestone.expected_payment_on


@dataclass(frozen=True)
class LedgerRow:
    """One ledger line as a debit or a credit (lines are signed: debits positive, credits negative)."""

    line: LedgerLine

    @property
    def currency(self) -> str:
        return self.line.amount_currency

    @property
    def debit(self) -> Decimal | None:
        return self.line.amount.amount if self.line.amount.amount > 0 else None

    @property
    def credit(self) -> Decimal | None:
        return -self.line.amount.amount if self.line.amount.amount < 0 else None


@dataclass(frozen=True)
class LedgerEntry:
    """A posted ledger transaction with the lines that belong to it."""

    transaction: object
    lines: list[LedgerRow]


@dataclass(frozen=True)
class AwardPage:
    award: Award
    schedule: list[ScheduleRow]
    disbursements: list[Disbursement]
    attributions: list[AwardAttribution]
    ledger: list[LedgerEntry]
    today: date

    @property
    def paid_gbp(self) -> Decimal:
        return total(d.amount.amount for d in self.disbursements)

    @property
    def to_pay_gbp(self) -> Decimal:
        return self.award.amount.amount - self.paid_gbp

    @property
    def milestones_gbp(self) -> Decimal:
        return total(row.milestone.amount.amount for row in self.schedule)

    @property
    def lifecycle(self) -> list[dict]:
        """The award's steps with which are done and which is current (for the status timeline)."""
        position = self.award.lifecycle_position
        return [
            {"label": status.label, "done": position > i, "current": position == i}
            for i, status in enumerate(Award.LIFECYCLE)
        ]


def award_queryset(awards=None):
    """Awards with everything their page shows, in a fixed number of queries."""
    return (
        (awards if awards is not None else Award.objects.all())
        .select_related("project__research_area", "project__lead", "round")
        .prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.select_related("disbursement").order_by("number")),
            Prefetch("attributions", queryset=AwardAttribution.objects.select_related("funder").order_by("-amount")),
            "disbursements",
        )
    )


def award_page(award: Award, today: date) -> AwardPage:
    """An award's schedule, payments, attribution and ledger entries (award from `award_queryset()`)."""
    schedule = []
    for milestone in award.milestones.all():
        payment = getattr(milestone, "disbursement", None)
        schedule.append(ScheduleRow(milestone, milestone.report_status(today), payment))
    lines = (
        LedgerLine.objects.filter(transaction__lines__award=award)
        .select_related("transaction", "funder")
        .distinct()
        .order_by("transaction__occurred_on", "transaction_id", "pk")
    )
    entries: dict[int, LedgerEntry] = {}
    for line in lines:
        entry = entries.setdefault(line.transaction_id, LedgerEntry(line.transaction, []))
        entry.lines.append(LedgerRow(line))
    return AwardPage(
        award=award,
        schedule=schedule,
        disbursements=list(award.disbursements.all()),
        attributions=list(award.attributions.all()),
        ledger=list(entries.values()),
        today=today,
    )
