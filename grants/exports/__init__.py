"""Downloads: 360Giving, the ledger CSV, the funder's statement."""
