"""The back office. Django's admin autodiscovers this package; each module registers one area's models."""

from grants.admin import approvals, awards, fund, funder_directory, funders, ledger, reports, users  # noqa: F401  (registration happens on import)
