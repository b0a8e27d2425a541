"""The reads: one module per page or concern."""
