"""Administrators record pledges, receipts, conversions, awards, milestone reports and approvals, and payments through
the API; every write goes through the fund's operations and posts to the ledger like the back office does."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from djmoney.money import Money

from funders.models import Conversion, Pledge, Receipt
from grants.models import Award, AwardAttribution, Disbursement, LedgerTransaction, Milestone
from projects.models import Project


def money(amount, currency):
    return {"amount": amount, "currency": currency}


@pytest.fixture
def admin(world, client_for):
    return client_for(world.admin)


def test_it_records_a_pledge_and_posts_it_to_the_ledger(world, admin):
    response = admin.post(
        "/api/pledges/",
        {
            "funder": world.funder_a.pk,
            "amount": money("500000.00", "USD"),
            "pledged_on": "2026-02-19",
            "reference": "PA-2",
            "restricted_to_round": world.round.pk,
            "note": "Second tranche",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount"] == {"amount": "500000.00", "currency": "USD"}
    assert body["outstanding"] == {"amount": "500000.00", "currency": "USD"}
    assert body["valued"]["gbp"]["rate"]["pair"] == "USD/GBP"
    assert body["valued"]["gbp"]["rate"]["date"] <= "2026-02-19"
    assert body["note"] == "Second tranche"
    pledge = Pledge.objects.get(reference="PA-2")
    assert pledge.amount == Money("500000.00", "USD")
    assert pledge.recorded_by == world.admin
    assert LedgerTransaction.objects.filter(key=f"pledge:{pledge.pk}").exists()


def test_it_records_a_receipt_against_a_pledge(world, admin):
    pledge = admin.post(
        "/api/pledges/",
        {
            "funder": world.funder_b.pk,
            "amount": money("250000.00", "GBP"),
            "pledged_on": "2026-01-05",
            "reference": "PB-2",
        },
        format="json",
    ).json()
    response = admin.post(
        "/api/receipts/",
        {
            "pledge": pledge["id"],
            "amount": money("100000.00", "GBP"),
            "received_on": "2026-01-20",
            "bank_reference": "BANK-B-2",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["unconverted"] == {"amount": "100000.00", "currency": "GBP"}
    assert response.json()["valued"]["gbp"]["rate"] is None  # pounds need no rate
    receipt = Receipt.objects.get(bank_reference="BANK-B-2")
    assert LedgerTransaction.objects.filter(key=f"receipt:{receipt.pk}").exists()
    assert admin.get(f"/api/pledges/{pledge['id']}/").json()["outstanding"]["amount"] == "150000.00"


def test_it_records_a_conversion_at_the_rate_the_bank_dealt(world, admin):
    response = admin.post(
        "/api/conversions/",
        {
            "receipt": world.receipt_a.pk,
            "amount_sold": money("500000.00", "USD"),
            "gbp_credited": money("371250.00", "GBP"),
            "converted_on": "2025-09-01",
            "bank_reference": "FX-A-2",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["dealt_rate"]["rate"] == "0.7425"
    assert response.json()["dealt_rate"]["date"] == "2025-09-01"
    conversion = Conversion.objects.get(bank_reference="FX-A-2")
    assert LedgerTransaction.objects.filter(key=f"conversion:{conversion.pk}").exists()


def test_it_awards_a_vetted_project_and_fixes_its_attribution(world, admin):
    response = admin.post(
        "/api/awards/",
        {
            "project": world.waiting.pk,
            "amount": money("120000.00", "GBP"),
            "awarded_on": "2025-11-20",
            "compute_provider": "AWS",
            "compute_quantity": "20,000 GPU-hours",
            "compute_value": money("40000.00", "GBP"),
            "mentor": "Dr A. Mentor",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"] == "AP-R1-0003"
    assert body["amount"] == {"amount": "120000.00", "currency": "GBP"}
    assert body["compute"] == {
        "provider": "AWS",
        "quantity": "20,000 GPU-hours",
        "value": {"amount": "40000.00", "currency": "GBP"},
    }
    award = Award.objects.get(project=world.waiting)
    assert sum(a.amount.amount for a in award.attributions.all()) == Decimal("120000.00")
    assert LedgerTransaction.objects.filter(key=f"award:{award.pk}").exists()
    assert Project.objects.get(pk=world.waiting.pk).status == Project.Status.AWARDED


def test_a_milestone_is_reported_approved_and_paid_through_the_api(world, schedule, admin, client_for, settings):
    settings.FOUR_EYES = frozenset()  # paid at once; with the rule on, see tests/api/test_approvals.py
    milestone = schedule["a2"]
    received = admin.post(
        f"/api/milestones/{milestone.pk}/report-received/", {"received_on": "2026-02-02"}, format="json"
    )
    assert received.status_code == 200, received.content
    assert received.json()["report_status"] == "received"
    approved = admin.post(f"/api/milestones/{milestone.pk}/approval/", {"approved_on": "2026-02-09"}, format="json")
    assert approved.status_code == 200, approved.content
    assert approved.json()["report_status"] == "approved"
    assert approved.json()["expected_payment_on"] == "2026-03-31"
    paid = admin.post(
        "/api/disbursements/",
        {"milestone": milestone.pk, "paid_on": "2026-02-20", "reference": "PAY-A-2"},
        format="json",
    )
    assert paid.status_code == 201, paid.content
    assert paid.json()["amount"] == {"amount": "100000.00", "currency": "GBP"}
    payment = Disbursement.objects.get(reference="PAY-A-2")
    assert LedgerTransaction.objects.filter(key=f"disbursement:{payment.pk}").exists()
    # The researcher sees the payment on their award, and their next milestone moves on.
    award = client_for(world.researcher_a).get(f"/api/awards/{world.award_a.pk}/").json()
    assert award["next_milestone"] == schedule["a3"].pk
    assert award["milestones"][1]["payment"]["reference"] == "PAY-A-2"


def test_a_token_signs_in_and_writes_like_a_session(world, client):
    response = client.post("/api/token/", {"username": "alice-admin", "password": "correct-horse-battery-staple"})
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    created = client.post(
        "/api/pledges/",
        {
            "funder": world.funder_b.pk,
            "amount": money("1000.00", "GBP"),
            "pledged_on": "2026-02-19",
            "reference": "PB-9",
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert created.status_code == 201, created.content
    refused = client.post("/api/token/", {"username": "alice-admin", "password": "wrong"})
    assert refused.status_code == 400
    assert "token" not in refused.json()


def test_signing_in_for_a_token_reads_only_the_body_not_a_stale_token_sent_along(world, client):
    # The token endpoint answers 200, 400 or 429 (as its schema says), never a 401 for an old header.
    credentials = {"username": "alice-admin", "password": "correct-horse-battery-staple"}
    response = client.post("/api/token/", credentials, HTTP_AUTHORIZATION="Token expired-or-revoked")
    assert response.status_code == 200, response.content
    assert client.post("/api/token/", {}, HTTP_AUTHORIZATION="Token expired-or-revoked").status_code == 400


@pytest.mark.parametrize("body", [[None, None], ["alice-admin"], 7, "alice-admin", None])
def test_a_token_request_whose_body_is_not_an_object_is_a_400(world, client, body):
    response = client.post("/api/token/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content
    assert "token" not in response.json()


def test_the_token_endpoint_shares_the_sign_in_lockout(world, client, settings):
    # Guessing passwords through the API is stopped by the same django-axes lockout as the sign-in page.
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/api/token/", {"username": "alice-admin", "password": "guess"}).status_code == 400
    # The guess that reaches the limit is answered 429, as on the sign-in page, and so is everything after it.
    assert client.post("/api/token/", {"username": "alice-admin", "password": "guess"}).status_code == 429
    locked = client.post("/api/token/", {"username": "alice-admin", "password": "correct-horse-battery-staple"})
    assert locked.status_code == 429
    assert "token" not in locked.json()


def test_a_session_write_needs_the_csrf_token(world):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.admin)
    response = client.post(
        "/api/pledges/",
        {
            "funder": world.funder_b.pk,
            "amount": money("1000.00", "GBP"),
            "pledged_on": "2026-02-19",
            "reference": "PB-9",
        },
        format="json",
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Pledge.objects.filter(reference="PB-9").exists()


# Malformed requests: every write endpoint answers 4xx with field errors, and writes nothing.


def state():
    """Everything a write could change: row counts, the ledger, and each milestone's report and approval."""
    return {
        "pledges": Pledge.objects.count(),
        "receipts": Receipt.objects.count(),
        "conversions": Conversion.objects.count(),
        "awards": Award.objects.count(),
        "attributions": AwardAttribution.objects.count(),
        "disbursements": Disbursement.objects.count(),
        "ledger": LedgerTransaction.objects.count(),
        "milestones": sorted(Milestone.objects.values_list("pk", "report_received_on", "approved_on")),
        "projects": sorted(Project.objects.values_list("pk", "status")),
    }


