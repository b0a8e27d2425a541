"""The rules: who is told what. Each reads the fund as of `today` and queues one message per event and person; the
outbox's unique (event, recipient) makes running a rule twice queue nothing new. Each returns how many it queued.

Leads hear about their own awards only; administrators about the fund; a funder's contact about its own funder only,
and a message to a funder never carries another funder's figure (it names only the funder's own money).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db.models import Sum
from django.urls import reverse

from alignment_fund.dates import add_months
from alignment_fund.models import User
from alignment_fund.notifications.outbox import queue
from alignment_fund.notifications.topics import Topic
from alignment_fund.rates.storage import rates_freshness
from funders.models import FunderContact, Pledge, Receipt
from grants.models import Award, Disbursement, Milestone
from grants.reads.calendar import payment_calendar

DUE_SOON_DAYS = 14
# Payments are told about for this long after they are made; older ones were before the job existed.
PAYMENT_NEWS_DAYS = 14
LIVE = (Award.Status.OFFERED, Award.Status.ACCEPTED, Award.Status.ACTIVE)


def _administrators():
    return User.objects.filter(is_active=True, is_staff=True).exclude(email="")


def _queued(messages) -> int:
    return sum(1 for message in messages if message is not None)


# Leads


def reports_due(today: date) -> int:
    soon = (
        Milestone.objects.filter(
            report_received_on__isnull=True,
            due_on__gte=today,
            due_on__lte=today + timedelta(days=DUE_SOON_DAYS),
            award__status__in=LIVE,
        )
        .select_related("award__project__lead")
        .order_by("due_on", "pk")
    )
    return _queued(
        queue(
            event_key=f"report-due:{m.pk}",
            recipient=m.award.project.lead,
            topic=Topic.REPORT_DUE,
            template="report_due",
            context={"milestone": m, "award": m.award, "url": reverse("researcher:award", args=[m.award_id])},
        )
        for m in soon
        if m.award.project.lead_id
    )


def reports_overdue(today: date) -> int:
    """Overdue reports are reminded of once a week (the ISO week is in the event key) until the report arrives."""
    week = f"{today.isocalendar().year}-W{today.isocalendar().week:02d}"
    late = (
        Milestone.objects.filter(report_received_on__isnull=True, due_on__lt=today, award__status__in=LIVE)
        .select_related("award__project__lead")
        .order_by("due_on", "pk")
    )
    return _queued(
        queue(
            event_key=f"report-overdue:{m.pk}:{week}",
            recipient=m.award.project.lead,
            topic=Topic.REPORT_OVERDUE,
            template="report_overdue",
            context={
                "milestone": m,
                "award": m.award,
                "days_late": (today - m.due_on).days,
                "url": reverse("researcher:award", args=[m.award_id]),
            },
        )
        for m in late
        if m.award.project.lead_id
    )


def offers_made(today: date) -> int:
    offered = Award.objects.filter(status=Award.Status.OFFERED).select_related("project__lead").order_by("pk")
    return _queued(
        queue(
            event_key=f"award-offered:{a.pk}",
            recipient=a.project.lead,
            topic=Topic.AWARD_OFFERED,
            template="award_offered",
            context={"award": a, "url": reverse("researcher:award", args=[a.pk])},
        )
        for a in offered
        if a.project.lead_id
    )


def payments_released(today: date) -> int:
    recent = (
        Disbursement.objects.filter(paid_on__gte=today - timedelta(days=PAYMENT_NEWS_DAYS), paid_on__lte=today)
        .select_related("award__project__lead", "milestone")
        .order_by("pk")
    )
    return _queued(
        queue(
            event_key=f"payment-released:{d.pk}",
            recipient=d.award.project.lead,
            topic=Topic.PAYMENT_RELEASED,
            template="payment_released",
            context={"payment": d, "award": d.award, "url": reverse("researcher:award", args=[d.award_id])},
        )
        for d in recent
        if d.award.project.lead_id
    )


def queue_report_reviewed(milestone: Milestone, outcome: str, comment: str = "", *, review_key: str = "") -> int:
    """Tell the lead their milestone report was accepted (`outcome="accepted"`) or sent back (`"sent_back"`), with
    the reviewer's comment. For the report-review operation to call once its change is saved (ideally on commit).
    `review_key` tells reviews of the same milestone apart (say, the review's id): without it a second "sent back"
    for the same milestone is not sent. Returns how many messages were queued (0 or 1)."""
    if outcome not in ("accepted", "sent_back"):
        raise ValueError(f"outcome must be 'accepted' or 'sent_back', not {outcome!r}")
    lead = milestone.award.project.lead
    if lead is None:
        return 0
    return _queued(
        [
            queue(
                event_key=f"report-{outcome}:{milestone.pk}:{review_key}",
                recipient=lead,
                topic=Topic.REPORT_REVIEWED,
                template="report_reviewed",
                context={
                    "milestone": milestone,
                    "award": milestone.award,
                    "accepted": outcome == "accepted",
                    "comment": comment,
                    "url": reverse("researcher:award", args=[milestone.award_id]),
                },
            )
        ]
    )


# Administrators


def queue_approvals_waiting(waiting: Iterable, today: date, url: str = "") -> int:
    """Tell each administrator, once a day, what waits for a second approver. `waiting` is any iterable of things
    that print as a line (the approvals branch's queryset of pending approvals); nothing waiting, nothing sent.
    An approval's own maker is told too: they cannot approve it, but they may chase a colleague."""
    items = [str(item) for item in waiting]
    if not items:
        return 0
    return _queued(
        queue(
            event_key=f"approvals-waiting:{today.isoformat()}",
            recipient=admin,
            topic=Topic.APPROVALS_WAITING,
            template="approvals_waiting",
            context={"items": items, "url": url or reverse("admin:index")},
        )
        for admin in _administrators()
    )


def rates_stale(today: date) -> int:
    freshness = rates_freshness(today)
    if not freshness.stale:
        return 0
    newest = freshness.newest.isoformat() if freshness.newest else "none"
    return _queued(
        queue(
            event_key=f"rates-stale:{newest}",
            recipient=admin,
            topic=Topic.RATES_STALE,
            template="rates_stale",
            context={"description": freshness.describe()},
        )
        for admin in _administrators()
    )


def cash_short(today: date) -> int:
    """Months of the payment calendar whose payments GBP cash would not cover; told once a month while it lasts."""
    short = payment_calendar(today).short_months
    if not short:
        return 0
    return _queued(
        queue(
            event_key=f"cash-short:{short[0].month:%Y-%m}:{today:%Y-%m}",
            recipient=admin,
            topic=Topic.CASH_SHORT,
            template="cash_short",
            context={"months": short, "url": reverse("grants:calendar")},
        )
        for admin in _administrators()
    )


# Funders' contacts


def last_quarter(today: date) -> tuple[date, date]:
    """The last quarter that ended before `today`: (first day, last day)."""
    this_quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    start = add_months(this_quarter, -3)
    return start, this_quarter - timedelta(days=1)


def statements_ready(today: date) -> int:
    """After each quarter end, each funder's contacts hear that its statement is ready, with the funder's own pledged
    and received totals to that day, by currency. Only its own money: nothing about any other funder."""
    start, end = last_quarter(today)
    quarter = f"{end.year}-Q{(end.month - 1) // 3 + 1}"
    contacts = FunderContact.objects.filter(user__is_active=True).select_related("user", "funder").order_by("pk")
    queued = 0
    for contact in contacts:
        funder = contact.funder
        pledged = _by_currency(Pledge.objects.filter(funder=funder, pledged_on__lte=end), "amount")
        received = _by_currency(Receipt.objects.filter(pledge__funder=funder, received_on__lte=end), "amount")
        message = queue(
            event_key=f"statement-ready:{quarter}",
            recipient=contact.user,
            topic=Topic.STATEMENT_READY,
            template="statement_ready",
            context={
                "funder": funder,
                "quarter": quarter,
                "start": start,
                "end": end,
                "pledged": pledged,
                "received": received,
                "url": reverse("funder:dashboard"),
            },
        )
        queued += message is not None
    return queued


def _by_currency(rows, field: str) -> list[tuple[str, object]]:
    sums = rows.values(f"{field}_currency").annotate(total=Sum(field)).order_by(f"{field}_currency")
    return [(row[f"{field}_currency"], row["total"]) for row in sums]


DAILY_RULES = (
    reports_due,
    reports_overdue,
    offers_made,
    payments_released,
    rates_stale,
    cash_short,
    statements_ready,
)
