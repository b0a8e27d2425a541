"""/portfolio/calendar/: scheduled payments month by month against the fund's cash in pounds."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from djmoney.money import Money

from grants import actions
from grants.models import Milestone
from tests.grants.views.conftest import figure

URL = reverse("grants:calendar")


def milestone(award, number, due_on, amount):
    return Milestone.objects.create(
        award=award, number=number, title=f"Milestone {number}", due_on=due_on, amount=Money(amount, "GBP")
    )


@pytest.fixture
def schedule(world):
    """One milestone paid in January; one overdue from December; one in this month's run; one in June; one
    beyond the twelve months. (The amounts exercise the cash arithmetic; they need not add up to the awards.)"""
    paid = milestone(world.award_a, 1, date(2025, 12, 31), "50000.00")
    actions.do_receive_milestone_report(world.admin, milestone=paid, received_on=date(2026, 1, 2))
    actions.do_approve_milestone(world.admin, milestone=paid, approved_on=date(2026, 1, 5))
    actions.do_record_disbursement(world.admin, milestone=paid, paid_on=date(2026, 1, 30), reference="PAY-1")
    return {
        "overdue": milestone(world.award_a, 2, date(2025, 11, 30), "50000.00"),  # run of 31 Dec 2025
        "february": milestone(world.award_a, 3, date(2026, 1, 31), "100000.00"),  # run of 27 Feb 2026
        "june": milestone(world.award_b, 1, date(2026, 5, 15), "1900000.00"),  # run of 30 Jun 2026
        "later": milestone(world.award_b, 2, date(2027, 6, 1), "25000.00"),  # run of 30 Jul 2027
    }


@pytest.fixture
def page(client, world, schedule):
    client.force_login(world.admin)
    response = client.get(URL)
    assert response.status_code == 200
    return response


def test_it_starts_from_the_pounds_held_today(page):
    # £1,974,567.89 in pounds, less the £50,000.00 paid in January.
    assert figure(page, "calendar-cash-gbp") == Decimal("1924567.89")


def test_it_covers_twelve_months_from_this_one(page):
    months = page.context["calendar"].months
    assert len(months) == 12
    assert months[0].month == date(2026, 2, 1) and months[-1].month == date(2027, 1, 1)


def test_overdue_payments_count_in_this_month(page):
    february = page.context["calendar"].months[0]
    assert february.payments_gbp == Decimal("150000.00")
    assert february.overdue_gbp == Decimal("50000.00")
    assert figure(page, "calendar-scheduled-gbp") == Decimal("2050000.00")


def listed(client, month: date) -> list[Milestone]:
    """Every payment the month's drill-down lists, page after page."""
    found, number = [], 1
    while True:
        response = client.get(month_url(month), {"page": number})
        assert response.status_code == 200
        found += list(response.context["page"].object_list)
        if not response.context["page"].has_next():
            return found
        number += 1


def month_url(month: date) -> str:
    return reverse("grants:calendar_month", args=[f"{month:%Y}", f"{month:%m}"])


def test_paid_milestones_are_not_scheduled_again(page, client, world):
    paid = Milestone.objects.get(award=world.award_a, number=1)
    scheduled = [m for month in page.context["calendar"].months for m in listed(client, month.month)]
    assert paid not in scheduled
    assert len(scheduled) == 3


def test_each_month_links_to_its_payments(page, client, schedule):
    html = page.content.decode()
    assert f'href="{month_url(date(2026, 6, 1))}"' in html
    assert f'href="{month_url(date(2026, 3, 1))}"' not in html  # nothing scheduled in March
    # The current month lists the overdue payment with this month's, by due date, and adds up as the calendar does.
    response = client.get(month_url(date(2026, 2, 1)))
    assert list(response.context["page"].object_list) == [schedule["overdue"], schedule["february"]]
    assert figure(response, "calendar-month-gbp") == page.context["calendar"].months[0].payments_gbp
    assert listed(client, date(2026, 6, 1)) == [schedule["june"]]
    assert listed(client, date(2027, 7, 1)) == [schedule["later"]]  # beyond the twelve months: still one link away


def test_a_months_payments_come_a_page_at_a_time(client, world):
    client.force_login(world.admin)
    for n in range(1, 53):
        milestone(world.award_b, n, date(2026, 5, 1 + n % 28), "1000.00")
    first = client.get(month_url(date(2026, 6, 1)))
    assert first.context["count"] == 52 and len(first.context["page"].object_list) == 50
    assert [m.due_on for m in first.context["page"].object_list] == sorted(m.due_on for m in Milestone.objects.all())[
        :50
    ]
    assert len(client.get(month_url(date(2026, 6, 1)), {"page": 2}).context["page"].object_list) == 2


def test_past_months_have_no_page_of_their_own(client, world):
    client.force_login(world.admin)
    assert client.get(month_url(date(2026, 1, 1))).status_code == 404  # counted in February, as overdue
    assert client.get("/portfolio/calendar/2026-13/").status_code == 404
    assert client.get("/portfolio/calendar/2026-6/").status_code == 404  # always two digits: one address a month


def test_a_months_page_costs_the_same_queries_with_more_payments(client, world, schedule):
    client.force_login(world.admin)
    with CaptureQueriesContext(connection) as before:
        client.get(month_url(date(2026, 6, 1)))
    for n in range(3, 60):
        milestone(world.award_b, n, date(2026, 5, 1 + n % 28), "1000.00")
    with CaptureQueriesContext(connection) as after:
        client.get(month_url(date(2026, 6, 1)))
    assert len(after) == len(before)


def test_payments_beyond_the_year_are_counted_apart(page):
    assert page.context["calendar"].later_count == 1
    assert page.context["calendar"].later_gbp == Decimal("25000.00")


def test_it_flags_the_month_where_pounds_run_short(page):
    html = page.content.decode()
    assert 'data-testid="calendar-month-2026-06" data-short="true"' in html
    assert 'data-testid="calendar-month-2026-05" data-short="false"' in html
    assert 'data-testid="shortfall-warning"' in html
    june = page.context["calendar"].months[4]
    assert june.cash_after_gbp == Decimal("1924567.89") - Decimal("150000.00") - Decimal("1900000.00")
    # Converting the dollars held would cover it.
    assert not june.short_even_converting


def test_expected_receipts_are_not_invented(page):
    # Pledges carry no payment dates, so no receipt is expected in any month.
    assert all(m.receipts_gbp == 0 for m in page.context["calendar"].months)


def test_with_nothing_scheduled_it_says_what_to_do(client, world):
    client.force_login(world.admin)
    response = client.get(URL)
    assert response.status_code == 200
    assert "No payment is scheduled" in response.content.decode()
    assert 'data-testid="shortfall-warning"' not in response.content.decode()


def test_it_costs_the_same_queries_with_more_milestones(client, world, schedule):
    client.force_login(world.admin)
    with CaptureQueriesContext(connection) as before:
        client.get(URL)
    for n in range(3, 8):
        milestone(world.award_b, n, date(2026, n, 1), "1000.00")
    with CaptureQueriesContext(connection) as after:
        client.get(URL)
    assert len(after) == len(before)
