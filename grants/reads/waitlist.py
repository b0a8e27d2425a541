"""The waitlist: vetted projects waiting for money, ranked by panel score against the current round's headroom."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import BigIntegerField, Count, F, QuerySet, RowRange, Sum, Window
from django.db.models.functions import Cast, RowNumber
from django.db.models.functions import Round as RoundNumber

from alignment_fund.rates.models import QuotedRate
from grants.reads.position import (
    ZERO,
    RoundPosition,
    money_sum,
    pool_position,
    rate_book_for,
    round_positions,
    stale_rates,
)
from projects.models import Project, Round

OTHERS_SHOWN = 50  # waiting projects of other rounds listed; the rest are counted
PAGE_SIZE = 50  # ranked projects of the current round a page


@dataclass(frozen=True)
class WaitlistRow:
    rank: int
    project: Project
    requested_gbp: Decimal
    cumulative_gbp: Decimal
    funded: bool
    is_next: bool


@dataclass(frozen=True)
class Ranking:
    """A round's waiting projects against its headroom, added up in the database: how many the headroom funds
    (strictly by rank) and for how much, and the first one it does not fund, if any."""

    headroom_gbp: Decimal
    waiting_count: int = 0
    waiting_total_gbp: Decimal = ZERO
    next_row: WaitlistRow | None = None

    @property
    def funded_count(self) -> int:
        return self.next_row.rank - 1 if self.next_row else self.waiting_count

    @property
    def funded_total_gbp(self) -> Decimal:
        row = self.next_row
        return row.cumulative_gbp - row.requested_gbp if row else self.waiting_total_gbp

    def row(self, rank: int, project: Project, cumulative_gbp: Decimal) -> WaitlistRow:
        next_rank = self.next_row.rank if self.next_row else None
        funded = next_rank is None or rank < next_rank
        return WaitlistRow(rank, project, project.amount_requested.amount, cumulative_gbp, funded, rank == next_rank)


@dataclass(frozen=True)
class Waitlist:
    today: date
    round: Round | None
    position: RoundPosition | None
    rows: list[WaitlistRow]  # a page of the current round's ranking
    other_rounds: list[Project]
    gbp_usd: QuotedRate | None
    stale_rates: list[QuotedRate] = field(default_factory=list)
    other_rounds_count: int = 0
    ranking: Ranking = field(default_factory=lambda: Ranking(ZERO))
    page: Page | None = None

    @property
    def more_other_rounds(self) -> int:
        return self.other_rounds_count - len(self.other_rounds)

    @property
    def headroom_gbp(self) -> Decimal:
        return self.position.headroom_gbp if self.position else ZERO

    @property
    def waiting_count(self) -> int:
        return self.ranking.waiting_count

    @property
    def funded_count(self) -> int:
        return self.ranking.funded_count

    @property
    def funded_total_gbp(self) -> Decimal:
        return self.ranking.funded_total_gbp

    @property
    def waiting_total_gbp(self) -> Decimal:
        return self.ranking.waiting_total_gbp

    @property
    def next_row(self) -> WaitlistRow | None:
        return self.ranking.next_row

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


def ranked(projects: QuerySet[Project]) -> QuerySet[Project]:
    """Waiting projects in rank order (best panel score first), each with its rank and the amount requested by it and
    every project ranked above it, worked out by the database whatever page of them is read."""
    order = [F("panel_score").desc(), F("vetted_on").asc(), F("pk").asc()]
    # Added up in whole pence, so the comparison with the headroom is exact on SQLite too (it sums decimals as floats).
    pence = Cast(RoundNumber(F("amount_requested") * 100), BigIntegerField())
    return projects.order_by(*order).annotate(
        rank=Window(RowNumber(), order_by=order),
        cumulative_pence=Window(Sum(pence), order_by=order, frame=RowRange(start=None, end=0)),
    )


def rank_round(projects: QuerySet[Project], headroom_gbp: Decimal) -> Ranking:
    """How far down the ranking the headroom funds, in two queries: funding goes strictly by rank, so the first
    project whose running total passes the headroom is next, and a cheaper project further down waits its turn."""
    figures = projects.order_by().aggregate(count=Count("pk"), total=Sum("amount_requested"))
    ranking = Ranking(headroom_gbp, figures["count"], money_sum(figures["total"]))
    headroom_pence = int(headroom_gbp * 100)
    first_short = ranked(projects).filter(cumulative_pence__gt=headroom_pence).select_related("research_area").first()
    if first_short is None:
        return ranking
    row = WaitlistRow(
        first_short.rank,
        first_short,
        first_short.amount_requested.amount,
        _pounds(first_short.cumulative_pence),
        funded=False,
        is_next=True,
    )
    return Ranking(headroom_gbp, ranking.waiting_count, ranking.waiting_total_gbp, row)


def _pounds(pence: int) -> Decimal:
    return (Decimal(pence) / 100).quantize(Decimal("0.01"))


def ranked_page(projects: QuerySet[Project], ranking: Ranking, number=1, size: int = PAGE_SIZE) -> Page:
    """A page of the ranking, its projects as WaitlistRows (counted already by `ranking`: no second COUNT)."""
    paginator = Paginator(ranked(projects).select_related("round", "research_area"), size)
    paginator.count = ranking.waiting_count
    page = paginator.get_page(number)
    page.object_list = [
        ranking.row(project.rank, project, _pounds(project.cumulative_pence)) for project in page.object_list
    ]
    return page


def waitlist(today: date, page: int | str | None = 1) -> Waitlist:
    """The vetted projects waiting for money, ranked by panel score, a page at a time. The current round's headroom
    decides which the money funds now; waiting projects of other rounds are listed apart."""
    book = rate_book_for(today)
    pool = pool_position(today, book)
    current = Round.objects.current()
    waiting = Project.objects.vetted_waiting().select_related("round", "research_area")
    position = round_positions(pool, [current])[0] if current else None
    # The current round is ranked in the database (the headroom decides how far down it funds) and shown a page at a
    # time; the other rounds' projects are only listed, so the best OTHERS_SHOWN are, and the rest counted.
    headroom = position.headroom_gbp if position else ZERO
    in_round = Project.objects.vetted_waiting().filter(round=current)
    ranking = rank_round(in_round, headroom) if current else Ranking(headroom)
    rows = ranked_page(in_round, ranking, page) if current else None
    others_waiting = waiting.exclude(round=current) if current else waiting
    others = list(others_waiting[:OTHERS_SHOWN])
    return Waitlist(
        ranking=ranking,
        page=rows,
        other_rounds_count=others_waiting.count(),
        today=today,
        round=current,
        position=position,
        rows=list(rows.object_list) if rows else [],
        other_rounds=others,
        gbp_usd=pool.gbp_usd,
        stale_rates=stale_rates(pool, today),
    )
