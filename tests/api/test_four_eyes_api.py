"""Four eyes and payment runs through the API: large awards answer 202 with their approval, no one approves their
own, rejecting needs a reason, runs are proposed and released by different administrators, and the remittance
files download."""

from __future__ import annotations

import csv
import io

from rest_framework.test import APIClient

from grants.models import Approval, Award, AwardAttribution, Disbursement, PaymentRun


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ask_for_award(f, amount="300000.00"):
    return api(f.alice).post(
        "/api/awards/",
        {"project": f.world.waiting.pk, "amount": {"amount": amount, "currency": "GBP"}, "awarded_on": "2026-02-19"},
        format="json",
    )


def test_a_large_award_answers_202_with_the_approval_it_waits_for(four_eyes):
    response = ask_for_award(four_eyes)
    assert response.status_code == 202, response.content
    body = response.json()
    approval = Approval.objects.get()
    assert body["id"] == approval.pk
    assert (body["kind"], body["status"], body["requested_by"]) == ("award", "pending", "alice-admin")
    assert body["reserved"] == {"amount": "300000.00", "currency": "GBP"}
    assert body["result"] is None
    assert not Award.objects.filter(project=four_eyes.world.waiting).exists()


def test_a_small_award_is_made_at_once_201(four_eyes):
    assert ask_for_award(four_eyes, "100000.00").status_code == 201


def test_approving_your_own_action_through_the_api_is_refused(four_eyes):
    approval_id = ask_for_award(four_eyes).json()["id"]
    response = api(four_eyes.alice).post(f"/api/approvals/{approval_id}/approve/", {}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["You asked for this action: a different administrator must approve or reject it."]
    }
    assert Approval.objects.get().status == "pending"


def test_another_administrator_approves_and_the_award_is_made(four_eyes):
    approval_id = ask_for_award(four_eyes).json()["id"]
    response = api(four_eyes.bob).post(f"/api/approvals/{approval_id}/approve/", {"reason": "OK"}, format="json")
    assert response.status_code == 200, response.content
    award = Award.objects.get(project=four_eyes.world.waiting)
    body = response.json()
    assert (body["status"], body["decided_by"], body["decision_reason"]) == ("approved", "bob-admin", "OK")
    assert body["result"] == {"type": "award", "id": award.pk}


