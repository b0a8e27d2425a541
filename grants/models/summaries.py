from django.db import models


class SummarySnapshot(models.Model):
    """One consistent picture of the fund's allocation, taken by the summary job.

    `data` holds amounts as decimal strings with their currency; `digest` is the SHA-256 of `data`, so taking it
    twice from an unchanged fund writes nothing new; `ledger_version` and `rates_as_of` say what it was computed
    from.
    """

    as_of = models.DateField()
    ledger_version = models.BigIntegerField(help_text="The newest ledger transaction id included.")
    rates_as_of = models.DateField(null=True, blank=True)
    taken_at = models.DateTimeField(auto_now_add=True)
    data = models.JSONField()
    digest = models.CharField(max_length=64, help_text="SHA-256 of the data: one snapshot per distinct content.")

    class Meta:
        ordering = ["-taken_at", "-pk"]
        get_latest_by = "taken_at"
        constraints = [models.UniqueConstraint(fields=["as_of", "digest"], name="one_snapshot_per_content")]

    def __str__(self) -> str:
        return f"Allocation summary as of {self.as_of:%d %b %Y} (ledger #{self.ledger_version})"
