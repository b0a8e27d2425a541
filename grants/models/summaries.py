from django.db import models


class SummarySnapshot(models.Model):
    """One consistent picture of the fund's allocation, taken by the summary job.

    `data` holds amounts as decimal strings with their currency; `ledger_version` and `rates_as_of` identify what it
    was computed from, so taking it twice from the same ledger and rates writes nothing new.
    """

    as_of = models.DateField()
    ledger_version = models.BigIntegerField(help_text="The newest ledger transaction id included.")
    rates_as_of = models.DateField(null=True, blank=True)
    taken_at = models.DateTimeField(auto_now_add=True)
    data = models.JSONField()

    class Meta:
        ordering = ["-taken_at", "-pk"]
        get_latest_by = "taken_at"
        constraints = [
            models.UniqueConstraint(
                fields=["as_of", "ledger_version", "rates_as_of"], name="one_snapshot_per_ledger_and_rates"
            )
        ]

    def __str__(self) -> str:
        return f"Allocation summary as of {self.as_of:%d %b %Y} (ledger #{self.ledger_version})"