def test_rejecting_needs_a_reason(four_eyes):
    approval_id = ask_for_award(four_eyes).json()["id"]
    missing = api(four_eyes.bob).post(f"/api/approvals/{approval_id}/reject/", {}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()
    response = api(four_eyes.bob).post(f"/api/approvals/{approval_id}/reject/", {"reason": "Too much"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["decision_reason"]) == ("rejected", "Too much")


def test_approvals_are_listed_and_filtered_for_administrators_only(four_eyes):
    approval_id = ask_for_award(four_eyes).json()["id"]
    listed = api(four_eyes.bob).get("/api/approvals/", {"status": "pending", "kind": "award"}).json()
    assert [row["id"] for row in listed["results"]] == [approval_id]
    assert api(four_eyes.bob).get("/api/approvals/", {"status": "rejected"}).json()["count"] == 0
    assert api(four_eyes.bob).get("/api/approvals/", {"status": "nonsense"}).status_code == 400
    for outsider in (four_eyes.world.contact_a, four_eyes.world.researcher_a):
        assert api(outsider).get("/api/approvals/").status_code == 403
        assert api(outsider).get(f"/api/approvals/{approval_id}/").status_code == 403
        assert api(outsider).post(f"/api/approvals/{approval_id}/approve/", {}, format="json").status_code == 403


def test_a_payment_outside_a_run_answers_202(four_eyes):
    response = api(four_eyes.alice).post(
        "/api/disbursements/",
        {"milestone": four_eyes.milestones["a1"].pk, "paid_on": "2026-02-19", "reference": "PAY-1", "reason": "Why"},
        format="json",
    )
    assert response.status_code == 202, response.content
    assert response.json()["kind"] == "payment"
    assert not Disbursement.objects.filter(reference="PAY-1").exists()


def test_a_run_is_proposed_released_by_another_and_its_remittance_downloaded(four_eyes):
    alice, bob = api(four_eyes.alice), api(four_eyes.bob)
    for month in ("2026-02", "2026-13", "January", "2025-12"):
        refused = alice.post("/api/payment-runs/", {"month": month}, format="json")
        assert refused.status_code == 400 and "month" in refused.json(), month
    proposed = alice.post("/api/payment-runs/", {"month": "2026-01"}, format="json")
    assert proposed.status_code == 201, proposed.content
    run = proposed.json()
    assert (run["month"], run["status"], run["remittance"]) == ("2026-01", "proposed", None)
    assert run["total"] == {"amount": "100000.00", "currency": "GBP"}
    assert [item["milestone"] for item in run["items"]] == [four_eyes.milestones["a1"].pk]
    own = alice.post(f"/api/payment-runs/{run['id']}/release/", {}, format="json")
    assert own.status_code == 400
    wrong_total = bob.post(
        f"/api/payment-runs/{run['id']}/release/",
        {"expected_total": {"amount": "1.00", "currency": "GBP"}},
        format="json",
    )
    assert wrong_total.status_code == 400 and "expected_total" in wrong_total.json()
    assert bob.get(f"/api/payment-runs/{run['id']}/remittance-csv/").status_code == 404  # not released yet
    released = bob.post(
        f"/api/payment-runs/{run['id']}/release/",
        {"expected_total": {"amount": "100000.00", "currency": "GBP"}},
        format="json",
    )
    assert released.status_code == 200, released.content
    body = released.json()
    assert (body["status"], body["released_by"], body["paid_on"]) == ("released", "bob-admin", "2026-02-20")
    assert body["items"][0]["payment_reference"].startswith("RUN202601-")
    assert body["remittance"]["csv"].endswith(f"/api/payment-runs/{run['id']}/remittance-csv/")
    again = bob.post(f"/api/payment-runs/{run['id']}/release/", {}, format="json")
    assert again.status_code == 400
    assert Disbursement.objects.filter(reference__startswith="RUN").count() == 1
    csv_file = bob.get(body["remittance"]["csv"], HTTP_ACCEPT="text/csv")
    assert csv_file.status_code == 200 and csv_file["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(csv_file.content.decode())))
    assert rows[1][0] == body["items"][0]["payment_reference"]
    xlsx = bob.get(body["remittance"]["xlsx"])
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert [r["id"] for r in bob.get("/api/payment-runs/").json()["results"]] == [run["id"]]
    assert PaymentRun.objects.get().status == "released"


def test_payment_runs_are_for_administrators_only(four_eyes):
    for outsider in (four_eyes.world.contact_a, four_eyes.world.researcher_a, four_eyes.world.outsider):
        assert api(outsider).get("/api/payment-runs/").status_code == 403
        assert api(outsider).post("/api/payment-runs/", {"month": "2026-01"}, format="json").status_code == 403
    assert not PaymentRun.objects.exists()


def test_the_history_of_an_approved_award_names_one_administrator_for_all_its_rows(four_eyes):
    """The award approved through the API: its own history row and those of its attributions, written in bulk, name
    the same person (the request's administrator), so the activity log tells one story."""
    approval_id = ask_for_award(four_eyes).json()["id"]
    assert api(four_eyes.bob).post(f"/api/approvals/{approval_id}/approve/", {}, format="json").status_code == 200
    award = Award.objects.get(project=four_eyes.world.waiting)
    named = {
        model.__name__: set(history.values_list("history_user", flat=True))
        for model, history in (
            (Award, Award.history.filter(id=award.pk)),
            (AwardAttribution, AwardAttribution.history.filter(award=award)),
        )
    }
    assert named == {"Award": {four_eyes.bob.pk}, "AwardAttribution": {four_eyes.bob.pk}}
