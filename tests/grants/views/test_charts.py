"""The administrators' charts: each chart's numbers, and the table beside it, are the figures the other pages give
(the portfolio's pool on each month's end, the payment calendar, the awards by area and round)."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from djmoney.money import Money

from grants import actions
from grants.models import Milestone
from grants.reads.admin_charts import administrator_charts, month_ends
from grants.reads.calendar import payment_calendar
from grants.reads.portfolio import portfolio
from grants.reads.position import pool_position, rate_book_for

TODAY = date(2026, 2, 20)


@pytest.fixture(autouse=True)
def _fund_today(settings):
    settings.FUND_TODAY = TODAY.isoformat()


@pytest.fixture
def fund(world):
    milestone = Milestone.objects.create(
        award=world.award_a, number=1, title="Probes", due_on=date(2026, 1, 31), amount=Money("100000.00", "GBP")
    )
    Milestone.objects.create(
        award=world.award_a, number=2, title="Report", due_on=date(2026, 4, 30), amount=Money("200000.00", "GBP")
    )
    actions.do_receive_milestone_report(world.admin, milestone=milestone, received_on=date(2026, 1, 31))
    actions.do_approve_milestone(world.admin, milestone=milestone, approved_on=date(2026, 2, 2))
    actions.do_record_disbursement(world.admin, milestone=milestone, paid_on=date(2026, 2, 6), reference="P-1")
    actions.do_terminate_award(world.admin, award=world.award_b, terminated_on=date(2026, 2, 10))
    return world


def test_month_ends_run_to_today():
    assert month_ends(date(2025, 11, 14), TODAY) == [date(2025, 11, 30), date(2025, 12, 31), date(2026, 1, 31), TODAY]


def test_the_pool_at_each_month_end_is_the_portfolios_pool_that_day(fund):
    charts = administrator_charts(TODAY)
    assert charts.pool[0].on == date(2025, 7, 31)  # the first pledge was in July 2025
    assert charts.pool[-1].on == TODAY
    page = portfolio(TODAY)
    assert (charts.pool[-1].pool_gbp, charts.pool[-1].pool_usd) == (page.pool.pool_gbp, page.pool.pool_usd)
    for point in charts.pool:
        pool = pool_position(point.on, rate_book_for(point.on, since=date(2025, 1, 1)))
        assert (point.pool_gbp, point.pool_usd, point.cash_gbp) == (pool.pool_gbp, pool.pool_usd, pool.cash_gbp)


def test_awards_by_area_and_round_count_an_ended_award_for_what_it_paid(fund):
    charts = administrator_charts(TODAY)
    expected = defaultdict(Decimal)
    for award in (fund.award_a, fund.award_b):
        award.refresh_from_db()
        paid = sum(d.amount.amount for d in award.disbursements.all())
        expected[award.project.research_area.name] += paid if award.status == "terminated" else award.amount.amount
    assert {row.label: row.amount_gbp for row in charts.by_area} == dict(expected)
    assert [(row.label, row.awards, row.amount_gbp) for row in charts.by_round] == [
        ("Round 1", 2, sum(expected.values()))
    ]


def test_the_page_draws_each_chart_from_the_figures_of_its_table(fund, client):
    client.force_login(fund.admin)
    response = client.get("/portfolio/charts/")
    assert response.status_code == 200
    text = response.content.decode()
    data = json.loads(re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', text).group(1))

    def table(testid: str) -> list[list[str]]:
        body = re.search(rf'data-testid="{testid}">.*?<tbody>(.*?)</tbody>', text, re.S).group(1)
        return [re.findall(r'data-value="([^"]+)"', row) for row in body.split("</tr>") if "data-value" in row]

    assert [[p["gbp"], p["usd"]] for p in data["pool"]["points"]] == table("pool-table")
    calendar = payment_calendar(TODAY)
    months = data["cash_calendar"]["months"]
    assert [[m["payments"], m["cash_after"]] for m in months] == table("calendar-table")
    assert [Decimal(m["payments"]) for m in months] == [month.payments_gbp for month in calendar.months]
    # The second milestone, due in April, is paid in arrears by a later month's run: the only payment scheduled.
    assert [Decimal(m["payments"]) for m in months if Decimal(m["payments"])] == [Decimal("200000.00")]
    assert [[i["amount"]] for i in data["by_area"]["items"]] == table("by-area-table")
    assert [[i["amount"]] for i in data["by_round"]["items"]] == table("by-round-table")
    assert 'href="/portfolio/charts/"' in client.get("/portfolio/").content.decode()
