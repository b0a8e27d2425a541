from .awards import Award, AwardAttribution, Disbursement, Milestone
from .fund import Fund, Round
from .ledger import Account, LedgerLine, LedgerTransaction
from .rates import ExchangeRate, QuotedRate, RateUnavailable
from .summaries import SummarySnapshot

__all__ = [
    "Account",
    "Award",
    "AwardAttribution",
    "Disbursement",
    "ExchangeRate",
    "Fund",
    "LedgerLine",
    "LedgerTransaction",
    "Milestone",
    "QuotedRate",
    "RateUnavailable",
    "Round",
    "SummarySnapshot",
]
