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
from grants.position import Valued
from grants.reads.funder_view import FunderDashboard

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
    dates = sorted({q.rate_date.isoformat() for q in quotes if q is not None and q.rate_date is not None})
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
    quotes = [q for v in (then, today) if v is not None for q in (v.to_gbp, v.to_usd)]
    row["rate_source"] = _source(*quotes)
    return row


def statement_rows(dashboard: FunderDashboard) -> Iterator[dict[str, str]]:
    d = dashboard
    yield {
        "record": "statement",
        "date": d.on.isoformat(),
        "description": f"Statement for {d.funder.name} as of {d.on:%-d %b %Y}: its own contributions and the awards "
        f"its money supports. Rates are ECB reference rates unless dealt by the bank.",
    }
    for p in d.pledges:
        description = f"Pledge ({p.restriction})" + (", amount illustrative" if p.illustrative else "")
        yield {
            "record": "pledge",
            "date": p.pledged_on.isoformat(),
            "reference": p.reference,
            "description": description,
            "amount": _amount(p.amount),
            "currency": p.currency,
            **_valuation(p.at_pledge, p.today),
        }
    for r in d.receipts:
        yield {
            "record": "receipt",
            "date": r.received_on.isoformat(),
            "reference": r.bank_reference,
            "description": f"Received against pledge {r.pledge_reference}",
            "amount": _amount(r.amount),
            "currency": r.currency,
            **_valuation(r.at_receipt, r.today),
        }
        for c in r.conversions:
            reference = f"; reference rate that day {c.reference_rate.rate.normalize():f}" if c.reference_rate else ""
            yield {
                "record": "conversion",
                "date": c.converted_on.isoformat(),
                "reference": c.bank_reference,
                "description": f"Sold for pounds from receipt {r.bank_reference}{reference}",
                "amount": _amount(c.amount_sold),
                "currency": c.currency,
                "gbp_then": _amount(c.gbp_credited),
                "gbp_rate_then": f"{c.dealt_rate.normalize():f}",
                "rate_date_then": c.converted_on.isoformat(),
                "rate_source": f"{c.currency}/{BASE_CURRENCY}: dealt by the bank (GBP credited)",
            }
    for a in d.awards:
        where = f"{a.project_title} ({a.round_name}, {a.research_area}), {a.status_label.lower()}"
        common = {"reference": a.reference, "currency": BASE_CURRENCY}
        yield {
            **common,
            "record": "attributed award",
            "date": a.awarded_on.isoformat(),
            "description": f"Your part of the award to {where}. Basis: {a.basis}",
            "amount": _amount(a.amount),
        }
        yield {
            **common,
            "record": "attributed payments",
            "date": d.on.isoformat(),
            "description": "Your part of the payments made so far, pro rata to your attribution",
            "amount": _amount(a.disbursed),
        }
        yield {
            **common,
            "record": "attributed committed",
            "date": d.on.isoformat(),
            "description": "Your part still to be paid" if a.live else "Ended early: nothing more will be paid",
            "amount": _amount(a.committed),
        }
    yield from _totals(d)


def _totals(d: FunderDashboard) -> Iterator[dict[str, str]]:
    on = d.on.isoformat()
    for t in d.by_currency:
        yield {
            "record": "total pledged",
            "date": on,
            "amount": _amount(t.pledged),
            "currency": t.currency,
            **_valuation(None, t.pledged_today),
        }
        yield {
            "record": "total received",
            "date": on,
            "amount": _amount(t.received),
            "currency": t.currency,
            **_valuation(None, t.received_today),
        }
        sold = [c for r in d.receipts for c in r.conversions if c.currency == t.currency]
        if sold:
            yield {
                "record": "total converted",
                "date": on,
                "description": "Sold for pounds, with the GBP the bank credited for it",
                "amount": _amount(total(c.amount_sold for c in sold)),
                "currency": t.currency,
                "gbp_then": _amount(total(c.gbp_credited for c in sold)),
                "rate_source": "dealt by the bank (GBP credited)",
            }
    for record, value in (
        # An award that ended early stays in the attributed total, but nothing more is committed to it.
        ("total attributed", total(a.amount for a in d.awards)),
        ("total attributed payments", total(a.disbursed for a in d.awards)),
        ("total attributed committed", total(a.committed for a in d.awards)),
    ):
        yield {"record": record, "date": on, "amount": _amount(value), "currency": BASE_CURRENCY}


def write_statement(dashboard: FunderDashboard, out) -> None:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, restval="", extrasaction="raise")
    writer.writeheader()
    writer.writerows(statement_rows(dashboard))
