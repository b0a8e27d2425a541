"""The pages remembered whole, each under one name (grants.reads.remembered): the views read them from here, and the
worker works them out right after a change (`warm_pages`), so that the first visit after it finds them kept."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from functools import partial

from alignment_fund.rates.models import RateUnavailable
from funders.models import Funder
from grants.reads.admin_charts import AdministratorCharts
from grants.reads.admin_charts import administrator_charts as charts_of
from grants.reads.calendar import PaymentCalendar
from grants.reads.calendar import payment_calendar as calendar_of
from grants.reads.funder_view import FunderDashboard, funder_dashboard_page_of
from grants.reads.portfolio import Portfolio
from grants.reads.portfolio import portfolio as portfolio_of
from grants.reads.remembered import remembered

log = logging.getLogger(__name__)


def portfolio(on: date) -> Portfolio:
    return remembered("portfolio", portfolio_of, on)


def payment_calendar(on: date) -> PaymentCalendar:
    return remembered("payment_calendar", calendar_of, on)


def administrator_charts(on: date) -> AdministratorCharts:
    return remembered("administrator_charts", charts_of, on)


def funder_dashboard(funder_id: int, on: date) -> FunderDashboard:
    return remembered("funder_dashboard_page", funder_dashboard_page_of, funder_id, on)


def warm_pages(on: date) -> int:
    """Work out, unless kept already, every page remembered whole as of `on`: the portfolio, the payment calendar,
    the charts and the dashboard of each funder someone speaks for. A page that cannot be valued (no reference rate)
    is left to its view to explain. Returns how many pages are kept."""
    funders = Funder.objects.filter(contacts__isnull=False).distinct().order_by("pk").values_list("pk", flat=True)
    pages: list[Callable[[], object]] = [
        partial(page, on) for page in (portfolio, payment_calendar, administrator_charts)
    ]
    pages += [partial(funder_dashboard, funder_id, on) for funder_id in funders]
    kept = 0
    for page in pages:
        try:
            page()
        except RateUnavailable as exc:
            log.info("Not warmed (%s): %s", page.func.__name__, exc)
        else:
            kept += 1
    return kept
