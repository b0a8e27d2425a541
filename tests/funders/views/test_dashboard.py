import json
import re
from collections import Counter
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from djmoney.money import Money

from funders.models import FunderContact
from grants import actions
from grants.models import Award, AwardAttribution, Milestone
from grants.reads.attribution import payment_parts
from grants.reads.funder_parts import paid_parts
from grants.reads.pool_overview import administrators_pool
from tests.factories import FunderFactory, ProjectFactory, UserFactory, pledge_received
from tests.funders.views.conftest import TODAY, rate, renderings, value

URL = "/funder/"
# Every amount of money and every share a page can show: £1,234 or $1,234.56 or 12.3%, and the charts' "1234.56".
# Exchange rates ($1.2598) are not money of anyone's and are left out.
MONEY_OR_SHARE = r'[£$€]-?[\d,]+(?:\.\d+)?|-?\d+(?:\.\d+)?%|"-?\d+\.\d\d"'


def figures_in(html: str) -> Counter:
    return Counter(f for f in re.findall(MONEY_OR_SHARE, html) if not re.search(r"\.\d{3}", f))


def _get(client, user, **extra):
    client.force_login(user)
    return client.get(URL, **extra)


def _pay_a_milestone(world, award, amount: str) -> None:
    milestone = Milestone.objects.create(
        award=award, number=1, title="Inception report", due_on=date(2025, 12, 31), amount=Money(amount, "GBP")
    )
    actions.do_receive_milestone_report(world.admin, milestone=milestone, received_on=date(2025, 12, 20))
    actions.do_approve_milestone(world.admin, milestone=milestone, approved_on=date(2026, 1, 5))
    actions.do_record_disbursement(world.admin, milestone=milestone, paid_on=date(2026, 1, 30), reference="PAY-1")


# Who may see it


