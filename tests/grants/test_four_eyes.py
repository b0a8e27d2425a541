"""Four eyes, as operations: what needs a second administrator, requests that hold headroom while they wait, and
decisions that only another administrator can make."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from grants import actions
from grants.actions import ActionError
from grants.actions.approvals import needs_second_approver, register_executor
from grants.models import Approval, Award, Disbursement
from grants.reads.headroom import headroom_for, lowest_headroom
from grants.reads.position import pool_position
from projects.models import Project

pytestmark = pytest.mark.django_db

AWARDED_ON = date(2026, 2, 19)


def request_award(f, amount="300000.00"):
    return actions.do_award_or_request(f.alice, project=f.world.waiting, amount=amount, awarded_on=AWARDED_ON)


def only(message_dict) -> str:
    [(_, [message])] = message_dict.items()
    return message


# The rule


def test_the_default_rule_covers_large_awards_runs_reversals_and_payments_outside_a_run():
    assert needs_second_approver("award", Decimal("250000.00"))
    assert not needs_second_approver("award", Decimal("249999.99"))
    assert needs_second_approver("payment")
    assert needs_second_approver("payment_run")
    assert needs_second_approver("reversal.receipt")
    assert not needs_second_approver("amendment.award")


def test_the_rule_follows_the_settings(settings):
    settings.FOUR_EYES = frozenset({"award"})
    settings.FOUR_EYES_AWARD_FROM_GBP = Decimal("100000")
    assert needs_second_approver("award", Decimal("100000"))
    assert not needs_second_approver("payment")
    assert not needs_second_approver("reversal.pledge")


def test_a_small_award_is_made_at_once(four_eyes):
    award = actions.do_award_or_request(
        four_eyes.alice, project=four_eyes.world.waiting, amount="249999.99", awarded_on=AWARDED_ON
    )
    assert isinstance(award, Award)
    assert not Approval.objects.exists()


# Reservation


def test_a_large_award_waits_and_holds_its_amount_from_the_headroom(four_eyes):
    round_ = four_eyes.world.round
    before_round, before_fund = headroom_for(round_, AWARDED_ON)
    lowest_round, lowest_fund = lowest_headroom(round_, date(2026, 1, 1))
    approval = request_award(four_eyes)
    assert (approval.kind, approval.status, approval.requested_by) == ("award", "pending", four_eyes.alice)
    assert approval.reserved.amount == Decimal("300000.00") and approval.reserved_round == round_
    assert not Award.objects.filter(project=four_eyes.world.waiting).exists()
    assert Project.objects.get(pk=four_eyes.world.waiting.pk).status == Project.Status.VETTED
    assert headroom_for(round_, AWARDED_ON) == (before_round - 300000, before_fund - 300000)
    assert lowest_headroom(round_, date(2026, 1, 1)) == (lowest_round - 300000, lowest_fund - 300000)
    # Before its date it holds nothing: the award will count from its own date too.
    assert pool_position(date(2026, 2, 18)).reserved_gbp == 0


def test_a_request_beyond_the_headroom_left_by_another_request_is_refused(four_eyes):
    request_award(four_eyes, "300000.00")
    other = Project.objects.create(
        reference="R1-0009",
        title="Another",
        lead_name="B",
        round=four_eyes.world.round,
        research_area=four_eyes.world.area,
        amount_requested=("300000.00", "GBP"),
        status=Project.Status.VETTED,
        panel_score=Decimal("7"),
        vetted_on=date(2025, 11, 1),
        country="GB",
    )
    with pytest.raises(ActionError) as refused:
        actions.do_award_or_request(four_eyes.bob, project=other, amount="300000.00", awarded_on=AWARDED_ON)
    assert "more than the headroom: £250,000.00 can still be awarded" in only(refused.value.message_dict)
    assert Approval.objects.count() == 1


def test_the_same_award_cannot_be_asked_for_twice(four_eyes):
    request_award(four_eyes)
    with pytest.raises(ActionError) as refused:
        request_award(four_eyes)
    assert only(refused.value.message_dict) == "An award to R1-0003 is already waiting for approval."


def test_a_request_the_award_would_refuse_is_refused_at_once_with_its_message(four_eyes):
    with pytest.raises(ActionError) as refused:
        actions.do_award_or_request(
            four_eyes.alice, project=four_eyes.world.award_a.project, amount="300000.00", awarded_on=AWARDED_ON
        )
    assert "only a vetted project without an award can be awarded" in only(refused.value.message_dict)
    assert not Approval.objects.exists()


# Deciding


def test_approving_makes_the_award_without_counting_its_own_reservation(four_eyes):
    round_ = four_eyes.world.round
    before = headroom_for(round_, AWARDED_ON)
    # 550,000 is exactly the round's budget left: with its own reservation counted twice it would not fit.
    approval = request_award(four_eyes, "550000.00")
    approval = actions.do_approve(four_eyes.bob, approval, "Checked against the panel's minutes")
    award = Award.objects.get(project=four_eyes.world.waiting)
    assert award.amount.amount == Decimal("550000.00")
    assert (award.awarded_by, award.awarded_on) == (four_eyes.alice, AWARDED_ON)
    assert (approval.status, approval.decided_by, approval.result) == ("approved", four_eyes.bob, award)
    assert approval.decision_reason == "Checked against the panel's minutes"
    assert headroom_for(round_, AWARDED_ON) == (before[0] - 550000, before[1] - 550000)
    assert pool_position(AWARDED_ON).reserved_gbp == 0


def test_no_one_approves_their_own_action(four_eyes):
    approval = request_award(four_eyes)
    with pytest.raises(ActionError) as refused:
        actions.do_approve(four_eyes.alice, approval)
    assert only(refused.value.message_dict) == (
        "You asked for this action: a different administrator must approve or reject it."
    )
    with pytest.raises(ActionError):
        actions.do_reject(four_eyes.alice, approval, "Changed my mind")
    approval.refresh_from_db()
    assert approval.status == "pending" and approval.decided_by is None
    assert not Award.objects.filter(project=four_eyes.world.waiting).exists()


def test_the_database_refuses_a_decision_by_the_requester(four_eyes):
    approval = request_award(four_eyes)
    with pytest.raises(IntegrityError), transaction.atomic():
        Approval.objects.filter(pk=approval.pk).update(status="approved", decided_by=four_eyes.alice)


def test_a_rejection_needs_a_reason_and_releases_the_reservation(four_eyes):
    before = headroom_for(four_eyes.world.round, AWARDED_ON)
    approval = request_award(four_eyes)
    with pytest.raises(ActionError) as refused:
        actions.do_reject(four_eyes.bob, approval, "  ")
    assert refused.value.message_dict == {"reason": ["Say why the action is rejected."]}
    approval = actions.do_reject(four_eyes.bob, approval, "Over the round's guidance for one project")
    assert (approval.status, approval.decided_by) == ("rejected", four_eyes.bob)
    assert approval.decision_reason == "Over the round's guidance for one project"
    assert headroom_for(four_eyes.world.round, AWARDED_ON) == before
    assert not Award.objects.filter(project=four_eyes.world.waiting).exists()


def test_a_decided_action_cannot_be_decided_again(four_eyes):
    approval = actions.do_reject(four_eyes.bob, request_award(four_eyes), "No")
    for decide in (
        lambda: actions.do_approve(four_eyes.bob, approval),
        lambda: actions.do_reject(four_eyes.bob, approval, "x"),
    ):
        with pytest.raises(ActionError) as refused:
            decide()
        assert only(refused.value.message_dict) == "This action was already rejected: nothing was changed."


def test_an_action_refused_when_approved_stays_pending_and_says_why(four_eyes):
    approval = request_award(four_eyes)
    # Meanwhile the project is withdrawn: the award itself now refuses.
    Project.objects.filter(pk=four_eyes.world.waiting.pk).update(status=Project.Status.WITHDRAWN)
    with pytest.raises(ActionError) as refused:
        actions.do_approve(four_eyes.bob, approval)
    assert "only a vetted project without an award can be awarded" in only(refused.value.message_dict)
    approval.refresh_from_db()
    assert (approval.status, approval.decided_by) == ("pending", None)


def test_only_administrators_ask_or_decide(four_eyes):
    approval = request_award(four_eyes)
    for outsider in (four_eyes.world.contact_a, four_eyes.world.researcher_a):
        with pytest.raises(ActionError):
            actions.do_approve(outsider, approval)
        with pytest.raises(ActionError):
            actions.do_request_approval(outsider, kind="payment", payload={}, summary="x")


def test_a_payment_outside_a_run_waits_and_is_made_on_approval(four_eyes):
    milestone = four_eyes.milestones["a1"]
    approval = actions.do_pay_or_request(
        four_eyes.alice, milestone=milestone, paid_on=date(2026, 2, 19), reference="PAY-X-1", reason="Hardship"
    )
    assert approval.reserved is None and not Disbursement.objects.filter(reference="PAY-X-1").exists()
    actions.do_approve(four_eyes.bob, approval)
    payment = Disbursement.objects.get(reference="PAY-X-1")
    assert (payment.milestone, payment.paid_on) == (milestone, date(2026, 2, 19))


def test_an_executor_plugs_in_by_kind(four_eyes):
    seen = []

    @register_executor("reversal.test")
    def _reverse(requested_by, approved_by, payload):
        seen.append((requested_by, approved_by, payload))
        return None

    assert needs_second_approver("reversal.test")
    approval = actions.do_request_approval(four_eyes.alice, kind="reversal.test", payload={"receipt": 1}, summary="x")
    actions.do_approve(four_eyes.bob, approval)
    assert seen == [(four_eyes.alice, four_eyes.bob, {"receipt": 1})]


def test_an_unknown_kind_is_refused(four_eyes):
    with pytest.raises(ActionError):
        actions.do_request_approval(four_eyes.alice, kind="no-such-kind", payload={}, summary="x")
