"""A round's page: its budget and headroom, its awards, the vetted projects waiting in it, the pledges restricted
to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import OuterRef, Subquery, Sum

from alignment_fund.money import BASE_CURRENCY
from alignment_fund.rates.models import QuotedRate
from funders.models import Pledge
from grants.models import Award, Disbursement
from grants.reads.position import RoundPosition, money_sum, pool_position, rate_book_for, round_positions
from grants.reads.waitlist import WaitlistRow, rank_round, ranked_page
from projects.models import Project, Round

SHOWN = 50  # awards and waiting projects listed on the page; the rest are counted and one link away


@dataclass(frozen=True)
class RoundPage:
    position: RoundPosition
    awards: list[Award]  # the first SHOWN, by reference
    waiting: list[WaitlistRow]  # the best SHOWN, ranked
    restricted_pledges: list[Pledge]
    gbp_usd: QuotedRate | None
    award_count: int = 0
    waiting_count: int = 0

    @property
    def more_awards(self) -> int:
        return self.award_count - len(self.awards)

    @property
    def more_waiting(self) -> int:
        return self.waiting_count - len(self.waiting)

    @property
    def round(self) -> Round:
        return self.position.round


def round_page(round_: Round, today: date) -> RoundPage:
    book = rate_book_for(today)
    pool = pool_position(today, book)
    (position,) = round_positions(pool, [round_])
    # What each listed award has paid, as a subquery: worked out for the SHOWN awards, not the whole round's.
    paid = (
        Disbursement.objects.filter(award=OuterRef("pk"), amount_currency=BASE_CURRENCY)
        .order_by()
        .values("award")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    awards = list(
        round_.awards.select_related("project__research_area")
        .annotate(paid_total=Subquery(paid))
        .order_by("reference")[:SHOWN]
    )
    for award in awards:
        award.paid_gbp = money_sum(award.paid_total)
    # The best SHOWN waiting projects, ranked against the round's headroom as on the waitlist.
    waiting_projects = Project.objects.vetted_waiting().filter(round=round_)
    ranking = rank_round(waiting_projects, position.headroom_gbp)
    waiting = list(ranked_page(waiting_projects, ranking, size=SHOWN).object_list)
    counts = {"award_count": round_.awards.count(), "waiting_count": ranking.waiting_count}
    pledges = list(round_.restricted_pledges.select_related("funder").order_by("pledged_on", "pk"))
    return RoundPage(position, awards, waiting, pledges, pool.gbp_usd, **counts)
