"""What a funder's contact sees: their own money in full, and the pool as a whole only as far as that is safe.

`funder_dashboard(funder, on)` is the funder's own position on a date: pledges and receipts in their currency and in
GBP and USD (at the date of each and today, with the rates), their share of the money pledged, and the awards their
money supports from the fixed attribution (committed against disbursed). `pool_overview(on, viewer)` is the pool as
a funder may see it, and `administrators_pool(on)` the pool with every figure. All are frozen dataclasses computed in
a fixed number of queries, whatever the number of pledges or awards, and read by the pages, the CSV statement and
the API alike.

The disclosure rule: no figure shown to a funder's contact includes the money of another funder who keeps its
amounts private. The money that came in (pledged, received) is added up only over the funders who disclose their
amounts, and the viewer's own, and the page says how many funders are left out. The money that went out (awarded,
committed, paid; by round and research area) is the awards' own amounts, published as open data whoever paid for
them. Figures that mix every funder's money and cannot be split (cash held, the pool's value, headroom, FX exposure)
are for administrators only. Because the rule holds figure by figure, it holds across dates too: comparing the pool
on two days shows only what disclosed funders, the viewer and the awards did in between, never a private pledge or
receipt. Other funders' amounts are never listed one by one; when only one other funder discloses, the total less the
viewer's own is that funder's, which it has agreed to disclose.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Prefetch, Sum

from alignment_fund.money import BASE_CURRENCY, CURRENCIES, round_money, share, total
from alignment_fund.rates.models import QuotedRate, RateBook, RateUnavailable
from funders.models import Conversion, Funder, Pledge, Receipt
from grants.models import Award, AwardAttribution, Disbursement
from grants.reads.position import Valued, pool_position, value

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
    """A pool total in GBP and USD; either is None when no reference rate is known for the date."""

    label: str
    gbp: Decimal | None
    usd: Decimal | None


@dataclass(frozen=True)
class PoolGroup:
    """Awards in one round or research area: how many, how much, what was paid and what is still to pay."""

    label: str
    award_count: int
    awarded: PoolFigure
    disbursed: PoolFigure
    committed: PoolFigure


@dataclass(frozen=True)
class PoolOverview:
    """The pool on `on` as a funder's contact may see it (see the module's disclosure rule).

    `pledged` and `received` add up the money of `funders_counted` funders: those who disclose their amounts, and the
    viewer. `left_out` funders keep their amounts private and are in neither. Nothing here holds cash, value or
    headroom: those mix everyone's money, and only `AdministratorsPool` carries them."""

    on: date
    pledged: PoolFigure
    received: PoolFigure
    awarded: PoolFigure
    committed: PoolFigure
    disbursed: PoolFigure
    award_count: int
    rounds: tuple[PoolGroup, ...]
    areas: tuple[PoolGroup, ...]
    backers: tuple[str, ...]
    funders_counted: int
    left_out: int
    viewer_pledged: bool
    gbp_usd: QuotedRate | None
    rates_available: bool = True

    @property
    def headline(self) -> tuple[PoolFigure, ...]:
        return (self.pledged, self.received, self.awarded, self.committed, self.disbursed)

    @property
    def others_counted(self) -> int:
        """Other funders whose money is in the pledged and received totals."""
        return self.funders_counted - int(self.viewer_pledged)

    @property
    def counted(self) -> str:
        """Whose money the pledged and received totals add up, for a caption."""
        if not self.others_counted:
            return "your own money only: no other funder discloses its amounts"
        if self.others_counted == 1:
            return "your money and that of the 1 other funder who discloses its amounts"
        return f"your money and that of the {self.others_counted} other funders who disclose their amounts"

    @property
    def left_out_note(self) -> str:
        """Who is left out of the pledged and received totals, for a caption ("" when nobody is)."""
        if not self.left_out:
            return ""
        if self.left_out == 1:
            return "1 funder keeps its amounts private and is left out"
        return f"{self.left_out} funders keep their amounts private and are left out"


@dataclass(frozen=True, kw_only=True)
class AdministratorsPool(PoolOverview):
    """The pool with every figure, for administrators: every funder's money, and what mixes it all."""

    value: PoolFigure
    headroom: PoolFigure

    @property
    def headline(self) -> tuple[PoolFigure, ...]:
        return (self.value, *super().headline, self.headroom)

    @property
    def counted(self) -> str:
        n = self.funders_counted
        return f"every funder's money ({n} funder{'' if n == 1 else 's'})"


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


def _in_gbp(rows, to_gbp: dict[str, QuotedRate]) -> Decimal:
    """Totals per currency, each converted once at the day's reference rate: never a sum across currencies."""
    return total(to_gbp[currency].convert(round_money(amount or 0)) for currency, amount in rows)


