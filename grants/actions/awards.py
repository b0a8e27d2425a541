"""Awards: award a vetted project from its round's headroom, fixing whose money pays for it and, if asked, its
standard milestone schedule; end an award early, releasing its unpaid part."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Max, Sum
from simple_history.utils import bulk_create_with_history

from alignment_fund.dates import add_months, month_end
from alignment_fund.money import (
    BASE_CURRENCY,
    format_money,
    round_money,
    split_pro_rata,
)
from funders.models import Funder
from grants.actions.common import (
    ActionError,
    award_amount,
    check_date,
    full_clean,
    gbp,
    lock_fund,
    operation,
    refresh_summaries_on_commit,
)
from grants.models import Account, Award, AwardAttribution, LedgerTransaction, Milestone
from grants.models.ledger import Line
from grants.reads.attribution import NotEnoughFreeMoney, plan_attribution, split_among_funders
from grants.reads.headroom import lowest_headroom
from projects.models import Project, Round

Kind = LedgerTransaction.Kind

SHARE_WHOLE = Decimal("1.000000")
SHARE_UNIT = Decimal("0.000001")

STANDARD_MILESTONES = ("Inception report", "Interim results", "Draft paper", "Final report")


def standard_schedule(amount_gbp: Decimal, awarded_on: date) -> list[tuple[str, date, Decimal]]:
    """Four milestones at month ends, equal to the penny, over 12 months (18 above £400,000): each paid monthly in
    arrears once its report is approved."""
    months = 12 if amount_gbp <= Decimal("400000") else 18
    parts = split_pro_rata(amount_gbp, [Decimal(1)] * len(STANDARD_MILESTONES))
    schedule = []
    for number, (title, part) in enumerate(zip(STANDARD_MILESTONES, parts, strict=True), start=1):
        due = add_months(awarded_on, months * number // len(STANDARD_MILESTONES))
        schedule.append((title, month_end(due.year, due.month), part))
    return schedule


def check_award_dates(project: Project, round_: Round, awarded_on: date) -> None:
    """An award is dated on or after its project was vetted and its round opened."""
    if project.vetted_on and awarded_on < project.vetted_on:
        raise ActionError(
            {
                "awarded_on": f"{project.reference} was vetted on {project.vetted_on:%-d %b %Y}: it cannot be "
                f"awarded before that."
            }
        )
    if awarded_on < round_.opens_on:
        raise ActionError(
            {"awarded_on": f"{round_} opened on {round_.opens_on:%-d %b %Y}: its awards are dated on or after that."}
        )


def check_above_request(project: Project, amount_gbp: Decimal, reason: str) -> None:
    """An award above what the project asked for says why (`Award.above_request_reason`)."""
    requested = project.amount_requested.amount
    if amount_gbp > requested and not reason.strip():
        raise ActionError(
            {
                "above_request_reason": f"{project.reference} asked for {format_money(requested, BASE_CURRENCY)}: "
                f"say why the award is more than that."
            }
        )


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
    above_request_reason: str = "",
) -> Award:
    """Award a vetted project from its round, if the headroom allows and enough money that its funders' restrictions
    allow is available; fix the funders' attribution. With `plan_milestones`, give it the standard schedule (see
    `standard_schedule`), which the back office can adjust until a report is approved."""
    amount_gbp = award_amount(amount)
    check_date(awarded_on, "awarded_on", "An award's date", currency=BASE_CURRENCY)
    lock_fund(project.round.fund)
    # Everything the checks rely on is read again under the lock: the caller's copies (the project's status, the
    # round's budget and dates) may be older than the last award another administrator committed.
    project = Project.objects.select_for_update().get(pk=project.pk)
    round_ = Round.objects.get(pk=project.round_id)
    if project.status != Project.Status.VETTED or Award.objects.filter(project=project).exists():
        raise ActionError(
            {
                "project": f"{project.reference} is {project.get_status_display().lower()}: only a "
                f"vetted project without an award can be awarded."
            }
        )
    check_award_dates(project, round_, awarded_on)
    round_headroom, fund_headroom = lowest_headroom(round_, awarded_on)
    if amount_gbp > round_headroom:
        raise ActionError(
            {
                "amount": f"£{amount_gbp:,.2f} is more than the headroom: £{round_headroom:,.2f} can still be awarded "
                f"in {round_} (the fund as a whole has £{fund_headroom:,.2f})."
            }
        )
    check_above_request(project, amount_gbp, above_request_reason)
    try:
        split = plan_attribution(round_, project, awarded_on, amount_gbp)
    except NotEnoughFreeMoney as shortfall:
        raise ActionError({"amount": str(shortfall)}) from shortfall
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
        above_request_reason=above_request_reason.strip(),
        awarded_by=actor,
    )
    full_clean(award, exclude=["project"])
    award.save()
    project.status = Project.Status.AWARDED
    project.save(update_fields=["status"])
    # Shares to six places that add up to exactly 1, by the same rule as the parts of the award's payments.
    disclosed = set(
        Funder.objects.filter(pk__in=[row[0] for row in split], disclose_amounts=True).values_list("pk", flat=True)
    )
    shares = split_among_funders(
        SHARE_WHOLE,
        amount_gbp,
        {funder_id: part for funder_id, part, _ in split if funder_id in disclosed},
        {funder_id: part for funder_id, part, _ in split if funder_id not in disclosed},
        unit=SHARE_UNIT,
    )
    # bulk_create sends no signals: simple-history's helper writes the history rows too. They name whoever the
    # operation's history names (`acting_as`: the request's user, else the actor), as the award's own row does.
    bulk_create_with_history(
        [
            AwardAttribution(award=award, funder_id=funder_id, amount=gbp(part), share=shares[funder_id], basis=basis)
            for funder_id, part, basis in split
        ],
        AwardAttribution,
    )
    if plan_milestones:
        bulk_create_with_history(
            [
                Milestone(award=award, number=number, title=title, due_on=due_on, amount=gbp(part))
                for number, (title, due_on, part) in enumerate(standard_schedule(amount_gbp, awarded_on), start=1)
            ],
            Milestone,
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
    refresh_summaries_on_commit()
    return award


@operation
def do_terminate_award(actor, *, award: Award, terminated_on: date, reason: str = "") -> Award:
    """End an award early. What has been paid stays paid; what is unpaid is released back to the headroom by a
    reversing ledger entry, posted once."""
    lock_fund(award.round.fund)
    award = Award.objects.select_for_update().get(pk=award.pk)
    if award.status in (Award.Status.TERMINATED, Award.Status.COMPLETED):
        raise ActionError({"status": f"This award is already {award.get_status_display().lower()}."})
    check_date(terminated_on, "terminated_on", "The date an award ends")
    if terminated_on < award.awarded_on:
        raise ActionError({"terminated_on": "An award cannot end before it was made."})
    payments = award.disbursements.aggregate(total=Sum("amount"), last=Max("paid_on"))
    if payments["last"] is not None and terminated_on < payments["last"]:
        raise ActionError(
            {
                "terminated_on": f"A payment was made on this award on {payments['last']:%-d %b %Y}: it cannot end "
                f"before that day."
            }
        )
    paid = round_money(payments["total"] or 0)
    unpaid = award.amount.amount - paid
    award.status = Award.Status.TERMINATED
    award.terminated_on = terminated_on
    award.save(update_fields=["status", "terminated_on"])
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
    refresh_summaries_on_commit()
    return award
