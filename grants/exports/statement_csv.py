"""The funder's CSV statement: their pledges, receipts, conversions and attributed awards, nothing of anyone else's.

One row per business event, one amount per row with its currency beside it. Values in GBP and USD are given at the
event's date and today, each with the reference rate used (units of GBP or USD per unit of the row's currency), the
date it was published for and its source. Amounts are plain decimal strings, for spreadsheets and scripts alike.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal

from alignment_fund.money import BASE_CURRENCY, total
from alignment_fund.rates.models import QuotedRate
from alignment_fund.spreadsheet_safety import neutralise_row
from grants.reads.funder_view import FunderDashboard
from grants.reads.position import Valued

COLUMNS = [
    "record",
    "date",
    "reference",
    "description",
    "amount",
    "currency",
    "gbp_then",
    "gbp_rate_then",
    "usd_then",
    "usd_rate_then",
    "rate_date_then",
    "gbp_today",
    "gbp_rate_today",
    "usd_today",
    "usd_rate_today",
    "rate_date_today",
    "rate_source",
]


def filename(dashboard: FunderDashboard) -> str:
    return f"{dashboard.funder.slug}-statement-{dashboard.on:%Y-%m-%d}.csv"


def _amount(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _rate(quote: QuotedRate | None) -> str:
    return "" if quote is None else f"{quote.rate.normalize():f}"


def _rate_date(*quotes: QuotedRate | None) -> str:
    dates = sorted(
        {quote.rate_date.isoformat() for quote in quotes if quote is not None and quote.rate_date is not None}
    )
    return " / ".join(dates)


def _source(*quotes: QuotedRate | None) -> str:
    parts = []
    for quote in quotes:
        if quote is None or quote.rate_date is None:
            continue
        text = f"{quote.pair}: {quote.source_label}" + (f" ({quote.derived_from})" if quote.derived_from else "")
        if text not in parts:
            parts.append(text)
    return "; ".join(parts)


def _valuation(then: Valued | None, today: Valued | None) -> dict[str, str]:
    row = {}
    if then is not None:
        row |= {
            "gbp_then": _amount(then.gbp),
            "gbp_rate_then": _rate(then.to_gbp),
            "usd_then": _amount(then.usd),
            "usd_rate_then": _rate(then.to_usd),
            "rate_date_then": _rate_date(then.to_gbp, then.to_usd),
        }
    if today is not None:
        row |= {
            "gbp_today": _amount(today.gbp),
            "gbp_rate_today": _rate(today.to_gbp),
            "usd_today": _amount(today.usd),
            "usd_rate_today": _rate(today.to_usd),
            "rate_date_today": _rate_date(today.to_gbp, today.to_usd),
        }
    quotes = [quote for valued in (then, today) if valued is not None for quote in (valued.to_gbp, valued.to_usd)]
    row["rate_source"] = _source(*quotes)
    return row


def statement_rows(dashboard: FunderDashboard) -> Iterator[dict[str, str]]:
    yield {
        "record": "statement",
        "date": dashboard.on.isoformat(),
        "description": f"Statement for {dashboard.funder.name} as of {dashboard.on:%-d %b %Y}: its own contributions "
        f"and the awards its money supports. Rates are ECB reference rates unless dealt by the bank.",
    }
    for pledge in dashboard.pledges:
        description = f"Pledge ({pledge.restriction})" + (", amount illustrative" if pledge.illustrative else "")
        yield {
            "record": "pledge",
            "date": pledge.pledged_on.isoformat(),
            "reference": pledge.reference,
            "description": description,
            "amount": _amount(pledge.amount),
            "currency": pledge.currency,
            **_valuation(pledge.at_pledge, pledge.today),
        }
    for receipt in dashboard.receipts:
        yield {
            "record": "receipt",
            "date": receipt.received_on.isoformat(),
            "reference": receipt.bank_reference,
            "description": f"Received against pledge {receipt.pledge_reference}",
            "amount": _amount(receipt.amount),
            "currency": receipt.currency,
            **_valuation(receipt.at_receipt, receipt.today),
        }
        for conversion in receipt.conversions:
            reference = (
                f"; reference rate that day {conversion.reference_rate.rate.normalize():f}"
                if conversion.reference_rate
                else ""
            )
            yield {
                "record": "conversion",
                "date": conversion.converted_on.isoformat(),
                "reference": conversion.bank_reference,
                "description": f"Sold for pounds from receipt {receipt.bank_reference}{reference}",
                "amount": _amount(conversion.amount_sold),
                "currency": conversion.currency,
                "gbp_then": _amount(conversion.gbp_credited),
                "gbp_rate_then": f"{conversion.dealt_rate.normalize():f}",
                "rate_date_then": conversion.converted_on.isoformat(),
                "rate_source": f"{conversion.currency}/{BASE_CURRENCY}: dealt by the bank (GBP credited)",
            }
    for award in dashboard.awards:
        where = f"{award.project_title} ({award.round_name}, {award.research_area}), {award.status_label.lower()}"
        common = {"reference": award.reference, "currency": BASE_CURRENCY}
        yield {
            **common,
            "record": "attributed award",
            "date": award.awarded_on.isoformat(),
            "description": f"Your part of the award to {where}. Basis: {award.basis}",
            "amount": _amount(award.amount),
        }
        yield {
            **common,
            "record": "attributed payments",
            "date": dashboard.on.isoformat(),
            "description": "Your part of the payments made so far, pro rata to your attribution",
            "amount": _amount(award.disbursed),
        }
        yield {
            **common,
            "record": "attributed committed",
            "date": dashboard.on.isoformat(),
            "description": "Your part still to be paid" if award.live else "Ended early: nothing more will be paid",
            "amount": _amount(award.committed),
        }
    yield from _totals(dashboard)


def _totals(dashboard: FunderDashboard) -> Iterator[dict[str, str]]:
    on = dashboard.on.isoformat()
    for totals in dashboard.by_currency:
        yield {
            "record": "total pledged",
            "date": on,
            "amount": _amount(totals.pledged),
            "currency": totals.currency,
            **_valuation(None, totals.pledged_today),
        }
        yield {
            "record": "total received",
            "date": on,
            "amount": _amount(totals.received),
            "currency": totals.currency,
            **_valuation(None, totals.received_today),
        }
        sold = [
            conversion
            for receipt in dashboard.receipts
            for conversion in receipt.conversions
            if conversion.currency == totals.currency
        ]
        if sold:
            yield {
                "record": "total converted",
                "date": on,
                "description": "Sold for pounds, with the GBP the bank credited for it",
                "amount": _amount(total(conversion.amount_sold for conversion in sold)),
                "currency": totals.currency,
                "gbp_then": _amount(total(conversion.gbp_credited for conversion in sold)),
                "rate_source": "dealt by the bank (GBP credited)",
            }
    for record, value in (
        # An award that ended early counts for what was paid on it, as on the dashboard, and nothing more is
        # committed to it; its own row above still shows the part fixed when it was made.
        ("total attributed", total(award.supported for award in dashboard.awards)),
        ("total attributed payments", total(award.disbursed for award in dashboard.awards)),
        ("total attributed committed", total(award.committed for award in dashboard.awards)),
    ):
        yield {"record": record, "date": on, "amount": _amount(value), "currency": BASE_CURRENCY}


def write_statement(dashboard: FunderDashboard, out) -> None:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, restval="", extrasaction="raise")
    writer.writeheader()
    writer.writerows(neutralise_row(row) for row in statement_rows(dashboard))
