"""Who the history of every record names (django-simple-history).

In a request, simple-history's middleware names the signed-in user. Outside one (an import run from the command
line, a Celery task, the demo's builder), `acting_as(user)` names the user an operation acts for.
"""

from __future__ import annotations

from contextlib import contextmanager
from types import SimpleNamespace

from django.db import connection
from django.utils import timezone
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


HISTORY_COLUMNS = {"history_id", "history_date", "history_change_reason", "history_type", "history_user"}


def record_created_in_bulk(model, objs, user=None) -> None:
    """The history a save would write ("created", by `user`), for rows just written by `bulk_create`: an
    INSERT ... SELECT copying the rows as the database holds them, rather than a model instance a row
    (simple-history's `bulk_history_create`, which costs as much again as the rows themselves)."""
    history = model.history.model
    columns = {f.attname: f.column for f in model._meta.concrete_fields}
    tracked = [f for f in history._meta.concrete_fields if f.attname in columns]
    extra = {f.name for f in history._meta.concrete_fields} - {f.name for f in tracked}
    if extra != HISTORY_COLUMNS:  # a history model with fields of its own: let simple-history fill them in
        model.history.bulk_history_create(objs, default_user=user)
        return
    quote = connection.ops.quote_name
    pks = [obj.pk for obj in objs]
    if None in pks:
        raise ValueError("record_created_in_bulk needs the rows' ids: bulk_create did not return them")
    now = timezone.now()
    into = ", ".join(quote(f.column) for f in tracked)
    select = ", ".join(quote(columns[f.attname]) for f in tracked)
    for start in range(0, len(pks), 900):  # SQLite allows 999 parameters
        chunk = pks[start : start + 900]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {quote(history._meta.db_table)} ({into}, history_date, history_type, history_user_id, "  # noqa: S608
                f"history_change_reason) SELECT {select}, %s, '+', %s, NULL FROM {quote(model._meta.db_table)} "
                f"WHERE {quote(model._meta.pk.column)} IN ({', '.join(['%s'] * len(chunk))})",
                [now, user.pk if user is not None else None, *chunk],
            )
