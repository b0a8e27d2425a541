"""Reconciliation: every published figure worked out again from the ledger and the source tables, and compared with
what each surface publishes (the portfolio, the funders' pages and statements, the API, the summary snapshot and the
360Giving file). `manage.py reconcile` prints the rows and fails on a difference.

`facts` recomputes, simply and independently; `surfaces` asks each surface once, through the functions it renders
from; `fund`, `groups`, `funders` and `awards` compare them, figure by figure.
"""

from __future__ import annotations

from datetime import date

from alignment_fund.clock import fund_today
from grants.reconcile.awards import check_awards
from grants.reconcile.facts import Facts
from grants.reconcile.fund import check_fund, check_ledger
from grants.reconcile.funders import check_funders
from grants.reconcile.groups import check_groups
from grants.reconcile.rows import Row, Rows
from grants.reconcile.surfaces import Surfaces, SurfaceUnavailable

__all__ = ["Row", "SurfaceUnavailable", "reconcile"]


def reconcile(on: date | None = None) -> list[Row]:
    """Every figure checked on `on` (default: the fund's today), as rows of (figure, surface, expected, shown,
    difference). Raises RateUnavailable when the fund cannot be valued that day."""
    today = fund_today()
    on = on or today
    facts = Facts(on, rates_on=on)
    # The surfaces without a date (the API's lists, the 360Giving file) publish everything recorded.
    now = facts if on >= today else Facts(None, rates_on=on)
    surfaces = Surfaces(on)
    rows = Rows()
    check_ledger(facts, rows)
    check_fund(facts, surfaces, rows)
    check_groups(facts, surfaces, rows)
    check_funders(facts, now, surfaces, rows)
    check_awards(facts, now, surfaces, rows)
    return list(rows)
