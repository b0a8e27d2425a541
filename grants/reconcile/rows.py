"""One checked figure: what the ledger and the source tables say it should be, and what a surface publishes."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

Number = Decimal | int


@dataclass(frozen=True)
class Row:
    figure: str
    surface: str
    expected: Number
    shown: Number | None  # None: the surface does not publish the figure at all

    @property
    def difference(self) -> Number | None:
        return None if self.shown is None else self.shown - self.expected

    @property
    def differs(self) -> bool:
        return self.shown is None or self.shown != self.expected


class Rows(list):
    """The rows checked so far, in the order they were checked."""

    def add(self, figure: str, surface: str, expected: Number, shown: Number | None) -> None:
        self.append(Row(figure, surface, expected, shown))

    def each(self, figure: str, surface: str, expected: dict, shown: dict) -> None:
        """A figure per key (a currency, a round...): every key either side, nothing where both have none."""
        for key in sorted(set(expected) | set(shown), key=str):
            want, got = expected.get(key, 0), shown.get(key, 0)
            if want or got:
                self.add(figure.format(key), surface, want, got)