def valid_bodies(world, schedule) -> dict[str, tuple[str, dict]]:
    """For each write endpoint, its URL and a body it would accept."""
    return {
        "pledge": (
            "/api/pledges/",
            {
                "funder": world.funder_a.pk,
                "amount": money("500000.00", "USD"),
                "pledged_on": "2026-02-19",
                "reference": "PA-2",
            },
        ),
        "receipt": (
            "/api/receipts/",
            {
                "pledge": schedule["open_pledge"].pk,
                "amount": money("1000.00", "USD"),
                "received_on": "2026-02-10",
                "bank_reference": "BANK-A-9",
            },
        ),
        "conversion": (
            "/api/conversions/",
            {
                "receipt": world.receipt_a.pk,
                "amount_sold": money("1000.00", "USD"),
                "gbp_credited": money("740.00", "GBP"),
                "converted_on": "2025-09-01",
                "bank_reference": "FX-A-9",
            },
        ),
        "award": (
            "/api/awards/",
            {"project": world.waiting.pk, "amount": money("100000.00", "GBP"), "awarded_on": "2025-11-20"},
        ),
        "report": (f"/api/milestones/{schedule['b1'].pk}/report-received/", {"received_on": "2026-02-02"}),
        "approval": (f"/api/milestones/{schedule['a2_received'].pk}/approval/", {"approved_on": "2026-02-09"}),
        "disbursement": (
            "/api/disbursements/",
            {
                "milestone": schedule["a3_approved"].pk,
                "paid_on": "2026-02-20",
                "reference": "PAY-A-9",
                "reason": "Paid before the run at the researcher's request",
            },
        ),
    }


