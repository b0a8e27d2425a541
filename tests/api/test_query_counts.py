"""Every list endpoint answers in a fixed number of queries, however many rows it returns: an N+1 shows up here as
a failing test, not as a slow API."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from djmoney.money import Money
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from grants import actions
from grants.models import Milestone
from tests.factories import ProjectFactory

# endpoint -> {who asks: queries}. Each count includes the token look-up (1); a funder's contact or a researcher
# costs one more to learn which funder they speak for. Lists cost a COUNT and a SELECT, plus: the page's exchange
# rates (pledges, receipts), the pledges' instalments, the milestones with their payments (awards). The awards' and
# attributions' counts are remembered per version of the fund: the version is read before and after counting.
EXPECTED = {
    "/api/funders/": {"admin": 3, "contact_a": 4},
    "/api/pledges/": {"admin": 5, "contact_a": 6},  # + the instalments, prefetched
    "/api/receipts/": {"admin": 4, "contact_a": 5},
    "/api/conversions/": {"admin": 3, "contact_a": 4},
    "/api/attributions/": {"admin": 6, "contact_a": 7},
    "/api/rounds/": {"admin": 3, "researcher_a": 3},
    "/api/research-areas/": {"admin": 3, "researcher_a": 3},
    "/api/projects/": {"admin": 3, "researcher_a": 3},
    "/api/awards/": {"admin": 9, "researcher_a": 9},  # milestones, their payments and reports, amendments
    "/api/milestones/": {"admin": 5, "researcher_a": 5},  # with their payments and reports
    "/api/disbursements/": {"admin": 3, "researcher_a": 3},
}


def grow(world, schedule, n):
    """`n` more of everything for funder A and researcher A, through the fund's operations."""
    world.round.budget = Money("50000000.00", "GBP")
    world.round.save()
    for i in range(n):
        pledge = actions.do_record_pledge(
            world.admin,
            funder=world.funder_a,
            amount="100000.00",
            currency="USD",
            pledged_on=date(2025, 8, 1 + i),
            reference=f"PA-X{i}",
        )
        receipt = actions.do_record_receipt(
            world.admin,
            pledge=pledge,
            amount="100000.00",
            currency="USD",
            received_on=date(2025, 9, 1 + i),
            bank_reference=f"BANK-A-X{i}",
        )
        actions.do_record_conversion(
            world.admin,
            receipt=receipt,
            amount_sold="50000.00",
            gbp_credited="37000.00",
            converted_on=date(2025, 10, 1 + i),
            bank_reference=f"FX-A-X{i}",
        )
        project = ProjectFactory(
            round=world.round, research_area=world.area, lead=world.researcher_a, reference=f"R1-09{i:02d}"
        )
        award = actions.do_award_project(world.admin, project=project, amount="60000.00", awarded_on=date(2025, 11, 20))
        first = Milestone.objects.create(
            award=award, number=1, title="Start", due_on=date(2025, 12, 31), amount=Money("30000", "GBP")
        )
        Milestone.objects.create(
            award=award, number=2, title="End", due_on=date(2026, 6, 30), amount=Money("30000", "GBP")
        )
        actions.do_receive_milestone_report(world.admin, milestone=first, received_on=date(2026, 1, 5))
        actions.do_approve_milestone(world.admin, milestone=first, approved_on=date(2026, 1, 6))
        actions.do_record_disbursement(world.admin, milestone=first, paid_on=date(2026, 1, 30), reference=f"PAY-X{i}")


def queries(world, who, url) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=getattr(world, who))[0].key}")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured)


@pytest.mark.parametrize("url", EXPECTED)
def test_a_list_costs_the_same_queries_for_one_row_or_many(world, schedule, url):
    measured = {who: queries(world, who, url) for who in EXPECTED[url]}
    assert measured == EXPECTED[url]
    grow(world, schedule, 6)
    assert {who: queries(world, who, url) for who in EXPECTED[url]} == EXPECTED[url]


def test_the_pool_costs_the_same_queries_however_many_awards(world, schedule):
    before = {who: queries(world, who, "/api/pool/") for who in ("admin", "contact_a")}
    grow(world, schedule, 4)
    after = {who: queries(world, who, "/api/pool/") for who in ("admin", "contact_a")}
    assert after == before
