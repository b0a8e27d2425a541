"""The fund's version: a mark that moves whenever any of the fund's records changes, kept by the database.

The pages' heaviest figures (each funder's attributed money, the awards by round and research area, a funder's
parts of the awards, the payment calendar's months, whole pages such as the portfolio) go over every award,
attribution, payment or milestone. They change only when those records or the reference rates do, so they are
remembered under the fund's version (`grants.reads.remembered`) and worked out again only after a change.

Who moves it: triggers on every table of the fund's records and rates (`WATCHED_TABLES`), whatever writes them (the
actions, the back office, an import's COPY, a bulk `update()`, a hand-written SQL statement).
- PostgreSQL: after each statement, the writing transaction's own row (`txid_current()`) counts one more write, as
  the tables' owner; the app's role may only read the rows. No writer waits for another: each has its own row.
  Other transactions see the row once it commits. The version is the newest row's id and the number of rows: a
  transaction that took its row early and commits late still moves the count, and `forget_changes()` (the summary
  job, past `KEEP_CHANGES` rows) folds the rows into one new one, which moves the newest id, so the pair never comes
  back to a value it had. A transaction that has written sees its own row too: its version adds its id and its
  count of writes, so it never reads a figure remembered before its latest write, and nobody else reads one
  remembered from what it has not committed.
- SQLite: one row whose random mark every write replaces. SQLite lets one writer at a time, and a rolled-back write
  puts back the mark of the data it puts back.
"""

from __future__ import annotations

from django.db import connections, models

# Every table whose rows a remembered figure may read, or may come to read: the fund's records and the reference
# rates they are valued at. Not here: the records' history (written
# beside the records), the ledger's day totals (written with the lines), the summary snapshots (the summary job's
# own output) and this table.
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
    writes = models.PositiveIntegerField(default=1, help_text="Statements the transaction ran on watched tables.")

    def __str__(self) -> str:
        return f"Change #{self.pk} (transaction {self.tx})"


POSTGRES_FUNCTIONS = """
CREATE OR REPLACE FUNCTION fund_note_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO grants_fundchange (tx, writes) VALUES (txid_current(), 1)
        ON CONFLICT (tx) DO UPDATE SET writes = grants_fundchange.writes + 1;
    RETURN NULL;
END;
$$;
CREATE OR REPLACE FUNCTION fund_forget_changes(keep integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF (SELECT count(*) FROM grants_fundchange) > keep THEN
        DELETE FROM grants_fundchange;
        INSERT INTO grants_fundchange (tx, writes) VALUES (txid_current(), 1);
    END IF;
END;
$$;
"""


def postgres_trigger(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_fund_change AFTER INSERT OR UPDATE OR DELETE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION fund_note_change();"
    )


def sqlite_triggers(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_fund_change_{event.lower()} AFTER {event} ON {table} BEGIN "
        "INSERT OR REPLACE INTO grants_fundchange (id, tx, writes) VALUES (1, random(), 1); END;"
        for event in ("INSERT", "UPDATE", "DELETE")
    ]


POSTGRES_VERSION = (
    "SELECT MAX(id), COUNT(*), txid_current_if_assigned(), "
    "MAX(writes) FILTER (WHERE tx = txid_current_if_assigned()) FROM grants_fundchange"
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


def postgres_version(newest, count, tx, own_writes) -> str:
    return f"{newest}.{count}" + (f".{tx}.{own_writes}" if own_writes else "")


def forget_changes(using: str = "default") -> None:
    """Fold the rows into one once there are more than `KEEP_CHANGES` (PostgreSQL; SQLite keeps one row anyway)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT fund_forget_changes(%s)", [KEEP_CHANGES])
