"""How much can still be awarded, and how many pounds the fund holds: on one day, and at their lowest since a date.

The writes check these before an award or a payment; a booking dated in the past must fit on every later day too."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from alignment_fund.clock import fund_today
from alignment_fund.money import BASE_CURRENCY
from alignment_fund.rates.models import RateBook
from grants.models import Account, Approval, Award, AwardAmendment, Disbursement
from grants.reads.position import balances_on, pool_position, round_positions
from projects.models import Round


def commitment_days(since: date, today: date) -> set[date]:
    """The days after `since` on which the fund committed more: awards made and awards amended."""
    awarded = Award.objects.filter(awarded_on__gt=since, awarded_on__lte=today).values_list("awarded_on", flat=True)
    amended = AwardAmendment.objects.filter(amended_on__gt=since, amended_on__lte=today).values_list(
        "amended_on", flat=True
    )
    return set(awarded) | set(amended)


def headroom_for(round_: Round, on: date, book: RateBook | None = None) -> tuple[Decimal, Decimal]:
    """(the round's headroom, the fund's headroom) in GBP on `on`."""
    pool = pool_position(on, book)
    (position,) = round_positions(pool, [round_])
    return position.headroom_gbp, pool.headroom_gbp


def lowest_headroom(round_: Round, since: date) -> tuple[Decimal, Decimal]:
    """The lowest (round, fund) headroom from `since` to today.

    An award dated in the past must fit not only on its own date but on every later day: later awards may already
    have spent what was free then. Headroom falls only when something is awarded, an award amended or an award
    reserved while it waits for a second administrator (and moves with rates), so the days to check are `since`, each
    later award, amendment or reservation date, and today."""
    today = fund_today()
    days = (
        {since, today}
        | commitment_days(since, today)
        | set(
            Approval.objects.pending()
            .filter(reserved_on__gt=since, reserved_on__lte=today)
            .values_list("reserved_on", flat=True)
        )
    )
    book = RateBook.load(until=today)
    lows = [headroom_for(round_, day, book) for day in sorted(days)]
    return min(low[0] for low in lows), min(low[1] for low in lows)


def lowest_fund_headroom(since: date) -> tuple[Decimal, date]:
    """The fund's lowest headroom from `since` to today, and the day it is reached (checked on the same days as
    `lowest_headroom`). A correction that takes money out of the past must leave it at zero or more."""
    today = fund_today()
    days = {since, today} | commitment_days(since, today)
    book = RateBook.load(until=today)
    return min((pool_position(day, book).headroom_gbp, day) for day in sorted(days))


def lowest_gbp_cash(since: date) -> Decimal:
    """The least GBP cash held on `since` or any later day up to today. A payment dated in the past must not make the
    pounds of any later day negative; pounds fall only on payment days, so those are the days to check."""
    today = fund_today()
    days = {since, today} | set(
        Disbursement.objects.filter(paid_on__gt=since, paid_on__lte=today).values_list("paid_on", flat=True)
    )
    return min(
        balances_on(day, account=Account.CASH).get((Account.CASH, BASE_CURRENCY), Decimal("0.00")) for day in days
    )
