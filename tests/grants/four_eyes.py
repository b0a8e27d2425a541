"""The four-eyes tests' fund, built once per module: the shared small world, a second administrator, and a payment
schedule with one milestone of each kind a payment run must tell apart (today is 20 Feb 2026):

- a1: due 31 Dec 2025, approved 12 Jan 2026, unpaid: due in January's run;
- a2: due 31 Dec 2026 (next year), its report approved early, 10 Jan 2026: not payable before December's run;
- a3: due 31 Jan 2026, report not approved: not payable;
- b1: due 31 Jan 2026, approved 20 Jan and already paid 30 Jan: not payable again;
- b2: due 31 Jan 2026, approved 5 Feb 2026: February's, whose month has not ended.

The module's fixture holds one transaction for the whole module and rolls it back at the end; each test runs in its
own savepoint (the `db` fixture), so what one test approves or releases the next does not see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.db import transaction
from django.test.utils import override_settings
from djmoney.money import Money

from alignment_fund.models import User
from alignment_fund.rates.models import ExchangeRate
from alignment_fund.rates.storage import store
from grants import actions
from grants.models import Milestone
from projects.models import Project
from tests.conftest import shipped_rates
from tests.factories import UserFactory, build_world

TODAY = "2026-02-20"


@dataclass
class FourEyes:
    world: object
    alice: User  # the administrator who asks
    bob: User  # the second administrator
    milestones: dict[str, Milestone]


def _milestone(award, number, title, due, amount):
    return Milestone.objects.create(award=award, number=number, title=title, due_on=due, amount=Money(amount, "GBP"))


def build_four_eyes() -> FourEyes:
    store(shipped_rates(date(2025, 1, 1)), ExchangeRate.Source.ECB_HISTORY)
    alice = UserFactory(username="alice-admin", is_staff=True, is_superuser=True)
    bob = UserFactory(username="bob-admin", is_staff=True)
    world = build_world(alice)
    # The large awards asked for here are all within what the project requested, so none needs a stated reason.
    Project.objects.filter(pk=world.waiting.pk).update(amount_requested=Money("1000000", "GBP"))
    world.waiting.refresh_from_db()
    m = {
        "a1": _milestone(world.award_a, 1, '=HYPERLINK("http://x")', date(2025, 12, 31), "100000"),
        "a2": _milestone(world.award_a, 2, "Benchmarks", date(2026, 12, 31), "100000"),
        "a3": _milestone(world.award_a, 3, "Final report", date(2026, 1, 31), "100000"),
        "b1": _milestone(world.award_b, 1, "Bounds paper", date(2026, 1, 31), "50000"),
        "b2": _milestone(world.award_b, 2, "Lower bounds", date(2026, 1, 31), "50000"),
    }
    for key, received, approved in [
        ("a1", date(2026, 1, 5), date(2026, 1, 12)),
        ("a2", date(2026, 1, 3), date(2026, 1, 10)),
        ("b1", date(2026, 1, 15), date(2026, 1, 20)),
        ("b2", date(2026, 2, 2), date(2026, 2, 5)),
    ]:
        actions.do_receive_milestone_report(alice, milestone=m[key], received_on=received)
        actions.do_approve_milestone(alice, milestone=m[key], approved_on=approved)
    actions.do_receive_milestone_report(alice, milestone=m["a3"], received_on=date(2026, 2, 1))
    actions.do_record_disbursement(alice, milestone=m["b1"], paid_on=date(2026, 1, 30), reference="PAY-B-1")
    return FourEyes(world=world, alice=alice, bob=bob, milestones=m)


@pytest.fixture(scope="module")
def four_eyes_module(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        override_settings(FUND_TODAY=TODAY, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        yield build_four_eyes()
        transaction.set_rollback(True)


@pytest.fixture
def four_eyes(four_eyes_module, db, settings) -> FourEyes:
    """The module's fund, in this test's own savepoint, on its "today"."""
    settings.FUND_TODAY = TODAY
    return four_eyes_module
