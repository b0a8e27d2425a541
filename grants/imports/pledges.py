"""Importing pledges and the receipts against them from a spreadsheet.

One implementation, used by `manage.py import_pledges` and by the admin's Import button (`PledgeAdmin`). Each row
is a pledge, optionally with one receipt against it; a pledge with several receipts takes several rows that repeat
the pledge's columns. Every row is checked before anything is written, and one bad row means nothing is written.
Writes go through `grants.actions` (`do_record_contributions`: the rules of `do_record_pledge` and `do_record_receipt`
for the whole file, then a few INSERTs), so each pledge and receipt posts its ledger entry exactly as when recorded by
hand, at a thousand rows a second rather than a few.

Pledges are matched by reference and receipts by bank reference: a row identical to what is stored is "unchanged";
a row whose money differs from what is stored is an error, because money rows are never edited (a correction is a
new, reversing entry made by hand). What each row means is decided in `grants.imports.pledge_rows`.
"""

from __future__ import annotations

import re

from alignment_fund.money import CURRENCIES
from alignment_fund.spreadsheets.cells import (
    CellProblem,
    RowCells,
    is_empty,
    parse_amount,
    parse_bool,
    parse_date,
    parse_text,
    show,
)
from alignment_fund.spreadsheets.reading import Column, Table, match_columns
from alignment_fund.spreadsheets.report import (
    ImportReport,
    Progress,
    RowOutcome,
    fail_row,
    no_progress,
    run_all_or_nothing,
)
from funders.models import Funder
from grants.actions import ActionError, do_record_contributions
from grants.actions.contribution_batches import BatchRefused, PledgeToRecord, ReceiptToRecord
from grants.imports.pledge_rows import Lookups, Plan, Planner, PledgeRow, ReceiptRow
from projects.imports import parse_area, parse_round

COLUMNS = [
    Column("funder", "funder", ("funder slug", "funder name"), required=True),
    Column("reference", "pledge reference", ("reference", "pledge ref"), required=True),
    Column("amount", "amount", ("pledge amount", "amount pledged"), required=True),
    Column("currency", "currency", ("pledge currency",), required=True),
    Column("pledged_on", "pledged on", ("date pledged", "pledge date"), required=True),
    Column("restricted_to_round", "restricted to round", ("round restriction",)),
    Column("restricted_to_area", "restricted to area", ("area restriction", "restricted to research area")),
    Column("compute_only", "compute only", ()),
    Column("illustrative", "illustrative", ()),
    Column("note", "note", ("notes",)),
    Column("bank_reference", "receipt bank reference", ("bank reference", "receipt reference")),
    Column("receipt_amount", "receipt amount", ("amount received",)),
    Column("received_on", "received on", ("date received", "receipt date")),
    Column("instalments", "instalments", ("expected instalments", "expected receipts")),
]
# A row gives a receipt when any of these is filled in; it then needs all three.
RECEIPT_MISSING = {
    "bank_reference": "a receipt needs the bank's reference",
    "receipt_amount": "a receipt needs the amount received",
    "received_on": "a receipt needs the date the money arrived",
}


def import_pledges(
    table: Table, *, actor=None, dry_run: bool = False, progress: Progress = no_progress
) -> ImportReport:
    """Check every row of `table`, then (unless this is a dry run or a row is wrong) record the new pledges and
    receipts through the fund's actions, all in one transaction."""
    report = ImportReport(what="pledges and receipts", dry_run=dry_run, headers=table.headers)
    mapping, report.file_errors, report.ignored_columns = match_columns(table.headers, COLUMNS)
    if report.file_errors:
        return report
    if not table.rows:
        report.file_errors.append("The file has no rows to import.")
        return report

    references = [r.cell(mapping, "reference") for r in table.rows]
    bank_references = [r.cell(mapping, "bank_reference") for r in table.rows]
    lookups = Lookups.load(
        [show(v) for v in references if not is_empty(v)], [show(v) for v in bank_references if not is_empty(v)]
    )
    planner = Planner(mapping, lookups)
    plans: list[Plan] = []
    for row in progress(table.rows, total=len(table.rows), desc="Checking rows"):
        outcome = RowOutcome(row)
        report.rows.append(outcome)
        parsed = _parse_row(RowCells(row, mapping, outcome), lookups)
        plan = planner.plan(outcome, *parsed) if parsed else None
        if plan is not None:
            plans.append(plan)

    def apply() -> None:
        report.created = _record(plans, actor, mapping)

    return run_all_or_nothing(report, apply)


