"""Records that are corrected by reversal, never by edit or deletion: pledges, receipts, conversions and payments.

A reversed record stays in its table, marked with who reversed it, when and why, and the ledger holds a reversing
transaction for it. The default manager (`objects`) sees live records only, so every read that sums them (pool,
headroom, attribution, funder pages, exports, the API's lists, reconciliation) leaves a reversed record out without
knowing about reversals; `all_objects` also sees the reversed ones, for the pages and the back office that show the
history. Relation joins (`award__disbursements__amount`) do not go through a manager: filter those on
`reversed_at__isnull=True` yourself.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class LiveManager(models.Manager):
    """Live records only: reversed ones are left out."""

    def get_queryset(self):
        return super().get_queryset().filter(reversed_at__isnull=True)


class EveryRecordManager(models.Manager):
    """Every record, reversed or superseded ones included: the history."""


class Reversible(models.Model):
    reversed_at = models.DateTimeField(null=True, blank=True, editable=False)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="+"
    )
    reversal_reason = models.TextField(blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_reversed(self) -> bool:
        return self.reversed_at is not None
