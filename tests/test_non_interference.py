"""Non-interference: nothing a funder's contact can see changes when a private funder's money changes, in amount or
in date, as long as the same awards are made. Every funder-facing page, CSV and API answer is captured as the
disclosed funders' contacts see it, on several days, in two funds that differ only in the private funder's pledges,
receipts and conversions; the captures must be byte-identical. Rates are the same real ECB history in both.

The fund is built so that the private money matters: the disclosed funders' free money runs short of the second
award, so the private funder pays for the rest of it (see the attribution policy in grants/reads/attribution.py), and
money is paid out and one award ends early.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings
from djmoney.money import Money
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alignment_fund.rates.models import ExchangeRate
from alignment_fund.rates.storage import store
from funders.models import FunderContact
from grants import actions
from grants.models import Milestone
from tests.conftest import shipped_rates
from tests.factories import FunderFactory, FundFactory, ProjectFactory, ResearchAreaFactory, RoundFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, reset_sequences=True)

DAYS = ("2025-10-01", "2025-12-20", "2026-03-31")
FUNDER_URLS = (
    "/funder/",
    "/funder/statement.csv",
    "/funder/statement/",
    "/funder/statement/?period=2025-Q3",
    "/funder/statement.csv?period=2025-Q4",
    "/funder/statement.pdf?period=2025",
    "/api/pool/",
    "/api/pool/?on=2025-11-15",
    "/api/funders/",
    "/api/pledges/",
    "/api/receipts/",
    "/api/conversions/",
    "/api/attributions/",
    "/api/rounds/",
    "/api/research-areas/",
)


@dataclass(frozen=True)
class PrivateMoney:
    """The private funder's side of the fund: all that differs between the two worlds."""

    pledged: str
    received: str
    received_on: date
    converted: str | None  # USD sold for pounds, if any
    pledged_on: date = date(2025, 7, 10)


def build(private: PrivateMoney) -> None:
    """The fund, always built in the same order so that both worlds number their rows alike."""
    store(shipped_rates(date(2025, 1, 1)), ExchangeRate.Source.ECB_HISTORY)
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    fund = FundFactory()
    round_ = RoundFactory(fund=fund, number=1, name="Round 1", budget=Money("2000000.00", "GBP"))
    area = ResearchAreaFactory(name="Interpretability", slug="interpretability")
    open_a = FunderFactory(name="Open A", slug="open-a", currency="GBP", disclose_amounts=True)
    open_c = FunderFactory(name="Open C", slug="open-c", currency="USD", disclose_amounts=True)
    quiet = FunderFactory(name="Quiet", slug="quiet", currency="USD", disclose_amounts=False, publicly_named=False)
    for username, funder in (("contact-a", open_a), ("contact-c", open_c), ("contact-q", quiet)):
        FunderContact.objects.create(user=UserFactory(username=username), funder=funder)
    for funder, amount, currency in ((open_a, "250000.00", "GBP"), (open_c, "200000.00", "USD")):
        pledge = actions.do_record_pledge(
            admin, funder=funder, amount=amount, currency=currency, pledged_on=date(2025, 7, 5), reference=funder.slug
        )
        actions.do_record_receipt(
            admin,
            pledge=pledge,
            amount=amount,
            currency=currency,
            received_on=date(2025, 8, 1),
            bank_reference=f"{funder.slug}-1",
        )
    pledge = actions.do_record_pledge(
        admin, funder=quiet, amount=private.pledged, currency="USD", pledged_on=private.pledged_on, reference="quiet"
    )
    receipt = actions.do_record_receipt(
        admin,
        pledge=pledge,
        amount=private.received,
        currency="USD",
        received_on=private.received_on,
        bank_reference="quiet-1",
    )
    if private.converted:
        actions.do_record_conversion(
            admin,
            receipt=receipt,
            amount_sold=private.converted,
            gbp_credited=str(int(float(private.converted) * 0.74)),
            converted_on=private.received_on,
            bank_reference="quiet-fx",
        )
    projects = [
        ProjectFactory(round=round_, research_area=area, reference=f"R1-{n:04d}", title=f"Project {n}")
        for n in range(1, 4)
    ]
    first = actions.do_award_project(admin, project=projects[0], amount="200000.00", awarded_on=date(2025, 11, 10))
    second = actions.do_award_project(admin, project=projects[1], amount="150000.00", awarded_on=date(2025, 11, 12))
    third = actions.do_award_project(admin, project=projects[2], amount="60000.00", awarded_on=date(2025, 11, 14))
    for award, amount in ((first, "66666.67"), (second, "50000.01")):
        milestone = Milestone.objects.create(
            award=award, number=1, title="Inception", due_on=date(2025, 12, 31), amount=Money(amount, "GBP")
        )
        actions.do_receive_milestone_report(admin, milestone=milestone, received_on=date(2026, 1, 5))
        actions.do_approve_milestone(admin, milestone=milestone, approved_on=date(2026, 1, 6))
        actions.do_record_disbursement(admin, milestone=milestone, paid_on=date(2026, 1, 30), reference=f"P-{award.pk}")
    actions.do_terminate_award(admin, award=third, terminated_on=date(2026, 2, 2), reason="ended early")