@pytest.fixture
def writable(world, schedule):
    """The schedule, plus a pledge still open, a reported milestone and an approved one: so that each valid body
    above would succeed, and each failure below is the malformation's fault alone."""
    from grants import actions

    open_pledge = actions.do_record_pledge(
        world.admin,
        funder=world.funder_a,
        amount="10000.00",
        currency="USD",
        pledged_on=date(2026, 2, 1),
        reference="PA-9",
    )
    actions.do_receive_milestone_report(world.admin, milestone=schedule["a2"], received_on=date(2026, 2, 2))
    actions.do_receive_milestone_report(world.admin, milestone=schedule["a3"], received_on=date(2026, 2, 2))
    actions.do_approve_milestone(world.admin, milestone=schedule["a3"], approved_on=date(2026, 2, 3))
    return {**schedule, "open_pledge": open_pledge, "a2_received": schedule["a2"], "a3_approved": schedule["a3"]}


def without(body, key):
    return {k: v for k, v in body.items() if k != key}


# (endpoint, what is wrong, change to the valid body, the field the error must name)
MONEY_FIELD = {"pledge": "amount", "receipt": "amount", "conversion": "amount_sold", "award": "amount"}
DATE_FIELD = {
    "pledge": "pledged_on",
    "receipt": "received_on",
    "conversion": "converted_on",
    "award": "awarded_on",
    "report": "received_on",
    "approval": "approved_on",
    "disbursement": "paid_on",
}
ID_FIELD = {
    "pledge": "funder",
    "receipt": "pledge",
    "conversion": "receipt",
    "award": "project",
    "disbursement": "milestone",
}
CURRENCY = {"pledge": "USD", "receipt": "USD", "conversion": "USD", "award": "GBP"}


def generic_cases(endpoint):
    cases = [
        ("an unknown field", lambda b: {**b, "colour": "blue"}, "colour"),
        ("a client-supplied currency column", lambda b: {**b, "amount_currency": "XXX"}, "amount_currency"),
        ("a missing date", lambda b: without(b, DATE_FIELD[endpoint]), DATE_FIELD[endpoint]),
    ]
    date_field = DATE_FIELD[endpoint]
    for bad in ["2026-02-30", "19 Feb 2026", "19/02/2026", 20260219, "", None, "2026-02-19T10:00:00Z", "0001-01-01"]:
        cases.append((f"date {bad!r}", lambda b, bad=bad: {**b, date_field: bad}, date_field))
    if endpoint in ID_FIELD:
        id_field = ID_FIELD[endpoint]
        for bad in [999999, "999999", "abc", 1.5, True, None, {"id": 1}, 10**30]:
            cases.append((f"{id_field} {bad!r}", lambda b, bad=bad: {**b, id_field: bad}, id_field))
    if endpoint in MONEY_FIELD:
        field, currency = MONEY_FIELD[endpoint], CURRENCY[endpoint]
        for what, bad in [
            ("an unknown currency", money("1000.00", "XYZ")),
            ("a lower-case currency", money("1000.00", currency.lower())),
            ("a currency that is a number", money("1000.00", 840)),
            ('"ten" as amount', money("ten", currency)),
            ("a JSON number as amount", money(1000, currency)),
            ("a JSON float as amount", money(1000.5, currency)),
            ("a zero amount", money("0.00", currency)),
            ("a negative amount", money("-1000.00", currency)),
            ("fractions of a penny", money("1000.005", currency)),
            ("an exponent", money("1e3", currency)),
            ("thousands separators", money("1,000.00", currency)),
            ("NaN", money("NaN", currency)),
            ("an amount too large for the books", money("1000000000000.00", currency)),
            ("a bare string", "1000.00"),
            ("a bare number", 1000),
            ("no currency", {"amount": "1000.00"}),
            ("an extra key", {**money("1000.00", currency), "rate": "1.2"}),
        ]:
            cases.append((what, lambda b, bad=bad, field=field: {**b, field: bad}, field))
    return cases


