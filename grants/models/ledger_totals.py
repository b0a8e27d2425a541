"""The ledger added up by day: what every balance on a date is read from.

A balance is the sum of the ledger's lines up to a date. At a million lines that sum is most of what the portfolio,
the funders' pages, the round pages and the award form cost. `LedgerDayTotal` holds the same sums per day, account,
currency, funder and round, kept in the transaction that writes the lines, so a balance reads one row per day and
dimension instead of one per line.

Who keeps it: on PostgreSQL, a trigger on the lines (migration 0016), whatever writes them (the posting functions,
an import's COPY, the stress builder's bulk copies), as the tables' owner; the app's role may only read the totals,
so it can no more change a balance than a line. On SQLite (development), the posting functions
(`LedgerTransaction.objects.post` and `post_many`) call `add_to_day_totals`.

It is derived, never a record: `rebuild_day_totals` recomputes it from the lines (the migration that added it), and
`manage.py reconcile` checks it against the lines. Amounts are kept in hundredths of their currency, as whole numbers: every line is to the penny
(or cent), and whole numbers add up exactly on SQLite as on PostgreSQL. A line with no funder or round is kept under
key 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import connections, models
from django.db.models import Sum

TOTAL_KEY = ("occurred_on", "account", "currency", "funder_key", "round_key")


class LedgerDayTotalQuerySet(models.QuerySet):
    def balances(self) -> dict[tuple[str, str], Decimal]:
        """{(account, currency): balance} of the rows selected, one GROUP BY (never a sum across currencies)."""
        rows = self.values_list("account", "currency").annotate(total=Sum("hundredths")).order_by()
        return {(account, currency): from_hundredths(hundredths) for account, currency, hundredths in rows}

    def up_to(self, on: date) -> LedgerDayTotalQuerySet:
        return self.filter(occurred_on__lte=on)


class LedgerDayTotal(models.Model):
    occurred_on = models.DateField()
    account = models.CharField(max_length=30)
    currency = models.CharField(max_length=3)
    funder_key = models.BigIntegerField(help_text="The lines' funder id; 0 for lines with no funder.")
    round_key = models.BigIntegerField(help_text="The lines' round id; 0 for lines with no round.")
    hundredths = models.BigIntegerField(help_text="The lines' sum in hundredths of the currency (pence, cents).")
    lines = models.PositiveIntegerField(help_text="How many lines are added up here.")

    objects = LedgerDayTotalQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=TOTAL_KEY, name="ledger_day_total_key")]

    def __str__(self) -> str:
        return f"{self.account} {self.currency} {from_hundredths(self.hundredths)} on {self.occurred_on:%d %b %Y}"


def to_hundredths(amount: Decimal) -> int:
    hundredths = amount.scaleb(2)
    if hundredths != hundredths.to_integral_value():
        raise ValueError(f"{amount} is not to the hundredth")
    return int(hundredths)


def from_hundredths(hundredths) -> Decimal:
    return Decimal(int(hundredths or 0)).scaleb(-2)


def add_to_day_totals(using: str, rows: Iterable[tuple[date, str, str, int | None, int | None, Decimal]]) -> None:
    """Add posted lines, each (occurred_on, account, currency, funder id, round id, amount), to the day totals, where
    the database has no trigger doing it (SQLite): one INSERT ... ON CONFLICT DO UPDATE per 142 totals touched, in the
    caller's transaction, keys in sorted order."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        return  # the trigger on the lines has added them
    added: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for occurred_on, account, currency, funder_id, round_id, amount in rows:
        entry = added[(occurred_on, account, currency, funder_id or 0, round_id or 0)]
        entry[0] += to_hundredths(amount)
        entry[1] += 1
    if not added:
        return
    quote = connection.ops.quote_name
    table = quote(LedgerDayTotal._meta.db_table)
    date_field = LedgerDayTotal._meta.get_field("occurred_on")
    columns = [*TOTAL_KEY, "hundredths", "lines"]
    keys = sorted(added)
    # Within SQLite's limit of 999 parameters: 142 totals a statement.
    per_statement = min(1000, (connection.features.max_query_params or 65535) // len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(keys), per_statement):
            chunk = keys[start : start + per_statement]
            values = []
            for key in chunk:
                values.extend((date_field.get_db_prep_save(key[0], connection), *key[1:], *added[key]))
            placeholders = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(map(quote, columns))}) VALUES {placeholders} "  # noqa: S608
                f"ON CONFLICT ({', '.join(map(quote, TOTAL_KEY))}) DO UPDATE SET "
                f"{quote('hundredths')} = {table}.{quote('hundredths')} + excluded.{quote('hundredths')}, "
                f"{quote('lines')} = {table}.{quote('lines')} + excluded.{quote('lines')}",
                values,
            )


def adding_up(lines: str) -> str:
    """The SQL that adds up the ledger lines of table `lines` into day totals' rows, ready to INSERT: the one spelling
    of it, for the rebuild below and for the trigger that keeps the totals on PostgreSQL (migration 0016)."""
    return f"""
INSERT INTO grants_ledgerdaytotal (occurred_on, account, currency, funder_key, round_key, hundredths, lines)
SELECT t.occurred_on, l.account, l.amount_currency, COALESCE(l.funder_id, 0), COALESCE(l.round_id, 0),
       SUM(CAST(ROUND(l.amount * 100) AS BIGINT)), COUNT(*)
FROM {lines} l JOIN grants_ledgertransaction t ON t.id = l.transaction_id
GROUP BY 1, 2, 3, 4, 5
"""  # noqa: S608 (our own table names)


REBUILD_SQL = adding_up("grants_ledgerline")


def rebuild_day_totals(cursor) -> None:
    """Recompute every day total from the lines. Nothing may add lines meanwhile (the migration that adds the totals
    runs it in its own transaction, after creating the trigger that holds off new lines)."""
    cursor.execute("DELETE FROM grants_ledgerdaytotal")
    cursor.execute(REBUILD_SQL)
