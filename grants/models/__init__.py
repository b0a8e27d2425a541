from grants.models.approvals import Approval, PaymentRun, PaymentRunItem
from grants.models.awards import Award, AwardAmendment, AwardAttribution, Disbursement, Milestone
from grants.models.fund_changes import FundChange, RememberedFigure
from grants.models.ledger import Account, LedgerLine, LedgerTransaction
from grants.models.ledger_totals import LedgerDayTotal
from grants.models.reports import MilestoneReport
from grants.models.summaries import SummarySnapshot

__all__ = [
    "Account",
    "Approval",
    "Award",
    "AwardAmendment",
    "AwardAttribution",
    "Disbursement",
    "FundChange",
    "LedgerDayTotal",
    "LedgerLine",
    "LedgerTransaction",
    "Milestone",
    "PaymentRun",
    "PaymentRunItem",
    "MilestoneReport",
    "RememberedFigure",
    "SummarySnapshot",
]
