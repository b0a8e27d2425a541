"""Where the fund's money went: the awards by round and research area, and the money attributed to each funder and
area. The one way each of these is worked out, for the portfolio, the pools (funders' and administrators'), the
summary snapshots and the API.

An award that ended early counts for what was paid on it, as in the ledger: nothing of it stays committed. Sums are
GROUP BYs in the database; only the ended awards' parts (few) are split here. These go over every award, payment or
attribution, so the pages read them through `grants.reads.remembered` (worked out once per version of the fund).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Sum

from alignment_fund.money import BASE_CURRENCY
from grants.models import Award, AwardAttribution, Disbursement
from grants.models.awards import terminated_by
from grants.reads.attribution import payment_parts
from grants.reads.position import ZERO, money_sum
from grants.reads.remembered import remembered
from projects.models import ResearchArea, Round


def disbursed_by_award(on: date, award_ids=None) -> dict[int, Decimal]:
    """What was paid on each award by `on`, in pounds (of every award, or of `award_ids`): one query."""
    rows = Disbursement.objects.filter(paid_on__lte=on, amount_currency=BASE_CURRENCY)
    if award_ids is not None:
        rows = rows.filter(award_id__in=award_ids)
    totals = rows.values("award").annotate(paid=Sum("amount")).values_list("award", "paid").order_by()
    return {award_id: money_sum(paid) for award_id, paid in totals}


@dataclass(frozen=True)
class AwardGroup:
    """The awards of one round in one research area, as on a day: how many, awarded, paid."""

    round_number: int
    round_name: str
    area_id: int
    area_name: str
    award_count: int
    awarded: Decimal
    paid: Decimal


def awards_by_round_and_area(on: date) -> list[AwardGroup]:
    """Every round and research area with awards made by `on`, by round number then area name, as remembered for the
    fund's version (grants.reads.remembered): the portfolio, the pools and the charts all read it from here."""
    return remembered("awards_by_round_and_area", _awards_by_round_and_area, on)


def _awards_by_round_and_area(on: date) -> list[AwardGroup]:
    """Worked out: two GROUP BYs by ids, then the rounds' and areas' names."""
    keys = ("round", "project__research_area")
    counted = {
        tuple(row[key] for key in keys): row
        for row in Award.objects.filter(awarded_on__lte=on)
        .values(*keys)
        .annotate(award_count=Count("pk"), live=Sum("amount", filter=~terminated_by(on)))
        .order_by()
    }
    payments = {
        tuple(row[f"award__{key}"] for key in keys): row
        for row in Disbursement.objects.filter(
            paid_on__lte=on, amount_currency=BASE_CURRENCY, award__awarded_on__lte=on
        )
        .values(*(f"award__{key}" for key in keys))
        .annotate(paid=Sum("amount"), ended=Sum("amount", filter=terminated_by(on, "award__")))
        .order_by()
    }
    rounds = {pk: (number, name) for pk, number, name in Round.objects.values_list("pk", "number", "name")}
    areas = dict(ResearchArea.objects.values_list("pk", "name"))
    groups = []
    for (round_id, area_id), row in counted.items():
        paid_row = payments.get((round_id, area_id), {})
        groups.append(
            AwardGroup(
                round_number=rounds[round_id][0],
                round_name=rounds[round_id][1],
                area_id=area_id,
                area_name=areas[area_id],
                award_count=row["award_count"],
                awarded=money_sum(row["live"]) + money_sum(paid_row.get("ended")),
                paid=money_sum(paid_row.get("paid")),
            )
        )
    return sorted(groups, key=lambda group: (group.round_number, group.area_name))


def _live_attributions(on: date):
    return (
        AwardAttribution.objects.filter(award__awarded_on__lte=on, amount_currency=BASE_CURRENCY)
        .exclude(terminated_by(on, "award__"))
        .order_by()
    )


def _ended_parts(on: date) -> list[tuple[int, int, Decimal]]:
    """(funder id, research area id, part) of what was paid on each award ended by `on`: one query, and a second
    when an award had ended."""
    ended = dict(Award.objects.filter(awarded_on__lte=on).ended_by(on).values_list("pk", "project__research_area"))
    if not ended:
        return []
    parts = payment_parts(disbursed_by_award(on, list(ended)), award_ids=list(ended))
    return [(funder_id, ended[award_id], part) for (award_id, funder_id), part in parts.items()]


def attributed_by_funder(on: date) -> dict[int, Decimal]:
    """The money attributed to awards made by `on`, by funder id: one GROUP BY, and the ended awards' parts."""
    by_funder: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for funder_id, amount in _live_attributions(on).values_list("funder").annotate(total=Sum("amount")):
        by_funder[funder_id] += money_sum(amount)
    for funder_id, _, part in _ended_parts(on):
        by_funder[funder_id] += part
    return dict(by_funder)


def attributed_by_area(on: date) -> dict[int, Decimal]:
    """The money attributed to awards made by `on`, by research area id: one GROUP BY, and the ended awards' parts."""
    by_area: dict[int, Decimal] = defaultdict(lambda: ZERO)
    live = _live_attributions(on).values_list("award__project__research_area").annotate(total=Sum("amount"))
    for area_id, amount in live:
        by_area[area_id] += money_sum(amount)
    for _, area_id, part in _ended_parts(on):
        by_area[area_id] += part
    return dict(by_area)
