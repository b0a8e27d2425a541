"""The calendar arithmetic the fund uses: months, month ends, business days and the monthly payment run.

Pure functions of dates; no Django. Business days are Monday to Friday (bank holidays are not modelled).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), held to the month's last day: 31 Jan + 1 month is 28 or 29 Feb."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def last_business_day(year: int, month: int) -> date:
    day = month_end(year, month)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def business_days_between(start: date, end: date) -> int:
    """Weekdays after `start` up to and including `end` (0 when end <= start)."""
    days = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days += 1
    return days


def payment_run_for(day: date) -> date:
    """Payments are monthly in arrears: the payment run on the last business day of the month after `day`'s month."""
    following = add_months(first_of_month(day), 1)
    return last_business_day(following.year, following.month)
