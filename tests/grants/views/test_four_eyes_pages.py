"""The four-eyes and payment-run pages: waiting for you, approving and rejecting, proposing and releasing a run, and
the remittance downloads; no one decides their own action here either."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grants import actions
from grants.models import Approval, Award, Disbursement, PaymentRun
from grants.reads.remembered import forget

AWARDED_ON = date(2026, 2, 19)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def request_award(f) -> Approval:
    return actions.do_award_or_request(f.alice, project=f.world.waiting, amount="300000.00", awarded_on=AWARDED_ON)


def test_the_award_form_records_a_large_award_as_waiting(four_eyes):
    response = signed_in(four_eyes.alice).post(
        reverse("grants:award_project", args=[four_eyes.world.waiting.pk]),
        {"amount": "300,000", "currency": "GBP", "awarded_on": "2026-02-19", "status": "offered"},
    )
    approval = Approval.objects.get()
    assert response.status_code == 302 and response["Location"] == approval.get_absolute_url()
    assert approval.kind == "award" and approval.reserved.amount == 300000
    assert not Award.objects.filter(project=four_eyes.world.waiting).exists()


def test_others_requests_wait_for_you_on_the_portfolio_and_yours_do_not(four_eyes):
    approval = request_award(four_eyes)
    run = actions.do_propose_payment_run(four_eyes.alice, month=date(2026, 1, 1))
    bob_sees = signed_in(four_eyes.bob).get(reverse("grants:portfolio"))
    assert bob_sees.status_code == 200
    assert bob_sees.context["waiting"].approvals == [approval]
    assert bob_sees.context["waiting"].runs == [run]
    assert approval.summary in bob_sees.content.decode()
    alice_sees = signed_in(four_eyes.alice).get(reverse("grants:portfolio"))
    assert not alice_sees.context["waiting"]


def test_approving_your_own_action_through_the_page_is_refused(four_eyes):
    approval = request_award(four_eyes)
    response = signed_in(four_eyes.alice).post(reverse("grants:approval_approve", args=[approval.pk]), {"reason": ""})
    assert response.status_code == 400
    assert "a different administrator must approve or reject it" in response.content.decode()
    approval.refresh_from_db()
    assert approval.status == "pending"


def test_another_administrator_approves_through_the_page_and_the_award_is_made(four_eyes):
    approval = request_award(four_eyes)
    response = signed_in(four_eyes.bob).post(
        reverse("grants:approval_approve", args=[approval.pk]),
        {"reason": "Fine", "next": reverse("grants:portfolio")},
    )
    assert response.status_code == 302 and response["Location"] == reverse("grants:portfolio")
    award = Award.objects.get(project=four_eyes.world.waiting)
    page = signed_in(four_eyes.bob).get(approval.get_absolute_url())
    assert award.get_absolute_url() in page.content.decode()


def test_rejecting_through_the_page_needs_a_reason(four_eyes):
    approval = request_award(four_eyes)
    url = reverse("grants:approval_reject", args=[approval.pk])
    assert signed_in(four_eyes.bob).post(url, {"reason": ""}).status_code == 400
    response = signed_in(four_eyes.bob).post(url, {"reason": "Not this round"})
    assert response.status_code == 302
    approval.refresh_from_db()
    assert (approval.status, approval.decision_reason) == ("rejected", "Not this round")
    listed = signed_in(four_eyes.bob).get(reverse("grants:approvals"), {"status": "rejected"})
    assert list(listed.context["approvals"]) == [approval]


def test_a_run_is_proposed_released_by_another_and_its_remittance_downloaded(four_eyes):
    alice, bob = signed_in(four_eyes.alice), signed_in(four_eyes.bob)
    refused = alice.post(reverse("grants:payment_runs"), {"month": "2026-02"})
    assert refused.status_code == 400 and "has not ended yet" in refused.content.decode()
    response = alice.post(reverse("grants:payment_runs"), {"month": "2026-01"})
    run = PaymentRun.objects.get()
    assert response.status_code == 302 and response["Location"] == run.get_absolute_url()
    page = bob.get(run.get_absolute_url())
    assert page.context["page"].total_gbp == 100000
    assert alice.get(reverse("grants:payment_run_remittance_csv", args=[run.pk])).status_code == 404  # not yet
    own = alice.post(reverse("grants:payment_run_release", args=[run.pk]))
    assert own.status_code == 400 and "a different administrator must release it" in own.content.decode()
    assert not Disbursement.objects.filter(reference__startswith="RUN").exists()
    assert bob.post(reverse("grants:payment_run_release", args=[run.pk])).status_code == 302
    again = bob.post(reverse("grants:payment_run_release", args=[run.pk]))
    assert again.status_code == 400 and "already released" in again.content.decode()
    assert Disbursement.objects.filter(reference__startswith="RUN").count() == 1
    csv_file = bob.get(reverse("grants:payment_run_remittance_csv", args=[run.pk]))
    assert csv_file["Content-Type"].startswith("text/csv")
    assert b"AP-R1-0001" in csv_file.content
    xlsx = bob.get(reverse("grants:payment_run_remittance_xlsx", args=[run.pk]))
    assert xlsx.content[:2] == b"PK"


@pytest.mark.parametrize("name", ["grants:approvals", "grants:payment_runs", "grants:portfolio"])
def test_the_lists_cost_the_same_whatever_they_hold(four_eyes, name):
    client = signed_in(four_eyes.bob)
    approval = request_award(four_eyes)
    run = actions.do_propose_payment_run(four_eyes.alice, month=date(2026, 1, 1))
    client.get(reverse(name))  # warm the session
    # This visit works out what the page remembers (grants.reads.remembered), as will the next one: the fund will have
    # changed. Nothing is remembered in memory, nor kept in the database.
    forget(kept_too=True)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(name))
    actions.do_reject(four_eyes.bob, approval, "No")
    request_award(four_eyes)
    actions.do_pay_or_request(
        four_eyes.alice, milestone=four_eyes.milestones["b2"], paid_on=date(2026, 2, 19), reference="X", reason="Y"
    )
    actions.do_release_payment_run(four_eyes.bob, run=run)
    b1 = four_eyes.milestones["b1"]
    older = PaymentRun.objects.create(
        month=date(2025, 12, 1),
        proposed_by=four_eyes.alice,
        status="released",
        released_by=four_eyes.bob,
        paid_on=date(2026, 1, 30),
    )
    older.items.create(milestone=b1, amount=b1.amount, disbursement=Disbursement.objects.get(milestone=b1))
    with CaptureQueriesContext(connection) as more:
        client.get(reverse(name))
    assert len(more.captured_queries) == len(few.captured_queries)