def specific_cases(world, s):
    """Malformations only one endpoint can have: (endpoint, what is wrong, change, the field the error names).

    A change may return (milestone key, body): the same body posted for another of the schedule's milestones."""
    return [
        ("pledge", "a reference already used", lambda b: {**b, "reference": "PA-1"}, "reference"),
        ("pledge", "a reference too long", lambda b: {**b, "reference": "P" * 41}, "reference"),
        ("pledge", "compute_only as a string", lambda b: {**b, "compute_only": "yes"}, "compute_only"),
        ("pledge", "an unknown round", lambda b: {**b, "restricted_to_round": 999999}, "restricted_to_round"),
        ("pledge", "a currency the database refuses", lambda b: {**b, "amount": money("1.00", "JPY")}, "amount"),
        ("receipt", "a currency other than the pledge's", lambda b: {**b, "amount": money("1000.00", "GBP")}, "amount"),
        ("receipt", "more than is outstanding", lambda b: {**b, "amount": money("10000.01", "USD")}, "amount"),
        ("receipt", "a bank reference already used", lambda b: {**b, "bank_reference": "BANK-A-1"}, "bank_reference"),
        ("receipt", "money before the pledge", lambda b: {**b, "received_on": "2026-01-31"}, "received_on"),
        ("conversion", "selling pounds", lambda b: {**b, "amount_sold": money("1000.00", "GBP")}, "amount_sold"),
        (
            "conversion",
            "selling another currency",
            lambda b: {**b, "amount_sold": money("1000.00", "EUR")},
            "amount_sold",
        ),
        ("conversion", "crediting dollars", lambda b: {**b, "gbp_credited": money("740.00", "USD")}, "gbp_credited"),
        (
            "conversion",
            "more than is unconverted",
            lambda b: {**b, "amount_sold": money("1000000.01", "USD")},
            "amount_sold",
        ),
        ("conversion", "a pound receipt", lambda b: {**b, "receipt": world.receipt_b.pk}, "receipt"),
        ("conversion", "before the cash arrived", lambda b: {**b, "converted_on": "2025-07-31"}, "converted_on"),
        ("award", "£49,999.99", lambda b: {**b, "amount": money("49999.99", "GBP")}, "amount"),
        ("award", "£1,000,000.01", lambda b: {**b, "amount": money("1000000.01", "GBP")}, "amount"),
        ("award", "dollars", lambda b: {**b, "amount": money("100000.00", "USD")}, "amount"),
        ("award", "more than the headroom", lambda b: {**b, "amount": money("550000.01", "GBP")}, "amount"),
        ("award", "a project already awarded", lambda b: {**b, "project": world.award_a.project.pk}, "project"),
        ("award", "a reference already used", lambda b: {**b, "reference": world.award_a.reference}, "reference"),
        (
            "award",
            "a compute value in dollars",
            lambda b: {**b, "compute_value": money("1.00", "USD")},
            "compute_value",
        ),
        ("award", "a date before any exchange rate", lambda b: {**b, "awarded_on": "1990-01-01"}, "awarded_on"),
        ("report", "a report already received", lambda b: ("a2_received", b), "received_on"),
        ("approval", "a report not yet received", lambda b: ("b1", b), "approved_on"),
        ("approval", "approval before the report", lambda b: {**b, "approved_on": "2026-02-01"}, "approved_on"),
        ("disbursement", "a milestone not approved", lambda b: {**b, "milestone": s["b1"].pk}, "milestone"),
        ("disbursement", "a milestone already paid", lambda b: {**b, "milestone": s["a1"].pk}, "milestone"),
        ("disbursement", "a payment before approval", lambda b: {**b, "paid_on": "2026-02-01"}, "paid_on"),
        ("disbursement", "a reference already used", lambda b: {**b, "reference": "PAY-A-1"}, "reference"),
    ]