def _pool_fields(on: date, book: RateBook, viewer: Funder | None) -> dict:
    """What the funder's and the administrators' pools share; `viewer` None counts every funder's money."""
    pledgers = list(Funder.objects.filter(pledges__pledged_on__lte=on).distinct().order_by("name"))
    if viewer is None:
        counted = [f.pk for f in pledgers]
    else:
        counted = [f.pk for f in pledgers if f.disclose_amounts or f.pk == viewer.pk]
    # A private funder's rows are never read for a funder's view, so no total can carry them.
    pledged_rows = (
        Pledge.objects.filter(pledged_on__lte=on, funder__in=counted)
        .values("amount_currency")
        .annotate(t=Sum("amount"))
        .values_list("amount_currency", "t")
        .order_by()
    )
    received_rows = (
        Receipt.objects.filter(received_on__lte=on, pledge__funder__in=counted)
        .values("amount_currency")
        .annotate(t=Sum("amount"))
        .values_list("amount_currency", "t")
        .order_by()
    )
    try:
        to_gbp = {c: book.quote(c, BASE_CURRENCY, on) for c in CURRENCIES}
        gbp_usd = book.quote(BASE_CURRENCY, "USD", on)
    except RateUnavailable:
        to_gbp, gbp_usd = {}, None

    def figure(label: str, amount_gbp: Decimal | None) -> PoolFigure:
        if amount_gbp is None:
            return PoolFigure(label, None, None)
        amount_gbp = round_money(amount_gbp)
        return PoolFigure(label, amount_gbp, gbp_usd.convert(amount_gbp) if gbp_usd else None)

    # Awards are public facts (the 360Giving export publishes each one and its payments), whoever paid for them.
    awards = list(
        Award.objects.filter(awarded_on__lte=on)
        .values_list("pk", "round__name", "project__research_area__name", "amount", "status")
        .order_by("round__number", "project__research_area__name", "pk")
    )
    paid = _disbursed_by_award(on)
    # An award that ended early counts for what was paid on it, as in the ledger; nothing of it stays committed.
    awarded_gbp = {
        pk: paid.get(pk, ZERO) if status == Award.Status.TERMINATED else round_money(amount)
        for pk, *_rest, amount, status in awards
    }

    def group(label: str, ids: list[int]) -> PoolGroup:
        amount = total(awarded_gbp[pk] for pk in ids)
        disbursed = total(paid.get(pk, ZERO) for pk in ids)
        return PoolGroup(
            label=label,
            award_count=len(ids),
            awarded=figure("Awarded", amount),
            disbursed=figure("Disbursed", disbursed),
            committed=figure("Committed", amount - disbursed),
        )

    def groups(label_index: int) -> dict[str, list[int]]:
        buckets: dict[str, list[int]] = {}
        for award in awards:
            buckets.setdefault(award[label_index], []).append(award[0])
        return buckets

    everything = group("All awards", [a[0] for a in awards])
    return {
        "on": on,
        "pledged": figure("Pledged", _in_gbp(pledged_rows, to_gbp) if to_gbp else None),
        "received": figure("Received", _in_gbp(received_rows, to_gbp) if to_gbp else None),
        "awarded": everything.awarded,
        "committed": everything.committed,
        "disbursed": everything.disbursed,
        "award_count": len(awards),
        # Rounds in their order (the awards come by round number), research areas by name.
        "rounds": tuple(group(label, ids) for label, ids in groups(1).items()),
        "areas": tuple(group(label, ids) for label, ids in sorted(groups(2).items())),
        "backers": tuple(f.name for f in pledgers if viewer is None or (f.publicly_named and f.pk != viewer.pk)),
        "funders_counted": len(counted),
        "left_out": len(pledgers) - len(counted),
        "viewer_pledged": viewer is not None and any(f.pk == viewer.pk for f in pledgers),
        "gbp_usd": gbp_usd,
        "rates_available": bool(to_gbp),
    }


def pool_overview(on: date, viewer: Funder, book: RateBook | None = None) -> PoolOverview:
    """The pool as a whole on `on`, as the contact of `viewer` may see it (see the module's disclosure rule)."""
    book = book if book is not None else load_rate_book(on)
    return PoolOverview(**_pool_fields(on, book, viewer))


def administrators_pool(on: date, book: RateBook | None = None) -> AdministratorsPool:
    """The pool with every figure, including those that mix every funder's money: for administrators only."""
    book = book if book is not None else load_rate_book(on)
    fields = _pool_fields(on, book, None)
    position = pool_position(on, book)

    def figure(label: str, amount_gbp: Decimal) -> PoolFigure:
        amount_gbp = round_money(amount_gbp)
        return PoolFigure(label, amount_gbp, position.gbp_usd.convert(amount_gbp))

    return AdministratorsPool(
        **fields, value=figure("Pool value", position.pool_gbp), headroom=figure("Headroom", position.headroom_gbp)
    )


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

    Neither the award's whole amount nor the funder's fraction of it is here. The amount is published as open data,
    though, so beside it the funder's part still tells what the award's other funders paid for together: the
    dashboard says so rather than pretend otherwise."""

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
        share_of_pledged=_share(own_pledged, pool.pledged, pool),
        share_of_received=_share(own_received, pool.received, pool),
        pool=pool,
        rates_today=rates_today,
        rates_stale=any(q.is_stale(on) for q in rates_today) or not rates_today,
        chart_currency=chart_currency,
        contributions=_contributions(pledge_lines, receipt_lines, chart_currency),
        gbp_usd_history=_gbp_usd_history(book, first, on),
    )


def _share(own: Both | None, counted: PoolFigure, pool: PoolOverview) -> Decimal | None:
    """The funder's part of a pool total that holds only money it may see (its own and disclosed funders'). With no
    other funder counted it would be 100% and say nothing, so there is none."""
    if own is None or not counted.gbp or not pool.others_counted:
        return None
    return share(own.gbp, counted.gbp)


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
