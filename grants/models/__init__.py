from grants.models.awards import Award, AwardAmendment, AwardAttribution, Disbursement, Milestone
from grants.models.ledger import Account, LedgerLine, LedgerTransaction
from grants.models.summaries import SummarySnapshot

__all__ = [
    "Account",
    "Award",
    "AwardAmendment",
    "AwardAttribution",
    "Disbursement",
    "LedgerLine",
    "LedgerTransaction",
    "Milestone",
    "SummarySnapshot",
]