@pytest.mark.parametrize("endpoint", list(DATE_FIELD))
def test_every_malformed_request_is_refused_with_field_errors_and_writes_nothing(world, writable, admin, endpoint):
    url, valid = valid_bodies(world, writable)[endpoint]
    before = state()
    failures = []
    cases = generic_cases(endpoint)
    cases += [(what, change, field) for e, what, change, field in specific_cases(world, writable) if e == endpoint]
    assert len(cases) >= 9
    for what, change, field in cases:
        body = change(dict(valid))
        case_url = url
        if isinstance(body, tuple):
            key, body = body
            case_url = url.replace(f"/{url.split('/')[3]}/", f"/{writable[key].pk}/")
        response = admin.post(case_url, body, format="json")
        errors = response.json() if response["Content-Type"] == "application/json" else {}
        if response.status_code != 400 or field not in errors or not errors[field]:
            failures.append((what, response.status_code, errors))
    assert failures == []
    assert state() == before
    # And the valid body really would have been accepted: the refusals were the malformations' doing.
    # (202: a payment outside the run waits for a second administrator.)
    assert admin.post(url, valid, format="json").status_code in (200, 201, 202)


@pytest.mark.parametrize("endpoint", list(DATE_FIELD))
def test_a_body_that_is_not_a_json_object_is_refused(world, writable, admin, client_for, endpoint):
    url, _valid = valid_bodies(world, writable)[endpoint]
    before = state()
    for body in [[], "pledge", 42, [{"received_on": "2026-02-02"}]]:
        response = admin.post(url, body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert response.json()["non_field_errors"]
    broken = admin.post(url, "{not json", content_type="application/json")
    assert broken.status_code == 400
    assert "JSON parse error" in broken.json()["detail"]
    form = admin.post(url, {"received_on": "2026-02-02"})  # a form post, not JSON
    assert form.status_code == 415
    assert state() == before


def test_an_error_message_is_written_for_a_person(world, admin):
    response = admin.post(
        "/api/awards/",
        {"project": world.waiting.pk, "amount": money(75000, "USD"), "awarded_on": "2025-11-20", "mentor": ["x"]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["amount"] == [
        "Awards are made in pounds sterling (GBP), not USD.",
        'Give the amount as a decimal string, e.g. "75000", not as a JSON number: numbers can lose pennies on the way.',
    ]
    assert response.json()["mentor"] == ["Not a valid string."]
    too_small = admin.post(
        "/api/awards/",
        {"project": world.waiting.pk, "amount": money("49999.99", "GBP"), "awarded_on": "2025-11-20"},
        format="json",
    )
    assert too_small.json() == {"amount": ["An award must be between £50,000.00 and £1,000,000.00 inclusive."]}
    unknown = admin.post("/api/awards/", {"project": 424242, "amount": money("60000.00", "GBP")}, format="json")
    assert unknown.json() == {
        "project": ["There is no project with id 424242."],
        "awarded_on": ["This field is required."],
    }


def test_an_award_is_terminated_through_the_api_and_its_unpaid_part_released(world, admin):
    from grants.reads.position import pool_position

    on = date(2026, 2, 20)
    before = pool_position(on).headroom_gbp
    response = admin.post(
        f"/api/awards/{world.award_a.pk}/termination/", {"terminated_on": "2026-02-20"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "terminated"
    assert pool_position(on).headroom_gbp - before == Decimal("300000.00")
    again = admin.post(f"/api/awards/{world.award_a.pk}/termination/", {"terminated_on": "2026-02-20"}, format="json")
    assert again.status_code == 400
    assert "already terminated" in again.content.decode()


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/pledges/", '{"\\ud800": 1}'),  # an unknown field, named in the refusal
        ("/api/pledges/", '{"amount": {"amount": "1.00", "currency": "\\ud800"}}'),  # a currency, quoted back
        ("/api/receipts/", '{"amount": {"amount": "\\udfff", "currency": "GBP"}}'),
        ("/api/token/", '{"username": "alice-admin\\ud800", "password": "x"}'),
    ],
)
def test_a_body_with_half_a_surrogate_pair_is_a_400_not_a_500(world, admin, url, body):
    response = admin.post(url, body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "surrogate" in response.json()["detail"]
