"""Payment runs, as operations: what a month's run proposes, who may release it, all or nothing, once; and the
remittance file the finance team gets."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from djmoney.money import Money
from openpyxl import load_workbook

from grants import actions
from grants.actions import ActionError
from grants.exports.remittance import COLUMNS, remittance_csv, remittance_xlsx
from grants.models import Disbursement, LedgerTransaction, Milestone, PaymentRun
from grants.reads.payment_runs import due_in_run, parse_month, run_page

JANUARY = date(2026, 1, 1)


def only(message_dict) -> str:
    [(_, [message])] = message_dict.items()
    return message


def propose_january(f) -> PaymentRun:
    return actions.do_propose_payment_run(f.alice, month=JANUARY)


def test_a_month_is_written_yyyy_mm():
    assert parse_month("2026-01") == JANUARY
    assert [parse_month(text) for text in ("2026-13", "2026-1", "26-01", "January", "", None)] == [None] * 6


def test_a_run_proposes_the_approved_unpaid_milestones_whose_month_has_ended(four_eyes):
    m = four_eyes.milestones
    run = propose_january(four_eyes)
    # a1 only: a2 is due next year (its report approved early), a3 is not approved, b1 is paid, b2 is February's.
    assert [item.milestone for item in run.items.all()] == [m["a1"]]
    assert run.items.get().amount == m["a1"].amount
    assert (run.status, run.proposed_by) == ("proposed", four_eyes.alice)
    page = run_page(run, date(2026, 2, 20))
    assert page.total_gbp == Decimal("100000.00")
    assert page.cash_gbp > page.total_gbp and page.short_gbp == 0


def test_a_milestone_due_next_year_is_payable_only_in_that_month_s_run(four_eyes):
    a2 = four_eyes.milestones["a2"]
    assert a2 not in due_in_run(date(2026, 11, 1))
    assert a2 in due_in_run(date(2026, 12, 1))


def test_a_milestone_waiting_in_a_run_is_not_proposed_again(four_eyes):
    propose_january(four_eyes)
    assert list(due_in_run(date(2026, 1, 1))) == []


@pytest.mark.parametrize(
    ("month", "message"),
    [
        (date(2026, 2, 1), "February 2026 has not ended yet: payments are made in arrears."),
        (date(2026, 3, 1), "March 2026 has not ended yet: payments are made in arrears."),
        (date(2025, 12, 1), "Nothing is due in the run for December 2025."),
    ],
)
def test_a_run_is_refused_for_a_month_not_ended_or_with_nothing_due(four_eyes, month, message):
    with pytest.raises(ActionError) as refused:
        actions.do_propose_payment_run(four_eyes.alice, month=month)
    assert refused.value.message_dict == {"month": [message]}
    assert not PaymentRun.objects.exists()


def test_a_month_has_one_run_waiting_at_a_time(four_eyes):
    propose_january(four_eyes)
    with pytest.raises(ActionError) as refused:
        actions.do_propose_payment_run(four_eyes.bob, month=JANUARY)
    assert only(refused.value.message_dict) == "A run for January 2026 is already proposed: release it first."


def test_releasing_pays_every_item_with_its_own_reference_and_ledger_entry(four_eyes):
    run = propose_january(four_eyes)
    before = LedgerTransaction.objects.count()
    run = actions.do_release_payment_run(four_eyes.bob, run=run)
    item = run.items.get()
    payment = item.disbursement
    assert (run.status, run.released_by, run.paid_on) == ("released", four_eyes.bob, date(2026, 2, 20))
    assert payment.reference == f"RUN202601-{run.pk}-M{four_eyes.milestones['a1'].pk}"
    assert (payment.milestone, payment.amount, payment.paid_on) == (item.milestone, item.amount, date(2026, 2, 20))
    assert LedgerTransaction.objects.count() == before + 1
    assert LedgerTransaction.objects.filter(key=f"disbursement:{payment.pk}").exists()


def test_the_proposer_cannot_release_their_own_run(four_eyes):
    run = propose_january(four_eyes)
    with pytest.raises(ActionError) as refused:
        actions.do_release_payment_run(four_eyes.alice, run=run)
    assert only(refused.value.message_dict) == "You proposed this run: a different administrator must release it."
    run.refresh_from_db()
    assert run.status == "proposed" and not Disbursement.objects.filter(reference__startswith="RUN").exists()


def test_without_four_eyes_for_runs_the_proposer_may_release(four_eyes, settings):
    settings.FOUR_EYES = frozenset({"award"})
    run = actions.do_release_payment_run(four_eyes.alice, run=propose_january(four_eyes))
    assert run.status == "released"


def test_releasing_twice_has_one_effect(four_eyes):
    run = propose_january(four_eyes)
    actions.do_release_payment_run(four_eyes.bob, run=run)
    payments = Disbursement.objects.count()
    with pytest.raises(ActionError) as refused:
        actions.do_release_payment_run(four_eyes.bob, run=run)
    assert only(refused.value.message_dict) == "This run was already released on 20 Feb 2026."
    assert Disbursement.objects.count() == payments


def test_a_run_is_paid_all_or_nothing(four_eyes, settings):
    settings.FOUR_EYES = frozenset()
    extra = Milestone.objects.create(
        award=four_eyes.world.award_b, number=3, title="Appendix", due_on=date(2026, 1, 15), amount=Money(1000, "GBP")
    )
    actions.do_receive_milestone_report(four_eyes.alice, milestone=extra, received_on=date(2026, 1, 16))
    actions.do_approve_milestone(four_eyes.alice, milestone=extra, approved_on=date(2026, 1, 20))
    run = propose_january(four_eyes)
    assert [item.milestone for item in run.items.order_by("milestone__award__reference")] == [
        four_eyes.milestones["a1"],
        extra,
    ]
    # The second item is paid outside the run meanwhile: the first, paid before it is reached, is undone too.
    actions.do_pay_or_request(four_eyes.alice, milestone=extra, paid_on=date(2026, 2, 19), reference="PAY-EARLY")
    payments, ledger = Disbursement.objects.count(), LedgerTransaction.objects.count()
    with pytest.raises(ActionError) as refused:
        actions.do_release_payment_run(four_eyes.bob, run=run)
    assert only(refused.value.message_dict) == "AP-R1-0002 milestone 3: This milestone has already been paid."
    run.refresh_from_db()
    assert run.status == "proposed"
    assert (Disbursement.objects.count(), LedgerTransaction.objects.count()) == (payments, ledger)
    assert not Disbursement.objects.filter(milestone=four_eyes.milestones["a1"]).exists()


def test_only_administrators_propose_or_release(four_eyes):
    run = propose_january(four_eyes)
    for outsider in (four_eyes.world.contact_a, four_eyes.world.researcher_a):
        with pytest.raises(ActionError):
            actions.do_propose_payment_run(outsider, month=JANUARY)
        with pytest.raises(ActionError):
            actions.do_release_payment_run(outsider, run=run)


def test_the_remittance_file_lists_each_payment_with_formulas_neutralised(four_eyes):
    run = actions.do_release_payment_run(four_eyes.bob, run=propose_january(four_eyes))
    payment = run.items.get().disbursement
    rows = list(csv.reader(io.StringIO(remittance_csv(run).decode("utf-8"))))
    assert rows == [
        COLUMNS,
        [
            payment.reference,
            "2026-02-20",
            "AP-R1-0001",
            "R1-0001",
            "A. Researcher",
            "University of Somewhere",
            "1",
            '\'=HYPERLINK("http://x")',
            "100000.00",
            "GBP",
        ],
    ]
    sheet = load_workbook(io.BytesIO(remittance_xlsx(run))).active
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert cells[0] == COLUMNS
    assert cells[1][0] == payment.reference
    assert cells[1][7] == '\'=HYPERLINK("http://x")'
    assert cells[1][8] == 100000 and cells[1][9] == "GBP"
    assert sheet.cell(row=2, column=8).data_type == "s"  # text, not a formula
