"""The fund's money operations, one function each, grouped by area in the modules of this package.

Each runs in one transaction, takes the acting user, posts its ledger entry in the same transaction, and asks for the
allocation summaries to be refreshed once the transaction commits. Each raises `ActionError` with a message a person
understands, and then has written nothing.

Callers may keep writing `from grants import actions; actions.do_award_project(...)`: the operations and
`ActionError` are re-exported here. The reads the operations check against live in `grants.reads`.
"""

from grants.actions.awards import do_award_project, do_terminate_award
from grants.actions.common import ActionError
from grants.actions.contributions import do_record_conversion, do_record_pledge, do_record_receipt
from grants.actions.milestones import do_approve_milestone, do_receive_milestone_report, do_record_disbursement
from grants.actions.reports import (
    do_accept_award,
    do_accept_milestone_report,
    do_request_report_changes,
    do_submit_milestone_report,
)

__all__ = [
    "ActionError",
    "do_accept_award",
    "do_accept_milestone_report",
    "do_approve_milestone",
    "do_award_project",
    "do_receive_milestone_report",
    "do_record_conversion",
    "do_record_disbursement",
    "do_record_pledge",
    "do_record_receipt",
    "do_request_report_changes",
    "do_submit_milestone_report",
    "do_terminate_award",
]
