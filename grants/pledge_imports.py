"""Importing pledges and the receipts against them from a spreadsheet.

One implementation, used by `manage.py import_pledges` and by the admin's Import button (`PledgeResource`). Each row
is a pledge, optionally with one receipt against it; a pledge with several receipts takes several rows that repeat
the pledge's columns. Every row is checked before anything is written, and one bad row means nothing is written.
Writes go through `grants.actions` (`do_record_pledge`, `do_record_receipt`), so each pledge and receipt posts its
ledger entry exactly as when recorded by hand.

Pledges are matched by reference and receipts by bank reference: a row identical to what is stored is "unchanged";
a row whose money differs from what is stored is an error, because money rows are never edited (a correction is a
new, reversing entry made by hand).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Sum

from alignment_fund.money import CURRENCIES, round_money
from alignment_fund.spreadsheets import (
    Action,
    CellProblem,
    Column,
    ImportReport,
    Progress,
    RowOutcome,
    SpreadsheetResource,
    Table,
    fail_row,
    is_empty,
    match_columns,
    no_progress,
    parse_amount,
    parse_bool,
    parse_date,
    parse_number,
    parse_text,
    run_all_or_nothing,
    show,
)
from alignment_fund.templatetags.money import format_money
from funders.models import Funder, Pledge, Receipt
from grants.actions import ActionError, do_record_pledge, do_record_receipt
from projects.models import Fund, ResearchArea

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
]
RECEIPT_KEYS = ("bank_reference", "receipt_amount", "received_on")
# The pledge columns compared with a stored pledge (and between rows repeating a pledge), with how they are shown.
PLEDGE_FIELDS = (
    "funder",
    "amount",
    "currency",
    "pledged_on",
    "restricted_to_round",
    "restricted_to_area",
    "compute_only",
)


@dataclass
class PledgeLine:
    reference: str
    funder: Funder
    amount: Decimal
    currency: str
    pledged_on: date
    restricted_to_round: object | None
    restricted_to_area: object | None
    compute_only: bool
    illustrative: bool
    note: str
    row: int  # the first row that gives this pledge
    pledge: Pledge | None = None  # the stored pledge, once known
    receipts_total: Decimal = Decimal("0.00")  # stored and planned receipts against it

    def key(self) -> tuple:
        return (
            self.funder.pk,
            self.amount,
            self.currency,
            self.pledged_on,
            getattr(self.restricted_to_round, "pk", None),
            getattr(self.restricted_to_area, "pk", None),
            self.compute_only,
        )

    def money(self, amount: Decimal | None = None) -> str:
        return format_money(self.amount if amount is None else amount, self.currency)


@dataclass
class ReceiptLine:
    bank_reference: str
    amount: Decimal
    received_on: date


@dataclass
class _Plan:
    outcome: RowOutcome
    pledge: PledgeLine
    new_pledge: bool
    receipt: ReceiptLine | None = None
    new_receipt: bool = False


@dataclass
class _Lookups:
    funders: dict[str, Funder]
    rounds: dict[int, object]
    areas: dict[str, object]
    pledges: dict[str, Pledge]
    receipts: dict[str, Receipt]
    received: dict[int, Decimal] = field(default_factory=dict)  # pledge id → total received so far

    @classmethod
    def load(cls, references: list[str], bank_references: list[str]) -> _Lookups:
        funders: dict[str, Funder] = {}
        for funder in Funder.objects.all():
            funders[funder.slug.lower()] = funder
            funders[funder.name.lower()] = funder
        fund = Fund.current()
        rounds = {r.number: r for r in fund.rounds.all()} if fund else {}
        areas = {}
        for area in ResearchArea.objects.all():
            areas[area.slug.lower()] = area
            areas[area.name.lower()] = area
        pledges: dict[str, Pledge] = {}
        for chunk in _chunks(sorted(set(references))):
            found = Pledge.objects.filter(reference__in=chunk).select_related(
                "funder", "restricted_to_round", "restricted_to_area"
            )
            pledges.update({p.reference: p for p in found})
        receipts: dict[str, Receipt] = {}
        for chunk in _chunks(sorted(set(bank_references))):
            found = Receipt.objects.filter(bank_reference__in=chunk).select_related("pledge")
            receipts.update({r.bank_reference: r for r in found})
        received = {}
        pledge_ids = sorted(p.pk for p in pledges.values())
        for chunk in _chunks(pledge_ids):
            # A pledge's receipts share its currency, so one sum per pledge is one currency.
            sums = Receipt.objects.filter(pledge_id__in=chunk).values("pledge_id").annotate(t=Sum("amount")).order_by()
            received.update({s["pledge_id"]: round_money(s["t"] or 0) for s in sums})
        return cls(funders, rounds, areas, pledges, receipts, received)


def _chunks(items: list, size: int = 900):
    for start in range(0, len(items), size):
        yield items[start : start + size]


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

    def cell(row, key):
        header = mapping.get(key)
        return row.values.get(header) if header else None

    lookups = _Lookups.load(
        [show(cell(r, "reference")) for r in table.rows if not is_empty(cell(r, "reference"))],
        [show(cell(r, "bank_reference")) for r in table.rows if not is_empty(cell(r, "bank_reference"))],
    )
    pledges_in_file: dict[str, PledgeLine] = {}
    bank_references_in_file: dict[str, int] = {}
    plans: list[_Plan] = []
    for row in progress(table.rows, total=len(table.rows), desc="Checking rows"):
        outcome = RowOutcome(row)
        report.rows.append(outcome)
        parsed = _parse_row(outcome, lambda key, row=row: cell(row, key), mapping, lookups)
        if parsed is None:
            continue
        line, receipt = parsed
        plan = _plan_pledge(outcome, line, receipt, mapping, lookups, pledges_in_file)
        if plan is None:
            continue
        if receipt is not None:
            _plan_receipt(outcome, plan, receipt, mapping, lookups, bank_references_in_file)
        if outcome.errors:
            continue
        plans.append(plan)
        _describe(plan)

    def apply() -> None:
        created = {"pledges": 0, "receipts": 0}
        fields = {"amount": mapping["amount"], "currency": mapping["currency"], "pledged_on": mapping["pledged_on"]}
        receipt_fields = {
            "amount": mapping.get("receipt_amount"),
            "received_on": mapping.get("received_on"),
            "bank_reference": mapping.get("bank_reference"),
            "currency": mapping["currency"],
        }
        for plan in progress(
            plans, total=len(plans), desc="Trying the writes (rolled back)" if dry_run else "Recording"
        ):
            line = plan.pledge
            if plan.new_pledge:
                try:
                    line.pledge = do_record_pledge(
                        actor,
                        funder=line.funder,
                        amount=line.amount,
                        currency=line.currency,
                        pledged_on=line.pledged_on,
                        reference=line.reference,
                        restricted_to_round=line.restricted_to_round,
                        restricted_to_area=line.restricted_to_area,
                        compute_only=line.compute_only,
                        illustrative=line.illustrative,
                        note=line.note,
                    )
                except ActionError as exc:
                    raise fail_row(plan.outcome, exc, {**fields, "reference": mapping["reference"]}) from exc
                plan.outcome.instance = line.pledge
                created["pledges"] += 1
            if plan.new_receipt:
                try:
                    receipt = do_record_receipt(
                        actor,
                        pledge=line.pledge,
                        amount=plan.receipt.amount,
                        currency=line.currency,
                        received_on=plan.receipt.received_on,
                        bank_reference=plan.receipt.bank_reference,
                    )
                except ActionError as exc:
                    raise fail_row(plan.outcome, exc, receipt_fields) from exc
                plan.outcome.instance = plan.outcome.instance or receipt
                created["receipts"] += 1
        report.created = created

    return run_all_or_nothing(report, apply)


def _parse_row(outcome: RowOutcome, cell, mapping, lookups: _Lookups) -> tuple[PledgeLine, ReceiptLine | None] | None:
    values = {}

    def take(key: str, parse, *, required: bool = False, missing: str = ""):
        raw = cell(key)
        if is_empty(raw):
            if required:
                outcome.error(mapping.get(key), missing)
            return None
        try:
            return parse(raw)
        except CellProblem as exc:
            outcome.error(mapping[key], str(exc))
            return None

    values["funder"] = take("funder", lambda v: _funder(v, lookups), required=True, missing="the funder is required")
    values["reference"] = take(
        "reference", lambda v: parse_text(v, 40), required=True, missing="a pledge reference is required"
    )
    values["amount"] = take("amount", parse_amount, required=True, missing="the amount pledged is required")
    values["currency"] = take("currency", _currency, required=True, missing="the pledge's currency is required")
    values["pledged_on"] = take("pledged_on", parse_date, required=True, missing="the date of the pledge is required")
    values["restricted_to_round"] = take("restricted_to_round", lambda v: _round(v, lookups))
    values["restricted_to_area"] = take("restricted_to_area", lambda v: _area(v, lookups))
    values["compute_only"] = take("compute_only", parse_bool) or False
    values["illustrative"] = take("illustrative", parse_bool) or False
    values["note"] = take("note", parse_text) or ""

    receipt = None
    given = [key for key in RECEIPT_KEYS if key in mapping and not is_empty(cell(key))]
    if given:
        missing = {
            "bank_reference": "a receipt needs the bank's reference",
            "receipt_amount": "a receipt needs the amount received",
            "received_on": "a receipt needs the date the money arrived",
        }
        bank_reference = take(
            "bank_reference", lambda v: parse_text(v, 80), required=True, missing=missing["bank_reference"]
        )
        amount = take("receipt_amount", parse_amount, required=True, missing=missing["receipt_amount"])
        received_on = take("received_on", parse_date, required=True, missing=missing["received_on"])
        for key in RECEIPT_KEYS:
            if key not in mapping:
                outcome.error(None, f"{missing[key]}, but the file has no '{_title(key)}' column")
        if bank_reference and amount and received_on:
            receipt = ReceiptLine(bank_reference, amount, received_on)
    if outcome.errors:
        return None
    line = PledgeLine(
        reference=values["reference"],
        funder=values["funder"],
        amount=values["amount"],
        currency=values["currency"],
        pledged_on=values["pledged_on"],
        restricted_to_round=values["restricted_to_round"],
        restricted_to_area=values["restricted_to_area"],
        compute_only=values["compute_only"],
        illustrative=values["illustrative"],
        note=values["note"],
        row=outcome.number,
    )
    return line, receipt


def _title(key: str) -> str:
    return next(c.title for c in COLUMNS if c.key == key)


def _plan_pledge(
    outcome: RowOutcome,
    line: PledgeLine,
    receipt: ReceiptLine | None,
    mapping: dict[str, str],
    lookups: _Lookups,
    pledges_in_file: dict[str, PledgeLine],
) -> _Plan | None:
    earlier = pledges_in_file.get(line.reference)
    if earlier is not None:
        # The same pledge again: allowed only to carry one more receipt, with the pledge's columns repeated exactly.
        if receipt is None:
            outcome.error(mapping["reference"], f"'{line.reference}' is also on row {earlier.row}")
            return None
        if line.key() != earlier.key():
            for name in _differences(line, earlier):
                outcome.error(
                    mapping.get(name, mapping["reference"]),
                    f"pledge {line.reference} is also on row {earlier.row} with {_shown(earlier, name)}: "
                    "repeat a pledge's columns exactly on each of its receipt rows",
                )
            return None
        return _Plan(outcome, earlier, new_pledge=False)
    pledges_in_file[line.reference] = line
    stored = lookups.pledges.get(line.reference)
    if stored is None:
        return _Plan(outcome, line, new_pledge=True)
    stored_line = _line_from(stored)
    for name in _differences(line, stored_line):
        outcome.error(
            mapping.get(name, mapping["reference"]),
            f"pledge {line.reference} is already recorded with {_shown(stored_line, name)}: a recorded pledge is "
            "never edited (a correction is recorded by hand as a reversing entry)",
        )
    if outcome.errors:
        return None
    line.pledge = stored
    line.receipts_total = lookups.received.get(stored.pk, Decimal("0.00"))
    return _Plan(outcome, line, new_pledge=False)


def _plan_receipt(
    outcome: RowOutcome,
    plan: _Plan,
    receipt: ReceiptLine,
    mapping: dict[str, str],
    lookups: _Lookups,
    in_file: dict[str, int],
) -> None:
    line = plan.pledge
    column = mapping["bank_reference"]
    if receipt.bank_reference in in_file:
        outcome.error(column, f"'{receipt.bank_reference}' is also on row {in_file[receipt.bank_reference]}")
        return
    in_file[receipt.bank_reference] = outcome.number
    plan.receipt = receipt
    stored = lookups.receipts.get(receipt.bank_reference)
    if stored is not None:
        same = (
            stored.pledge.reference == line.reference
            and stored.amount_currency == line.currency
            and stored.amount.amount == receipt.amount
            and stored.received_on == receipt.received_on
        )
        if not same:
            outcome.error(
                column,
                f"{receipt.bank_reference} is already recorded: "
                f"{format_money(stored.amount.amount, stored.amount_currency)} received "
                f"{stored.received_on:%-d %b %Y} against pledge {stored.pledge.reference}; a recorded receipt is never "
                "edited (a correction is recorded by hand as a reversing entry)",
            )
        return
    if receipt.received_on < line.pledged_on:
        outcome.error(
            mapping["received_on"],
            f"money cannot arrive before the pledge it pays was made ({line.pledged_on:%-d %b %Y})",
        )
        return
    outstanding = line.amount - line.receipts_total
    if receipt.amount > outstanding:
        outcome.error(
            mapping["receipt_amount"], f"only {line.money(outstanding)} of pledge {line.reference} is still to arrive"
        )
        return
    line.receipts_total += receipt.amount
    plan.new_receipt = True


def _line_from(pledge: Pledge) -> PledgeLine:
    """A stored pledge in the shape of a row, to compare the two."""
    return PledgeLine(
        reference=pledge.reference,
        funder=pledge.funder,
        amount=pledge.amount.amount,
        currency=pledge.amount_currency,
        pledged_on=pledge.pledged_on,
        restricted_to_round=pledge.restricted_to_round,
        restricted_to_area=pledge.restricted_to_area,
        compute_only=pledge.compute_only,
        illustrative=pledge.illustrative,
        note=pledge.note,
        row=0,
    )


def _differences(line: PledgeLine, other: PledgeLine) -> list[str]:
    ours, theirs = line.key(), other.key()
    return [name for name, a, b in zip(PLEDGE_FIELDS, ours, theirs, strict=True) if a != b]


def _shown(line: PledgeLine, name: str) -> str:
    if name == "funder":
        return f"funder {line.funder.name}"
    if name == "amount":
        return line.money()
    if name == "currency":
        return f"currency {line.currency}"
    if name == "pledged_on":
        return f"date {line.pledged_on:%-d %b %Y}"
    if name == "restricted_to_round":
        return f"round restriction {line.restricted_to_round.number if line.restricted_to_round else 'none'}"
    if name == "restricted_to_area":
        return f"area restriction {line.restricted_to_area.name if line.restricted_to_area else 'none'}"
    return f"compute only {'yes' if line.compute_only else 'no'}"


def _describe(plan: _Plan) -> None:
    line = plan.pledge
    parts = [f"{'new' if plan.new_pledge else 'unchanged'} pledge {line.reference} from {line.funder} ({line.money()})"]
    if plan.receipt:
        receipt = plan.receipt
        parts.append(
            f"{'new' if plan.new_receipt else 'unchanged'} receipt {receipt.bank_reference} "
            f"({line.money(receipt.amount)} on {receipt.received_on:%-d %b %Y})"
        )
    plan.outcome.description = "; ".join(parts)
    plan.outcome.action = Action.NEW if plan.new_pledge or plan.new_receipt else Action.UNCHANGED


def _funder(value, lookups: _Lookups) -> Funder:
    funder = lookups.funders.get(show(value).lower())
    if funder is None:
        raise CellProblem(f"'{show(value)}' is not a funder (give its name or its slug)")
    return funder


def _currency(value) -> str:
    code = show(value).upper()
    if code not in CURRENCIES:
        raise CellProblem(f"'{show(value)}' is not a currency the fund accepts ({', '.join(CURRENCIES)})")
    return code


def _round(value, lookups: _Lookups):
    try:
        number = int(parse_number(value, Decimal("1"), Decimal("999"), places=0))
    except CellProblem as exc:
        raise CellProblem(f"'{show(value)}' is not a round number") from exc
    if number not in lookups.rounds:
        raise CellProblem(f"there is no round {number}")
    return lookups.rounds[number]


def _area(value, lookups: _Lookups):
    area = lookups.areas.get(show(value).lower())
    if area is None:
        known = ", ".join(sorted({a.name for a in lookups.areas.values()})) or "none yet"
        raise CellProblem(f"'{show(value)}' is not a research area (the areas are: {known})")
    return area


class PledgeResource(SpreadsheetResource):
    """The admin's import of pledges and their receipts."""

    columns = COLUMNS

    class Meta:
        name = "Pledges and receipts"

    def run(self, table: Table, *, actor, dry_run: bool) -> ImportReport:
        return import_pledges(table, actor=actor, dry_run=dry_run)
