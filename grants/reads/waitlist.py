"""The waitlist: vetted projects waiting for money, ranked by panel score against the current round's headroom."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from alignment_fund.money import total
from alignment_fund.rates.models import QuotedRate
from grants.reads.position import ZERO, RoundPosition, pool_position, rate_book_for, round_positions, stale_rates
from projects.models import Project, Round

OTHERS_SHOWN = 50  # waiting projects of other rounds listed; the rest are counted


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
    other_rounds_count: int = 0

    @property
    def more_other_rounds(self) -> int:
        return self.other_rounds_count - len(self.other_rounds)

    @property
    def headroom_gbp(self) -> Decimal:
        return self.position.headroom_gbp if self.position else ZERO

    @property
    def funded(self) -> list[WaitlistRow]:
        return [row for row in self.rows if row.funded]

    @property
    def funded_total_gbp(self) -> Decimal:
        return total(row.requested_gbp for row in self.funded)

    @property
    def waiting_total_gbp(self) -> Decimal:
        return total(row.requested_gbp for row in self.rows)

    @property
    def next_row(self) -> WaitlistRow | None:
        return next((row for row in self.rows if row.is_next), None)

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
    waiting = Project.objects.vetted_waiting().select_related("round", "research_area")
    position = round_positions(pool, [current])[0] if current else None
    # The current round is ranked whole (the headroom decides how far down it funds); the other rounds' projects
    # are only listed, so the best OTHERS_SHOWN are, and the rest counted.
    in_round = list(waiting.filter(round=current)) if current else []
    others_waiting = waiting.exclude(round=current) if current else waiting
    others = list(others_waiting[:OTHERS_SHOWN])
    return Waitlist(
        other_rounds_count=others_waiting.count(),
        today=today,
        round=current,
        position=position,
        rows=rank_waitlist(in_round, position.headroom_gbp if position else ZERO),
        other_rounds=others,
        gbp_usd=pool.gbp_usd,
        stale_rates=stale_rates(pool, today),
    )
