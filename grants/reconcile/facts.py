"""The fund's figures worked out again, simply, from the source tables and the ledger: what every surface should
publish.

Plain aggregate queries over pledges, receipts, conversions, awards, attributions, payments and ledger lines, grouped
by currency, and valued the one documented way (README, "Money rules"): each currency's amount converted once,
directly, at the day's ECB reference rate from a `RateBook`, rounded to the penny or cent, then added. A figure that
is the sum of two figures (the pool's value is cash held plus pledges still to arrive; headroom is cash held less
what is committed) is the sum of those two, each valued that way, as the pages show them side by side.

An award that was terminated counts for what was paid on it; nothing of it stays committed. It ended on its
`terminated_on` date, the date of the ledger entry that released its unpaid part: before that day it counts whole, as
the ledger has it.

Each funder's part of an award's payments comes from the attribution policy (`payment_parts`); that those parts add
up to what was paid is one of the figures checked.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce

from alignment_fund.money import BASE_CURRENCY, CURRENCIES, round_money, total
from alignment_fund.rates.models import RateBook
from funders.models import Conversion, Funder, Pledge, Receipt
from grants.models import Approval, Award, AwardAttribution, Disbursement, LedgerDayTotal, LedgerLine
from grants.models.ledger_totals import from_hundredths
from grants.reads.attribution import payment_parts
from projects.models import ResearchArea, Round

ZERO = Decimal("0.00")


def _sum(value) -> Decimal:
    return round_money(value or 0)


@dataclass(frozen=True)
class AwardFacts:
    pk: int
    reference: str
    round_name: str
    area_name: str
    amount: Decimal
    stands: bool  # not marked terminated: what the 360Giving file publishes
    terminated: bool  # ended, with its unpaid part released, on or before the day
    paid: Decimal
    # {funder id: (amount, share)}, as fixed when the award was made
    attributions: dict[int, tuple[Decimal, Decimal]] = field(default_factory=dict)

    @property
    def counted(self) -> Decimal:
        """What the award counts for: its amount, or what was paid on it if it was terminated."""
        return self.paid if self.terminated else self.amount

    @property
    def committed(self) -> Decimal:
        return ZERO if self.terminated else self.amount - self.paid


@dataclass(frozen=True)
class FunderFacts:
    pk: int
    name: str
    disclose_amounts: bool
    # per currency, every pledge (compute-only included) and every receipt
    pledged: dict[str, Decimal]
    received: dict[str, Decimal]
    sold: dict[str, Decimal]
    credited: dict[str, Decimal]
    # its parts of the awards: what its money pays for, its part of the payments, and what is still to pay
    supported: Decimal
    paid: Decimal
    committed: Decimal


class Facts:
    """Everything recorded on or before `on`; `on` None is everything recorded, for the surfaces that publish the
    present without a date (the API's lists and the 360Giving file), valued at `rates_on`."""

    def __init__(self, on: date | None, rates_on: date):
        self.on = on
        self.rates_on = rates_on
        self.book = RateBook.load(CURRENCIES, until=rates_on)
        self._load_money()
        self._load_awards()
        self._load_ledger()
        self._load_funders()
        self.rounds = list(Round.objects.order_by("number").values_list("name", "budget"))
        self.areas = list(ResearchArea.objects.order_by("name").values_list("name", flat=True))
        # Awards waiting for a second administrator hold their amount from their date: {round name: GBP held}.
        self.reserved_by_round: dict[str | None, Decimal] = defaultdict(Decimal)
        pending = self._upto(Approval.objects.pending().filter(reserved__isnull=False), "reserved_on")
        for round_name, held in pending.values_list("reserved_round__name", "reserved"):
            self.reserved_by_round[round_name] += held

    def _upto(self, queryset, field_name: str):
        return queryset if self.on is None else queryset.filter(**{f"{field_name}__lte": self.on})

    # Loading

    def _load_money(self) -> None:
        # {(funder, currency, compute only): amount}
        self._pledged = {
            (row["funder"], row["amount_currency"], row["compute_only"]): _sum(row["total"])
            for row in self._upto(Pledge.objects, "pledged_on")
            .values("funder", "amount_currency", "compute_only")
            .annotate(total=Sum("amount"))
            .order_by()
        }
        self._received = {
            (row["pledge__funder"], row["amount_currency"], row["pledge__compute_only"]): _sum(row["total"])
            for row in self._upto(Receipt.objects, "received_on")
            .values("pledge__funder", "amount_currency", "pledge__compute_only")
            .annotate(total=Sum("amount"))
            .order_by()
        }
        self._sold, self._credited = {}, {}
        for row in (
            self._upto(Conversion.objects, "converted_on")
            .values("receipt__pledge__funder", "amount_sold_currency")
            .annotate(sold=Sum("amount_sold"), credited=Sum("gbp_credited"))
            .order_by()
        ):
            key = (row["receipt__pledge__funder"], row["amount_sold_currency"])
            self._sold[key] = _sum(row["sold"])
            self._credited[key] = _sum(row["credited"])

    def _load_awards(self) -> None:
        paid = {
            award_id: _sum(amount)
            for award_id, amount in self._upto(Disbursement.objects, "paid_on")
            .values("award")
            .annotate(total=Sum("amount"))
            .values_list("award", "total")
            .order_by()
        }
        attributions: dict[int, dict[int, tuple[Decimal, Decimal]]] = defaultdict(dict)
        for award_id, funder_id, amount, share in AwardAttribution.objects.values_list(
            "award", "funder", "amount", "share"
        ):
            attributions[award_id][funder_id] = (amount, share)
        self.awards = {
            pk: AwardFacts(
                pk,
                reference,
                round_name,
                area_name,
                amount,
                status != Award.Status.TERMINATED,
                status == Award.Status.TERMINATED and (self.on is None or terminated_on <= self.on),
                paid.get(pk, ZERO),
                attributions.get(pk, {}),
            )
            for pk, reference, round_name, area_name, amount, status, terminated_on in self._upto(
                Award.objects, "awarded_on"
            )
            .values_list(
                "pk", "reference", "round__name", "project__research_area__name", "amount", "status", "terminated_on"
            )
            .order_by("reference")
        }
        # Each funder's part of each award's payments: {(award id, funder id): amount}
        self.parts = payment_parts({pk: award.paid for pk, award in self.awards.items()}, award_ids=list(self.awards))

    def _load_ledger(self) -> None:
        lines = self._upto(LedgerLine.objects, "transaction__occurred_on")
        self.ledger = {
            (account, currency): _sum(amount)
            for account, currency, amount in lines.values("account", "amount_currency")
            .annotate(total=Sum("amount"))
            .values_list("account", "amount_currency", "total")
            .order_by()
        }
        # The day totals every balance is read from, against the lines themselves, key by key:
        # {(day, account, currency, funder or 0, round or 0): (sum, lines)}.
        by_day = (
            lines.annotate(funder_key=Coalesce("funder", 0), round_key=Coalesce("round", 0))
            .values_list("transaction__occurred_on", "account", "amount_currency", "funder_key", "round_key")
            .annotate(total=Sum("amount"), count=Count("pk"))
            .order_by()
        )
        self.lines_by_day = {tuple(row[:5]): (_sum(row[5]), row[6]) for row in by_day}
        self.day_totals = {
            tuple(row[:5]): (from_hundredths(row[5]), row[6])
            for row in self._upto(LedgerDayTotal.objects, "occurred_on").values_list(
                "occurred_on", "account", "currency", "funder_key", "round_key", "hundredths", "lines"
            )
        }
        self.ledger_by_award = {
            (account, award_id): _sum(amount)
            for account, award_id, amount in lines.filter(award__isnull=False)
            .values("account", "award")
            .annotate(total=Sum("amount"))
            .values_list("account", "award", "total")
            .order_by()
        }

    def _load_funders(self) -> None:
        def per_currency(amounts: dict, funder_id: int) -> dict[str, Decimal]:
            result: dict[str, Decimal] = defaultdict(Decimal)
            for key, amount in amounts.items():
                if key[0] == funder_id:
                    result[key[1]] += amount
            return dict(sorted(result.items()))

        self.funders = {}
        for pk, name, discloses in Funder.objects.order_by("name").values_list("pk", "name", "disclose_amounts"):
            # (its part of the award, its part of the payments, whether the award was terminated)
            theirs = [
                (award.attributions[pk][0], self.parts.get((award.pk, pk), ZERO), award.terminated)
                for award in self.awards.values()
                if pk in award.attributions
            ]
            self.funders[pk] = FunderFacts(
                pk=pk,
                name=name,
                disclose_amounts=discloses,
                pledged=per_currency(self._pledged, pk),
                received=per_currency(self._received, pk),
                sold=per_currency(self._sold, pk),
                credited=per_currency(self._credited, pk),
                supported=total(paid if ended else part for part, paid, ended in theirs),
                paid=total(paid for _, paid, _ in theirs),
                committed=total(ZERO if ended else part - paid for part, paid, ended in theirs),
            )

    # Money by currency

    def pledged(self, funders=None, compute_only: bool | None = None) -> dict[str, Decimal]:
        return self._by_currency(self._pledged, funders, compute_only)

    def received(self, funders=None, compute_only: bool | None = None) -> dict[str, Decimal]:
        return self._by_currency(self._received, funders, compute_only)

    @staticmethod
    def _by_currency(amounts: dict, funders, compute_only) -> dict[str, Decimal]:
        result: dict[str, Decimal] = defaultdict(Decimal)
        for (funder_id, currency, compute), amount in amounts.items():
            if (funders is None or funder_id in funders) and (compute_only is None or compute == compute_only):
                result[currency] += amount
        return dict(sorted(result.items()))

    def sold(self) -> dict[str, Decimal]:
        result: dict[str, Decimal] = defaultdict(Decimal)
        for (_, currency), amount in self._sold.items():
            result[currency] += amount
        return dict(result)

    @property
    def credited_gbp(self) -> Decimal:
        return total(self._credited.values())

    @property
    def disbursed(self) -> Decimal:
        return total(award.paid for award in self.awards.values())

    @property
    def awarded(self) -> Decimal:
        return total(award.counted for award in self.awards.values())

    @property
    def committed(self) -> Decimal:
        return total(award.committed for award in self.awards.values())

    @property
    def reserved(self) -> Decimal:
        return total(self.reserved_by_round.values())

    def headroom(self) -> tuple[Decimal, Decimal]:
        """Cash held less what is committed and what waiting awards hold, in GBP and in USD, each valued its way."""
        cash_gbp, cash_usd = self.both(self.cash())
        return (
            cash_gbp - self.committed - self.reserved,
            cash_usd - self.usd(self.committed) - self.usd(self.reserved),
        )

    def cash(self) -> dict[str, Decimal]:
        """Cash for awards held in each currency: what arrived (compute-only aside), less what was sold for pounds;
        in pounds, plus what the bank credited, less what was paid out."""
        cash = defaultdict(Decimal, self.received(compute_only=False))
        for currency, amount in self.sold().items():
            cash[currency] -= amount
        cash[BASE_CURRENCY] += self.credited_gbp - self.disbursed
        return {currency: amount for currency, amount in sorted(cash.items()) if amount}

    def receivable(self, compute_only: bool = False) -> dict[str, Decimal]:
        pledged = defaultdict(Decimal, self.pledged(compute_only=compute_only))
        for currency, amount in self.received(compute_only=compute_only).items():
            pledged[currency] -= amount
        return {currency: amount for currency, amount in sorted(pledged.items()) if amount}

    # Valuing

    def value(self, amounts: dict[str, Decimal], into: str) -> Decimal:
        """The one method: each currency's amount converted directly at the day's reference rate, then added."""
        return total(
            self.book.quote(currency, into, self.rates_on).convert(amount) for currency, amount in amounts.items()
        )

    def usd(self, amount_gbp: Decimal) -> Decimal:
        return self.book.quote(BASE_CURRENCY, "USD", self.rates_on).convert(amount_gbp)

    def both(self, amounts: dict[str, Decimal]) -> tuple[Decimal, Decimal]:
        return self.value(amounts, BASE_CURRENCY), self.value(amounts, "USD")

    # Groups of awards

    def by_round(self) -> dict[str, list[AwardFacts]]:
        return self._grouped(lambda award: award.round_name)

    def by_area(self) -> dict[str, list[AwardFacts]]:
        return self._grouped(lambda award: award.area_name)

    def _grouped(self, key) -> dict[str, list[AwardFacts]]:
        groups: dict[str, list[AwardFacts]] = {}
        for award in self.awards.values():
            groups.setdefault(key(award), []).append(award)
        return groups

    def visible_to(self, funder_id: int) -> set[int]:
        """The funders whose money a funder's contact may see added up: those who disclose, and its own."""
        return {pk for pk, funder in self.funders.items() if funder.disclose_amounts or pk == funder_id}
