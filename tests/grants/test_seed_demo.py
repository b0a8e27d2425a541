import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from alignment_fund.models import User
from alignment_fund.rates.models import ExchangeRate
from alignment_fund.rates.sources import ShippedHistory
from funders.models import Funder, Pledge
from grants.models import Award, LedgerTransaction
from projects.models import Project

DEMO_TODAY = "2026-10-30"


@pytest.fixture
def demo(db, settings, monkeypatch):
    settings.FUND_TODAY = DEMO_TODAY
    monkeypatch.setenv("DEMO_PASSWORD", "demo-Password-1")
    call_command("seed_demo", quiet=True, stdout=io.StringIO())


def check_the_public_facts():
    openai = Pledge.objects.get(funder__slug="openai")
    assert openai.amount.amount == Decimal("7500000.00") and openai.amount_currency == "USD"
    assert openai.pledged_on == date(2026, 2, 19)
    assert Funder.objects.get(slug="openai").administered_by == "Renaissance Philanthropy"
    assert not Funder.objects.get(slug="microsoft").disclose_amounts
    # OpenAI's pledge is worth about £5.6M at the ECB reference rate of its pledge date, read from the real file.
    ecb = {(r.currency, r.rate_date): r.rate for r in ShippedHistory(since=date(2026, 2, 19)).fetch()}
    expected = (Decimal("7500000") * ecb[("GBP", date(2026, 2, 19))] / ecb[("USD", date(2026, 2, 19))]).quantize(
        Decimal("0.01")
    )
    quote = ExchangeRate.objects.quote("USD", "GBP", openai.pledged_on)
    assert quote.convert(openai.amount.amount) == expected
    assert Decimal("5550000") < expected < Decimal("5650000")
    total = sum(
        ExchangeRate.objects.quote(p.amount_currency, "GBP", p.pledged_on).convert(p.amount.amount)
        for p in Pledge.objects.all()
    )
    assert total > Decimal("27000000")


def check_two_rounds_sixty_projects_in_eight_countries_and_a_waitlist():
    round1 = Award.objects.filter(round__number=1)
    assert round1.count() == 60
    assert round1.values("project__country").distinct().count() == 8
    assert all(Decimal("50000") <= a.amount.amount <= Decimal("1000000") for a in Award.objects.all())
    assert Award.objects.filter(round__number=2).exists()
    assert Project.objects.vetted_waiting().filter(round__number=2).exists()


def check_the_five_demo_sign_ins():
    for username in ["admin", "openai", "aisi", "researcher", "researcher2"]:
        assert User.objects.get(username=username).check_password("demo-Password-1")
    assert User.objects.get(username="admin").role == User.Role.ADMINISTRATOR
    assert User.objects.get(username="openai").role == User.Role.FUNDER
    assert User.objects.get(username="researcher").role == User.Role.RESEARCHER
    researcher_awards = Award.objects.filter(project__lead__username="researcher")
    researcher2_awards = Award.objects.filter(project__lead__username="researcher2")
    assert researcher_awards.exists() and researcher2_awards.exists()
    assert not set(researcher_awards) & set(researcher2_awards)


def test_seeding_again_changes_nothing(demo, monkeypatch):
    before = (Award.objects.count(), LedgerTransaction.objects.count(), ExchangeRate.objects.count())
    monkeypatch.setenv("DEMO_PASSWORD", "another-Password-2")
    call_command("seed_demo", quiet=True, stdout=io.StringIO())
    assert (Award.objects.count(), LedgerTransaction.objects.count(), ExchangeRate.objects.count()) == before
    assert User.objects.get(username="admin").check_password("another-Password-2")


def check_no_two_projects_share_a_title():
    titles = list(Project.objects.values_list("title", flat=True))
    assert len(titles) == len(set(titles))


def check_pledges_still_to_arrive_have_instalments():
    from grants.reads.instalments import expected_instalments, overdue_instalments

    expected = expected_instalments()
    assert {i.funder_name for i in expected} >= {"UK Research and Innovation", "Australian AI Safety Institute"}
    assert [i.funder_name for i in overdue_instalments(date.fromisoformat(DEMO_TODAY))] == [
        "Australian AI Safety Institute"
    ]


def test_the_demo_is_the_alignment_project_as_reported(demo):
    # One seeding (about ten seconds) serves all five checks.
    check_pledges_still_to_arrive_have_instalments()
    check_the_public_facts()
    check_two_rounds_sixty_projects_in_eight_countries_and_a_waitlist()
    check_the_five_demo_sign_ins()
    check_no_two_projects_share_a_title()
