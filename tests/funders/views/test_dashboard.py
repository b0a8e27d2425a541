import json
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from djmoney.money import Money

from funders.dashboard import Knowledge
from funders.models import FunderContact
from grants import actions
from grants.models import AwardAttribution, Milestone
from tests.factories import FunderFactory, ProjectFactory, UserFactory

from .conftest import TODAY, rate, renderings, value

URL = "/funder/"


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
    (pledge,) = response.context["d"].pledges
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
    (receipt,) = response.context["d"].receipts
    assert receipt.at_receipt.gbp == value("2000000.00", "USD", "GBP", date(2025, 8, 1))
    assert receipt.today.gbp == value("2000000.00", "USD", "GBP")
    (conversion,) = receipt.conversions
    assert (conversion.amount_sold, conversion.gbp_credited) == (Decimal("1000000.00"), Decimal("740000.00"))
    html = response.content.decode()
    assert "sold $1,000,000.00 for <strong>£740,000.00</strong>, a dealt rate of 1 USD = £0.7400" in html
    assert "1 GBP = $" in html  # the GBP/USD rate used today, with its source and date
    assert "ECB reference" in html


def test_the_awards_it_supports_add_up_from_the_fixed_attribution(client, world):
    response = _get(client, world.contact_a)
    d = response.context["d"]
    attributed = {
        a.award.project.research_area.name: a.amount.amount
        for a in AwardAttribution.objects.filter(funder=world.funder_a).select_related("award__project__research_area")
    }
    assert {g.label: g.amount for g in d.by_area} == attributed
    assert d.attributed.award_count == 2
    assert d.attributed.amount == sum(attributed.values())
    assert d.attributed.committed == d.attributed.amount  # nothing paid yet
    assert [(g.label, g.award_count, g.amount) for g in d.by_round] == [("Round 1", 2, sum(attributed.values()))]


