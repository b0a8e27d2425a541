"""The fund's money operations, one function each.

Each runs in one transaction, takes the acting user, posts its ledger entry in the same transaction, and asks for the
allocation summaries to be refreshed once the transaction commits. Each raises `ActionError` with a message a person
understands, and then has written nothing.
"""

from __future__ import annotations

import functools
import logging
from datetime import date
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from djmoney.money import Money

from alignment_fund.clock import fund_today
from alignment_fund.dates import add_months, month_end
from alignment_fund.money import (
    AWARD_MAXIMUM_GBP,
    AWARD_MINIMUM_GBP,
    BASE_CURRENCY,
    CURRENCIES,
    format_money,
    round_money,
    share,
    split_pro_rata,
)
from alignment_fund.rates.models import ExchangeRate, RateBook, RateUnavailable
from funders.models import Conversion, Funder, Pledge, Receipt
from grants.models import Account, Award, AwardAttribution, Disbursement, LedgerLine, LedgerTransaction, Milestone
from grants.models.ledger import Line
from grants.reads.position import pool_position, round_positions
from projects.models import Fund, Project, Round

log = logging.getLogger(__name__)
Kind = LedgerTransaction.Kind


class ActionError(ValidationError):
    """A business rule refused the operation; nothing was written."""


# Nothing the fund books is older than this; it keeps typing slips such as 0025 for 2025 out of an append-only ledger.
EARLIEST_DATE = date(2000, 1, 1)
# A bank's dealt rate further than this from the day's reference rate is almost certainly a typing slip.
DEALT_RATE_TOLERANCE = Decimal("0.20")


