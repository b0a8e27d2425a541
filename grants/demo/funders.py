"""The demo's backers, with their pledges, receipts and conversions, and the accounts people sign in as.

The OpenAI and Microsoft pledges follow public facts; the other amounts are invented and marked illustrative."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

ILLUSTRATIVE = "Illustrative: invented for the demo; no public figure exists."


@dataclass(frozen=True)
class DemoFunder:
    slug: str
    name: str
    kind: str
    country: str
    currency: str
    amount: str
    pledged_on: date
    received: tuple[tuple[date, str], ...]
    converted: tuple[tuple[date, str], ...] = ()
    illustrative: bool = True
    disclose: bool = True
    administered_by: str = ""
    gives_compute: bool = False
    website: str = ""
    # Expected receipts (date, amount), adding up to the pledge: given for the pledges with money still to arrive.
    instalments: tuple[tuple[date, str], ...] = ()


LAUNCH = date(2025, 7, 30)

FUNDERS = [
    DemoFunder(
        "uk-aisi",
        "UK AI Security Institute",
        "government",
        "GB",
        "GBP",
        "8500000.00",
        LAUNCH,
        ((date(2025, 8, 29), "6500000.00"), (date(2026, 4, 30), "2000000.00")),
        website="https://www.aisi.gov.uk/",
    ),
    DemoFunder(
        "canadian-aisi",
        "Canadian AI Safety Institute",
        "government",
        "CA",
        "CAD",
        "2000000.00",
        LAUNCH,
        ((date(2025, 9, 15), "2000000.00"),),
        ((date(2025, 9, 22), "2000000.00"),),
    ),
    DemoFunder(
        "schmidt-sciences",
        "Schmidt Sciences",
        "philanthropy",
        "US",
        "USD",
        "3000000.00",
        LAUNCH,
        ((date(2025, 9, 1), "3000000.00"),),
        ((date(2025, 9, 8), "3000000.00"),),
        website="https://www.schmidtsciences.org/",
    ),
    DemoFunder(
        "aws",
        "Amazon Web Services",
        "industry",
        "US",
        "USD",
        "2500000.00",
        LAUNCH,
        ((date(2025, 9, 5), "2500000.00"),),
        ((date(2025, 10, 6), "2500000.00"),),
        gives_compute=True,
    ),
    DemoFunder(
        "anthropic",
        "Anthropic",
        "industry",
        "US",
        "USD",
        "2500000.00",
        LAUNCH,
        ((date(2025, 9, 5), "2500000.00"),),
        ((date(2025, 10, 6), "1500000.00"),),
        gives_compute=True,
        website="https://www.anthropic.com/",
    ),
    DemoFunder(
        "halcyon-futures",
        "Halcyon Futures",
        "philanthropy",
        "US",
        "USD",
        "1000000.00",
        date(2025, 10, 1),
        ((date(2025, 11, 3), "1000000.00"),),
    ),
    DemoFunder(
        "ukri",
        "UK Research and Innovation",
        "government",
        "GB",
        "GBP",
        "2000000.00",
        date(2025, 10, 1),
        ((date(2025, 11, 28), "1000000.00"),),
        website="https://www.ukri.org/",
        instalments=((date(2025, 11, 28), "1000000.00"), (date(2027, 3, 31), "1000000.00")),
    ),
    DemoFunder(
        "cifar",
        "CIFAR",
        "academic",
        "CA",
        "CAD",
        "1500000.00",
        date(2025, 10, 15),
        ((date(2025, 12, 1), "1500000.00"),),
        ((date(2025, 12, 8), "1500000.00"),),
    ),
    DemoFunder(
        "australian-aisi",
        "Australian AI Safety Institute",
        "government",
        "AU",
        "AUD",
        "2000000.00",
        date(2025, 11, 3),
        ((date(2026, 1, 15), "1000000.00"),),
        # The second half was expected in July 2026 and has not arrived: the portfolio flags it as overdue.
        instalments=((date(2026, 1, 15), "1000000.00"), (date(2026, 7, 15), "1000000.00")),
    ),
    DemoFunder(
        "openai",
        "OpenAI",
        "industry",
        "US",
        "USD",
        "7500000.00",
        date(2026, 2, 19),
        ((date(2026, 3, 20), "7500000.00"),),
        ((date(2026, 4, 2), "4000000.00"),),
        illustrative=False,
        administered_by="Renaissance Philanthropy",
        website="https://openai.com/",
    ),
    DemoFunder(
        "microsoft",
        "Microsoft",
        "industry",
        "US",
        "USD",
        "2500000.00",
        date(2026, 2, 20),
        ((date(2026, 4, 15), "2500000.00"),),
        ((date(2026, 5, 4), "2500000.00"),),
        disclose=False,
    ),
]

DEMO_USERS = [
    # username, display name, role note
    ("admin", "Fund administrator", "fund administrator: /portfolio/ and /admin/"),
    ("openai", "OpenAI grants team", "OpenAI's contact: /funder/"),
    ("aisi", "UK AISI funding team", "UK AISI's contact: /funder/"),
    ("researcher", "Dr Amara Okafor", "lead of a Round 1 award: /awards/"),
    ("researcher2", "Dr Mateo Duarte", "lead of a Round 2 award: /awards/"),
]
