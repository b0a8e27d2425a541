"""What the API tells one funder about another: nothing but a name, and only a name that may be shown. Funder B
keeps its amounts private and its name unpublished."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from grants import actions
from grants.models import AwardAttribution
from tests.factories import FunderFactory, pledge_received
from tests.funders.views.conftest import value

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
    # Its parts of awards, except a part that is the whole award: that is the award's own, public amount.
    amounts += [
        a.amount.amount
        for a in AwardAttribution.objects.filter(funder=world.funder_b).select_related("award")
        if a.amount != a.award.amount
    ]
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


def test_the_pool_counts_no_private_funders_money_in_a_funders_totals(world, schedule, client_for):
    """With two funders, any total holding B's money less A's own would be B's: A's totals count A's money only."""
    pool = client_for(world.contact_a).get("/api/pool/").json()
    own_gbp = value("2000000.00", "USD", "GBP", date(2026, 2, 20))
    assert pool["pledged"]["gbp"] == pool["received"]["gbp"] == {"amount": f"{own_gbp:.2f}", "currency": "GBP"}
    assert (pool["funders_counted"], pool["funders_left_out"]) == (1, 1)
    assert pool["counted"] == "your own money only: no other funder discloses its amounts"
    assert pool["backers"] == []  # B may not be named
    assert {r["pair"] for r in pool["rates"]} >= {"USD/GBP", "GBP/USD"}
    admin = client_for(world.admin).get("/api/pool/").json()
    assert Decimal(admin["received"]["gbp"]["amount"]) == own_gbp + Decimal("1234567.89")
    assert admin["backers"] == [world.funder_a.name, world.funder_b.name]


def test_a_funder_is_never_shown_cash_value_or_headroom_which_mix_everyones_money(world, schedule, client_for):
    for contact in (world.contact_a, world.contact_b):
        pool = client_for(contact).get("/api/pool/").json()
        assert "value" not in pool and "headroom" not in pool
        assert not any("withheld" in figure for figure in pool.values() if isinstance(figure, dict))
    admin = client_for(world.admin).get("/api/pool/").json()
    assert admin["value"]["gbp"]["currency"] == admin["headroom"]["gbp"]["currency"] == "GBP"
    assert admin["funders_left_out"] == 0


def test_the_pool_shows_a_funder_everything_when_every_other_funder_discloses(world, schedule, client_for):
    pool = client_for(world.contact_b).get("/api/pool/").json()
    assert pool["backers"] == [world.funder_a.name]  # A may be named
    assert pool["award_count"] == 2
    admin = client_for(world.admin).get("/api/pool/").json()
    for figure in ("pledged", "received", "awarded", "committed", "disbursed", "rounds", "research_areas"):
        assert pool[figure] == admin[figure], figure


def test_an_undisclosed_funders_pledge_and_receipt_cannot_be_read_off_the_pool_by_comparing_two_days(
    world, schedule, client_for
):
    """Nothing else happens on Sunday 15 Feb 2026, and both it and the Saturday before use Friday's rates: every
    figure funder A is given must be the same on both days. A third funder discloses, so A is shown totals."""
    funder_c = FunderFactory(name="Open Funder C", slug="funder-c", disclose_amounts=True)
    pledge_received(
        world.admin,
        funder_c,
        amount="800000.00",
        received="300000.00",
        currency="EUR",
        pledged_on=date(2026, 1, 5),
        received_on=date(2026, 1, 12),
        reference="PC-1",
    )
    pledge_received(
        world.admin,
        world.funder_b,
        amount="4321000.00",
        currency="GBP",
        pledged_on=date(2026, 2, 15),
        received_on=date(2026, 2, 15),
        reference="PB-2",
    )
    client = client_for(world.contact_a)
    before, after = (client.get("/api/pool/", {"on": on}).json() for on in ("2026-02-14", "2026-02-15"))
    assert before.pop("on") == "2026-02-14" and after.pop("on") == "2026-02-15"
    assert after == before
    assert Decimal(after["pledged"]["gbp"]["amount"]) > 0
    # The control: the administrators' pool does move by exactly the private money, so the attack was real.
    admin = client_for(world.admin)
    admin_before, admin_after = (admin.get("/api/pool/", {"on": on}).json() for on in ("2026-02-14", "2026-02-15"))
    for figure in ("pledged", "received", "value", "headroom"):
        change = Decimal(admin_after[figure]["gbp"]["amount"]) - Decimal(admin_before[figure]["gbp"]["amount"])
        assert change == Decimal("4321000.00"), figure


def test_on_a_weekday_the_pool_moves_only_with_the_rates_on_disclosed_and_own_money(world, schedule, client_for):
    """A private pledge and receipt on Thursday 12 Feb 2026; funder A's totals on the Wednesday and the Thursday are
    exactly its own money and disclosed funder C's at each day's rates, worked out here from the stored ECB rows."""
    funder_c = FunderFactory(name="Open Funder C", slug="funder-c", disclose_amounts=True)
    actions.do_record_pledge(
        world.admin, funder=funder_c, amount="800000.00", currency="EUR", pledged_on=date(2026, 1, 5), reference="PC-1"
    )
    pledge = actions.do_record_pledge(
        world.admin,
        funder=world.funder_b,
        amount="4321000.00",
        currency="USD",
        pledged_on=date(2026, 2, 12),
        reference="PB-2",
    )
    actions.do_record_receipt(
        world.admin,
        pledge=pledge,
        amount="4321000.00",
        currency="USD",
        received_on=date(2026, 2, 12),
        bank_reference="BANK-B-2",
    )
    client = client_for(world.contact_a)
    for day in (date(2026, 2, 11), date(2026, 2, 12)):
        pool = client.get("/api/pool/", {"on": day.isoformat()}).json()
        pledged = value("2000000.00", "USD", "GBP", day) + value("800000.00", "EUR", "GBP", day)
        assert pool["pledged"]["gbp"]["amount"] == f"{pledged:.2f}", day
        assert pool["received"]["gbp"]["amount"] == f"{value('2000000.00', 'USD', 'GBP', day):.2f}", day
        assert pool["pledged"]["usd"]["amount"] == f"{value(pledged, 'GBP', 'USD', day):.2f}", day
        assert (pool["funders_counted"], pool["funders_left_out"]) == (2, 1)


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
