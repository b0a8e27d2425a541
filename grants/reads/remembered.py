"""Figures worked out once per version of the fund (grants.models.fund_changes) and remembered in the cache.

A remembered figure is the same function's answer, kept under its name and arguments with the fund's version it was
worked out at: any change to the fund's records or to the reference rates moves the version, so the next visit
works it out again from them, and a figure never outlives the data it was worked out from. Only functions whose
answer depends on nothing but those tables and their arguments are remembered: the date is an argument, never read
inside, and nothing depends on who is asking. Records are passed by their ids and read inside, after the version
(a funder's figures carry the funder's id in their key). An answer that raises (no rate for a currency, say) is
not remembered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import caches
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import router
from django.db.models import QuerySet
from django.utils.functional import cached_property

from grants.models import FundChange
from grants.models.fund_changes import fund_version

T = TypeVar("T")
KEPT_FOR = 60 * 60  # seconds: only frees the memory of figures nobody asks for any more


def remembered(name: str, compute: Callable[..., T], *args, cache_alias: str = "default") -> T:
    """`compute(*args)`, remembered under the fund's version as read from the database the figure is read from. One
    entry per name and arguments, holding the version it was worked out at: a new version replaces it."""
    version = fund_version(router.db_for_read(FundChange))
    key = f"fund:{name}:{':'.join(map(_key, args))}"
    store = caches[cache_alias]
    found = store.get(key)
    if found is not None and found[0] == version:
        return found[1]
    answer = compute(*args)
    store.set(key, (version, answer), KEPT_FOR)
    return answer


def _key(arg) -> str:
    if hasattr(arg, "_meta"):
        # A record read before the version could hold fields older than it: pass its key and read it inside.
        raise TypeError(f"remember {arg._meta.label} by its primary key, and read the record in the computation")
    return str(arg)


class RememberedCountPaginator(Paginator):
    """A paginator whose count of a long list (the ledger, the awards, the attributions) is remembered per version
    of the fund, keyed by the SQL and parameters of the list's rows: a filter, a search or a reader's scope (a
    funder's id) is part of its key, the order and the columns shown are not. Counting half a million rows is the
    one part of such a page that grows with the fund. For lists of the fund's own tables only (see the module's
    docstring); kept in the "list-counts" cache, so that many searches never push out the pages' figures."""

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if not isinstance(rows, QuerySet):
            return super().count
        try:
            sql, params = rows.order_by().values("pk").query.get_compiler(rows.db).as_sql()
        except EmptyResultSet:
            return 0
        digest = hashlib.sha256(f"{rows.db}|{sql}|{params!r}".encode()).hexdigest()
        return remembered("count", lambda _digest: rows.count(), digest, cache_alias="list-counts")