def operation(func):
    """Run a money operation in one transaction, and turn what the database or the rate table refuses into a
    refusal a person understands, with nothing written."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            with transaction.atomic():
                return func(*args, **kwargs)
        except RateUnavailable as exc:
            raise ActionError({NON_FIELD_ERRORS: f"The fund cannot be valued on that date: {exc}"}) from exc
        except IntegrityError as exc:
            # Two people recording the same bank reference at the same instant: the second is refused here.
            raise ActionError(
                {NON_FIELD_ERRORS: "This would duplicate something already recorded (a reference must be unique)."}
            ) from exc

    return wrapper


def check_date(value: date, field: str, label: str) -> None:
    """Every booking is dated between 1 Jan 2000 and today: the ledger is append-only, so a slip would stay."""
    today = fund_today()
    if value > today:
        raise ActionError({field: f"{label} cannot be after today ({today:%-d %b %Y})."})
    if value < EARLIEST_DATE:
        raise ActionError({field: f"{label} must be on or after {EARLIEST_DATE:%-d %b %Y}."})


def gbp(amount: Decimal | str | int) -> Money:
    return Money(round_money(amount), BASE_CURRENCY)


def _money(amount, currency: str) -> Money:
    if currency not in CURRENCIES:
        raise ActionError({"currency": f"{currency} is not a currency the fund accepts ({', '.join(CURRENCIES)})."})
    try:
        value = round_money(amount)
    except ValueError as exc:
        raise ActionError({"amount": str(exc)}) from exc
    if value <= 0:
        raise ActionError({"amount": "The amount must be more than zero."})
    return Money(value, currency)


def _refresh_summaries_on_commit() -> None:
    """Ask for one summary refresh when the outermost transaction commits, however many writes it holds (an import
    of a thousand rows queues one task, not a thousand). A savepoint rolled back takes its request with it."""
    from django.db import connection

    from grants.tasks import enqueue_summary_refresh

    if any(func is enqueue_summary_refresh for _, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(enqueue_summary_refresh)


def _full_clean(obj, exclude=None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise ActionError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from exc


# Pledges, receipts and conversions


@operation
def do_record_pledge(
    actor,
    *,
    funder: Funder,
    amount,
    currency: str,
    pledged_on: date,
    reference: str,
    restricted_to_round: Round | None = None,
    restricted_to_area=None,
    compute_only: bool = False,
    illustrative: bool = False,
    note: str = "",
) -> Pledge:
    check_date(pledged_on, "pledged_on", "A pledge's date")
    pledge = Pledge(
        reference=reference,
        funder=funder,
        amount=_money(amount, currency),
        pledged_on=pledged_on,
        restricted_to_round=restricted_to_round,
        restricted_to_area=restricted_to_area,
        compute_only=compute_only,
        illustrative=illustrative,
        note=note,
        recorded_by=actor,
    )
    _full_clean(pledge)
    pledge.save()
    post_pledge(pledge, actor)
    _refresh_summaries_on_commit()
    return pledge


def receivable_account(pledge: Pledge) -> str:
    """Compute-only money is kept apart from the first pledge to the last receipt: it never counts toward the pool
    that awards are made from."""
    return Account.COMPUTE_RECEIVABLE if pledge.compute_only else Account.PLEDGES_RECEIVABLE


def post_pledge(pledge: Pledge, actor=None) -> LedgerTransaction:
    txn, _ = LedgerTransaction.objects.post(
        key=f"pledge:{pledge.pk}",
        kind=Kind.PLEDGE,
        occurred_on=pledge.pledged_on,
        posted_by=actor,
        memo=f"Pledge {pledge.reference} from {pledge.funder}",
        lines=[
            Line(receivable_account(pledge), pledge.amount, funder_id=pledge.funder_id),
            Line(Account.FUNDER_CAPITAL, -pledge.amount, funder_id=pledge.funder_id),
        ],
    )
    return txn


def outstanding_on_pledge(pledge: Pledge) -> Decimal:
    received = round_money(pledge.receipts.aggregate(t=Sum("amount"))["t"] or 0)
    return pledge.amount.amount - received


@operation
def do_record_receipt(actor, *, pledge: Pledge, amount, currency: str, received_on: date, bank_reference: str):
    money = _money(amount, currency)
    check_date(received_on, "received_on", "The date money arrived")
    pledge = Pledge.objects.select_for_update().get(pk=pledge.pk)
    if money.currency.code != pledge.amount_currency:
        raise ActionError(
            {"currency": f"This pledge is in {pledge.amount_currency}: record the receipt in that currency."}
        )
    if received_on < pledge.pledged_on:
        raise ActionError({"received_on": "Money cannot arrive before the pledge it pays was made."})
    if Receipt.objects.filter(bank_reference=bank_reference).exists():
        raise ActionError({"bank_reference": f"A receipt with bank reference {bank_reference} is already recorded."})
    outstanding = outstanding_on_pledge(pledge)
    if money.amount > outstanding:
        raise ActionError(
            {"amount": f"Only {format_money(outstanding, pledge.amount_currency)} of this pledge is still to arrive."}
        )
    receipt = Receipt(
        pledge=pledge, amount=money, received_on=received_on, bank_reference=bank_reference, recorded_by=actor
    )
    _full_clean(receipt)
    receipt.save()
    post_receipt(receipt, actor)
    _refresh_summaries_on_commit()
    return receipt


def post_receipt(receipt: Receipt, actor=None) -> LedgerTransaction:
    funder_id = receipt.pledge.funder_id
    cash = Account.COMPUTE_CASH if receipt.pledge.compute_only else Account.CASH
    txn, _ = LedgerTransaction.objects.post(
        key=f"receipt:{receipt.pk}",
        kind=Kind.RECEIPT,
        occurred_on=receipt.received_on,
        posted_by=actor,
        memo=f"Receipt {receipt.bank_reference} against pledge {receipt.pledge.reference}",
        lines=[
            Line(cash, receipt.amount, funder_id=funder_id),
            Line(receivable_account(receipt.pledge), -receipt.amount, funder_id=funder_id),
        ],
    )
    return txn


def unconverted_on_receipt(receipt: Receipt) -> Decimal:
    sold = round_money(receipt.conversions.aggregate(t=Sum("amount_sold"))["t"] or 0)
    return receipt.amount.amount - sold


@operation
def do_record_conversion(
    actor, *, receipt: Receipt, amount_sold, gbp_credited, converted_on: date, bank_reference: str
) -> Conversion:
    receipt = Receipt.objects.select_for_update().select_related("pledge").get(pk=receipt.pk)
    if receipt.amount_currency == BASE_CURRENCY:
        raise ActionError({"receipt": "This receipt is already in pounds: there is nothing to convert."})
    sold = _money(amount_sold, receipt.amount_currency)
    credited = _money(gbp_credited, BASE_CURRENCY)
    if receipt.pledge.compute_only:
        raise ActionError({"receipt": "Cash given for compute only is not converted into the awards pool."})
    check_date(converted_on, "converted_on", "A conversion's date")
    if converted_on < receipt.received_on:
        raise ActionError({"converted_on": "Cash cannot be converted before it arrived."})
    left = unconverted_on_receipt(receipt)
    if sold.amount > left:
        raise ActionError(
            {"amount_sold": f"Only {format_money(left, receipt.amount_currency)} of this receipt is unconverted."}
        )
    if Conversion.objects.filter(bank_reference=bank_reference).exists():
        raise ActionError({"bank_reference": f"A conversion with bank reference {bank_reference} is already recorded."})
    reference = ExchangeRate.objects.quote(receipt.amount_currency, BASE_CURRENCY, converted_on)
    dealt = credited.amount / sold.amount
    if abs(dealt - reference.rate) > reference.rate * DEALT_RATE_TOLERANCE:
        raise ActionError(
            {
                "gbp_credited": f"{format_money(credited.amount, BASE_CURRENCY)} for "
                f"{format_money(sold.amount, receipt.amount_currency)} is a rate of {dealt:.4f}, more than "
                f"{DEALT_RATE_TOLERANCE:.0%} away from the reference rate of that day ({reference.describe()}): "
                f"check the amounts."
            }
        )
    conversion = Conversion(
        receipt=receipt,
        amount_sold=sold,
        gbp_credited=credited,
        converted_on=converted_on,
        bank_reference=bank_reference,
        recorded_by=actor,
    )
    _full_clean(conversion, exclude=["dealt_rate"])
    conversion.save()
    post_conversion(conversion, actor)
    _refresh_summaries_on_commit()
    return conversion


def post_conversion(conversion: Conversion, actor=None) -> LedgerTransaction:
    funder_id = conversion.receipt.pledge.funder_id
    txn, _ = LedgerTransaction.objects.post(
        key=f"conversion:{conversion.pk}",
        kind=Kind.CONVERSION,
        occurred_on=conversion.converted_on,
        posted_by=actor,
        memo=f"Sold {conversion.amount_sold} for {conversion.gbp_credited} ({conversion.bank_reference})",
        lines=[
            Line(Account.CASH, -conversion.amount_sold, funder_id=funder_id),
            Line(Account.FX_CLEARING, conversion.amount_sold, funder_id=funder_id),
            Line(Account.FX_CLEARING, -conversion.gbp_credited, funder_id=funder_id),
            Line(Account.CASH, conversion.gbp_credited, funder_id=funder_id),
        ],
    )
    return txn


# Awards


def _lock_fund(fund: Fund) -> None:
    """Serialise awards: the second administrator to award waits here until the first has committed, then sees the
    headroom the first left. (On SQLite, IMMEDIATE transactions already serialise writers.)"""
    Fund.objects.select_for_update().filter(pk=fund.pk).first()


def headroom_for(round_: Round, on: date, book: RateBook | None = None) -> tuple[Decimal, Decimal]:
    """(the round's headroom, the fund's headroom) in GBP on `on`."""
    pool = pool_position(on, book)
    (position,) = round_positions(pool, [round_])
    return position.headroom_gbp, pool.headroom_gbp


def lowest_headroom(round_: Round, since: date) -> tuple[Decimal, Decimal]:
    """The lowest (round, fund) headroom from `since` to today.

    An award dated in the past must fit not only on its own date but on every later day: later awards may already
    have spent what was free then. Headroom falls only when something is awarded (and moves with rates), so the days
    to check are `since`, each later award date, and today."""
    today = fund_today()
    days = {since, today} | set(
        Award.objects.filter(awarded_on__gt=since, awarded_on__lte=today).values_list("awarded_on", flat=True)
    )
    book = RateBook.load(until=today)
    lows = [headroom_for(round_, day, book) for day in sorted(days)]
    return min(low[0] for low in lows), min(low[1] for low in lows)


@operation
def do_award_project(
    actor,
    *,
    project: Project,
    amount,
    awarded_on: date,
    reference: str | None = None,
    compute_provider: str = "",
    compute_quantity: str = "",
    compute_value=None,
    mentor: str = "",
    status: str = Award.Status.OFFERED,
    plan_milestones: bool = False,
) -> Award:
    """Award a vetted project from its round, if the headroom allows and enough money that its funders' restrictions
    allow is available; fix the funders' attribution. With `plan_milestones`, give it the standard schedule (see
    `standard_schedule`), which the back office can adjust until a report is approved."""
    if isinstance(amount, Money):
        if amount.currency.code != BASE_CURRENCY:
            raise ActionError({"amount": f"Awards are made in pounds sterling (GBP), not {amount.currency.code}."})
        amount = amount.amount
    try:
        amount_gbp = round_money(amount)
    except ValueError as exc:
        raise ActionError({"amount": str(exc)}) from exc
    if not (AWARD_MINIMUM_GBP <= amount_gbp <= AWARD_MAXIMUM_GBP):
        raise ActionError({"amount": "An award must be between £50,000.00 and £1,000,000.00 inclusive."})
    check_date(awarded_on, "awarded_on", "An award's date")
    round_ = project.round
    _lock_fund(round_.fund)
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.status != Project.Status.VETTED or Award.objects.filter(project=project).exists():
        raise ActionError(
            {
                "project": f"{project.reference} is {project.get_status_display().lower()}: only a "
                f"vetted project without an award can be awarded."
            }
        )
    round_headroom, fund_headroom = lowest_headroom(round_, awarded_on)
    if amount_gbp > round_headroom:
        raise ActionError(
            {
                "amount": f"£{amount_gbp:,.2f} is more than the headroom: £{round_headroom:,.2f} can still be awarded "
                f"in {round_} (the fund as a whole has £{fund_headroom:,.2f})."
            }
        )
    split = plan_attribution(round_, project, awarded_on, amount_gbp)
    award = Award(
        reference=reference or f"AP-{project.reference}",
        project=project,
        round=round_,
        amount=gbp(amount_gbp),
        awarded_on=awarded_on,
        status=status,
        compute_provider=compute_provider,
        compute_quantity=compute_quantity,
        compute_value=gbp(compute_value) if compute_value else None,
        mentor=mentor,
        awarded_by=actor,
    )
    _full_clean(award, exclude=["project"])
    award.save()
    project.status = Project.Status.AWARDED
    project.save(update_fields=["status"])
    AwardAttribution.objects.bulk_create(
        AwardAttribution(award=award, funder_id=funder_id, amount=gbp(part), share=share(part, amount_gbp), basis=basis)
        for funder_id, part, basis in split
    )
    if plan_milestones:
        Milestone.objects.bulk_create(
            Milestone(award=award, number=n, title=title, due_on=due_on, amount=gbp(amount))
            for n, (title, due_on, amount) in enumerate(standard_schedule(amount_gbp, awarded_on), start=1)
        )
    LedgerTransaction.objects.post(
        key=f"award:{award.pk}",
        kind=Kind.AWARD,
        occurred_on=awarded_on,
        posted_by=actor,
        memo=f"Award {award.reference} to {project.reference}",
        lines=[
            Line(Account.GRANTS_AWARDED, award.amount, round_id=round_.pk, award_id=award.pk),
            Line(Account.GRANTS_COMMITTED, -award.amount, round_id=round_.pk, award_id=award.pk),
        ],
    )
    _refresh_summaries_on_commit()
    return award


STANDARD_MILESTONES = ("Inception report", "Interim results", "Draft paper", "Final report")


def standard_schedule(amount_gbp: Decimal, awarded_on: date) -> list[tuple[str, date, Decimal]]:
    """Four milestones at month ends, equal to the penny, over 12 months (18 above £400,000): each paid monthly in
    arrears once its report is approved."""
    months = 12 if amount_gbp <= Decimal("400000") else 18
    parts = split_pro_rata(amount_gbp, [Decimal(1)] * len(STANDARD_MILESTONES))
    schedule = []
    for n, (title, part) in enumerate(zip(STANDARD_MILESTONES, parts, strict=True), start=1):
        due = add_months(awarded_on, months * n // len(STANDARD_MILESTONES))
        schedule.append((title, month_end(due.year, due.month), part))
    return schedule


def _eligible_pledges(round_: Round, project: Project):
    return (
        Pledge.objects.filter(compute_only=False)
        .filter(Q(restricted_to_round__isnull=True) | Q(restricted_to_round=round_.pk))
        .filter(Q(restricted_to_area__isnull=True) | Q(restricted_to_area=project.research_area_id))
    )


def attributed_so_far() -> dict[int, Decimal]:
    """What existing awards have used of each funder's money: their attribution, except that a terminated award used
    only the part it paid (its unpaid part returned to the pool)."""
    used: dict[int, Decimal] = {}
    live = (
        AwardAttribution.objects.exclude(award__status=Award.Status.TERMINATED)
        .values("funder")
        .annotate(t=Sum("amount"))
        .values_list("funder", "t")
        .order_by()
    )
    for funder_id, amount in live:
        used[funder_id] = round_money(amount or 0)
    ended = AwardAttribution.objects.filter(award__status=Award.Status.TERMINATED).select_related("award")
    paid = dict(
        Disbursement.objects.filter(award__status=Award.Status.TERMINATED)
        .values("award")
        .annotate(t=Sum("amount"))
        .values_list("award", "t")
        .order_by()
    )
    for attribution in ended:
        fraction = round_money(paid.get(attribution.award_id) or 0) / attribution.award.amount.amount
        used[attribution.funder_id] = used.get(attribution.funder_id, Decimal("0.00")) + round_money(
            attribution.amount.amount * fraction
        )
    return used


def plan_attribution(round_: Round, project: Project, on: date, amount_gbp: Decimal) -> list[tuple[int, Decimal, str]]:
    """How an award of `amount_gbp` would be split among the funders whose money is available to it: [(funder id,
    part, basis)], pro rata to the penny. Refuses when that money falls short: restrictions are honoured, never
    stretched.

    A funder's available money is what it had paid in by the award date against pledges whose restrictions allow
    this award (converted cash at the GBP the bank credited, unconverted cash at the reference rate of the award
    date), less what existing awards have already used of it (see `attributed_so_far`).
    """
    receipts = (
        Receipt.objects.filter(pledge__in=_eligible_pledges(round_, project), received_on__lte=on)
        .select_related("pledge")
        .prefetch_related("conversions")
    )
    book = RateBook.load(CURRENCIES, until=on)
    eligible: dict[int, Decimal] = {}
    basis: dict[int, list[str]] = {}
    for receipt in receipts:
        funder_id = receipt.pledge.funder_id
        converted = [c for c in receipt.conversions.all() if c.converted_on <= on]
        gbp_value = sum((c.gbp_credited.amount for c in converted), Decimal("0.00"))
        left = receipt.amount.amount - sum((c.amount_sold.amount for c in converted), Decimal("0.00"))
        note = f"{receipt.amount_currency} {receipt.amount.amount:,.2f} received {receipt.received_on:%-d %b %Y}"
        if left > 0:
            quote = book.quote(receipt.amount_currency, BASE_CURRENCY, on)
            gbp_value += quote.convert(left)
            if quote.rate_date is not None:
                note += f", valued at {quote.describe()}"
        if converted:
            note += f", {len(converted)} conversion(s) at the dealt rate"
        eligible[funder_id] = eligible.get(funder_id, Decimal("0.00")) + gbp_value
        basis.setdefault(funder_id, []).append(note)
    used = attributed_so_far()
    funder_ids = sorted(eligible)
    available = [max(Decimal("0.00"), eligible[f] - used.get(f, Decimal("0.00"))) for f in funder_ids]
    if sum(available, Decimal("0.00")) < amount_gbp:
        raise ActionError(
            {
                "amount": f"Only £{sum(available, Decimal('0.00')):,.2f} of funders' money received by "
                f"{on:%-d %b %Y} is free for this project once pledge restrictions (round, research area, compute "
                f"only) are honoured."
            }
        )
    parts = split_pro_rata(amount_gbp, available)
    return [
        (f, part, ("; ".join(basis[f]) + f"; £{free:,.2f} free")[:400])
        for f, part, free in zip(funder_ids, parts, available, strict=True)
        if part > 0
    ]


# Milestones and disbursements


def _refuse_ended(award: Award, field: str) -> None:
    if award.status == Award.Status.TERMINATED:
        raise ActionError({field: f"Award {award.reference} was terminated: its unpaid part has been released."})


def money_text(money: Money) -> str:
    return format_money(money.amount, money.currency.code)


def lowest_gbp_cash(since: date) -> Decimal:
    """The least GBP cash held on `since` or any later day up to today. A payment dated in the past must not make the
    pounds of any later day negative; pounds fall only on payment days, so those are the days to check."""
    today = fund_today()
    days = {since, today} | set(
        Disbursement.objects.filter(paid_on__gt=since, paid_on__lte=today).values_list("paid_on", flat=True)
    )
    return min(
        LedgerLine.objects.filter(transaction__occurred_on__lte=day)
        .balance_by_currency(Account.CASH)
        .get(BASE_CURRENCY, Decimal("0.00"))
        for day in days
    )


@operation
def do_receive_milestone_report(actor, *, milestone: Milestone, received_on: date) -> Milestone:
    milestone = Milestone.objects.select_for_update().select_related("award").get(pk=milestone.pk)
    _refuse_ended(milestone.award, "received_on")
    if milestone.report_received_on:
        raise ActionError({"received_on": "This milestone's report is already recorded as received."})
    check_date(received_on, "received_on", "The date the report arrived")
    if received_on < milestone.award.awarded_on:
        raise ActionError({"received_on": "A report cannot arrive before its award was made."})
    milestone.report_received_on = received_on
    milestone.save(update_fields=["report_received_on"])
    return milestone


@operation
def do_approve_milestone(actor, *, milestone: Milestone, approved_on: date) -> Milestone:
    milestone = Milestone.objects.select_for_update().select_related("award").get(pk=milestone.pk)
    _refuse_ended(milestone.award, "approved_on")
    if milestone.approved_on:
        raise ActionError({"approved_on": "This milestone is already approved."})
    check_date(approved_on, "approved_on", "An approval's date")
    if not milestone.report_received_on:
        raise ActionError({"approved_on": "The milestone report has not been received yet."})
    if approved_on < milestone.report_received_on:
        raise ActionError({"approved_on": "A report cannot be approved before it was received."})
    milestone.approved_on = approved_on
    milestone.approved_by = actor
    milestone.save(update_fields=["approved_on", "approved_by"])
    return milestone


@operation
def do_record_disbursement(actor, *, milestone: Milestone, paid_on: date, reference: str) -> Disbursement:
    """Pay an approved milestone, in arrears, from GBP cash."""
    _lock_fund(milestone.award.round.fund)
    milestone = Milestone.objects.select_for_update().select_related("award").get(pk=milestone.pk)
    award = milestone.award
    if not milestone.approved_on:
        raise ActionError({"milestone": "Payments are made against approved milestone reports only."})
    if Disbursement.objects.filter(milestone=milestone).exists():
        raise ActionError({"milestone": "This milestone has already been paid."})
    _refuse_ended(award, "milestone")
    check_date(paid_on, "paid_on", "A payment's date")
    if paid_on < milestone.approved_on:
        raise ActionError({"paid_on": "Payments are made in arrears, after the report is approved."})
    if Disbursement.objects.filter(reference=reference).exists():
        raise ActionError({"reference": f"A payment with reference {reference} is already recorded."})
    paid = round_money(award.disbursements.aggregate(t=Sum("amount"))["t"] or 0)
    if paid + milestone.amount.amount > award.amount.amount:
        raise ActionError(
            {
                "milestone": f"{format_money(paid, BASE_CURRENCY)} of this {money_text(award.amount)} award is "
                f"already paid: this payment would take it over the award."
            }
        )
    cash_gbp = lowest_gbp_cash(paid_on)
    if milestone.amount.amount > cash_gbp:
        raise ActionError(
            {
                "milestone": f"The fund holds £{cash_gbp:,.2f} in pounds on that date or a day since: convert more "
                f"cash first."
            }
        )
    payment = Disbursement(
        award=award,
        milestone=milestone,
        amount=milestone.amount,
        paid_on=paid_on,
        reference=reference,
        recorded_by=actor,
    )
    payment.save()
    LedgerTransaction.objects.post(
        key=f"disbursement:{payment.pk}",
        kind=Kind.DISBURSEMENT,
        occurred_on=paid_on,
        posted_by=actor,
        memo=f"Payment {reference} for {award.reference} milestone {milestone.number}",
        lines=[
            Line(Account.GRANTS_COMMITTED, payment.amount, round_id=award.round_id, award_id=award.pk),
            Line(Account.CASH, -payment.amount, award_id=award.pk),
        ],
    )
    if award.status in (Award.Status.OFFERED, Award.Status.ACCEPTED):
        award.status = Award.Status.ACTIVE
        award.save(update_fields=["status"])
    _refresh_summaries_on_commit()
    return payment


@operation
def do_terminate_award(actor, *, award: Award, terminated_on: date, reason: str = "") -> Award:
    """End an award early. What has been paid stays paid; what is unpaid is released back to the headroom by a
    reversing ledger entry, posted once."""
    _lock_fund(award.round.fund)
    award = Award.objects.select_for_update().get(pk=award.pk)
    if award.status in (Award.Status.TERMINATED, Award.Status.COMPLETED):
        raise ActionError({"status": f"This award is already {award.get_status_display().lower()}."})
    check_date(terminated_on, "terminated_on", "The date an award ends")
    if terminated_on < award.awarded_on:
        raise ActionError({"terminated_on": "An award cannot end before it was made."})
    paid = round_money(award.disbursements.aggregate(t=Sum("amount"))["t"] or 0)
    unpaid = award.amount.amount - paid
    award.status = Award.Status.TERMINATED
    award.save(update_fields=["status"])
    if unpaid > 0:
        LedgerTransaction.objects.post(
            key=f"termination:{award.pk}",
            kind=Kind.REVERSAL,
            occurred_on=terminated_on,
            posted_by=actor,
            memo=(
                f"Award {award.reference} terminated: {format_money(unpaid, BASE_CURRENCY)} unpaid released. {reason}"
            ).strip(),
            lines=[
                Line(Account.GRANTS_COMMITTED, gbp(unpaid), round_id=award.round_id, award_id=award.pk),
                Line(Account.GRANTS_AWARDED, -gbp(unpaid), round_id=award.round_id, award_id=award.pk),
            ],
        )
    _refresh_summaries_on_commit()
    return award
