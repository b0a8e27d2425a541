"""The funder's CSV statement for a period: its own pledges, receipts, conversions and attributed awards, nothing of
anyone else's (grants.reads.statement).

One row per figure or business event, one amount per row with its currency beside it. Rows come in the statement's
order: the opening position, what happened in the period (pledges, receipts, conversions with their FX difference,
the funder's parts of awards and payments), the reconciliation in pounds, and the closing position (`total ...`
rows). Values in GBP and USD are given at the event's date ("then") and at the period's closing date ("today" when the
period runs to today), each with the reference rate used (units of GBP or USD per unit of the row's currency), the
date it was published for and its source. Amounts are plain decimal strings, for spreadsheets and scripts alike.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal

from alignment_fund.money import BASE_CURRENCY
from alignment_fund.rates.models import QuotedRate
from alignment_fund.spreadsheet_safety import neutralise_row
from grants.reads.position import Valued, value
from grants.reads.statement import FunderPosition, FunderStatement

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
    "reference_rate_at_receipt",
    "gbp_at_reference_rate",
    "fx_difference_gbp",
]


def filename(statement: FunderStatement, extension: str = "csv") -> str:
    period = "" if statement.period.key == "all" else f"{statement.period.key}-"
    return f"{statement.funder.slug}-statement-{period}{statement.period.end:%Y-%m-%d}.{extension}"


def _amount(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _rate(quote: QuotedRate | None) -> str:
    return "" if quote is None else f"{quote.rate.normalize():f}"


def _rate_date(*quotes: QuotedRate | None) -> str:
    dates = sorted({quote.rate_date.isoformat() for quote in quotes if quote is not None and quote.rate_date})
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


def statement_rows(statement: FunderStatement) -> Iterator[dict[str, str]]:
    period, closing_on = statement.period, statement.period.end
    book = statement.book

    def at_close(amount: Decimal, currency: str) -> Valued:
        return value(amount, currency, closing_on, book)

    yield {
        "record": "statement",
        "date": closing_on.isoformat(),
        "reference": period.key,
        "description": f"Statement for {statement.funder.name}, {period.label} "
        f"({'since the start' if period.start is None else f'{period.start:%-d %b %Y}'} to {closing_on:%-d %b %Y}): "
        f"its own contributions and the awards its money supports. Values 'today' are at the closing date. Rates "
        f"are ECB reference rates unless dealt by the bank.",
    }
    if statement.opening.on is not None:
        yield from _position_rows("opening", statement.opening)
    for pledge in statement.pledges:
        yield {
            "record": "pledge",
            "date": pledge.pledged_on.isoformat(),
            "reference": pledge.reference,
            "description": "Pledge",
            "amount": _amount(pledge.amount),
            "currency": pledge.currency,
            **_valuation(pledge.valued, at_close(pledge.amount, pledge.currency)),
        }
    for receipt in statement.receipts:
        yield {
            "record": "receipt",
            "date": receipt.received_on.isoformat(),
            "reference": receipt.bank_reference,
            "description": f"Received against pledge {receipt.pledge_reference}",
            "amount": _amount(receipt.amount),
            "currency": receipt.currency,
            **_valuation(receipt.valued, at_close(receipt.amount, receipt.currency)),
        }
    for conversion in statement.conversions:
        yield {
            "record": "conversion",
            "date": conversion.converted_on.isoformat(),
            "reference": conversion.bank_reference,
            "description": f"Sold for pounds from receipt {conversion.receipt_reference} "
            f"(received {conversion.received_on:%-d %b %Y})",
            "amount": _amount(conversion.amount_sold),
            "currency": conversion.currency,
            "gbp_then": _amount(conversion.gbp_credited),
            "gbp_rate_then": f"{conversion.dealt_rate.normalize():f}",
            "rate_date_then": conversion.converted_on.isoformat(),
            "rate_source": f"{conversion.currency}/{BASE_CURRENCY}: dealt by the bank (GBP credited); reference "
            f"rate of {conversion.reference_rate.rate_date}: {conversion.reference_rate.source_label}",
            "reference_rate_at_receipt": _rate(conversion.reference_rate),
            "gbp_at_reference_rate": _amount(conversion.gbp_at_reference),
            "fx_difference_gbp": _amount(conversion.fx_difference),
        }
    for award in statement.awards:
        common = {"reference": award.reference, "currency": BASE_CURRENCY}
        yield {
            **common,
            "record": "attributed award",
            "date": award.awarded_on.isoformat(),
            "description": f"Your part of the award to {award.title}"
            + (" (ended early: it counts for what was paid)" if award.ended else ""),
            "amount": _amount(award.attributed),
        }
        yield {
            **common,
            "record": "attributed payments",
            "date": closing_on.isoformat(),
            "description": "Your part of the payments made in the period, pro rata to your attribution",
            "amount": _amount(award.paid),
        }
        yield {
            **common,
            "record": "attributed committed",
            "date": closing_on.isoformat(),
            "description": "Your part still to be paid at the close" if not award.ended else "Ended early",
            "amount": _amount(award.committed_at_close),
        }
    yield from _reconciliation(statement)
    yield from _position_rows("total", statement.closing)


def _reconciliation(statement: FunderStatement) -> Iterator[dict[str, str]]:
    closing_on = statement.period.end.isoformat()
    for record, amount, description in (
        ("opening balance", statement.opening.balance_gbp, "Cash held at the reference rates, less awards attributed"),
        ("receipts", statement.receipts_gbp, "Received in the period, at each day's reference rate"),
        ("fx difference", statement.fx_difference_gbp, "GBP credited less the reference value on the day received"),
        ("revaluation", statement.revaluation_gbp, "Change in the reference value of cash not yet converted"),
        ("awards attributed", -statement.awards_gbp, "Your parts of awards made (or ended) in the period"),
        ("closing balance", statement.closing.balance_gbp, "Cash held at the reference rates, less awards attributed"),
    ):
        yield {
            "record": f"reconciliation: {record}",
            "date": closing_on,
            "description": description,
            "amount": _amount(amount),
            "currency": BASE_CURRENCY,
        }


def _position_rows(prefix: str, position: FunderPosition) -> Iterator[dict[str, str]]:
    on = position.on.isoformat()
    held = {valued.currency: valued for valued in position.held_valued}
    for row in position.currencies:
        for record, amount in (("pledged", row.pledged), ("received", row.received), ("outstanding", row.outstanding)):
            yield {"record": f"{prefix} {record}", "date": on, "amount": _amount(amount), "currency": row.currency}
        if row.sold:
            yield {
                "record": f"{prefix} converted",
                "date": on,
                "description": "Sold for pounds, with the GBP the bank credited for it",
                "amount": _amount(row.sold),
                "currency": row.currency,
                "gbp_then": _amount(row.credited),
                "rate_source": "dealt by the bank (GBP credited)",
            }
        yield {
            "record": f"{prefix} cash held",
            "date": on,
            "description": "Received, less sold for pounds (in pounds: plus the pounds credited)",
            "amount": _amount(row.held),
            "currency": row.currency,
            **_valuation(None, held.get(row.currency)),
        }
    for record, amount in (
        ("cash held value", position.held_gbp),
        ("attributed", position.attributed),
        ("attributed payments", position.paid),
        ("attributed committed", position.committed),
        ("balance", position.balance_gbp),
    ):
        yield {"record": f"{prefix} {record}", "date": on, "amount": _amount(amount), "currency": BASE_CURRENCY}


class _Echo:
    """A file that hands back what is written to it, for streaming a CSV one row at a time."""

    def write(self, value: str) -> str:
        return value


def stream_statement(statement: FunderStatement) -> Iterator[str]:
    writer = csv.DictWriter(_Echo(), fieldnames=COLUMNS, restval="", extrasaction="raise")
    yield writer.writeheader()
    for row in statement_rows(statement):
        yield writer.writerow(neutralise_row(row))


def write_statement(statement: FunderStatement, out) -> None:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, restval="", extrasaction="raise")
    writer.writeheader()
    writer.writerows(neutralise_row(row) for row in statement_rows(statement))