def _record(plans: list[Plan], actor, mapping: dict[str, str]) -> dict[str, int]:
    """Record what the rows plan through the fund's actions, as one batch; a refusal names the row and column and
    stops it all."""
    pledges: dict[int, PledgeToRecord] = {}  # id() of a row's PledgeRow → the pledge to record
    receipts: list[ReceiptToRecord] = []
    for plan in plans:
        pledge_row, receipt_row = plan.pledge_row, plan.receipt_row
        if plan.new_pledge:
            pledges[id(pledge_row)] = PledgeToRecord(
                funder=pledge_row.funder,
                amount=pledge_row.amount,
                currency=pledge_row.currency,
                pledged_on=pledge_row.pledged_on,
                reference=pledge_row.reference,
                restricted_to_round=pledge_row.restricted_to_round,
                restricted_to_area=pledge_row.restricted_to_area,
                compute_only=pledge_row.compute_only,
                illustrative=pledge_row.illustrative,
                note=pledge_row.note,
                instalments=tuple(pledge_row.instalments),
                tag=plan,
            )
        if plan.new_receipt:
            receipts.append(
                ReceiptToRecord(
                    pledge=pledge_row.pledge or pledges[id(pledge_row)],
                    amount=receipt_row.amount,
                    currency=pledge_row.currency,
                    received_on=receipt_row.received_on,
                    bank_reference=receipt_row.bank_reference,
                    tag=plan,
                )
            )
    if not pledges and not receipts:
        return {"pledges": 0, "receipts": 0}
    try:
        do_record_contributions(actor, pledges=list(pledges.values()), receipts=receipts)
    except BatchRefused as exc:
        raise fail_row(exc.item.tag.outcome, exc, _columns(exc.item, mapping)) from exc
    except ActionError as exc:  # what the database refused for the batch as a whole
        raise fail_row(plans[0].outcome, exc, {}) from exc
    for plan in plans:
        if plan.new_pledge:
            plan.pledge_row.pledge = pledges[id(plan.pledge_row)].pledge
    for item in receipts:
        outcome = item.tag.outcome
        outcome.instance = item.tag.pledge_row.pledge if item.tag.new_pledge else item.receipt
    for item in pledges.values():
        item.tag.outcome.instance = item.pledge
    return {"pledges": len(pledges), "receipts": len(receipts)}


def _columns(item, mapping: dict[str, str]) -> dict[str, str | None]:
    """The file's columns for the fields an action names in a refusal of `item`."""
    if isinstance(item, PledgeToRecord):
        columns = {key: mapping[key] for key in ("amount", "currency", "pledged_on", "reference")}
        columns["instalments"] = mapping.get("instalments")
        return columns
    return {
        "amount": mapping.get("receipt_amount"),
        "received_on": mapping.get("received_on"),
        "bank_reference": mapping.get("bank_reference"),
        "currency": mapping["currency"],
        "pledge": mapping["reference"],
    }


def _parse_row(cells: RowCells, lookups: Lookups) -> tuple[PledgeRow, ReceiptRow | None] | None:
    """The row's pledge and receipt, or None with every problem recorded on the row's outcome."""
    take, outcome = cells.take, cells.outcome
    pledge_row = PledgeRow(
        funder=take("funder", lambda v: _funder(v, lookups), missing="the funder is required"),
        reference=take("reference", lambda v: parse_text(v, 40), missing="a pledge reference is required"),
        amount=take("amount", parse_amount, missing="the amount pledged is required"),
        currency=take("currency", _currency, missing="the pledge's currency is required"),
        pledged_on=take("pledged_on", parse_date, missing="the date of the pledge is required"),
        restricted_to_round=take("restricted_to_round", lambda v: parse_round(v, lookups.rounds)),
        restricted_to_area=take("restricted_to_area", lambda v: parse_area(v, lookups.areas)),
        compute_only=take("compute_only", parse_bool) or False,
        illustrative=take("illustrative", parse_bool) or False,
        note=take("note", parse_text) or "",
        instalments=take("instalments", parse_instalments) or (),
        row=outcome.number,
    )
    receipt_row = None
    if any(cells.given(key) for key in RECEIPT_MISSING):
        receipt_row = ReceiptRow(
            bank_reference=take(
                "bank_reference", lambda v: parse_text(v, 80), missing=RECEIPT_MISSING["bank_reference"]
            ),
            amount=take("receipt_amount", parse_amount, missing=RECEIPT_MISSING["receipt_amount"]),
            received_on=take("received_on", parse_date, missing=RECEIPT_MISSING["received_on"]),
        )
        for key, missing in RECEIPT_MISSING.items():
            if key not in cells.mapping:
                title = next(c.title for c in COLUMNS if c.key == key)
                outcome.error(None, f"{missing}, but the file has no '{title}' column")
    if outcome.errors:
        return None
    return pledge_row, receipt_row


def parse_instalments(value) -> tuple[tuple, ...]:
    """The optional `instalments` cell: expected receipts as `date amount` pairs separated by semicolons or line
    breaks, e.g. `2026-06-30 2,500,000; 2026-12-31 5,000,000` (dates as in any date column, amounts in the pledge's
    currency). Read only for a new pledge; the pledge operation checks that they add up to it."""
    pairs = []
    for part in re.split(r"[;\n]+", show(value)):
        part = part.strip()
        if not part:
            continue
        match = re.fullmatch(r"(\S+)\s*[=:]?\s+(\S+)|(\S+)\s*[=:]\s*(\S+)", part)
        if not match:
            raise CellProblem(
                f"'{part}' is not an instalment: write each as a date and an amount, e.g. 2026-06-30 250000"
            )
        day, amount = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        pairs.append((parse_date(day), parse_amount(amount)))
    return tuple(pairs)


def _funder(value, lookups: Lookups) -> Funder:
    funder = lookups.funders.get(show(value).lower())
    if funder is None:
        raise CellProblem(f"'{show(value)}' is not a funder (give its name or its slug)")
    return funder


def _currency(value) -> str:
    code = show(value).upper()
    if code not in CURRENCIES:
        raise CellProblem(f"'{show(value)}' is not a currency the fund accepts ({', '.join(CURRENCIES)})")
    return code