def test_it_sends_anonymous_visitors_to_sign_in(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", ["outsider", "researcher_a", "admin"])
def test_it_answers_404_to_anyone_who_is_not_a_funders_contact(client, world, who):
    assert _get(client, getattr(world, who)).status_code == 404


def test_a_funder_with_nothing_recorded_sees_what_happens_next(client, world):
    contact = UserFactory(username="new-contact")
    FunderContact.objects.create(user=contact, funder=FunderFactory(name="New Backer", slug="new-backer"))
    response = _get(client, contact)
    assert response.status_code == 200
    assert "No pledges recorded yet" in response.content.decode()


# The funder's own money


def test_it_shows_the_pledge_in_its_currency_and_in_gbp_and_usd_at_the_pledge_date_and_today(client, world):
    response = _get(client, world.contact_a)
    assert response.status_code == 200
    (pledge,) = response.context["dashboard"].pledges
    pledged_on = date(2025, 7, 1)
    assert (pledge.amount, pledge.currency) == (Decimal("2000000.00"), "USD")
    assert pledge.at_pledge.gbp == value("2000000.00", "USD", "GBP", pledged_on)
    assert pledge.at_pledge.to_gbp.rate == rate("USD", "GBP", pledged_on)
    assert pledge.today.gbp == value("2000000.00", "USD", "GBP")
    assert pledge.today.usd == Decimal("2000000.00")
    html = response.content.decode()
    assert "$2,000,000.00" in html
    assert f"£{pledge.at_pledge.gbp:,.2f}" in html
    assert f"1 USD = £{rate('USD', 'GBP', pledged_on):.4f} · 1 Jul 2025" in html
    assert f"£{value('2000000.00', 'USD', 'GBP'):,.2f}" in html


def test_it_values_receipts_on_arrival_and_today_and_shows_the_rate_the_bank_dealt(client, world):
    response = _get(client, world.contact_a)
    (receipt,) = response.context["dashboard"].receipts
    assert receipt.at_receipt.gbp == value("2000000.00", "USD", "GBP", date(2025, 8, 1))
    assert receipt.today.gbp == value("2000000.00", "USD", "GBP")
    (conversion,) = receipt.conversions
    assert (conversion.amount_sold, conversion.gbp_credited) == (Decimal("1000000.00"), Decimal("740000.00"))
    html = response.content.decode()
    assert "sold $1,000,000.00 for <strong>£740,000.00</strong>, a dealt rate of 1 USD = £0.7400" in html
    assert "1 GBP = $" in html  # the GBP/USD rate used today, with its source and date
    assert "ECB reference" in html


def test_it_lists_the_first_fifty_pledges_and_receipts_and_counts_and_totals_them_all(client, world):
    for day in range(1, 53):
        pledge = actions.do_record_pledge(
            world.admin,
            funder=world.funder_a,
            amount="1000.00",
            currency="USD",
            pledged_on=date(2025, 9, 1) + timedelta(days=day),
            reference=f"PA-MANY-{day}",
        )
        actions.do_record_receipt(
            world.admin,
            pledge=pledge,
            amount="1000.00",
            currency="USD",
            received_on=date(2025, 11, 1) + timedelta(days=day),
            bank_reference=f"BANK-MANY-{day}",
        )
    response = _get(client, world.contact_a)
    dashboard = response.context["dashboard"]
    assert (len(dashboard.pledges), dashboard.pledge_count) == (50, 53)
    assert (len(dashboard.receipts), dashboard.receipt_count) == (50, 53)
    assert dashboard.by_currency[0].pledged == Decimal("2052000.00")  # every pledge, not the 50 listed
    html = response.content.decode()
    assert "The first 50 of 53 pledges" in html
    assert "The first 50 of 53 receipts" in html


def test_the_awards_it_supports_add_up_from_the_fixed_attribution(client, world):
    response = _get(client, world.contact_a)
    dashboard = response.context["dashboard"]
    attributed = {
        a.award.project.research_area.name: a.amount.amount
        for a in AwardAttribution.objects.filter(funder=world.funder_a).select_related("award__project__research_area")
    }
    assert {g.label: g.amount for g in dashboard.by_area} == attributed
    assert dashboard.attributed.award_count == len(attributed) == 1  # A's money is kept to interpretability
    assert dashboard.attributed.amount == sum(attributed.values())
    assert dashboard.attributed.committed == dashboard.attributed.amount  # nothing paid yet
    assert [(g.label, g.award_count, g.amount) for g in dashboard.by_round] == [
        ("Round 1", 1, sum(attributed.values()))
    ]


def test_each_payment_is_split_among_the_awards_funders_so_that_the_parts_add_up(client, world):
    # A second disclosed funder shares the waiting interpretability project with A, pro rata to their free money.
    funder_c = FunderFactory(name="Open Funder C", slug="funder-c", currency="GBP", disclose_amounts=True)
    pledge = actions.do_record_pledge(
        world.admin, funder=funder_c, amount="100000.00", currency="GBP", pledged_on=date(2025, 7, 1), reference="PC"
    )
    actions.do_record_receipt(
        world.admin,
        pledge=pledge,
        amount="100000.00",
        currency="GBP",
        received_on=date(2025, 8, 1),
        bank_reference="BANK-C-1",
    )
    award = actions.do_award_project(
        world.admin, project=world.waiting, amount="100000.00", awarded_on=date(2025, 11, 20)
    )
    parts = {a.funder_id: a.amount.amount for a in award.attributions.all()}
    assert set(parts) == {world.funder_a.pk, funder_c.pk}
    _pay_a_milestone(world, award, "33333.33")
    paid = payment_parts({award.pk: Decimal("33333.33")})
    assert paid[(award.pk, world.funder_a.pk)] + paid[(award.pk, funder_c.pk)] == Decimal("33333.33")
    for funder_id, part in parts.items():
        assert abs(paid[(award.pk, funder_id)] - Decimal("33333.33") * part / Decimal("100000.00")) < Decimal("0.01")
    response = _get(client, world.contact_a)
    # The dashboard adds up in SQL the same part of the payments as the policy gives.
    shown = paid_parts(world.funder_a, TODAY)[award.pk]
    assert shown == paid[(award.pk, world.funder_a.pk)]
    dashboard = response.context["dashboard"]
    assert dashboard.attributed.committed == dashboard.attributed.amount - dashboard.attributed.disbursed
    assert f"£{dashboard.attributed.disbursed:,.2f}" in response.content.decode()


def test_its_share_of_the_pool_is_its_money_over_everyones_at_todays_rates(client, world):
    # Funder B's share: the only other funder, A, discloses its amounts, so every pound is counted.
    dashboard = _get(client, world.contact_b).context["dashboard"]
    pool_gbp = value("2000000.00", "USD", "GBP") + Decimal("1234567.89")
    assert dashboard.pool.pledged.gbp == pool_gbp
    assert dashboard.pool.received.gbp == pool_gbp
    assert (dashboard.pool.funders_counted, dashboard.pool.left_out) == (2, 0)
    assert dashboard.share_of_pledged == (Decimal("1234567.89") / pool_gbp).quantize(Decimal("0.000001"), ROUND_HALF_UP)


def test_a_share_counts_only_disclosed_money_and_says_the_whole_share_is_smaller(client, world):
    funder_c = FunderFactory(name="Open Funder C", slug="funder-c", disclose_amounts=True)
    actions.do_record_pledge(
        world.admin, funder=funder_c, amount="500000.00", currency="GBP", pledged_on=date(2026, 1, 5), reference="PC-1"
    )
    response = _get(client, world.contact_a)
    dashboard = response.context["dashboard"]
    counted_gbp = value("2000000.00", "USD", "GBP") + Decimal("500000.00")  # A's own and C's: never B's
    assert dashboard.pool.pledged.gbp == counted_gbp
    assert dashboard.share_of_pledged == (value("2000000.00", "USD", "GBP") / counted_gbp).quantize(
        Decimal("0.000001"), ROUND_HALF_UP
    )
    html = response.content.decode()
    assert "Your share of disclosed money" in html
    assert "the 1 other funder who discloses its amounts" in html
    assert "1 funder keeps its amounts private and is left out, so your share of all the fund" in html


# The pool, and what must never show


def test_the_pool_totals_are_right_where_they_may_be_shown(client, world):
    _pay_a_milestone(world, world.award_a, "50000.00")
    pool = _get(client, world.contact_b).context["dashboard"].pool
    assert pool.awarded.gbp == Decimal("450000.00")
    assert pool.disbursed.gbp == Decimal("50000.00")
    assert pool.committed.gbp == Decimal("400000.00")
    assert pool.committed.usd == value("400000.00", "GBP", "USD")
    assert [(g.label, g.award_count, g.awarded.gbp) for g in pool.areas] == [
        ("Interpretability", 1, Decimal("300000.00")),
        ("Learning theory", 1, Decimal("150000.00")),
    ]
    assert [(g.label, g.award_count, g.disbursed.gbp) for g in pool.rounds] == [("Round 1", 2, Decimal("50000.00"))]
    assert pool.backers == ("Open Funder A",)


def test_money_in_counts_only_its_own_when_the_only_other_funder_keeps_its_amounts_private(client, world):
    _pay_a_milestone(world, world.award_b, "25000.00")
    response = _get(client, world.contact_a)
    dashboard = response.context["dashboard"]
    assert dashboard.pool.pledged.gbp == dashboard.pool.received.gbp == value("2000000.00", "USD", "GBP")
    assert (dashboard.pool.funders_counted, dashboard.pool.left_out) == (1, 1)
    # Awards are published whoever paid for them, so they are shown whole.
    assert (dashboard.pool.awarded.gbp, dashboard.pool.disbursed.gbp) == (Decimal("450000.00"), Decimal("25000.00"))
    assert [g.award_count for g in dashboard.pool.areas] == [1, 1]
    assert dashboard.share_of_pledged is None
    html = response.content.decode()
    assert "No other funder discloses its amounts, so there is nothing to set yours against." in html
    assert "your own money only" in html and "1 funder keeps its amounts private and is left out" in html


def test_cash_value_and_headroom_are_never_shown_to_a_funder(client, world):
    response = _get(client, world.contact_b)  # B sees every other funder's money counted, and still not these
    pool = response.context["dashboard"].pool
    assert not hasattr(pool, "value") and not hasattr(pool, "headroom")
    assert [f.label for f in pool.headline] == ["Pledged", "Received", "Awarded", "Committed", "Disbursed"]
    html = response.content.decode()
    assert 'data-testid="pool-headroom"' not in html and 'data-testid="pool-pool-value"' not in html


def test_funder_a_never_sees_funder_bs_name_or_any_of_its_amounts(client, world):
    _pay_a_milestone(world, world.award_b, "25000.00")
    # B's parts of awards, except a part that is the whole award (that award's own, public amount, and its payments).
    b_attributed = [
        a.amount.amount
        for a in AwardAttribution.objects.filter(funder=world.funder_b).select_related("award")
        if a.amount != a.award.amount
    ]
    b_view = _get(client, world.contact_b).context["dashboard"]
    secrets = [
        Decimal("1234567.89"),
        value("1234567.89", "GBP", "USD"),
        *b_attributed,
        *([sum(b_attributed)] if b_attributed else []),
        *(
            disbursed
            for award_id, disbursed in paid_parts(world.funder_b, TODAY).items()
            if disbursed
            and AwardAttribution.objects.get(award_id=award_id, funder=world.funder_b).amount
            != Award.objects.get(pk=award_id).amount
        ),
        # The money-in totals funder B's contact is shown hold B's own money: beside A's, each would give B away.
        b_view.pool.pledged.gbp,
        b_view.pool.pledged.usd,
        b_view.pool.received.gbp,
    ]
    html = _get(client, world.contact_a).content.decode()
    assert "Quiet Funder B" not in html
    assert "funder-b" not in html
    for secret in secrets:
        for text in renderings(secret):
            assert text not in html, f"{text} (from {secret}) is on funder A's dashboard"


def test_with_two_private_co_funders_neither_ones_money_is_in_any_total(client, world):
    funder_c = FunderFactory(name="Private C", slug="funder-c", disclose_amounts=False, publicly_named=False)
    pledge = actions.do_record_pledge(
        world.admin, funder=funder_c, amount="500000.00", currency="GBP", pledged_on=date(2026, 1, 5), reference="PC-1"
    )
    actions.do_record_receipt(
        world.admin,
        pledge=pledge,
        amount="500000.00",
        currency="GBP",
        received_on=date(2026, 1, 10),
        bank_reference="BANK-C-1",
    )
    pool = _get(client, world.contact_a).context["dashboard"].pool
    assert pool.received.gbp == pool.pledged.gbp == value("2000000.00", "USD", "GBP")
    assert (pool.funders_counted, pool.left_out, pool.backers) == (1, 2, ())
    assert pool.left_out_note == "2 funders keep their amounts private and are left out"


def test_an_undisclosed_funder_that_pledges_and_pays_changes_nothing_another_funder_sees(client, world, settings):
    """The differencing attack: look at the pool the day before a private funder pledges and pays, and on the day.

    Nothing else happens on 15 Feb 2026, a Sunday, and 14 Feb is a Saturday: both days value money at Friday's
    reference rates, so any change on funder A's page could only come from funder B's new money."""

    def figures_on(day: str) -> tuple[Counter, str]:
        settings.FUND_TODAY = day
        html = _get(client, world.contact_a).content.decode()
        return figures_in(html), html

    # A third funder that discloses its amounts, so that A is shown pool totals at all.
    funder_c = FunderFactory(name="Open Funder C", slug="funder-c", disclose_amounts=True)
    pledge_received(
        world.admin,
        funder_c,
        amount="800000.00",
        currency="GBP",
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
    before, _ = figures_on("2026-02-14")
    after, html = figures_on("2026-02-15")
    assert sum(before.values()) > 20  # the test reads real figures
    assert after == before
    assert "4,321,000" not in html and "4321000" not in html
    # The control: the administrators' pool does jump by exactly the private pledge, so the attack was real.
    pools = [administrators_pool(date(2026, 2, d)) for d in (14, 15)]
    assert pools[1].pledged.gbp - pools[0].pledged.gbp == Decimal("4321000.00")
    assert pools[1].headroom.gbp - pools[0].headroom.gbp == Decimal("4321000.00")


def test_it_tells_a_private_funder_that_a_sole_co_funder_can_work_out_its_part_of_an_award(client, world):
    # Award amounts are published; the part of the award's only other funder is the rest of it.
    open_note = _get(client, world.contact_a).content.decode()
    private_note = _get(client, world.contact_b).content.decode()
    assert "a funder who knows its own part of an award also knows what the award's other funders paid" in open_note
    assert "a funder who shares an award with you alone can work out your part" not in open_note
    assert "Although Quiet Funder B keeps its amounts private, a funder who shares an award with you alone" in (
        private_note
    )


# Charts, rates and cost


def test_its_charts_get_their_data_as_json_with_money_as_strings_and_no_inline_script(client, world):
    html = _get(client, world.contact_a).content.decode()
    match = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', html, re.S)
    data = json.loads(match.group(1))
    assert data["contributions"]["currency"] == "USD"
    assert data["contributions"]["points"][0] == {"date": "2025-07-01", "pledged": "2000000.00", "received": "0.00"}
    assert all(isinstance(i["amount"], str) for i in data["allocation"]["items"])
    assert data["gbp_usd"]["points"][-1]["rate"] == f"{rate('GBP', 'USD'):f}"
    scripts = re.findall(r"<script([^>]*)>", html)
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs in scripts)
    assert "vendor/chartjs/chart.umd.js" in html
    # Each chart has its figures in a table beside it.
    for table in ("support-by-area", "contributions-table", "gbp-usd-table"):
        assert f'data-testid="{table}"' in html


def test_it_warns_when_todays_rates_are_stale(client, world, settings):
    assert "Exchange rates may be out of date" not in _get(client, world.contact_a).content.decode()
    settings.FUND_TODAY = "2027-06-01"  # long after the newest stored rate
    assert "Exchange rates may be out of date" in _get(client, world.contact_a).content.decode()


def test_its_query_count_does_not_grow_with_pledges_or_awards(client, world):
    client.force_login(world.contact_a)
    with CaptureQueriesContext(connection) as before:
        assert client.get(URL).status_code == 200
    for n in range(4):
        pledge = actions.do_record_pledge(
            world.admin,
            funder=world.funder_a,
            amount="10000.00",
            currency="EUR",
            pledged_on=date(2025, 9, 1 + n),
            reference=f"PA-EUR-{n}",
        )
        actions.do_record_receipt(
            world.admin,
            pledge=pledge,
            amount="10000.00",
            currency="EUR",
            received_on=date(2025, 9, 10 + n),
            bank_reference=f"BANK-A-EUR-{n}",
        )
        project = ProjectFactory(round=world.round, research_area=world.other_area, reference=f"R1-09{n:02d}")
        actions.do_award_project(world.admin, project=project, amount="50000.00", awarded_on=date(2025, 11, 20))
    with CaptureQueriesContext(connection) as after:
        assert client.get(URL).status_code == 200
    assert len(after.captured_queries) == len(before.captured_queries)


def test_today_is_the_funds_today(client, world):
    assert _get(client, world.contact_a).context["dashboard"].on == TODAY


def test_an_award_that_ended_early_counts_for_what_was_paid_and_commits_nothing_more(client, world):
    _pay_a_milestone(world, world.award_a, "60000.00")
    actions.do_terminate_award(world.admin, award=world.award_a, terminated_on=date(2026, 2, 1))
    dashboard = _get(client, world.contact_a).context["dashboard"]
    assert dashboard.pool.awarded.gbp == Decimal("150000.00") + Decimal("60000.00")
    assert dashboard.pool.committed.gbp == Decimal("150000.00")
    assert administrators_pool(TODAY).committed == dashboard.pool.committed
    ended = paid_parts(world.funder_a, TODAY)[world.award_a.pk]
    interpretability = next(g for g in dashboard.by_area if g.label == "Interpretability")
    assert interpretability.amount == interpretability.disbursed == ended > 0
    assert interpretability.committed == 0
