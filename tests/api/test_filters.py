"""Filtering and pagination of the lists: by funder, currency, dates, round and status; bad values are a 400."""

from __future__ import annotations

from datetime import date

import pytest

from grants import actions


def ids(response):
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])


@pytest.fixture
def admin(world, client_for):
    return client_for(world.admin)


@pytest.fixture
def more_pledges(world):
    eur = actions.do_record_pledge(
        world.admin,
        funder=world.funder_a,
        amount="300000.00",
        currency="EUR",
        pledged_on=date(2026, 1, 15),
        reference="PA-E",
    )
    restricted = actions.do_record_pledge(
        world.admin,
        funder=world.funder_b,
        amount="50000.00",
        currency="GBP",
        pledged_on=date(2025, 9, 1),
        reference="PB-R",
        restricted_to_round=world.round,
    )
    return eur, restricted


def test_pledges_filter_by_funder_currency_dates_and_round(world, admin, more_pledges):
    eur, restricted = more_pledges
    assert ids(admin.get("/api/pledges/", {"funder": world.funder_b.pk})) == sorted([world.pledge_b.pk, restricted.pk])
    assert ids(admin.get("/api/pledges/", {"currency": "EUR"})) == [eur.pk]
    assert ids(admin.get("/api/pledges/", {"pledged_from": "2025-08-01"})) == sorted([eur.pk, restricted.pk])
    assert ids(admin.get("/api/pledges/", {"pledged_to": "2025-07-01"})) == sorted(
        [world.pledge_a.pk, world.pledge_b.pk]
    )
    assert ids(admin.get("/api/pledges/", {"round": world.round.pk})) == [restricted.pk]
    assert ids(admin.get("/api/pledges/", {"funder": world.funder_a.pk, "currency": "USD"})) == [world.pledge_a.pk]


def test_a_funder_cannot_filter_for_another_funder(world, client_for, more_pledges):
    contact = client_for(world.contact_a)
    assert len(ids(contact.get("/api/pledges/", {"funder": world.funder_a.pk}))) == 2
    response = contact.get("/api/pledges/", {"funder": world.funder_b.pk})
    assert response.status_code == 400
    assert response.json() == client_for(world.contact_a).get("/api/pledges/", {"funder": 999999}).json()


def test_receipts_conversions_and_attributions_filter(world, admin):
    assert ids(admin.get("/api/receipts/", {"currency": "GBP"})) == [world.receipt_b.pk]
    assert ids(admin.get("/api/receipts/", {"received_from": "2025-08-02"})) == []
    assert len(ids(admin.get("/api/conversions/", {"funder": world.funder_a.pk}))) == 1
    assert ids(admin.get("/api/conversions/", {"currency": "EUR"})) == []
    by_award = admin.get("/api/attributions/", {"award": world.award_b.pk}).json()["results"]
    assert {row["award"]["id"] for row in by_award} == {world.award_b.pk}
    assert ids(admin.get("/api/attributions/", {"research_area": world.other_area.pk})) == ids(
        admin.get("/api/attributions/", {"award": world.award_b.pk})
    )
    assert ids(admin.get("/api/attributions/", {"status": "terminated"})) == []
    # Award A (10 Nov) is paid for by funder A alone; award B (12 Nov) by funder B.
    assert len(ids(admin.get("/api/attributions/", {"round": world.round.pk, "awarded_to": "2025-11-11"}))) == 1


def test_awards_milestones_and_payments_filter(world, schedule, admin):
    assert ids(admin.get("/api/awards/", {"status": "active"})) == [world.award_a.pk]
    assert ids(admin.get("/api/awards/", {"awarded_from": "2025-11-11"})) == [world.award_b.pk]
    assert ids(admin.get("/api/awards/", {"research_area": world.area.pk, "round": world.round.pk})) == [
        world.award_a.pk
    ]
    assert ids(admin.get("/api/milestones/", {"status": "approved"})) == [schedule["a1"].pk]
    assert ids(admin.get("/api/milestones/", {"status": "due"})) == [schedule["b1"].pk]
    assert ids(admin.get("/api/milestones/", {"status": "not_due"})) == sorted([schedule["a2"].pk, schedule["a3"].pk])
    assert ids(admin.get("/api/milestones/", {"award": world.award_b.pk})) == [schedule["b1"].pk]
    assert ids(admin.get("/api/milestones/", {"due_to": "2026-01-31"})) == sorted(
        [schedule["a1"].pk, schedule["b1"].pk]
    )
    assert ids(admin.get("/api/disbursements/", {"paid_from": "2026-01-30", "paid_to": "2026-01-30"})) == [
        schedule["payment_a1"].pk
    ]
    assert ids(admin.get("/api/projects/", {"status": "vetted"})) == [world.waiting.pk]


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/pledges/", {"pledged_from": "19/02/2026"}, "pledged_from"),
        ("/api/pledges/", {"pledged_to": "2026-02-30"}, "pledged_to"),
        ("/api/pledges/", {"currency": "XYZ"}, "currency"),
        ("/api/pledges/", {"funder": "abc"}, "funder"),
        ("/api/pledges/", {"compute_only": "perhaps"}, "compute_only"),
        ("/api/receipts/", {"received_to": "2026-13-01"}, "received_to"),
        ("/api/receipts/", {"pledge": "one"}, "pledge"),
        ("/api/attributions/", {"round": 999999}, "round"),
        ("/api/awards/", {"status": "granted"}, "status"),
        ("/api/awards/", {"round": "1.5.2"}, "round"),
        ("/api/milestones/", {"status": "late"}, "status"),
        ("/api/disbursements/", {"paid_from": "yesterday"}, "paid_from"),
        ("/api/projects/", {"research_area": 999999}, "research_area"),
    ],
)
def test_a_bad_filter_value_is_a_400_naming_the_filter(world, admin, url, params, field):
    response = admin.get(url, params)
    assert response.status_code == 400
    assert field in response.json()


def test_lists_come_in_pages(world, admin, more_pledges):
    first = admin.get("/api/pledges/", {"page_size": 2}).json()
    assert first["count"] == 4
    assert len(first["results"]) == 2
    second = admin.get(first["next"]).json()
    assert len(second["results"]) == 2
    assert {r["id"] for r in first["results"]}.isdisjoint({r["id"] for r in second["results"]})
    assert admin.get("/api/pledges/", {"page": 99}).status_code == 404
    assert admin.get("/api/pledges/", {"page": "last", "page_size": 2}).json()["results"] == second["results"]
