"""Two administrators awarding at the same instant can never take the headroom below zero.

Each award runs in its own thread with its own PostgreSQL connection, so the two transactions are truly concurrent.
The fund holds £1,000,000 in cash and the round's budget is far larger, so only the fund's cash limits: two awards
of £600,000 cannot both fit. The negative control removes the fund lock and shows the same test catching the
over-commitment, so a pass means the lock works, not that the threads happened not to overlap.
"""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connections
from djmoney.money import Money

from grants import actions
from grants.actions import ActionError
from grants.actions import awards as award_actions
from grants.models import Account, Award, LedgerLine
from grants.reads.headroom import headroom_for
from grants.reads.position import pool_position
from tests.factories import FunderFactory, FundFactory, ProjectFactory, RoundFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

AWARDED_ON = date(2025, 11, 20)
CASH_GBP = Decimal("1000000.00")
EACH_GBP = Decimal("600000.00")
# How long a thread waits for the other at the interleaving barrier. With the lock, the other is blocked on it and
# never arrives, so this is how long the first award holds the lock in those tests.
BARRIER_SECONDS = 3


@pytest.fixture
def contest(rates):
    """A fund with £1M of cash, a round with a £10M budget, two vetted projects and two administrators."""
    alice = UserFactory(username="alice-admin", is_staff=True)
    bob = UserFactory(username="bob-admin", is_staff=True)
    fund = FundFactory()
    round_ = RoundFactory(fund=fund, number=1, budget=Money("10000000.00", "GBP"))
    funder = FunderFactory(name="Sole Funder", currency="GBP")
    pledge = actions.do_record_pledge(
        alice, funder=funder, amount=CASH_GBP, currency="GBP", pledged_on=date(2025, 7, 1), reference="P-1"
    )
    actions.do_record_receipt(
        alice, pledge=pledge, amount=CASH_GBP, currency="GBP", received_on=date(2025, 8, 1), bank_reference="BANK-1"
    )
    first = ProjectFactory(round=round_, reference="R1-0001", title="Sparse probes")
    second = ProjectFactory(round=round_, reference="R1-0002", title="PAC bounds")
    round_headroom, fund_headroom = headroom_for(round_, AWARDED_ON)
    assert round_headroom == fund_headroom == CASH_GBP  # the fund's cash is the only limit
    return [(alice, first), (bob, second)]


def award_at_once(contest) -> list[Award | Exception]:
    """Both administrators award £600,000 at the same instant, each in a thread with its own connection."""
    start = threading.Barrier(len(contest), timeout=10)
    outcomes: list[Award | Exception | None] = [None] * len(contest)

    def award(index, actor, project):
        try:
            start.wait()
            outcomes[index] = actions.do_award_project(actor, project=project, amount=EACH_GBP, awarded_on=AWARDED_ON)
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=award, args=(i, actor, project)) for i, (actor, project) in enumerate(contest)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


@pytest.fixture
def interleaved(monkeypatch):
    """Make each award wait for the other right after computing the headroom, before acting on it: the moment an
    unguarded check-then-insert goes wrong. Returns what each thread saw: "met" if the other arrived too, "alone" if
    the barrier timed out because the other was blocked (on the fund lock)."""
    barrier = threading.Barrier(2, timeout=BARRIER_SECONDS)
    real_lowest_headroom = award_actions.lowest_headroom
    seen: list[str] = []

    def headroom_then_wait(*args, **kwargs):
        headroom = real_lowest_headroom(*args, **kwargs)
        try:
            barrier.wait()
            seen.append("met")
        except threading.BrokenBarrierError:
            seen.append("alone")
        return headroom

    monkeypatch.setattr(award_actions, "lowest_headroom", headroom_then_wait)
    return seen


def committed_gbp() -> Decimal:
    return -LedgerLine.objects.balance_by_currency(Account.GRANTS_COMMITTED).get("GBP", Decimal("0.00"))


def assert_exactly_one_award_went_through(outcomes):
    awards = [o for o in outcomes if isinstance(o, Award)]
    refusals = [o for o in outcomes if isinstance(o, ActionError)]
    assert len(awards) == 1, outcomes
    assert len(refusals) == 1, outcomes
    assert "more than the headroom: £400,000.00 can still be awarded" in refusals[0].message_dict["amount"][0]
    assert Award.objects.count() == 1
    assert committed_gbp() == EACH_GBP
    headroom = pool_position(AWARDED_ON).headroom_gbp
    assert headroom == CASH_GBP - EACH_GBP
    assert headroom >= 0


def test_two_administrators_awarding_at_once_cannot_both_spend_the_same_cash(contest):
    assert_exactly_one_award_went_through(award_at_once(contest))


def test_the_fund_lock_makes_the_second_award_wait_even_when_forced_to_interleave(contest, interleaved):
    outcomes = award_at_once(contest)
    # Neither thread found the other between computing the headroom and awarding: the lock made them take turns.
    assert interleaved == ["alone", "alone"]
    assert_exactly_one_award_went_through(outcomes)


def test_negative_control_without_the_fund_lock_both_awards_go_through(contest, interleaved, monkeypatch):
    """The same test against the unguarded check-then-insert: both read £1M of headroom, both award £600k. If this
    ever stops over-committing, the tests above prove nothing."""
    monkeypatch.setattr(award_actions, "lock_fund", lambda fund: None)
    outcomes = award_at_once(contest)
    assert interleaved == ["met", "met"]
    assert all(isinstance(o, Award) for o in outcomes), outcomes
    assert committed_gbp() == 2 * EACH_GBP
    assert pool_position(AWARDED_ON).headroom_gbp == CASH_GBP - 2 * EACH_GBP < 0
