"""FX exposure: the money still in other currencies, what it was worth in pounds then and is worth now, and what
moves of the pound would do to headroom and to pledges still to arrive."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from alignment_fund.money import BASE_CURRENCY, round_money, total
from alignment_fund.rates.models import QuotedRate, RateBook
from grants.reads.outstanding import Left
from grants.reads.position import ZERO, PoolPosition

# The GBP moves the FX exposure table tries: +0.05 means the pound buys 5% more of the other currency.
GBP_MOVES = (Decimal("0.10"), Decimal("0.05"), Decimal("-0.05"), Decimal("-0.10"))


def move_label(gbp_move: Decimal) -> str:
    """'Pound 10% stronger' for 0.10, 'Pound 5% weaker' for -0.05."""
    return f"Pound {abs(gbp_move) * 100:.0f}% {'stronger' if gbp_move > 0 else 'weaker'}"


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
        return total(row.total_gbp_then for row in self.rows)

    @property
    def total_gbp_now(self) -> Decimal:
        return total(row.total_gbp_now for row in self.rows)

    @property
    def change_gbp(self) -> Decimal:
        return total(row.change_gbp for row in self.rows)


def value_after_gbp_move(amount: Decimal, rate_to_gbp: Decimal, gbp_move: Decimal) -> Decimal:
    """The GBP value of `amount` of a foreign currency if the pound moved by `gbp_move` against it.

    A pound 5% stronger (`gbp_move` = 0.05) buys 5% more of the currency, so each unit of it is worth
    rate / 1.05 pounds; 5% weaker, rate / 0.95.
    """
    return round_money(amount * rate_to_gbp / (1 + gbp_move))


def fx_exposure(pool: PoolPosition, book: RateBook, pledges: list[Left], receipts: list[Left]) -> FxExposure:
    """Per non-GBP currency: cash held and pledges still to arrive, in GBP at the rate of the day each was received
    or pledged and at today's rate, and what 5% and 10% moves of the pound would do. Headroom counts foreign cash at
    today's rate, so cash moves headroom; pledges not yet received sit beside headroom and move only the pool."""
    on = pool.on
    then_held = defaultdict(lambda: ZERO)
    for row in receipts:
        quote = book.quote(row.currency, BASE_CURRENCY, row.on)
        then_held[row.currency] += quote.convert(row.left)
    then_pledged = defaultdict(lambda: ZERO)
    for row in pledges:
        if row.currency != BASE_CURRENCY:
            quote = book.quote(row.currency, BASE_CURRENCY, row.on)
            then_pledged[row.currency] += quote.convert(row.left)
    held = {currency: amount for currency, amount in pool.cash.items() if currency != BASE_CURRENCY and amount > 0}
    to_arrive = defaultdict(lambda: ZERO)
    for row in pledges:
        if row.currency != BASE_CURRENCY:
            to_arrive[row.currency] += row.left
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
        change = total(row.scenarios[index].headroom_change_gbp for row in rows)
        pledged_change = total(row.scenarios[index].pledged_change_gbp for row in rows)
        totals.append(ScenarioTotal(move, change, pool.headroom_gbp + change, pledged_change))
    return FxExposure(rows, totals, pool.headroom_gbp)
