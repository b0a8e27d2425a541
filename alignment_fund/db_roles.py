"""The running app's database role on PostgreSQL: what it may do, granted by the tables' owner after each migrate.

Migrations run as the owner of the tables. The web app and the workers connect as another role, DATABASE_APP_ROLE,
which may read and write the fund's tables but not change or empty the append-only ones (the ledger), only read the
ones the database keeps itself (the ledger's day totals), and, owning nothing, cannot disable their triggers or drop
them either. The grants are repeated after every `migrate`, so tables
added later are covered too.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.backends.base.base import BaseDatabaseWrapper


def grant_app_role(
    connection: BaseDatabaseWrapper, role: str, append_only: Iterable[str], read_only: Iterable[str] = ()
) -> None:
    if connection.vendor != "postgresql" or not role:
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            raise RuntimeError(f"DATABASE_APP_ROLE names {role!r}, but there is no such PostgreSQL role.")
        who = quote(role)
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {who}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {who}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {who}")
        cursor.execute(f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {who}")
        for table in append_only:
            cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {quote(table)} FROM {who}")
        for table in read_only:
            cursor.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {quote(table)} FROM {who}")
