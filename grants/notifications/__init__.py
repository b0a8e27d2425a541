"""What the fund tells whom, and when: rules that read the fund and put messages in the outbox
(`alignment_fund.notifications`), which sends them. `run_daily` is the scheduled job; the `queue_*` hooks are for
operations that want to tell someone at once (a report reviewed, approvals waiting)."""

from grants.notifications.job import run_daily
from grants.notifications.rules import queue_approvals_waiting, queue_report_reviewed

__all__ = ["queue_approvals_waiting", "queue_report_reviewed", "run_daily"]