def capture() -> dict[tuple[str, str, str], bytes]:
    from alignment_fund.models import User

    seen = {}
    for username in ("contact-a", "contact-c"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        for day in DAYS:
            with override_settings(FUND_TODAY=day):
                for url in FUNDER_URLS:
                    response = client.get(url)
                    body = b"".join(response.streaming_content) if response.streaming else response.content
                    seen[(username, day, url)] = f"{response.status_code}\n".encode() + _without_csrf(body)
    return seen


def _without_csrf(body: bytes) -> bytes:
    import re

    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", body)


def world_as_seen(private: PrivateMoney) -> dict:
    call_command("flush", interactive=False, reset_sequences=True, verbosity=0)
    with override_settings(FUND_TODAY="2026-03-31"):
        build(private)
    return capture()


def assert_same(first: dict, second: dict) -> None:
    assert first.keys() == second.keys()
    different = [key for key in first if first[key] != second[key]]
    assert different == [], different[:5]


BASE = PrivateMoney(pledged="900000.00", received="600000.00", received_on=date(2025, 9, 1), converted=None)


@pytest.mark.parametrize(
    "other",
    [
        PrivateMoney(pledged="5000000.00", received="4000000.00", received_on=date(2025, 9, 1), converted=None),
        PrivateMoney(pledged="900000.00", received="900000.00", received_on=date(2025, 10, 20), converted=None),
        PrivateMoney(pledged="700000.00", received="400000.00", received_on=date(2025, 8, 2), converted="150000.00"),
    ],
    ids=["more-money", "later-and-all-of-it", "less-and-converted"],
)
def test_a_private_funders_money_changes_nothing_another_funder_sees(other):
    assert_same(world_as_seen(BASE), world_as_seen(other))


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(
    received=st.integers(min_value=200_000, max_value=3_000_000),
    day=st.integers(min_value=0, max_value=60),
    converted=st.one_of(st.none(), st.integers(min_value=1_000, max_value=150_000)),
)
def test_as_a_property_over_amounts_dates_and_conversions(received, day, converted):
    other = PrivateMoney(
        pledged=f"{received + 100_000}.00",
        received=f"{received}.00",
        received_on=date(2025, 8, 2).fromordinal(date(2025, 8, 2).toordinal() + day),
        converted=f"{converted}.00" if converted else None,
    )
    assert_same(world_as_seen(BASE), world_as_seen(other))


def test_the_private_funder_really_paid_for_part_of_an_award():
    """Without this the two worlds could agree only because the private money never mattered."""
    from grants.models import AwardAttribution

    world_as_seen(BASE)
    assert AwardAttribution.objects.filter(funder__slug="quiet", amount__gt=0).exists()
