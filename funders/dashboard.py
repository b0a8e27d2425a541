"""What a funder's contact sees: their own money in full, and the pool as a whole only where that is safe.

`funder_dashboard(funder, on)` is the funder's own position on a date: pledges and receipts in their currency and in
GBP and USD (at the date of each and today, with the rates), their share of the pool, and the awards their money
supports from the fixed attribution (committed against disbursed). `pool_overview(on, viewer)` is the pool as a
funder may see it. Both are frozen dataclasses computed in a fixed number of queries, whatever the number of
pledges or awards, and read by the pages, the CSV statement and the API alike.

The disclosure rule. A funder sees other funders only by name (and only those `publicly_named`), never their
amounts. Pool totals are shown, but a total can give away a private amount by subtraction: with two funders, the
pool less your own pledge is the other's. So every pool figure is modelled as a sum of the other funders' private
amounts (their outstanding pledges, receipts, conversion gains, and their attributed committed and disbursed money
per round and research area), and a figure is shown only if, together with the figures shown before it and the
viewer's own, it does not pin down any combination of the amounts of one funder who keeps its amounts private.
That is linear algebra on the figures' structure (which funders' amounts each one adds up), not on their values. A
figure that fails is withheld: it is None in the result, so no page, export or API response built from it can
leak it. (Award counts are not amounts and are always shown.)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from django.db.models import Prefetch, Sum

from alignment_fund.money import BASE_CURRENCY, CURRENCIES, round_money, share, total
from grants.models import Award, AwardAttribution, Disbursement, Round
from grants.models.rates import QuotedRate, RateBook, RateUnavailable
from grants.position import Valued, pool_position, value
from projects.models import ResearchArea

from .models import Conversion, Funder, Pledge, Receipt

ZERO = Decimal("0.00")


def _valued(amount: Decimal, currency: str, on: date, book: RateBook) -> Valued | None:
    """The amount in GBP and USD at the reference rates of `on`, or None when no rate is known that early."""
    try:
        return value(amount, currency, on, book)
    except RateUnavailable:
        return None


def _quote(book: RateBook, source: str, target: str, on: date) -> QuotedRate | None:
    try:
        return book.quote(source, target, on)
    except RateUnavailable:
        return None


def load_rate_book(on: date, since: date | None = None) -> RateBook:
    """Every currency the fund deals in, from `since` (or a year before `on`) to `on`: one query."""
    start = min(since or on, on - timedelta(days=365))
    return RateBook.load(CURRENCIES, since=start, until=on)


# The pool, as a funder may see it


@dataclass(frozen=True)
class PoolFigure:
    """A pool total in GBP and USD, or withheld (both None) because it would give away a private amount."""

    label: str
    gbp: Decimal | None
    usd: Decimal | None

    @property
    def withheld(self) -> bool:
        return self.gbp is None


@dataclass(frozen=True)
class PoolGroup:
    """Awards in one round or research area: how many (always shown) and how much (if safe)."""

    label: str
    award_count: int
    awarded: PoolFigure
    disbursed: PoolFigure
    committed: PoolFigure


@dataclass(frozen=True)
class PoolOverview:
    on: date
    viewer_id: int
    value: PoolFigure
    pledged: PoolFigure
    received: PoolFigure
    awarded: PoolFigure
    committed: PoolFigure
    disbursed: PoolFigure
    headroom: PoolFigure
    award_count: int
    rounds: tuple[PoolGroup, ...]
    areas: tuple[PoolGroup, ...]
    backers: tuple[str, ...]
    gbp_usd: QuotedRate | None
    rates_available: bool = True

    @property
    def headline(self) -> tuple[PoolFigure, ...]:
        return (self.value, self.pledged, self.received, self.awarded, self.committed, self.disbursed, self.headroom)

    @property
    def any_withheld(self) -> bool:
        groups = (*self.rounds, *self.areas)
        return any(f.withheld for f in self.headline) or any(
            f.withheld for g in groups for f in (g.awarded, g.disbursed, g.committed)
        )


# An "atom" is one funder's private amount of one kind (e.g. ("received", funder_id) or
# ("disbursed", funder_id, round_id, area_id)); a figure is a signed sum of atoms.
Atom = tuple
Row = Mapping[Atom, int]


class Knowledge:
    """The linear facts a viewer can combine, and whether one more would isolate a private funder's amounts.

    For each private funder, the rows known so far are kept in echelon form with that funder's atoms ordered last.
    A new row that, reduced against them, leads with one of that funder's atoms means some combination of the known
    facts now involves that funder's amounts alone: it would be derivable, so the row is refused.
    """

    def __init__(self, private_funder_ids: Iterable[int]):
        self._bases: dict[int, dict[Atom, dict[Atom, Fraction]]] = {f: {} for f in private_funder_ids}

    @staticmethod
    def _order(funder_id: int):
        return lambda atom: (atom[1] == funder_id, repr(atom))

    @staticmethod
    def _reduce(row: Row, basis: dict[Atom, dict[Atom, Fraction]], order) -> tuple[dict[Atom, Fraction], Atom | None]:
        reduced = {atom: Fraction(coef) for atom, coef in row.items() if coef}
        while reduced:
            lead = min(reduced, key=order)
            pivot_row = basis.get(lead)
            if pivot_row is None:
                return reduced, lead
            factor = reduced[lead] / pivot_row[lead]
            for atom, coef in pivot_row.items():
                new = reduced.get(atom, 0) - factor * coef
                if new:
                    reduced[atom] = new
                else:
                    reduced.pop(atom, None)
        return reduced, None

    def would_reveal(self, row: Row) -> bool:
        for funder_id, basis in self._bases.items():
            _, lead = self._reduce(row, basis, self._order(funder_id))
            if lead is not None and lead[1] == funder_id:
                return True
        return False

    def learn(self, row: Row) -> None:
        for funder_id, basis in self._bases.items():
            reduced, lead = self._reduce(row, basis, self._order(funder_id))
            if lead is not None:
                basis[lead] = reduced

    def admit(self, row: Row) -> bool:
        """Learn `row` if it reveals nothing private; say whether it was admitted."""
        if self.would_reveal(row):
            return False
        self.learn(row)
        return True


@dataclass(frozen=True)
class _PoolFacts:
    """Per funder, which private amounts are non-zero: the structure the disclosure check reasons about."""

    outstanding: frozenset[int]
    received: frozenset[int]
    compute: frozenset[int]
    converted: frozenset[int]
    committed: frozenset[tuple[int, int, int]]  # (funder, round, area)
    disbursed: frozenset[tuple[int, int, int]]


def _atoms(kind: str, funder_ids: Iterable[int], viewer_id: int, sign: int = 1) -> dict[Atom, int]:
    # The viewer's own amounts are known to them: they are constants, not unknowns.
    return {(kind, f): sign for f in funder_ids if f != viewer_id}


def _award_atoms(kind, keys, viewer_id, sign=1, round_id=None, area_id=None) -> dict[Atom, int]:
    return {
        (kind, f, r, a): sign
        for f, r, a in keys
        if f != viewer_id and (round_id is None or r == round_id) and (area_id is None or a == area_id)
    }


def _merge(*parts: Mapping[Atom, int]) -> dict[Atom, int]:
    merged: dict[Atom, int] = defaultdict(int)
    for part in parts:
        for atom, coef in part.items():
            merged[atom] += coef
    return {atom: coef for atom, coef in merged.items() if coef}


def _disbursed_by_award(on: date, award_ids=None) -> dict[int, Decimal]:
    rows = Disbursement.objects.filter(paid_on__lte=on, amount_currency=BASE_CURRENCY)
    if award_ids is not None:
        rows = rows.filter(award_id__in=award_ids)
    totals = rows.values("award").annotate(t=Sum("amount")).values_list("award", "t").order_by()
    return {award_id: round_money(t or 0) for award_id, t in totals}


def attributed_disbursed(award_disbursed: Decimal, attributed: Decimal, award_amount: Decimal) -> Decimal:
    """A funder's part of an award's payments: pro rata to its fixed attribution, rounded half-up to the penny.

    The exact ratio (attributed / award) is used rather than the stored six-place share, which would be a pound out
    on a million."""
    if award_amount == 0:
        return ZERO
    return round_money(award_disbursed * attributed / award_amount)


def pool_overview(on: date, viewer: Funder, book: RateBook | None = None) -> PoolOverview:
    """The pool as a whole on `on`, as the contact of `viewer` may see it (see the module's disclosure rule)."""
    book = book if book is not None else load_rate_book(on)
    funders = {f.pk: f for f in Funder.objects.all()}
    private = [f_id for f_id, f in funders.items() if not f.disclose_amounts and f_id != viewer.pk]

    # Pledges and receipts valued at today's reference rates; one GROUP BY each, never a sum across currencies.
    pledged_rows = (
        Pledge.objects.filter(pledged_on__lte=on)
        .values("funder", "amount_currency")
        .annotate(t=Sum("amount"))
        .values_list("funder", "amount_currency", "t")
        .order_by()
    )
    received_rows = (
        Receipt.objects.filter(received_on__lte=on)
        .values("pledge__funder", "amount_currency", "pledge__compute_only")
        .annotate(t=Sum("amount"))
        .values_list("pledge__funder", "amount_currency", "pledge__compute_only", "t")
        .order_by()
    )
    converters = set(
        Conversion.objects.filter(converted_on__lte=on)
        .values_list("receipt__pledge__funder", flat=True)
        .distinct()
        .order_by()
    )
    awards = list(
        Award.objects.filter(awarded_on__lte=on)
        .values_list("pk", "round_id", "project__research_area_id", "amount", "status")
        .order_by()
    )
    award_keys = {pk: (round_id, area_id, round_money(amount)) for pk, round_id, area_id, amount, _s in awards}
    ended = {pk for pk, *_rest, status in awards if status == Award.Status.TERMINATED}
    attributions = list(
        AwardAttribution.objects.filter(award_id__in=award_keys.keys())
        .values_list("funder_id", "award_id", "amount")
        .order_by()
    )
    disbursed = _disbursed_by_award(on)
    # An award that ended early counts for what was paid on it, as in the ledger; nothing of it stays committed.
    awarded_gbp = {
        pk: disbursed.get(pk, ZERO) if pk in ended else amount for pk, (_r, _a, amount) in award_keys.items()
    }
    rounds = list(Round.objects.all())
    areas = list(ResearchArea.objects.all())

    try:
        to_gbp = {c: book.quote(c, BASE_CURRENCY, on) for c in CURRENCIES}
        gbp_usd = book.quote(BASE_CURRENCY, "USD", on)
        position = pool_position(on, book)
    except RateUnavailable:
        to_gbp, gbp_usd, position = {}, None, None

    pledged_gbp: dict[int, Decimal] = defaultdict(Decimal)
    received_gbp: dict[int, Decimal] = defaultdict(Decimal)
    if to_gbp:
        for funder_id, currency, amount in pledged_rows:
            pledged_gbp[funder_id] += to_gbp[currency].convert(round_money(amount or 0))
        for funder_id, currency, _compute_only, amount in received_rows:
            received_gbp[funder_id] += to_gbp[currency].convert(round_money(amount or 0))
    receivers = {f for f, _c, compute_only, t in received_rows if t and not compute_only}
    compute_givers = {f for f, _c, compute_only, t in received_rows if t and compute_only}
    committed_keys, disbursed_keys = set(), set()
    for funder_id, award_id, amount in attributions:
        round_id, area_id, award_amount = award_keys[award_id]
        paid = attributed_disbursed(disbursed.get(award_id, ZERO), round_money(amount), award_amount)
        if paid:
            disbursed_keys.add((funder_id, round_id, area_id))
        if round_money(amount) - paid and award_id not in ended:
            committed_keys.add((funder_id, round_id, area_id))
    facts = _PoolFacts(
        # A funder owes money on its pledges if it pledged more than it has paid, in any currency.
        outstanding=frozenset(f for f in pledged_gbp if _owes(f, pledged_rows, received_rows)),
        received=frozenset(receivers),
        compute=frozenset(compute_givers),
        converted=frozenset(converters),
        committed=frozenset(committed_keys),
        disbursed=frozenset(disbursed_keys),
    )

    knowledge = Knowledge(private)
    v = viewer.pk

    def figure(label: str, row: Row, amount_gbp: Decimal | None) -> PoolFigure:
        if amount_gbp is None or gbp_usd is None or not knowledge.admit(row):
            return PoolFigure(label, None, None)
        amount_gbp = round_money(amount_gbp)
        return PoolFigure(label, amount_gbp, gbp_usd.convert(amount_gbp))

    committed_row = _award_atoms("committed", facts.committed, v)
    disbursed_row = _award_atoms("disbursed", facts.disbursed, v)
    received_row = _merge(_atoms("received", facts.received, v), _atoms("compute", facts.compute, v))
    cash_row = _merge(
        _atoms("received", facts.received, v),
        _atoms("converted", facts.converted, v),
        _award_atoms("disbursed", facts.disbursed, v, sign=-1),
    )
    outstanding_row = _atoms("outstanding", facts.outstanding, v)
    have_rates = position is not None
    received = figure("Received", received_row, total(received_gbp.values()) if have_rates else None)
    pledged = figure(
        "Pledged", _merge(outstanding_row, received_row), total(pledged_gbp.values()) if have_rates else None
    )
    value_figure = figure("Pool value", _merge(cash_row, outstanding_row), position.pool_gbp if have_rates else None)
    awarded_total = sum(awarded_gbp.values(), ZERO)
    paid_total = sum((disbursed.get(pk, ZERO) for pk in award_keys), ZERO)
    awarded = figure("Awarded", _merge(committed_row, disbursed_row), awarded_total)
    disbursed_figure = figure("Disbursed", disbursed_row, paid_total)
    committed = figure("Committed", committed_row, awarded_total - paid_total)
    headroom = figure(
        "Headroom",
        _merge(cash_row, {k: -c for k, c in committed_row.items()}),
        position.headroom_gbp if have_rates else None,
    )

    def groups(items, index: int, kind: str) -> tuple[PoolGroup, ...]:
        result = []
        for item in items:
            ids = [pk for pk, key in award_keys.items() if key[index] == item.pk]
            if not ids:
                continue
            scope = {"round_id": item.pk} if kind == "round" else {"area_id": item.pk}
            amount = sum((awarded_gbp[pk] for pk in ids), ZERO)
            paid = sum((disbursed.get(pk, ZERO) for pk in ids), ZERO)
            c_row = _award_atoms("committed", facts.committed, v, **scope)
            d_row = _award_atoms("disbursed", facts.disbursed, v, **scope)
            result.append(
                PoolGroup(
                    label=str(item),
                    award_count=len(ids),
                    awarded=figure("Awarded", _merge(c_row, d_row), amount),
                    disbursed=figure("Disbursed", d_row, paid),
                    committed=figure("Committed", c_row, amount - paid),
                )
            )
        return tuple(result)

    pledgers = {f for f, _c, t in pledged_rows if t}
    return PoolOverview(
        on=on,
        viewer_id=viewer.pk,
        value=value_figure,
        pledged=pledged,
        received=received,
        awarded=awarded,
        committed=committed,
        disbursed=disbursed_figure,
        headroom=headroom,
        award_count=len(award_keys),
        rounds=groups(rounds, 0, "round"),
        areas=groups(areas, 1, "area"),
        backers=tuple(
            f.name
            for f_id, f in sorted(funders.items(), key=lambda item: item[1].name)
            if f_id in pledgers and f.publicly_named and f_id != viewer.pk
        ),
        gbp_usd=gbp_usd,
        rates_available=have_rates,
    )


def _owes(funder_id: int, pledged_rows, received_rows) -> bool:
    pledged: dict[str, Decimal] = defaultdict(Decimal)
    for f, currency, amount in pledged_rows:
        if f == funder_id:
            pledged[currency] += round_money(amount or 0)
    for f, currency, _compute_only, amount in received_rows:
        if f == funder_id:
            pledged[currency] -= round_money(amount or 0)
    return any(v > 0 for v in pledged.values())


# The funder's own position


@dataclass(frozen=True)
class Both:
    """One amount in GBP and in USD."""

    gbp: Decimal
    usd: Decimal


def _sum_valued(values: Iterable[Valued | None]) -> Both | None:
    values = list(values)
    if any(v is None for v in values):
        return None
    return Both(total(v.gbp for v in values), total(v.usd for v in values))


@dataclass(frozen=True)
class PledgeLine:
    reference: str
    pledged_on: date
    amount: Decimal
    currency: str
    restriction: str
    compute_only: bool
    illustrative: bool
    at_pledge: Valued | None
    today: Valued | None
    received: Decimal
    outstanding: Decimal


@dataclass(frozen=True)
class ConversionLine:
    """Cash sold for pounds at the rate the bank dealt, beside the reference rate of that day."""

    converted_on: date
    bank_reference: str
    amount_sold: Decimal
    currency: str
    gbp_credited: Decimal
    dealt_rate: Decimal
    reference_rate: QuotedRate | None


@dataclass(frozen=True)
class ReceiptLine:
    pledge_reference: str
    received_on: date
    bank_reference: str
    amount: Decimal
    currency: str
    at_receipt: Valued | None
    today: Valued | None
    conversions: tuple[ConversionLine, ...]


@dataclass(frozen=True)
class CurrencyTotals:
    """What the funder pledged and paid in one currency (never added across currencies)."""

    currency: str
    pledged: Decimal
    received: Decimal
    outstanding: Decimal
    pledged_today: Valued | None
    received_today: Valued | None


@dataclass(frozen=True)
class AttributedAward:
    """An award the funder's money supports: its fixed part, and that part's share of the payments made.

    Neither the award's whole amount nor the funder's fraction of it is here: beside the funder's own part, either
    would give away what the other funders of the award paid."""

    award_id: int
    reference: str
    project_title: str
    round_name: str
    research_area: str
    awarded_on: date
    status: str
    status_label: str
    live: bool
    amount: Decimal
    disbursed: Decimal
    basis: str

    @property
    def committed(self) -> Decimal:
        """Attributed and not yet paid; nothing more is owed on an award that ended early."""
        return self.amount - self.disbursed if self.live else ZERO

    @property
    def supported(self) -> Decimal:
        """What the funder's money pays for: its part, or only what was paid if the award ended early."""
        return self.amount if self.live else self.disbursed


@dataclass(frozen=True)
class AllocationGroup:
    label: str
    award_count: int
    amount: Decimal
    disbursed: Decimal
    committed: Decimal

    @property
    def disbursed_share(self) -> Decimal:
        return share(self.disbursed, self.amount)


def _group(label: str, awards: list[AttributedAward]) -> AllocationGroup:
    return AllocationGroup(
        label=label,
        award_count=len(awards),
        amount=total(a.supported for a in awards),
        disbursed=total(a.disbursed for a in awards),
        committed=total(a.committed for a in awards),
    )


def _grouped(awards: list[AttributedAward], key) -> tuple[AllocationGroup, ...]:
    buckets: dict[str, list[AttributedAward]] = {}
    for award in awards:
        buckets.setdefault(key(award), []).append(award)
    return tuple(_group(label, items) for label, items in buckets.items())


@dataclass(frozen=True)
class ContributionEvent:
    """A pledge or a receipt, for the contributions-over-time chart and its table."""

    on: date
    kind: str
    reference: str
    amount: Decimal
    currency: str
    chart_amount: Decimal | None
    cumulative_pledged: Decimal | None
    cumulative_received: Decimal | None


@dataclass(frozen=True)
class RatePoint:
    on: date
    rate: Decimal


@dataclass(frozen=True)
class FunderDashboard:
    funder: Funder
    on: date
    pledges: tuple[PledgeLine, ...]
    receipts: tuple[ReceiptLine, ...]
    by_currency: tuple[CurrencyTotals, ...]
    pledged_at_pledge: Both | None
    pledged_today: Both | None
    received_at_receipt: Both | None
    received_today: Both | None
    outstanding_today: Both | None
    converted_gbp: Decimal
    awards: tuple[AttributedAward, ...]
    by_round: tuple[AllocationGroup, ...]
    by_area: tuple[AllocationGroup, ...]
    attributed: AllocationGroup
    share_of_pledged: Decimal | None
    share_of_received: Decimal | None
    pool: PoolOverview
    rates_today: tuple[QuotedRate, ...]
    rates_stale: bool
    chart_currency: str
    contributions: tuple[ContributionEvent, ...]
    gbp_usd_history: tuple[RatePoint, ...]

    @property
    def has_money(self) -> bool:
        return bool(self.pledges)

    @property
    def single_currency(self) -> str | None:
        """The currency of all the funder's pledges, if there is just one."""
        return self.by_currency[0].currency if len(self.by_currency) == 1 else None

    @property
    def gbp_usd_month_ends(self) -> tuple[RatePoint, ...]:
        """The last GBP/USD rate of each month: the chart's table, short enough to read."""
        last: dict[tuple[int, int], RatePoint] = {}
        for point in self.gbp_usd_history:
            last[(point.on.year, point.on.month)] = point
        return tuple(last.values())


def funder_dashboard(funder: Funder, on: date) -> FunderDashboard:
    """The funder's own money and the awards it supports on `on`, beside the pool as it may see it."""
    pledges = list(
        Pledge.objects.filter(funder=funder, pledged_on__lte=on)
        .select_related("restricted_to_round", "restricted_to_area")
        .prefetch_related(
            Prefetch(
                "receipts",
                queryset=Receipt.objects.filter(received_on__lte=on).prefetch_related(
                    Prefetch("conversions", queryset=Conversion.objects.filter(converted_on__lte=on))
                ),
            )
        )
    )
    first = min((p.pledged_on for p in pledges), default=on)
    book = load_rate_book(on, since=first)

    pledge_lines, receipt_lines = [], []
    by_currency: dict[str, dict[str, Decimal]] = {}
    converted_gbp = ZERO
    for pledge in pledges:
        currency = pledge.amount_currency
        amount = pledge.amount.amount
        received = total(r.amount.amount for r in pledge.receipts.all())
        sums = by_currency.setdefault(currency, {"pledged": ZERO, "received": ZERO})
        sums["pledged"] += amount
        sums["received"] += received
        pledge_lines.append(
            PledgeLine(
                reference=pledge.reference,
                pledged_on=pledge.pledged_on,
                amount=amount,
                currency=currency,
                restriction=pledge.restriction,
                compute_only=pledge.compute_only,
                illustrative=pledge.illustrative,
                at_pledge=_valued(amount, currency, pledge.pledged_on, book),
                today=_valued(amount, currency, on, book),
                received=received,
                outstanding=amount - received,
            )
        )
        for receipt in pledge.receipts.all():
            conversions = []
            for c in receipt.conversions.all():
                converted_gbp += c.gbp_credited.amount
                conversions.append(
                    ConversionLine(
                        converted_on=c.converted_on,
                        bank_reference=c.bank_reference,
                        amount_sold=c.amount_sold.amount,
                        currency=c.amount_sold_currency,
                        gbp_credited=c.gbp_credited.amount,
                        dealt_rate=c.dealt_rate,
                        reference_rate=_quote(book, c.amount_sold_currency, BASE_CURRENCY, c.converted_on),
                    )
                )
            receipt_lines.append(
                ReceiptLine(
                    pledge_reference=pledge.reference,
                    received_on=receipt.received_on,
                    bank_reference=receipt.bank_reference,
                    amount=receipt.amount.amount,
                    currency=receipt.amount_currency,
                    at_receipt=_valued(receipt.amount.amount, receipt.amount_currency, receipt.received_on, book),
                    today=_valued(receipt.amount.amount, receipt.amount_currency, on, book),
                    conversions=tuple(conversions),
                )
            )
    receipt_lines.sort(key=lambda r: (r.received_on, r.bank_reference))
    currency_totals = tuple(
        CurrencyTotals(
            currency=currency,
            pledged=sums["pledged"],
            received=sums["received"],
            outstanding=sums["pledged"] - sums["received"],
            pledged_today=_valued(sums["pledged"], currency, on, book),
            received_today=_valued(sums["received"], currency, on, book),
        )
        for currency, sums in sorted(by_currency.items())
    )

    awards = _attributed_awards(funder, on)
    pool = pool_overview(on, funder, book)
    own_pledged = _sum_valued(t.pledged_today for t in currency_totals)
    own_received = _sum_valued(t.received_today for t in currency_totals)

    currencies = sorted(by_currency) or [funder.currency]
    rates = []
    for currency in currencies:
        for target in ("GBP", "USD"):
            if currency != target:
                rates.append(_quote(book, currency, target, on))
    if "GBP" not in currencies or "USD" not in currencies:
        rates.append(_quote(book, BASE_CURRENCY, "USD", on))
    rates_today = tuple({q.pair: q for q in rates if q is not None}.values())
    chart_currency = currencies[0] if len(currencies) == 1 else BASE_CURRENCY

    return FunderDashboard(
        funder=funder,
        on=on,
        pledges=tuple(pledge_lines),
        receipts=tuple(receipt_lines),
        by_currency=currency_totals,
        pledged_at_pledge=_sum_valued(p.at_pledge for p in pledge_lines),
        # Today's values convert each currency's total once, so a pledge paid in full is worth the same as its
        # receipts (converting line by line could differ by a penny); dated values add up the lines.
        pledged_today=own_pledged,
        received_at_receipt=_sum_valued(r.at_receipt for r in receipt_lines),
        received_today=own_received,
        outstanding_today=_sum_valued(
            _valued(t.outstanding, t.currency, on, book) for t in currency_totals if t.outstanding
        ),
        converted_gbp=converted_gbp,
        awards=tuple(awards),
        by_round=_grouped(awards, lambda a: a.round_name),
        by_area=tuple(sorted(_grouped(awards, lambda a: a.research_area), key=lambda g: (-g.amount, g.label))),
        attributed=_group("All awards", awards),
        share_of_pledged=share(own_pledged.gbp, pool.pledged.gbp)
        if own_pledged and not pool.pledged.withheld
        else None,
        share_of_received=(
            share(own_received.gbp, pool.received.gbp) if own_received and not pool.received.withheld else None
        ),
        pool=pool,
        rates_today=rates_today,
        rates_stale=any(q.is_stale(on) for q in rates_today) or not rates_today,
        chart_currency=chart_currency,
        contributions=_contributions(pledge_lines, receipt_lines, chart_currency),
        gbp_usd_history=_gbp_usd_history(book, first, on),
    )


def _attributed_awards(funder: Funder, on: date) -> list[AttributedAward]:
    rows = list(
        AwardAttribution.objects.filter(funder=funder, award__awarded_on__lte=on)
        .select_related("award__round", "award__project__research_area")
        .order_by("award__awarded_on", "award__reference")
    )
    paid = _disbursed_by_award(on, award_ids=[row.award_id for row in rows])
    awards = []
    for row in rows:
        award = row.award
        amount = row.amount.amount
        awards.append(
            AttributedAward(
                award_id=award.pk,
                reference=award.reference,
                project_title=award.project.title,
                round_name=str(award.round),
                research_area=str(award.project.research_area),
                awarded_on=award.awarded_on,
                status=award.status,
                status_label=award.get_status_display(),
                live=award.status != Award.Status.TERMINATED,
                amount=amount,
                disbursed=attributed_disbursed(paid.get(award.pk, ZERO), amount, award.amount.amount),
                basis=row.basis,
            )
        )
    return awards


def _contributions(pledges: list[PledgeLine], receipts: list[ReceiptLine], chart_currency: str):
    """Pledges and receipts in date order, with running totals in the chart's currency (the funder's own when it
    pledged in one currency, else GBP at each day's reference rate)."""

    def in_chart_currency(amount: Decimal, currency: str, valued: Valued | None) -> Decimal | None:
        if currency == chart_currency:
            return amount
        return valued.gbp if valued is not None and chart_currency == BASE_CURRENCY else None

    events = [("pledge", p.pledged_on, p.reference, p.amount, p.currency, p.at_pledge) for p in pledges]
    events += [("receipt", r.received_on, r.bank_reference, r.amount, r.currency, r.at_receipt) for r in receipts]
    events.sort(key=lambda e: (e[1], e[0] != "pledge", e[2]))
    pledged: Decimal | None = ZERO
    received: Decimal | None = ZERO
    result = []
    for kind, on, reference, amount, currency, valued in events:
        chart_amount = in_chart_currency(amount, currency, valued)
        if kind == "pledge":
            pledged = None if pledged is None or chart_amount is None else pledged + chart_amount
        else:
            received = None if received is None or chart_amount is None else received + chart_amount
        result.append(ContributionEvent(on, kind, reference, amount, currency, chart_amount, pledged, received))
    return tuple(result)


def _gbp_usd_history(book: RateBook, first: date, on: date) -> tuple[RatePoint, ...]:
    """GBP/USD on every day a rate was published, from the first pledge (or a year back, if later) to `on`."""
    start = min(first, on - timedelta(days=365))
    points: dict[date, RatePoint] = {}
    day = start
    while day <= on:
        quote = _quote(book, BASE_CURRENCY, "USD", day)
        if quote is not None and quote.rate_date is not None and quote.rate_date >= start:
            points.setdefault(quote.rate_date, RatePoint(quote.rate_date, quote.rate))
        day += timedelta(days=1)
    return tuple(sorted(points.values(), key=lambda p: p.on))


def chart_data(dashboard: FunderDashboard) -> dict:
    """The three charts' data, JSON-safe: money and rates as decimal strings (the browser parses them only to draw)."""
    d = dashboard
    contributions = [
        {
            "date": e.on.isoformat(),
            "pledged": None if e.cumulative_pledged is None else f"{e.cumulative_pledged:.2f}",
            "received": None if e.cumulative_received is None else f"{e.cumulative_received:.2f}",
        }
        for e in d.contributions
    ]
    if contributions:
        # Carry the running totals on to today, so the lines end where the page's figures stand.
        contributions.append({**contributions[-1], "date": d.on.isoformat()})
    return {
        "contributions": {"currency": d.chart_currency, "points": contributions},
        "allocation": {
            "currency": BASE_CURRENCY,
            "items": [{"label": g.label, "amount": f"{g.amount:.2f}"} for g in d.by_area],
        },
        "gbp_usd": {"points": [{"date": p.on.isoformat(), "rate": f"{p.rate:f}"} for p in d.gbp_usd_history]},
    }
