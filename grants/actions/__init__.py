"""The fund's money operations, one function each, grouped by area in the modules of this package.

Each runs in one transaction, takes the acting user, posts its ledger entry in the same transaction, and asks for the
allocation summaries to be refreshed once the transaction commits. Each raises `ActionError` with a message a person
understands, and then has written nothing.

Callers may keep writing `from grants import actions; actions.do_award_project(...)`: the operations and
`ActionError` are re-exported here. The reads the operations check against live in `grants.reads`.
"""

from grants.actions.amendments import do_amend_award
from grants.actions.approval_kinds import do_award_or_request, do_pay_or_request
from grants.actions.approvals import do_approve, do_reject, do_request_approval, needs_second_approver
from grants.actions.awards import do_award_project, do_terminate_award
from grants.actions.common import ActionError
from grants.actions.contribution_batches import do_record_contributions
from grants.actions.contributions import do_record_conversion, do_record_pledge, do_record_receipt
from grants.actions.corrections import (
    do_reverse_conversion,
    do_reverse_disbursement,
    do_reverse_pledge,
    do_reverse_receipt,
    reverse_record,
)
from grants.actions.milestones import do_approve_milestone, do_receive_milestone_report, do_record_disbursement
from grants.actions.payment_runs import do_propose_payment_run, do_release_payment_run
from grants.actions.reports import (
    do_accept_award,
    do_accept_milestone_report,
    do_request_report_changes,
    do_submit_milestone_report,
)
from grants.actions.reversal_requests import do_reverse_or_request

__all__ = [
    "ActionError",
    "do_accept_award",
    "do_accept_milestone_report",
    "do_amend_award",
    "do_approve",
    "do_approve_milestone",
    "do_award_or_request",
    "do_award_project",
    "do_pay_or_request",
    "do_propose_payment_run",
    "do_receive_milestone_report",
    "do_record_contributions",
    "do_record_conversion",
    "do_record_disbursement",
    "do_record_pledge",
    "do_record_receipt",
    "do_reject",
    "do_release_payment_run",
    "do_request_approval",
    "do_request_report_changes",
    "do_reverse_conversion",
    "do_reverse_disbursement",
    "do_reverse_or_request",
    "do_reverse_pledge",
    "do_reverse_receipt",
    "do_submit_milestone_report",
    "do_terminate_award",
    "needs_second_approver",
    "reverse_record",
]
