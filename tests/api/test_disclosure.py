"""What the API tells one funder about another: nothing but a name, and only a name that may be shown. Funder B
keeps its amounts private and its name unpublished."""

from __future__ import annotations

from decimal import Decimal

import pytest

from grants.models import AwardAttribution

LISTS = [
    "funders",
    "pledges",
    "receipts",
    "conversions",
    "attributions",
    "pool",
    "rounds",
    "research-areas",
    "projects",
    "awards",
    "milestones",
    "disbursements",
]


def everything_seen_by(client) -> str:
    """Every list, every record on it, and the pool on several dates, as one text."""
    seen = []
    for endpoint in LISTS:
        response = client.get(f"/api/{endpoint}/")
        seen.append(response.content.decode())
        if response.status_code == 200 and endpoint != "pool":
            for row in response.json()["results"]:
                seen.append(client.get(f"/api/{endpoint}/{row['id']}/").content.decode())
    for on in ["2025-08-01", "2025-11-12", "2026-02-20"]:
        seen.append(client.get("/api/pool/", {"on": on}).content.decode())
    return "\n".join(seen)


def secrets_of_funder_b(world) -> list[str]:
    """Funder B's name, its records' references, and every amount of its own, in the ways a number can be written."""
    amounts = [Decimal("1234567.89")]
    amounts += [a.amount.amount for a in AwardAttribution.objects.filter(funder=world.funder_b)]
    secrets = [world.funder_b.name, world.funder_b.slug, "PB-1", "BANK-B-1"]
    for amount in amounts:
        secrets += [f"{amount:.2f}", f"{amount:,.2f}"]
    secrets += [a.basis for a in AwardAttribution.objects.filter(funder=world.funder_b)]
    return secrets


def test_funder_as_api_never_shows_funder_bs_name_or_amounts(world, schedule, client_for):
    seen = everything_seen_by(client_for(world.contact_a))
    assert world.funder_a.name in seen  # the test looks at real answers
    leaked = [secret for secret in secrets_of_funder_b(world) if secret in seen]
    assert leaked == []


def test_an_administrator_sees_both_funders(world, schedule, client_for):
    seen = everything_seen_by(client_for(world.admin))
    assert world.funder_b.name in seen
    assert "1234567.89" in seen


def test_researchers_see_nothing_about_funders(world, schedule, client_for):
    for researcher in (world.researcher_a, world.researcher_b):
        seen = everything_seen_by(client_for(researcher))
        assert "Sparse probes" in seen or "PAC bounds" in seen
        for secret in [world.funder_a.name, world.funder_b.name, "PA-1", "PB-1", "BANK-A-1", "attribution"]:
            assert secret not in seen, secret


def test_the_pool_withholds_a_total_that_would_give_away_a_private_amount(world, schedule, client_for):
    """With two funders, the total received less funder A's own receipts is funder B's: A is not shown it."""
    pool = client_for(world.contact_a).get("/api/pool/").json()
    assert pool["received"] == {"withheld": True, "gbp": None, "usd": None}
    assert pool["backers"] == []  # B may not be named
    assert {r["pair"] for r in pool["rates"]} >= {"USD/GBP", "GBP/USD"}
    admin = client_for(world.admin).get("/api/pool/").json()
    assert admin["received"]["withheld"] is False
    assert admin["backers"] == [world.funder_a.name, world.funder_b.name]


def test_the_pool_shows_a_funder_the_totals_that_are_safe(world, schedule, client_for):
    pool = client_for(world.contact_b).get("/api/pool/").json()
    assert pool["backers"] == [world.funder_a.name]  # A may be named
    assert pool["award_count"] == 2
    admin = client_for(world.admin).get("/api/pool/").json()
    for figure in ("value", "pledged", "received", "awarded", "committed", "disbursed", "headroom"):
        if not pool[figure]["withheld"]:
            assert pool[figure] == admin[figure], figure


@pytest.mark.parametrize("on", ["2026-02-30", "tomorrow", "20/02/2026", "1990-01-01", "0001-01-01", "9999-12-31"])
def test_the_pool_refuses_a_date_it_cannot_value(world, client_for, on):
    response = client_for(world.admin).get("/api/pool/", {"on": on})
    assert response.status_code == 400
    assert response.json()["on"]


def test_the_administrators_pool_adds_up(world, schedule, client_for):
    pool = client_for(world.admin).get("/api/pool/", {"on": "2026-02-20"}).json()
    gbp = {k: Decimal(pool[k]["gbp"]["amount"]) for k in ("awarded", "committed", "disbursed")}
    assert gbp == {
        "awarded": Decimal("450000.00"),
        "committed": Decimal("350000.00"),
        "disbursed": Decimal("100000.00"),
    }
    assert [(r["label"], r["award_count"]) for r in pool["rounds"]] == [("Round 1", 2)]
    assert sorted((a["label"], a["awarded"]["gbp"]["amount"]) for a in pool["research_areas"]) == [
        ("Interpretability", "300000.00"),
        ("Learning theory", "150000.00"),
    ]
    assert pool["value"]["usd"]["currency"] == "USD"


def test_the_administrators_note_on_a_pledge_is_not_shown_to_the_funder(world, client_for):
    from grants import actions

    pledge = actions.do_record_pledge(
        world.admin,
        funder=world.funder_a,
        amount="1000.00",
        currency="USD",
        pledged_on=world.pledge_a.pledged_on,
        reference="PA-N",
        note="Chase in March",
    )
    assert client_for(world.admin).get(f"/api/pledges/{pledge.pk}/").json()["note"] == "Chase in March"
    assert "note" not in client_for(world.contact_a).get(f"/api/pledges/{pledge.pk}/").json()


def test_an_award_that_ended_early_counts_for_what_was_paid(world, schedule, client_for):
    from datetime import date

    from grants import actions

    actions.do_terminate_award(world.admin, award=world.award_a, terminated_on=date(2026, 2, 10), reason="Withdrawn")
    pool = client_for(world.admin).get("/api/pool/", {"on": "2026-02-20"}).json()
    assert {k: pool[k]["gbp"]["amount"] for k in ("awarded", "committed", "disbursed")} == {
        "awarded": "250000.00",
        "committed": "150000.00",
        "disbursed": "100000.00",
    }
    assert pool["award_count"] == 2
