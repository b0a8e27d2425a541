"""A round's page: its budget and headroom, its awards, the vetted projects waiting in it, the pledges restricted
to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, Sum

from alignment_fund.money import BASE_CURRENCY
from alignment_fund.rates.models import QuotedRate
from funders.models import Pledge
from grants.models import Award
from grants.reads.position import RoundPosition, money_sum, pool_position, rate_book_for, round_positions
from grants.reads.waitlist import WaitlistRow, rank_waitlist
from projects.models import Project, Round


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
        .annotate(
            paid_total=Sum(
                "disbursements__amount",
                filter=Q(disbursements__amount_currency=BASE_CURRENCY, disbursements__reversed_at__isnull=True),
            )
        )
        .order_by("reference")
    )
    for award in awards:
        award.paid_gbp = money_sum(award.paid_total)
    waiting = list(Project.objects.vetted_waiting().filter(round=round_).select_related("research_area"))
    pledges = list(round_.restricted_pledges.select_related("funder").order_by("pledged_on", "pk"))
    return RoundPage(position, awards, rank_waitlist(waiting, position.headroom_gbp), pledges, pool.gbp_usd)
