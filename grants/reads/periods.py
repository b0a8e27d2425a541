"""Periods of a statement: a quarter (`2026-Q1`), a year (`2026`) or everything since the start (`all`).

A period not yet over ends today. Its opening is the close of the day before it starts (nothing, for `all`), so the
opening of one period is the closing of the one before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

QUARTER_MONTHS = {1: (1, 3), 2: (4, 6), 3: (7, 9), 4: (10, 12)}
PERIOD_HELP = "Choose a quarter (2026-Q1), a year (2026) or everything since the start (all)."


class BadPeriod(ValueError):
    """A period that cannot be read, or has not started yet."""


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    start: date | None  # None: since the start
    end: date  # the last day counted: the period's own, or today if it has not ended

    @property
    def opening_on(self) -> date | None:
        """The day whose close is the opening position; None when the period starts with the fund."""
        return None if self.start is None else self.start - timedelta(days=1)

    def holds(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and day <= self.end


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def parse_period(text: str | None, today: date) -> Period:
    """`all` (the default), a year `2026` or a quarter `2026-Q1`; a period not yet over ends today."""
    text = (text or "all").strip().upper()
    if text == "ALL":
        return Period("all", "Since the start", None, today)
    match = re.fullmatch(r"(\d{4})(?:-Q([1-4]))?", text)
    if match is None:
        raise BadPeriod(f"“{text[:20]}” is not a period. {PERIOD_HELP}")
    year = int(match.group(1))
    if year < 2000:
        raise BadPeriod(f"The fund keeps nothing before 2000. {PERIOD_HELP}")
    if match.group(2):
        quarter = int(match.group(2))
        first, last = QUARTER_MONTHS[quarter]
        key, label = f"{year}-Q{quarter}", f"Q{quarter} {year}"
    else:
        first, last = 1, 12
        key, label = str(year), str(year)
    start, end = date(year, first, 1), _month_end(year, last)
    if start > today:
        raise BadPeriod(f"{label} has not started yet: today is {today:%-d %B %Y}.")
    if end > today:
        label = f"{label}, to date"
    return Period(key, label, start, min(end, today))


def period_choices(since: date, today: date) -> list[tuple[str, str]]:
    """Every year and quarter from `since` to today, newest first, then `all`: the page's menu."""
    choices = []
    for year in range(today.year, since.year - 1, -1):
        choices.append((str(year), str(year)))
        for quarter in (4, 3, 2, 1):
            start = date(year, QUARTER_MONTHS[quarter][0], 1)
            if start <= today and _month_end(year, QUARTER_MONTHS[quarter][1]) >= since:
                choices.append((f"{year}-Q{quarter}", f"Q{quarter} {year}"))
    return [*choices, ("all", "Since the start")]


def previous_quarter(period: Period, today: date) -> Period:
    """The quarter that ends the day before `period` starts."""
    day = period.opening_on or today
    return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}", today)
