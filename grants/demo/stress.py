"""The stress fund: the demo fund replicated N times in PostgreSQL with bulk `INSERT ... SELECT`s.

`seed_demo --scale N` first builds the demo once through the fund's own operations (so every rule, rate and
attribution is the real one), then copies that whole history N - 1 times inside the same transaction: each copy is
a further cycle of the same funders giving again (a new pledge per funder, its receipts and conversions) and of the
same rounds awarding again (new projects, awards, milestones, attributions, payments and ledger entries). Copies
are grouped `ROUNDS_EVERY` at a time into a new pair of rounds, so the stress fund (N = 1000) has 40 rounds of some
2,000 to 3,000 awards each, every funder about a thousand pledges, and each award its four milestones.

Why the invariants hold: every copied row is a copy of one booked by the actions, with its foreign keys moved to
the copy's rows, so each ledger transaction still balances per currency, each award's attributions still add up to
it, and every CHECK constraint is checked again by the database on insert. A copy brings in the same money on the
same days as the awards it pays for, so on every day the fund's cash and commitments are the demo's multiplied by
the number of copies: headroom never goes below zero. Round budgets grow with the copies they hold.

Ids: copy k's rows have the original id plus k * stride (rounds: plus (k // ROUNDS_EVERY) * stride), where the
stride exceeds every id of the demo, so ledger keys (`award:42`, `reversal:termination:7`) move with them and stay
unique.
"""

from __future__ import annotations

from django.db import connection, transaction

ROUNDS_EVERY = 50

# table -> (columns copied as they are, {column: how it is moved}); the order respects the foreign keys.
MOVED = "{col} + {off}"
ROUND = "{col} + {round_off}"
SUFFIX = "{col} || '-C' || lpad(k::text, 4, '0')"
TABLES: list[tuple[str, dict[str, str]]] = [
    (
        "projects_project",
        {
            "reference": SUFFIX,
            "round_id": ROUND,
            # Only the demo's own projects keep their lead's account: the copies are led by people without one.
            "lead_id": "NULL",
        },
    ),
    (
        "funders_pledge",
        {
            "reference": SUFFIX,
            "restricted_to_round_id": ROUND,
        },
    ),
    ("funders_receipt", {"bank_reference": SUFFIX, "pledge_id": MOVED}),
    ("funders_conversion", {"bank_reference": SUFFIX, "receipt_id": MOVED}),
    ("grants_award", {"reference": SUFFIX, "project_id": MOVED, "round_id": ROUND}),
    ("grants_milestone", {"award_id": MOVED}),
    ("grants_awardattribution", {"award_id": MOVED}),
    ("grants_disbursement", {"reference": SUFFIX, "award_id": MOVED, "milestone_id": MOVED}),
    (
        "grants_ledgertransaction",
        {
            # The key ends with the id of its business event, which moved by the same offset.
            "key": "left({col}, length({col}) - length(substring({col} from '[0-9]+$')))"
            " || (substring({col} from '[0-9]+$')::bigint + {off})::text",
            "reverses_id": MOVED,
        },
    ),
    ("grants_ledgerline", {"transaction_id": MOVED, "award_id": MOVED, "round_id": ROUND}),
]


def _columns(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND table_schema = current_schema()"
        " ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


@transaction.atomic
def replicate(copies: int, stdout=None) -> None:
    """Add `copies` copies of everything the demo booked (the demo must be the only data in the fund)."""
    if connection.vendor != "postgresql":
        raise RuntimeError("the stress fund is built on PostgreSQL (set DATABASE_URL)")
    if copies < 1:
        return
    say = stdout.write if stdout is not None else (lambda message: None)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        stride = 1
        for table, _ in [("projects_round", {}), *TABLES]:
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608 (our own table names)
            stride = max(stride, cursor.fetchone()[0] + 1)
        stride = 10 ** len(str(stride))  # a round number keeps ids readable: award 42 of copy 3 is 3042 or 30042
        groups = (copies + ROUNDS_EVERY) // ROUNDS_EVERY  # copy k is in group k // ROUNDS_EVERY (the demo is 0)
        cursor.execute("SELECT max(number) FROM projects_round")
        per_group = cursor.fetchone()[0]
        round_columns = _columns(cursor, "projects_round")
        # Each group of copies awards in its own pair of rounds, whose budget covers the copies it holds.
        cursor.execute(
            "UPDATE projects_round SET budget = budget * %s", [min(ROUNDS_EVERY, copies + 1)]
        )  # group 0: the demo and its first copies
        if groups > 1:
            moved = {
                "id": "r.id + g * %(stride)s",
                "number": "r.number + g * %(per_group)s",
                "name": "'Round ' || (r.number + g * %(per_group)s) || substring(r.name from ' \\(.*$')",
                "budget": "r.budget / %(first)s * least(%(every)s, %(copies)s + 1 - g * %(every)s)",
                "status": "'closed'",
            }
            select = ", ".join(moved.get(column, f"r.{column}") for column in round_columns)
            cursor.execute(
                f"INSERT INTO projects_round ({', '.join(round_columns)}) "  # noqa: S608
                f"SELECT {select} FROM projects_round r CROSS JOIN generate_series(1, %(groups)s) g",
                {
                    "stride": stride,
                    "per_group": per_group,
                    "first": min(ROUNDS_EVERY, copies + 1),
                    "every": ROUNDS_EVERY,
                    "copies": copies,
                    "groups": groups - 1,
                },
            )
        for table, moves in TABLES:
            columns = _columns(cursor, table)
            parts = []
            for column in columns:
                if column == "id":
                    parts.append("t.id + k * %(stride)s")
                elif column in moves:
                    parts.append(
                        moves[column].format(
                            col=f"t.{column}",
                            off="k * %(stride)s",
                            round_off="(k / %(every)s) * %(stride)s",
                        )
                    )
                else:
                    parts.append(f"t.{column}")
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
                f"SELECT {', '.join(parts)} FROM {table} t CROSS JOIN generate_series(1, %(copies)s) k "
                "WHERE t.id < %(stride)s ORDER BY k, t.id",
                {"stride": stride, "copies": copies, "every": ROUNDS_EVERY},
            )
            say(f"  {table}: {cursor.rowcount:,} rows copied")
        for table in ["projects_round", *(table for table, _ in TABLES)]:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
            )
        # Planner statistics for what was just copied: without them (autovacuum off, or not there yet) PostgreSQL
        # plans the pages' joins as if the tables were nearly empty, with nested loops over 500,000 rows.
        cursor.execute("ANALYZE")
