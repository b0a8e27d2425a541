"""What the fund tells people about, and which of it a person may switch off.

Essential messages are about a person's own money or obligations that need an answer (an offer to accept, a
payment made, a report accepted or sent back): they cannot be switched off. Reminders and digests can.
"""

from django.db import models


class Topic(models.TextChoices):
    REPORT_DUE = "report_due", "A milestone report is due within 14 days"
    REPORT_OVERDUE = "report_overdue", "A milestone report is overdue"
    AWARD_OFFERED = "award_offered", "An award is offered"
    PAYMENT_RELEASED = "payment_released", "A payment is released"
    REPORT_REVIEWED = "report_reviewed", "A milestone report is accepted or sent back"
    APPROVALS_WAITING = "approvals_waiting", "Approvals are waiting for a second administrator"
    RATES_STALE = "rates_stale", "Exchange rates are stale"
    CASH_SHORT = "cash_short", "A month in the payment calendar is short of cash"
    STATEMENT_READY = "statement_ready", "A quarterly statement is ready"


ESSENTIAL = frozenset({Topic.AWARD_OFFERED, Topic.PAYMENT_RELEASED, Topic.REPORT_REVIEWED})

# Which topics each role can receive (the preferences page shows only these).
BY_ROLE = {
    "researcher": (
        Topic.REPORT_DUE,
        Topic.REPORT_OVERDUE,
        Topic.AWARD_OFFERED,
        Topic.PAYMENT_RELEASED,
        Topic.REPORT_REVIEWED,
    ),
    "administrator": (Topic.APPROVALS_WAITING, Topic.RATES_STALE, Topic.CASH_SHORT),
    "funder": (Topic.STATEMENT_READY,),
}


def is_essential(topic: str) -> bool:
    return topic in ESSENTIAL
