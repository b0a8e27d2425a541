"""`manage.py reconcile`: every published figure, worked out again from the ledger and the source tables, agrees
with what each surface shows, on the demo fund and on a small one; and the command fails, saying where, when a
figure does not."""

from __future__ import annotations

import dataclasses
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from grants.models import Award
from grants.reconcile import reconcile


def run(*args) -> tuple[str, str | None]:
    """The command's output, and its error if it failed."""
    out = io.StringIO()
    try:
        call_command("reconcile", *args, stdout=out)
    except CommandError as exc:
        return out.getvalue(), str(exc)
    return out.getvalue(), None


# The demo fund


@pytest.fixture
def demo(db, settings, monkeypatch):
    settings.FUND_TODAY = "2026-10-30"
    monkeypatch.setenv("DEMO_PASSWORD", "demo-Password-1")
    call_command("seed_demo", quiet=True, stdout=io.StringIO())


def test_every_figure_of_the_demo_agrees(demo):
    out, error = run()
    assert error is None, out
    last = out.strip().splitlines()[-1]
    assert last.endswith(", 0 differences") and int(last.split()[0]) > 1000, last
    # It prints each figure with where it appears and its value.
    assert any(
        line.split("  ")[0] == "headroom (GBP)" and "API /api/pool/ (administrator)" in line
        for line in out.splitlines()
    )
    # and on an earlier day too
    out, error = run("--on", "2026-03-31", "--quiet")
    assert error is None, out


# A difference is caught


@pytest.fixture
def fund(world, settings):
    settings.FUND_TODAY = "2026-02-20"
    return world


def test_a_small_fund_agrees(fund):
    assert [row for row in reconcile() if row.differs] == []


def test_an_award_marked_ended_behind_the_ledgers_back_is_caught(fund):
    """The status is not a booked figure, so the database lets it change without the entry that releases the unpaid
    part. The ledger still holds the award whole; the pages that read the status count it for what it paid."""
    Award.objects.filter(pk=fund.award_b.pk).update(status=Award.Status.TERMINATED)
    out, error = run("--quiet")
    assert error is not None and error.endswith("differ from the ledger and records"), error
    assert not out.strip().splitlines()[-1].endswith(" 0 differences")
    different = {(row.figure, row.surface) for row in reconcile() if row.differs}
    assert {
        ("awarded (GBP)", "administrators' pool"),
        ("research area Learning theory: awarded (GBP)", "portfolio"),
        ("Open Funder A: attributed (GBP)", "Open Funder A's dashboard"),
    } <= different
    # the ledger and what is built on it still agree with the records
    assert ("awarded (GBP)", "ledger") not in different and ("headroom (GBP)", "portfolio") not in different
    assert "research area Learning theory: awarded (GBP)" in out and "(expected 150000.00)" in out


def test_a_figure_off_by_a_penny_is_caught(fund, monkeypatch):
    """A negative control: the portfolio made to show one figure a penny out."""
    from grants.reconcile import surfaces

    original = surfaces.portfolio

    def a_penny_out(today):
        page = original(today)
        return dataclasses.replace(page, pledged_usd=page.pledged_usd + Decimal("0.01"))

    monkeypatch.setattr(surfaces, "portfolio", a_penny_out)
    out, error = run("--quiet")
    assert error is not None and error.startswith("1 figure of "), error
    assert out.strip().splitlines()[-1].endswith(", 1 difference")
    (line,) = [line for line in out.splitlines() if line.startswith("pledged (USD)")]
    assert "portfolio" in line and "+0.01" in line