def test_it_shares_each_payment_pro_rata_to_the_attribution_rounded_half_up(client, world):
    _pay_a_milestone(world, world.award_a, "33333.33")
    response = _get(client, world.contact_a)
    d = response.context["d"]
    part = AwardAttribution.objects.get(award=world.award_a, funder=world.funder_a).amount.amount
    expected = (Decimal("33333.33") * part / Decimal("300000.00")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    (award,) = [a for a in d.awards if a.award_id == world.award_a.pk]
    assert award.disbursed == expected
    assert award.committed == part - expected
    assert d.attributed.disbursed == expected
    assert f"£{expected:,.2f}" in response.content.decode()


def test_its_share_of_the_pool_is_its_money_over_everyones_at_todays_rates(client, world):
    # Funder B may see the pool: the only other funder, A, discloses its amounts.
    d = _get(client, world.contact_b).context["d"]
    pool_gbp = value("2000000.00", "USD", "GBP") + Decimal("1234567.89")
    assert d.pool.pledged.gbp == pool_gbp
    assert d.pool.received.gbp == pool_gbp
    assert d.share_of_pledged == (Decimal("1234567.89") / pool_gbp).quantize(Decimal("0.000001"), ROUND_HALF_UP)


# The pool, and what must never show


def test_the_pool_totals_are_right_where_they_may_be_shown(client, world):
    _pay_a_milestone(world, world.award_a, "50000.00")
    pool = _get(client, world.contact_b).context["d"].pool
    cash_gbp = Decimal("1234567.89") + Decimal("740000.00") - Decimal("50000.00") + value("1000000.00", "USD", "GBP")
    assert pool.value.gbp == cash_gbp
    assert pool.awarded.gbp == Decimal("450000.00")
    assert pool.disbursed.gbp == Decimal("50000.00")
    assert pool.committed.gbp == Decimal("400000.00")
    assert pool.headroom.gbp == cash_gbp - Decimal("400000.00")
    assert pool.headroom.usd == value(pool.headroom.gbp, "GBP", "USD")
    assert [(g.label, g.award_count, g.awarded.gbp) for g in pool.areas] == [
        ("Interpretability", 1, Decimal("300000.00")),
        ("Learning theory", 1, Decimal("150000.00")),
    ]
    assert pool.backers == ("Open Funder A",)


def test_it_withholds_every_pool_total_that_would_reveal_the_only_other_funders_private_amounts(client, world):
    _pay_a_milestone(world, world.award_b, "25000.00")
    response = _get(client, world.contact_a)
    pool = response.context["d"].pool
    for figure in pool.headline:
        assert figure.withheld, figure.label
        assert (figure.gbp, figure.usd) == (None, None)
    assert all(g.awarded.withheld for g in (*pool.rounds, *pool.areas))
    assert [g.disbursed.withheld for g in pool.areas] == [False, True]  # nothing was paid in the first area
    assert [g.award_count for g in pool.areas] == [1, 1]  # counts are not amounts
    assert response.context["d"].share_of_pledged is None
    assert "Not shown" in response.content.decode()


def test_funder_a_never_sees_funder_bs_name_or_any_of_its_amounts(client, world):
    _pay_a_milestone(world, world.award_b, "25000.00")
    b_attributed = [a.amount.amount for a in AwardAttribution.objects.filter(funder=world.funder_b)]
    b_view = _get(client, world.contact_b).context["d"]
    secrets = [
        Decimal("1234567.89"),
        value("1234567.89", "GBP", "USD"),
        *b_attributed,
        sum(b_attributed),
        *(a.disbursed for a in b_view.awards if a.disbursed),
        # What funder B's contact is shown of the pool: beside A's own figures, each would give B away.
        *(f.gbp for f in b_view.pool.headline if f.gbp and f.label not in {"Disbursed"}),
    ]
    html = _get(client, world.contact_a).content.decode()
    assert "Quiet Funder B" not in html
    assert "funder-b" not in html
    for secret in secrets:
        for text in renderings(secret):
            assert text not in html, f"{text} (from {secret}) is on funder A's dashboard"


def test_with_two_private_co_funders_the_pool_totals_show_but_not_what_only_one_of_them_shares(client, world):
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
    pool = _get(client, world.contact_a).context["d"].pool
    # B's and C's receipts are only ever seen added together...
    assert pool.received.gbp == value("2000000.00", "USD", "GBP") + Decimal("1734567.89")
    assert not pool.pledged.withheld and not pool.value.withheld
    # ...but only B's money (besides A's) is in the awards, so their totals would give B's part away.
    assert pool.awarded.withheld and pool.committed.withheld and pool.headroom.withheld
    assert all(g.awarded.withheld for g in pool.areas)


def test_a_fact_that_would_isolate_a_private_funder_by_difference_is_refused():
    private_b, disclosed_c, viewer = 2, 3, 1
    knowledge = Knowledge([private_b])
    assert knowledge.admit({("received", private_b): 1, ("received", disclosed_c): 1})
    # C's receipts alone would turn the first total into B's by subtraction.
    assert not knowledge.admit({("received", disclosed_c): 1})
    # A total that brings in another unknown is still safe; one the viewer could work out anyway is harmless.
    assert knowledge.admit({("received", disclosed_c): 1, ("committed", disclosed_c, 1, 1): 1})
    assert knowledge.admit({("received", private_b): 2, ("received", disclosed_c): 2})
    assert not knowledge.admit({("received", private_b): 1})
    assert Knowledge([]).admit({("received", viewer + 10): 1})


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
    assert _get(client, world.contact_a).context["d"].on == TODAY


def test_an_award_that_ended_early_counts_for_what_was_paid_and_commits_nothing_more(client, world):
    _pay_a_milestone(world, world.award_a, "60000.00")
    actions.do_terminate_award(world.admin, award=world.award_a, terminated_on=date(2026, 2, 1))
    d = _get(client, world.contact_b).context["d"]
    assert d.pool.awarded.gbp == Decimal("150000.00") + Decimal("60000.00")
    assert d.pool.committed.gbp == Decimal("150000.00")
    assert d.pool.headroom.gbp == d.pool.value.gbp - Decimal("150000.00")
    (ended,) = [a for a in d.awards if a.award_id == world.award_a.pk]
    assert ended.status_label == "Terminated" and ended.committed == 0
    interpretability = next(g for g in d.by_area if g.label == "Interpretability")
    assert interpretability.amount == interpretability.disbursed == ended.disbursed > 0
