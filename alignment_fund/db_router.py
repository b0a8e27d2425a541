"""Reads from a PostgreSQL read replica (`DATABASE_REPLICA_URL`), writes always to the primary.

Only the reads of a safe request (GET, HEAD, OPTIONS: the pages, downloads and API reads) go to the replica, and only
for the fund's own data (rates, projects, funders, grants): sessions, users, sign-in throttling, second factors and
remembered API answers are always read where they were written, so a sign-in or a token is never lost to replication
lag. Anything inside a transaction, any `select_for_update()`, every write and every background job uses the primary.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.conf import settings
from django.db import connections

REPLICA = "replica"
REPLICA_APPS = frozenset({"rates", "projects", "funders", "grants"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_reading = ContextVar("replica_reads", default=False)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not (settings.READ_REPLICA and _reading.get() and model._meta.app_label in REPLICA_APPS):
            return "default"
        if connections["default"].in_atomic_block:
            return "default"
        return REPLICA

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: objects from either relate

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class replica_reads:  # noqa: N801 (used like a function: `with replica_reads(): ...`)
    """Within this block, the fund's data is read from the replica (when one is configured)."""

    def __enter__(self):
        self._token = _reading.set(True)

    def __exit__(self, *exc):
        _reading.reset(self._token)


def ReplicaReadsMiddleware(get_response):  # noqa: N802 (Django's middleware factory convention)
    def middleware(request):
        if request.method not in SAFE_METHODS or not settings.READ_REPLICA:
            return get_response(request)
        with replica_reads():
            return get_response(request)

    return middleware
