"""The API tests' fund: the shared `world`, plus a payment schedule for both awards, and clients signed in as each
of the named people."""

from __future__ import annotations

from datetime import date

import pytest
from djmoney.money import Money
from rest_framework.test import APIClient

from grants import actions
from grants.models import Milestone

TODAY = "2026-02-20"


@pytest.fixture(autouse=True)
def _pinned_today(settings):
    settings.FUND_TODAY = TODAY


@pytest.fixture
def schedule(world):
    """Award A: three milestones, the first reported, approved and paid. Award B: one milestone, not yet reported.

    Milestones are the award's plan, not money movements, so they are created directly; the report, approval and
    payment go through the operations like any other."""
    a1 = Milestone.objects.create(
        award=world.award_a, number=1, title="Probe library", due_on=date(2025, 12, 31), amount=Money("100000", "GBP")
    )
    a2 = Milestone.objects.create(
        award=world.award_a, number=2, title="Benchmarks", due_on=date(2026, 3, 31), amount=Money("100000", "GBP")
    )
    a3 = Milestone.objects.create(
        award=world.award_a, number=3, title="Final report", due_on=date(2026, 6, 30), amount=Money("100000", "GBP")
    )
    b1 = Milestone.objects.create(
        award=world.award_b, number=1, title="Bounds paper", due_on=date(2026, 1, 31), amount=Money("150000", "GBP")
    )
    actions.do_receive_milestone_report(world.admin, milestone=a1, received_on=date(2026, 1, 5))
    actions.do_approve_milestone(world.admin, milestone=a1, approved_on=date(2026, 1, 12))
    payment = actions.do_record_disbursement(world.admin, milestone=a1, paid_on=date(2026, 1, 30), reference="PAY-A-1")
    return {"a1": a1, "a2": a2, "a3": a3, "b1": b1, "payment_a1": payment}


@pytest.fixture
def client_for():
    """`client_for(user)`: an API client signed in as `user` (anonymous for None)."""

    def make(user) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make
