from grants.models.awards import Award, AwardAttribution, Disbursement, Milestone
from grants.models.ledger import Account, LedgerLine, LedgerTransaction
from grants.models.reports import MilestoneReport
from grants.models.summaries import SummarySnapshot

__all__ = [
    "Account",
    "Award",
    "AwardAttribution",
    "Disbursement",
    "LedgerLine",
    "LedgerTransaction",
    "Milestone",
    "MilestoneReport",
    "SummarySnapshot",
]
