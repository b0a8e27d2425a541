"""Canaries: a private funder's name and amounts must never reach another funder, nor any funder's reach a researcher.

Funder B keeps its amounts private and its name unpublished. Every way its figures could be written (to the penny,
with thousands separators, with a currency symbol, in whole units; in its own currency and valued in GBP and USD on
the dates that matter) is looked for in everything funder A can open: the dashboard, the CSV statement, every answer
of the API (walked through the URL configuration, every page of every list and every record on it) and the award
pages. The demo fund gets the same check for Microsoft, whose amount is undisclosed, as OpenAI and UK AISI see it.

Rates are worked out here from the stored ECB rows, not through the code under test.
"""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from djmoney.money import Money

from alignment_fund.models import User
from alignment_fund.money import AWARD_MAXIMUM_GBP, AWARD_MINIMUM_GBP
from alignment_fund.rates.models import ExchangeRate
from funders.models import Conversion, Funder, Pledge, Receipt
from grants import actions
from grants.models import Award, AwardAttribution, Disbursement, Milestone
from projects.models import Round

PENNY = Decimal("0.01")
WORLD_TODAY = date(2026, 2, 20)
DEMO_TODAY = date(2026, 10, 30)


# Reference rates and values, from the stored ECB rows


def per_euro(currency: str, on: date) -> Decimal:
    if currency == "EUR":
        return Decimal(1)
    return (
        ExchangeRate.objects.filter(currency=currency, rate_date__lte=on)
        .order_by("-rate_date")
        .values_list("rate", flat=True)
        .first()
    )


Figure = tuple[Decimal, str]  # an amount and its currency


def values(amount: Decimal, currency: str, on: date) -> set[Figure]:
    """`amount` in GBP and in USD on `on`: through the cross rate to ten places, and through the exact cross rate, so
    the canary does not depend on where the code rounds."""
    found = set()
    for target in ("GBP", "USD"):
        if target == currency:
            continue
        exact = per_euro(target, on) / per_euro(currency, on)
        for rate in (exact, exact.quantize(Decimal("1E-10"), rounding=ROUND_HALF_UP)):
            found.add(((amount * rate).quantize(PENNY, rounding=ROUND_HALF_UP), target))
    return found


SYMBOLS = {"GBP": "£", "USD": "$", "EUR": "€", "CAD": "CA$", "AUD": "A$"}


def renderings(figure: Figure) -> set[str]:
    """The ways an amount can be written: 1234567.89, 1,234,567.89, £1,234,567.89 (its own currency's symbol), and in
    whole units."""
    amount, currency = figure
    amount = amount.quantize(PENNY, rounding=ROUND_HALF_UP)
    whole = amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    symbol = SYMBOLS[currency]
    found = {f"{amount:.2f}", f"{amount:,.2f}", f"{symbol}{amount:,.2f}"}
    if whole >= 1000:
        found |= {f"{whole:,}", f"{symbol}{whole:,}"}
    if whole >= 100_000:  # shorter bare numbers would match ids and dates by chance
        found.add(f"{whole}")
    return found


def pattern(rendering: str) -> str:
    """A number standing alone: 2,500,000.00 is not a leak inside 12,500,000.00, nor is a dollar amount inside
    "£2,500,000" (another currency's symbol makes it another figure)."""
    return rf"(?<![\d.,£$€]){re.escape(rendering)}(?!\d)"


def leaks(text: str, secrets: dict[str, set]) -> list[str]:
    """The secrets found in `text`: names and references as they are, figures in any of their renderings."""
    found = []
    for what, items in secrets.items():
        for item in items:
            if isinstance(item, str):
                found += [f"{what}: {item}"] if item in text else []
            else:
                found += [f"{what}: {r}" for r in sorted(renderings(item)) if re.search(pattern(r), text)]
    return sorted(found)


# What a user can open


def api_routes() -> list[str]:
    def walk(resolver, namespace=""):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and entry.name and entry.name.startswith("api-") and not namespace:
                yield entry.name

    return sorted(set(walk(get_resolver())))


