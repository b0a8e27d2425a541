"""A pledge import's rows, and what each means against the file's earlier rows and against the books.

A row gives a pledge (`PledgeRow`) and perhaps one receipt against it (`ReceiptRow`). Planning a row decides whether
its pledge and its receipt are new or already recorded, and records on the row's outcome, under the file's column
names, why it cannot be imported: a pledge repeated with different columns, a recorded pledge or receipt whose money
differs from the row (money rows are never edited), a receipt before its pledge or beyond what is still to arrive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Sum

from alignment_fund.money import round_money
from alignment_fund.spreadsheets.report import Action, RowOutcome, chunks
from alignment_fund.templatetags.money import format_money
from funders.models import Funder, Pledge, Receipt
from projects.imports import load_areas, load_rounds
from projects.models import ResearchArea, Round

# The pledge's columns compared with a stored pledge, and between rows repeating a pledge.
COMPARED = ("funder", "amount", "currency", "pledged_on", "restricted_to_round", "restricted_to_area", "compute_only")


@dataclass
class PledgeRow:
    reference: str
    funder: Funder
    amount: Decimal
    currency: str
    pledged_on: date
    restricted_to_round: Round | None
    restricted_to_area: ResearchArea | None
    compute_only: bool
    illustrative: bool
    note: str
    row: int  # the first row that gives this pledge
    instalments: tuple = ()  # (expected_on, amount) pairs: recorded with a new pledge, not compared with a stored one
    pledge: Pledge | None = None  # the stored pledge, once known
    receipts_total: Decimal = Decimal("0.00")  # stored and planned receipts against it

    @classmethod
    def from_pledge(cls, pledge: Pledge) -> PledgeRow:
        """A stored pledge in the shape of a row, to compare the two."""
        return cls(
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

    def compared(self, name: str):
        value = getattr(self, name)
        return value.pk if isinstance(value, Funder | Round | ResearchArea) else value

    def differences(self, other: PledgeRow) -> list[str]:
        return [name for name in COMPARED if self.compared(name) != other.compared(name)]

    def shown(self, name: str) -> str:
        """How the column `name` reads in a message about this pledge."""
        if name == "funder":
            return f"funder {self.funder.name}"
        if name == "amount":
            return self.money()
        if name == "currency":
            return f"currency {self.currency}"
        if name == "pledged_on":
            return f"date {self.pledged_on:%-d %b %Y}"
        if name == "restricted_to_round":
            return f"round restriction {self.restricted_to_round.number if self.restricted_to_round else 'none'}"
        if name == "restricted_to_area":
            return f"area restriction {self.restricted_to_area.name if self.restricted_to_area else 'none'}"
        return f"compute only {'yes' if self.compute_only else 'no'}"

    def money(self, amount: Decimal | None = None) -> str:
        return format_money(self.amount if amount is None else amount, self.currency)


@dataclass
class ReceiptRow:
    bank_reference: str
    amount: Decimal
    received_on: date


@dataclass
class Plan:
    """What one valid row will record."""

    outcome: RowOutcome
    pledge_row: PledgeRow
    new_pledge: bool
    receipt_row: ReceiptRow | None = None
    new_receipt: bool = False

    def describe(self) -> None:
        pledge_row, receipt_row = self.pledge_row, self.receipt_row
        parts = [
            f"{'new' if self.new_pledge else 'unchanged'} pledge {pledge_row.reference} from {pledge_row.funder} "
            f"({pledge_row.money()})"
        ]
        if receipt_row:
            parts.append(
                f"{'new' if self.new_receipt else 'unchanged'} receipt {receipt_row.bank_reference} "
                f"({pledge_row.money(receipt_row.amount)} on {receipt_row.received_on:%-d %b %Y})"
            )
        self.outcome.description = "; ".join(parts)
        self.outcome.action = Action.NEW if self.new_pledge or self.new_receipt else Action.UNCHANGED


@dataclass
class Lookups:
    """Everything rows are checked against, loaded once for the whole file."""

    funders: dict[str, Funder]
    rounds: dict[int, Round]
    areas: dict[str, ResearchArea]
    pledges: dict[str, Pledge]
    receipts: dict[str, Receipt]
    received: dict[int, Decimal] = field(default_factory=dict)  # pledge id → total received so far

    @classmethod
    def load(cls, references: list[str], bank_references: list[str]) -> Lookups:
        funders: dict[str, Funder] = {}
        for funder in Funder.objects.all():
            funders[funder.slug.lower()] = funder
            funders[funder.name.lower()] = funder
        pledges: dict[str, Pledge] = {}
        for chunk in chunks(sorted(set(references))):
            found = Pledge.objects.filter(reference__in=chunk).select_related(
                "funder", "restricted_to_round", "restricted_to_area"
            )
            pledges.update({p.reference: p for p in found})
        receipts: dict[str, Receipt] = {}
        for chunk in chunks(sorted(set(bank_references))):
            found = Receipt.objects.filter(bank_reference__in=chunk).select_related("pledge")
            receipts.update({r.bank_reference: r for r in found})
        received = {}
        for chunk in chunks(sorted(p.pk for p in pledges.values())):
            # A pledge's receipts share its currency, so one sum per pledge is one currency.
            sums = Receipt.objects.filter(pledge_id__in=chunk).values("pledge_id").annotate(t=Sum("amount")).order_by()
            received.update({s["pledge_id"]: round_money(s["t"] or 0) for s in sums})
        return cls(funders, load_rounds(), load_areas(), pledges, receipts, received)


class Planner:
    """Plans the rows of one file in order, remembering the pledges and bank references seen so far."""

    def __init__(self, mapping: dict[str, str], lookups: Lookups) -> None:
        self.mapping, self.lookups = mapping, lookups
        self.pledges_in_file: dict[str, PledgeRow] = {}
        self.bank_references_in_file: dict[str, int] = {}

    def plan(self, outcome: RowOutcome, pledge_row: PledgeRow, receipt_row: ReceiptRow | None) -> Plan | None:
        """The plan for a parsed row, or None with the reasons recorded on `outcome`."""
        plan = self._plan_pledge(outcome, pledge_row, receipt_row)
        if plan is not None and receipt_row is not None:
            self._plan_receipt(outcome, plan, receipt_row)
        if plan is None or outcome.errors:
            return None
        plan.describe()
        return plan

    def _plan_pledge(self, outcome: RowOutcome, pledge_row: PledgeRow, receipt_row: ReceiptRow | None) -> Plan | None:
        mapping = self.mapping
        earlier = self.pledges_in_file.get(pledge_row.reference)
        if earlier is not None:
            # The same pledge again: allowed only to carry one more receipt, with the pledge's columns repeated exactly.
            if receipt_row is None:
                outcome.error(mapping["reference"], f"'{pledge_row.reference}' is also on row {earlier.row}")
                return None
            for name in pledge_row.differences(earlier):
                outcome.error(
                    mapping.get(name, mapping["reference"]),
                    f"pledge {pledge_row.reference} is also on row {earlier.row} with {earlier.shown(name)}: "
                    "repeat a pledge's columns exactly on each of its receipt rows",
                )
            return None if outcome.errors else Plan(outcome, earlier, new_pledge=False)
        self.pledges_in_file[pledge_row.reference] = pledge_row
        stored = self.lookups.pledges.get(pledge_row.reference)
        if stored is None:
            return Plan(outcome, pledge_row, new_pledge=True)
        stored_row = PledgeRow.from_pledge(stored)
        for name in pledge_row.differences(stored_row):
            outcome.error(
                mapping.get(name, mapping["reference"]),
                f"pledge {pledge_row.reference} is already recorded with {stored_row.shown(name)}: a recorded pledge "
                "is never edited (a correction is recorded by hand as a reversing entry)",
            )
        if outcome.errors:
            return None
        pledge_row.pledge = stored
        pledge_row.receipts_total = self.lookups.received.get(stored.pk, Decimal("0.00"))
        return Plan(outcome, pledge_row, new_pledge=False)

    def _plan_receipt(self, outcome: RowOutcome, plan: Plan, receipt_row: ReceiptRow) -> None:
        pledge_row, mapping, in_file = plan.pledge_row, self.mapping, self.bank_references_in_file
        column = mapping["bank_reference"]
        if receipt_row.bank_reference in in_file:
            outcome.error(
                column, f"'{receipt_row.bank_reference}' is also on row {in_file[receipt_row.bank_reference]}"
            )
            return
        in_file[receipt_row.bank_reference] = outcome.number
        plan.receipt_row = receipt_row
        stored = self.lookups.receipts.get(receipt_row.bank_reference)
        if stored is not None:
            same = (
                stored.pledge.reference == pledge_row.reference
                and stored.amount_currency == pledge_row.currency
                and stored.amount.amount == receipt_row.amount
                and stored.received_on == receipt_row.received_on
            )
            if not same:
                outcome.error(
                    column,
                    f"{receipt_row.bank_reference} is already recorded: "
                    f"{format_money(stored.amount.amount, stored.amount_currency)} received "
                    f"{stored.received_on:%-d %b %Y} against pledge {stored.pledge.reference}; a recorded receipt is "
                    "never edited (a correction is recorded by hand as a reversing entry)",
                )
            return
        if receipt_row.received_on < pledge_row.pledged_on:
            outcome.error(
                mapping["received_on"],
                f"money cannot arrive before the pledge it pays was made ({pledge_row.pledged_on:%-d %b %Y})",
            )
            return
        outstanding = pledge_row.amount - pledge_row.receipts_total
        if receipt_row.amount > outstanding:
            outcome.error(
                mapping["receipt_amount"],
                f"only {pledge_row.money(outstanding)} of pledge {pledge_row.reference} is still to arrive",
            )
            return
        pledge_row.receipts_total += receipt_row.amount
        plan.new_receipt = True
