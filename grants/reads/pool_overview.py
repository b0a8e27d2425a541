"""The pool as a whole, as a funder's contact may see it, and with every figure for administrators.

`pool_overview(on, viewer)` is the pool as a funder may see it, and `administrators_pool(on)` the pool with every
figure. Both are frozen dataclasses computed in a fixed number of queries, whatever the number of pledges or awards,
and read by the funder's page and the API alike.

The disclosure rule: no figure shown to a funder's contact includes the money of another funder who keeps its
amounts private. The money that came in (pledged, received) is added up only over the funders who disclose their
amounts, and the viewer's own, and the page says how many funders are left out. The money that went out (awarded,
committed, paid; by round and research area) is the awards' own amounts, published as open data whoever paid for
them. Figures that mix every funder's money and cannot be split (cash held, the pool's value, headroom, FX exposure)
are for administrators only. Because the rule holds figure by figure, it holds across dates too: comparing the pool
on two days shows only what disclosed funders, the viewer and the awards did in between, never a private pledge or
receipt. Other funders' amounts are never listed one by one; when only one other funder discloses, the total less the
viewer's own is that funder's, which it has agreed to disclose.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Sum

from alignment_fund.money import BASE_CURRENCY, CURRENCIES, round_money, total
from alignment_fund.rates.models import QuotedRate, RateBook, RateUnavailable
from funders.models import Funder, Pledge, Receipt
from grants.reads.allocation import awards_by_round_and_area
from grants.reads.position import pool_position

ZERO = Decimal("0.00")


def load_rate_book(on: date, since: date | None = None) -> RateBook:
    """Every currency the fund deals in, from `since` (or a year before `on`) to `on`: one query."""
    start = min(since or on, on - timedelta(days=365))
    return RateBook.load(CURRENCIES, since=start, until=on)


def quote_or_none(book: RateBook, source: str, target: str, on: date) -> QuotedRate | None:
    """The reference rate of `on`, or None when no rate is known that early."""
    try:
        return book.quote(source, target, on)
    except RateUnavailable:
        return None


@dataclass(frozen=True)
class PoolFigure:
    """A pool total in GBP and USD; either is None when no reference rate is known for the date."""

    label: str
    gbp: Decimal | None
    usd: Decimal | None


@dataclass(frozen=True)
class PoolGroup:
    """Awards in one round or research area: how many, how much, what was paid and what is still to pay."""

    label: str
    award_count: int
    awarded: PoolFigure
    disbursed: PoolFigure
    committed: PoolFigure


@dataclass(frozen=True)
class PoolOverview:
    """The pool on `on` as a funder's contact may see it (see the module's disclosure rule).

    `pledged` and `received` add up the money of `funders_counted` funders: those who disclose their amounts, and the
    viewer. `left_out` funders keep their amounts private and are in neither. Nothing here holds cash, value or
    headroom: those mix everyone's money, and only `AdministratorsPool` carries them."""

    on: date
    pledged: PoolFigure
    received: PoolFigure
    awarded: PoolFigure
    committed: PoolFigure
    disbursed: PoolFigure
    award_count: int
    rounds: tuple[PoolGroup, ...]
    areas: tuple[PoolGroup, ...]
    backers: tuple[str, ...]
    funders_counted: int
    left_out: int
    viewer_pledged: bool
    gbp_usd: QuotedRate | None
    rates_available: bool = True

    @property
    def headline(self) -> tuple[PoolFigure, ...]:
        return (self.pledged, self.received, self.awarded, self.committed, self.disbursed)

    @property
    def others_counted(self) -> int:
        """Other funders whose money is in the pledged and received totals."""
        return self.funders_counted - int(self.viewer_pledged)

    @property
    def counted(self) -> str:
        """Whose money the pledged and received totals add up, for a caption."""
        if not self.others_counted:
            return "your own money only: no other funder discloses its amounts"
        if self.others_counted == 1:
            return "your money and that of the 1 other funder who discloses its amounts"
        return f"your money and that of the {self.others_counted} other funders who disclose their amounts"

    @property
    def left_out_note(self) -> str:
        """Who is left out of the pledged and received totals, for a caption ("" when nobody is)."""
        if not self.left_out:
            return ""
        if self.left_out == 1:
            return "1 funder keeps its amounts private and is left out"
        return f"{self.left_out} funders keep their amounts private and are left out"


@dataclass(frozen=True, kw_only=True)
class AdministratorsPool(PoolOverview):
    """The pool with every figure, for administrators: every funder's money, and what mixes it all."""

    value: PoolFigure
    headroom: PoolFigure

    @property
    def headline(self) -> tuple[PoolFigure, ...]:
        return (self.value, *super().headline, self.headroom)

    @property
    def counted(self) -> str:
        count = self.funders_counted
        return f"every funder's money ({count} funder{'' if count == 1 else 's'})"