def everything_the_api_tells(client: Client, dates: list[date]) -> list[str]:
    """Every GET answer of the API for this user: each endpoint without parameters, every page of every list, every
    record on them, and the pool on several dates."""
    texts = []
    names = api_routes()
    for name in names:
        # Records are read through their lists; the schema and its docs page describe the API, the same for everyone,
        # and hold no records (only the fund's rules, such as the £1,000,000 award ceiling).
        if name.endswith("-detail") or name in ("api-schema", "api-docs"):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:  # an action on one record (POST only): nothing to read
            continue
        ids = []
        while url:
            response = client.get(url)
            texts.append(text_of(response))
            body = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else {}
            if response.status_code != 200 or not isinstance(body, dict) or "results" not in body:
                break
            ids += [row["id"] for row in body["results"]]
            url = body.get("next")
        detail = name.removesuffix("-list") + "-detail"
        if name.endswith("-list") and detail in names:
            texts += [client.get(reverse(detail, args=[pk])).content.decode() for pk in ids]
    texts += [client.get(reverse("api-pool"), {"on": on.isoformat()}).content.decode() for on in dates]
    return texts


def text_of(response) -> str:
    """The whole body, streamed (downloads) or not."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode()


def pages(client: Client, paths: list[str]) -> list[str]:
    return [text_of(client.get(path)) for path in paths]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# The small fund


@pytest.fixture(autouse=True)
def _fund_today(settings):
    settings.FUND_TODAY = WORLD_TODAY.isoformat()


@pytest.fixture
def paid(world):
    """Award A's first milestone reported, approved and paid, so both funders have a share of a payment."""
    first = Milestone.objects.create(
        award=world.award_a, number=1, title="Probe library", due_on=date(2025, 12, 31), amount=Money("100000", "GBP")
    )
    Milestone.objects.create(
        award=world.award_a, number=2, title="Benchmarks", due_on=date(2026, 6, 30), amount=Money("200000", "GBP")
    )
    actions.do_receive_milestone_report(world.admin, milestone=first, received_on=date(2026, 1, 5))
    actions.do_approve_milestone(world.admin, milestone=first, approved_on=date(2026, 1, 12))
    return actions.do_record_disbursement(world.admin, milestone=first, paid_on=date(2026, 1, 30), reference="PAY-A-1")


def funders_figures(funder: Funder, today: date) -> set[Figure]:
    """Every amount of `funder`'s own: pledges, receipts and conversions in their currencies and valued in GBP and
    USD on their dates and today; its attributed part of each award and of each payment, and their totals."""
    amounts: set[Figure] = set()
    for pledge in Pledge.objects.filter(funder=funder):
        amounts.add((pledge.amount.amount, pledge.amount_currency))
        for on in (pledge.pledged_on, today):
            amounts |= values(pledge.amount.amount, pledge.amount_currency, on)
    for receipt in Receipt.objects.filter(pledge__funder=funder):
        amounts.add((receipt.amount.amount, receipt.amount_currency))
        for on in (receipt.received_on, today):
            amounts |= values(receipt.amount.amount, receipt.amount_currency, on)
    for conversion in Conversion.objects.filter(receipt__pledge__funder=funder):
        amounts |= {(conversion.amount_sold.amount, conversion.amount_sold_currency)}
        amounts |= {(conversion.gbp_credited.amount, "GBP")}
        amounts |= values(conversion.gbp_credited.amount, "GBP", today)
    attributed = []
    for attribution in AwardAttribution.objects.filter(funder=funder).select_related("award"):
        part = attribution.amount.amount
        attributed.append(part)
        if part == attribution.award.amount.amount:
            # The funder paid for the whole award: its part, and all that follows from it (its value in dollars, what
            # was paid and what is left), are that award's own public figures, and prove nothing when they show.
            continue
        paid = sum((d.amount.amount for d in Disbursement.objects.filter(award=attribution.award)), Decimal(0))
        share = (paid * part / attribution.award.amount.amount).quantize(PENNY, rounding=ROUND_HALF_UP)
        amounts |= {(part, "GBP"), *values(part, "GBP", today)}
        if share:
            amounts |= {(share, "GBP"), (part - share, "GBP")}
    amounts.add((sum(attributed, Decimal(0)), "GBP"))
    return {(amount, currency) for amount, currency in amounts if amount}


def not_public(figures: set[Figure]) -> set[Figure]:
    """A funder's figure that happens to equal one of the fund's public figures (a round's budget, an award, a
    milestone, a payment, the award limits) proves nothing when it shows: leave those out."""
    public = {AWARD_MINIMUM_GBP, AWARD_MAXIMUM_GBP}
    public |= {r.budget.amount for r in Round.objects.all()}
    public |= {a.amount.amount for a in Award.objects.all()}
    public |= {m.amount.amount for m in Milestone.objects.all()}
    public |= {d.amount.amount for d in Disbursement.objects.all()}
    return {(amount, currency) for amount, currency in figures if amount not in public}


