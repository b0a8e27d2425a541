"""The daily notification job: apply every rule, then send what is due. Safe to run twice: the second run queues
nothing new and finds nothing left to send."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from alignment_fund.notifications.outbox import SendResult, send_due
from grants.notifications.rules import DAILY_RULES


@dataclass(frozen=True)
class DailyRun:
    queued: int
    sent: SendResult


def run_daily(today: date) -> DailyRun:
    queued = sum(rule(today) for rule in DAILY_RULES)
    return DailyRun(queued=queued, sent=send_due())
