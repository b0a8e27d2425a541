"""Who the history of every record names (django-simple-history).

In a request, simple-history's middleware names the signed-in user. Outside one (an import run from the command
line, a Celery task, the demo's builder), `acting_as(user)` names the user an operation acts for.
"""

from __future__ import annotations

from contextlib import contextmanager
from types import SimpleNamespace

from simple_history.models import HistoricalRecords


@contextmanager
def acting_as(user):
    """Name `user` in the history written inside the block, unless a request already names someone."""
    context = HistoricalRecords.context
    if user is None or getattr(context, "request", None) is not None:
        yield
        return
    context.request = SimpleNamespace(user=user)
    try:
        yield
    finally:
        del context.request