def test_funder_a_never_sees_funder_bs_name_or_amounts(world, paid):
    secrets = {
        "B's name and references": {world.funder_b.name, "PB-1", "BANK-B-1"},
        "B's figures": not_public(funders_figures(world.funder_b, WORLD_TODAY)),
    }
    assert {"1234567.89", "1,234,567.89", "£1,234,567.89"} <= renderings((Decimal("1234567.89"), "GBP"))
    assert (Decimal("1234567.89"), "GBP") in secrets["B's figures"]
    client = signed_in(world.contact_a)
    seen = pages(
        client,
        [
            reverse("home"),
            reverse("funder:dashboard"),
            reverse("funder:statement"),
            reverse("researcher:my_awards"),
            reverse("researcher:award", args=[world.award_a.pk]),
            reverse("researcher:award", args=[world.award_b.pk]),
        ],
    )
    seen += everything_the_api_tells(client, [date(2025, 8, 1), date(2025, 11, 12), WORLD_TODAY])
    text = "\n".join(seen)

    assert world.funder_a.name in text and "2,000,000.00" in text  # the canary looks at real answers
    assert leaks(text, secrets) == []


def test_an_administrator_sees_funder_bs_figures_as_the_canary_writes_them(world, paid, client):
    """The control: the renderings searched for are the ones the site really writes."""
    client.force_login(world.admin)
    text = client.get(reverse("grants:portfolio")).content.decode()
    assert leaks(text, {"B's name": {world.funder_b.name}}) == ["B's name: Quiet Funder B"]
    assert leaks(text, {"B's pledge": {(Decimal("1234567.89"), "GBP")}})


def test_no_researcher_page_shows_any_funders_name_or_amounts(world, paid):
    secrets = {
        "funders' names and references": {
            world.funder_a.name,
            world.funder_b.name,
            "PA-1",
            "PB-1",
            "BANK-A-1",
            "BANK-B-1",
        },
        "A's figures": not_public(funders_figures(world.funder_a, WORLD_TODAY)),
        "B's figures": not_public(funders_figures(world.funder_b, WORLD_TODAY)),
    }
    for researcher, award in [(world.researcher_a, world.award_a), (world.researcher_b, world.award_b)]:
        client = signed_in(researcher)
        seen = pages(
            client,
            [
                reverse("home"),
                reverse("researcher:my_awards"),
                reverse("researcher:award", args=[world.award_a.pk]),
                reverse("researcher:award", args=[world.award_b.pk]),
            ],
        )
        seen += everything_the_api_tells(client, [WORLD_TODAY])
        text = "\n".join(seen)

        assert award.project.title in text  # the canary looks at real answers
        assert leaks(text, secrets) == [], researcher.username


# The demo fund


@pytest.fixture
def demo(db, settings, monkeypatch):
    settings.FUND_TODAY = DEMO_TODAY.isoformat()
    monkeypatch.setenv("DEMO_PASSWORD", "demo-Password-1")
    call_command("seed_demo", quiet=True, stdout=io.StringIO())


def test_the_demo_funds_contacts_never_see_microsofts_amount(demo):
    microsoft = Funder.objects.get(slug="microsoft")
    pledge = Pledge.objects.get(funder=microsoft)
    assert not microsoft.disclose_amounts
    secrets = {"Microsoft's figures": not_public(funders_figures(microsoft, DEMO_TODAY))}
    at_pledge_date = values(pledge.amount.amount, "USD", pledge.pledged_on)
    assert {(Decimal("2500000.00"), "USD"), *at_pledge_date} <= secrets["Microsoft's figures"]

    for username, own in [("openai", "7,500,000.00"), ("aisi", "8,500,000.00")]:
        client = signed_in(User.objects.get(username=username))
        seen = pages(client, [reverse("funder:dashboard"), reverse("funder:statement")])
        seen += everything_the_api_tells(client, [pledge.pledged_on, date(2026, 5, 4), DEMO_TODAY])
        text = "\n".join(seen)

        assert own in text  # the canary looks at real answers
        assert leaks(text, secrets) == [], username

    # The control: the administrator is shown Microsoft's pledge, written in one of the ways searched for.
    admin = signed_in(User.objects.get(username="admin"))
    assert leaks(admin.get(reverse("grants:portfolio")).content.decode(), {"pledge": {(pledge.amount.amount, "USD")}})
