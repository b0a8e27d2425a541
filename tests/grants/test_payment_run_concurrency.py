"""Two administrators releasing the same payment run at the same instant pay it once.

Each release runs in its own thread with its own PostgreSQL connection. The run's row is locked before its status
is read, so the second waits for the first to commit, then finds the run released and is refused. The negative
control takes the lock away (and the fund lock, which would otherwise serialise them too) and shows the same test
catching the double release, so a pass means the lock works, not that the threads happened not to overlap."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connections
from djmoney.money import Money

from grants import actions
from grants.actions import ActionError
from grants.actions import payment_runs as run_actions
from grants.models import Disbursement, Milestone, PaymentRun
from tests.factories import FunderFactory, FundFactory, ProjectFactory, RoundFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def run(rates, settings):
    """A fund with one award, one milestone approved in January, and January's run proposed by a third person."""
    settings.FUND_TODAY = "2026-02-20"
    carol = UserFactory(username="carol-admin", is_staff=True)
    fund = FundFactory()
    round_ = RoundFactory(fund=fund, number=1, budget=Money("10000000.00", "GBP"))
    funder = FunderFactory(name="Sole Funder", currency="GBP")
    pledge = actions.do_record_pledge(
        carol, funder=funder, amount="1000000", currency="GBP", pledged_on=date(2025, 7, 1), reference="P-1"
    )
    actions.do_record_receipt(
        carol, pledge=pledge, amount="1000000", currency="GBP", received_on=date(2025, 8, 1), bank_reference="B-1"
    )
    project = ProjectFactory(round=round_, reference="R1-0001")
    award = actions.do_award_project(carol, project=project, amount="200000", awarded_on=date(2025, 11, 20))
    milestone = Milestone.objects.create(
        award=award, number=1, title="Inception", due_on=date(2025, 12, 31), amount=Money("50000", "GBP")
    )
    actions.do_receive_milestone_report(carol, milestone=milestone, received_on=date(2026, 1, 5))
    actions.do_approve_milestone(carol, milestone=milestone, approved_on=date(2026, 1, 12))
    return actions.do_propose_payment_run(carol, month=date(2026, 1, 1))


def release_at_once(run) -> list:
    admins = [UserFactory(username=name, is_staff=True) for name in ("alice-admin", "bob-admin")]
    start = threading.Barrier(2, timeout=10)
    outcomes: list = [None, None]

    def release(index, actor):
        try:
            start.wait()
            outcomes[index] = actions.do_release_payment_run(actor, run=PaymentRun.objects.get(pk=run.pk))
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=release, args=(i, actor)) for i, actor in enumerate(admins)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def test_two_administrators_releasing_at_once_pay_the_run_once(run):
    outcomes = release_at_once(run)
    released = [o for o in outcomes if isinstance(o, PaymentRun)]
    refused = [o for o in outcomes if isinstance(o, ActionError)]
    assert len(released) == 1 and len(refused) == 1, outcomes
    assert "already released" in refused[0].messages[0]
    assert Disbursement.objects.count() == 1
    assert PaymentRun.objects.get().status == "released"


def test_without_the_run_lock_both_releases_get_past_the_status_check(run, monkeypatch):
    """The negative control: with the run's row (and the fund) not locked, both administrators read the run as
    proposed and go on to pay it; only the milestone's own row lock then stops the second payment. So it is the
    run's lock that makes a second release a clean "already released", not luck in the timing."""
    barrier = threading.Barrier(2, timeout=5)
    met: list[str] = []
    real_items = run_actions.run_items

    def items_then_wait(run_):
        items = real_items(run_)
        try:
            barrier.wait()  # both have read the run as proposed before either pays
            met.append("met")
        except threading.BrokenBarrierError:
            met.append("alone")
        return items

    class Unlocked:
        def __init__(self, manager):
            self.manager = manager

        def select_for_update(self):
            return self.manager

        def __getattr__(self, name):
            return getattr(self.manager, name)

    monkeypatch.setattr(run_actions, "lock_fund", lambda fund: None)
    monkeypatch.setattr("grants.actions.milestones.lock_fund", lambda fund: None)
    monkeypatch.setattr(run_actions, "run_items", items_then_wait)
    monkeypatch.setattr(PaymentRun, "objects", Unlocked(PaymentRun.objects))
    outcomes = release_at_once(run)
    assert met == ["met", "met"], outcomes
    refused = [o for o in outcomes if isinstance(o, ActionError)]
    assert len(refused) == 1 and "already been paid" in refused[0].messages[0], outcomes
    assert Disbursement.objects.count() == 1
