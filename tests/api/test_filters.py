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


# Every filter that takes an id: (list, filter, what it names, whether the id must be of an object one may choose).
ID_FILTERS = [
    ("/api/pledges/", "funder", "funder", True),
    ("/api/pledges/", "round", "round", True),
    ("/api/receipts/", "funder", "funder", True),
    ("/api/receipts/", "pledge", "pledge", False),
    ("/api/conversions/", "funder", "funder", True),
    ("/api/conversions/", "receipt", "receipt", False),
    ("/api/attributions/", "funder", "funder", True),
    ("/api/attributions/", "award", "award", False),
    ("/api/attributions/", "round", "round", True),
    ("/api/attributions/", "research_area", "research area", True),
    ("/api/awards/", "round", "round", False),
    ("/api/awards/", "research_area", "research area", True),
    ("/api/milestones/", "award", "award", False),
    ("/api/disbursements/", "award", "award", False),
    ("/api/disbursements/", "round", "round", False),
    ("/api/projects/", "round", "round", False),
    ("/api/projects/", "research_area", "research area", True),
]
NOT_IDS = ["1.5", "1.7e16", "1e3", "-1", "+1", "0x10", "one", "1 2", "\u0661\u0662"]
OUT_OF_RANGE = ["0", "1000000000000000000", "99999999999999999999", "9" * 5000]
LARGEST_ID = "999999999999999999"


def test_the_list_of_id_filters_is_every_number_a_list_filters_on(db, client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    numeric = {
        (path, parameter["name"])
        for path, operations in schema["paths"].items()
        for parameter in operations.get("get", {}).get("parameters", [])
        if parameter["in"] == "query"
        and parameter["schema"].get("type") in ("integer", "number")
        and parameter["name"] not in ("page", "page_size")
    }
    assert numeric == {(url, name) for url, name, _, _ in ID_FILTERS}
    for url, name, _, _ in ID_FILTERS:
        [parameter] = [p for p in schema["paths"][url]["get"]["parameters"] if p["name"] == name]
        assert parameter["schema"] == {"type": "integer", "minimum": 1, "maximum": int(LARGEST_ID)}


@pytest.mark.parametrize(("url", "name", "noun", "chooses"), ID_FILTERS)
def test_an_id_filter_refuses_what_is_not_a_whole_number_with_a_400_saying_so(world, admin, url, name, noun, chooses):
    for value in NOT_IDS:
        response = admin.get(url, {name: value})
        assert response.status_code == 400, (value, response.content)
        assert response.json() == {name: [f'Give the {noun}\'s id as a whole number, such as 12, not "{value}".']}


@pytest.mark.parametrize(("url", "name", "noun", "chooses"), ID_FILTERS)
def test_an_id_filter_refuses_an_id_out_of_range_with_a_400_not_a_500(world, admin, url, name, noun, chooses):
    for value in OUT_OF_RANGE:
        response = admin.get(url, {name: value})
        assert response.status_code == 400, (value[:30], response.content)
        assert response.json() == {
            name: [f"There is no {noun} with that id: ids are whole numbers from 1 to {LARGEST_ID}."]
        }


@pytest.mark.parametrize(("url", "name", "noun", "chooses"), ID_FILTERS)
def test_the_largest_id_is_read_and_finds_nothing(world, admin, url, name, noun, chooses):
    response = admin.get(url, {name: LARGEST_ID})
    if chooses:
        assert response.status_code == 400
        assert response.json() == {name: [f"There is no {noun} with that id."]}
    else:
        assert response.status_code == 200, response.content
        assert response.json()["count"] == 0


def test_an_id_filter_reads_leading_zeros_and_spaces_as_the_same_id(world, admin):
    assert ids(admin.get("/api/awards/", {"round": f"  00{world.round.pk} "})) == sorted(
        [world.award_a.pk, world.award_b.pk]
    )
    assert ids(admin.get("/api/attributions/", {"award": f"0{world.award_b.pk}"})) == ids(
        admin.get("/api/attributions/", {"award": world.award_b.pk})
    )
    assert ids(admin.get("/api/pledges/", {"funder": f"0{world.funder_b.pk}"})) == [world.pledge_b.pk]
