"""The fund's version: a mark that moves whenever any of the fund's records changes, kept by the database.

The pages' heaviest figures (each funder's attributed money, the awards by round and research area, a funder's
parts of the awards, the payment calendar's months, whole pages such as the portfolio) go over every award,
attribution, payment or milestone. They change only when those records or the reference rates do, so they are
remembered under the fund's version (`grants.reads.remembered`) and worked out again only after a change.

Who moves it: triggers on every table of the fund's records and rates (`WATCHED_TABLES`), whatever writes them (the
actions, the back office, an import's COPY, a bulk `update()`, a hand-written statement, a TRUNCATE). Migration 0018
created them for the tables listed then; a table added to the list needs a migration that adds its trigger
(`tests/grants/test_fund_version.py` compares the list with the database's triggers).
- PostgreSQL: the first statement of a writing transaction adds a row for it (`txid_current()`), as the tables'
  owner; the app's role may only read the rows. No writer waits for another: each adds its own row, once. Others see
  the row when it commits. The version is the newest row's id and the number of rows: a transaction that took its
  row early and commits late still moves the count, and `forget_changes()` (the summary job, past `KEEP_CHANGES`
  rows) folds the rows into one new one, which moves the newest id, so the pair never comes back to a value it had.
  Every statement also sets a transaction-local mark from a sequence (`fund.write_mark`), which a transaction that
  has written adds to its version: it never reads a figure remembered before its latest write, and nobody reads one
  worked out from what it has not committed. Rolling back to a savepoint puts back the mark with the data, and the
  next write takes a new one.
- SQLite: one row whose random mark every write replaces. SQLite lets one writer at a time, and a rolled-back write
  puts back the mark of the data it puts back.
"""

from __future__ import annotations

from django.db import connections, models

# Every table whose rows a remembered figure may read, or may come to read: the fund's records and the reference
# rates they are valued at. Not here: the records' history (written beside the records), the ledger's day totals
# (written with the lines), the summary snapshots (the summary job's own output), this table and the remembered
# figures themselves.
WATCHED_TABLES = (
    "funders_funder",
    "funders_fundercontact",
    "funders_pledge",
    "funders_pledgeinstalment",
    "funders_receipt",
    "funders_conversion",
    "projects_fund",
    "projects_round",
    "projects_researcharea",
    "projects_project",
    "grants_approval",
    "grants_paymentrun",
    "grants_paymentrunitem",
    "grants_award",
    "grants_awardamendment",
    "grants_awardattribution",
    "grants_milestone",
    "grants_milestonereport",
    "grants_disbursement",
    "grants_ledgertransaction",
    "grants_ledgerline",
    "rates_exchangerate",
    "rates_heldrate",
)
KEEP_CHANGES = 1000  # rows past which the summary job folds them into one


class FundChange(models.Model):
    """A transaction that changed the fund's records (PostgreSQL), or the one mark of the last change (SQLite)."""

    tx = models.BigIntegerField(unique=True, help_text="The writing transaction's id; on SQLite a random mark.")

    def __str__(self) -> str:
        return f"Change #{self.pk} (transaction {self.tx})"


class RememberedFigure(models.Model):
    """A figure worked out at a version of the fund, kept for every process (`grants.reads.remembered`): whichever
    process works it out first (the worker, right after a change) spares the others. Not a record of the fund: its
    rows are replaced, pruned, and never watched."""

    key = models.CharField(max_length=255, primary_key=True)
    version = models.CharField(max_length=120, help_text="The fund's version and the code's, when worked out.")
    answer = models.BinaryField(help_text="The figure, pickled.")
    worked_out_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.key} at {self.version}"


POSTGRES_VERSION = (
    "SELECT MAX(id), COUNT(*), NULLIF(current_setting('fund.write_mark', true), '') FROM grants_fundchange"
)


def fund_version(using: str = "default") -> str:
    """The fund's version as the connection sees it now: one small query."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRES_VERSION)
            return postgres_version(*cursor.fetchone())
        cursor.execute("SELECT MAX(tx) FROM grants_fundchange")
        return f"{cursor.fetchone()[0]}"


def postgres_version(newest, count, own_mark) -> str:
    return f"{newest}.{count}" + (f".w{own_mark}" if own_mark else "")


def forget_changes(using: str = "default") -> None:
    """Fold the rows into one once there are more than `KEEP_CHANGES` (PostgreSQL; SQLite keeps one row anyway)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT fund_forget_changes(%s)", [KEEP_CHANGES])