def _converted(rows, quotes: dict[str, QuotedRate]) -> Decimal:
    """Totals per currency, each converted once at the day's reference rate: never a sum across currencies."""
    return total(quotes[currency].convert(round_money(amount or 0)) for currency, amount in rows)


def _pool_fields(on: date, book: RateBook, viewer: Funder | None) -> dict:
    """What the funder's and the administrators' pools share; `viewer` None counts every funder's money."""
    pledgers = list(
        Funder.objects.filter(pledges__pledged_on__lte=on, pledges__reversed_at__isnull=True)
        .distinct()
        .order_by("name")
    )
    if viewer is None:
        counted = [funder.pk for funder in pledgers]
    else:
        counted = [funder.pk for funder in pledgers if funder.disclose_amounts or funder.pk == viewer.pk]
    # A private funder's rows are never read for a funder's view, so no total can carry them.
    pledged_rows = (
        Pledge.objects.filter(pledged_on__lte=on, funder__in=counted)
        .values("amount_currency")
        .annotate(summed=Sum("amount"))
        .values_list("amount_currency", "summed")
        .order_by()
    )
    received_rows = (
        Receipt.objects.filter(received_on__lte=on, pledge__funder__in=counted)
        .values("amount_currency")
        .annotate(summed=Sum("amount"))
        .values_list("amount_currency", "summed")
        .order_by()
    )
    try:
        to_gbp = {currency: book.quote(currency, BASE_CURRENCY, on) for currency in CURRENCIES}
        to_usd = {currency: book.quote(currency, "USD", on) for currency in CURRENCIES}
        gbp_usd = to_usd[BASE_CURRENCY]
    except RateUnavailable:
        to_gbp, to_usd, gbp_usd = {}, {}, None

    def contributions(label: str, rows) -> PoolFigure:
        """Money of several currencies: each converted directly into GBP and into USD (the one method)."""
        if not to_gbp:
            return PoolFigure(label, None, None)
        rows = list(rows)
        return PoolFigure(label, _converted(rows, to_gbp), _converted(rows, to_usd))

    def figure(label: str, amount_gbp: Decimal | None) -> PoolFigure:
        if amount_gbp is None:
            return PoolFigure(label, None, None)
        amount_gbp = round_money(amount_gbp)
        return PoolFigure(label, amount_gbp, gbp_usd.convert(amount_gbp) if gbp_usd else None)

    # Awards are public facts (the 360Giving export publishes each one and its payments), whoever paid for them.
    # Added up by round and research area (grants.reads.allocation), worked out once per version of the fund.
    rows = [
        (row.round_name, row.area_name, row.award_count, row.awarded, row.paid) for row in awards_by_round_and_area(on)
    ]

    def group(label: str, members: list[tuple]) -> PoolGroup:
        amount = total(member[3] for member in members)
        disbursed = total(member[4] for member in members)
        return PoolGroup(
            label=label,
            award_count=sum(member[2] for member in members),
            awarded=figure("Awarded", amount),
            disbursed=figure("Disbursed", disbursed),
            committed=figure("Committed", amount - disbursed),
        )

    def groups(label_index: int) -> dict[str, list[tuple]]:
        buckets: dict[str, list[tuple]] = {}
        for row in rows:
            buckets.setdefault(row[label_index], []).append(row)
        return buckets

    everything = group("All awards", rows)
    return {
        "on": on,
        "pledged": contributions("Pledged", pledged_rows),
        "received": contributions("Received", received_rows),
        "awarded": everything.awarded,
        "committed": everything.committed,
        "disbursed": everything.disbursed,
        "award_count": everything.award_count,
        # Rounds in their order (the awards come by round number), research areas by name.
        "rounds": tuple(group(label, members) for label, members in groups(0).items()),
        "areas": tuple(group(label, members) for label, members in sorted(groups(1).items())),
        "backers": tuple(
            funder.name for funder in pledgers if viewer is None or (funder.publicly_named and funder.pk != viewer.pk)
        ),
        "funders_counted": len(counted),
        "left_out": len(pledgers) - len(counted),
        "viewer_pledged": viewer is not None and any(funder.pk == viewer.pk for funder in pledgers),
        "gbp_usd": gbp_usd,
        "rates_available": bool(to_gbp),
    }


def pool_overview(on: date, viewer: Funder, book: RateBook | None = None) -> PoolOverview:
    """The pool as a whole on `on`, as the contact of `viewer` may see it (see the module's disclosure rule)."""
    book = book if book is not None else load_rate_book(on)
    return PoolOverview(**_pool_fields(on, book, viewer))


def administrators_pool(on: date, book: RateBook | None = None) -> AdministratorsPool:
    """The pool with every figure, including those that mix every funder's money: for administrators only."""
    book = book if book is not None else load_rate_book(on)
    fields = _pool_fields(on, book, None)
    position = pool_position(on, book)

    return AdministratorsPool(
        **fields,
        value=PoolFigure("Pool value", position.pool_gbp, position.pool_usd),
        headroom=PoolFigure("Headroom", position.headroom_gbp, position.headroom_usd),
    )
