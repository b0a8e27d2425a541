"""Helpers for the researcher's pages: a fixed "today" and milestones built through the real operations."""

from __future__ import annotations

from datetime import date

import pytest
from djmoney.money import Money

from grants import actions
from grants.models import Milestone

TODAY = date(2026, 2, 20)


@pytest.fixture(autouse=True)
def _fund_today(settings):
    settings.FUND_TODAY = TODAY.isoformat()


def milestone(award, number: int, due_on: date, amount: str = "75000.00", title: str = "") -> Milestone:
    return Milestone.objects.create(
        award=award,
        number=number,
        title=title or f"Milestone report {number}",
        due_on=due_on,
        amount=Money(amount, "GBP"),
    )


def approve(admin, m: Milestone, received_on: date, approved_on: date) -> None:
    actions.do_receive_milestone_report(admin, milestone=m, received_on=received_on)
    actions.do_approve_milestone(admin, milestone=m, approved_on=approved_on)


def pay(admin, m: Milestone, paid_on: date, reference: str) -> None:
    actions.do_record_disbursement(admin, milestone=m, paid_on=paid_on, reference=reference)


@pytest.fixture
def schedule(world):
    """Award A with four milestones: one paid, one approved and waiting for the payment run, one due, one ahead."""
    award = world.award_a
    first = milestone(award, 1, date(2025, 12, 31), title="Inception report")
    approve(world.admin, first, date(2025, 12, 19), date(2026, 1, 6))
    pay(world.admin, first, date(2026, 1, 30), "PAY-A-1")
    second = milestone(award, 2, date(2026, 1, 31), title="Literature review")
    approve(world.admin, second, date(2026, 2, 2), date(2026, 2, 9))
    milestone(award, 3, date(2026, 2, 15), title="Interim results")
    milestone(award, 4, date(2026, 6, 30), title="Final report")
    award.refresh_from_db()
    return award
