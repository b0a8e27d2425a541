"""Figures worked out once per version of the fund (grants.models.fund_changes) and remembered in the cache.

A remembered figure is the same function's answer, kept under its name and arguments with the fund's version it was
worked out at: any change to the fund's records or to the reference rates moves the version, so the next visit
works it out again from them, and a figure never outlives the data it was worked out from. Only functions whose
answer depends on nothing but those tables and their arguments are remembered: the date is an argument, never read
inside, and nothing depends on who is asking. Records are passed by their ids and read inside, after the version
(a funder's figures carry the funder's id in their key). An answer that raises (no rate for a currency, say) is
not remembered.

Two places keep a figure: the process's own memory (`CACHES`), read first, and the database
(`grants.models.RememberedFigure`), which every process shares: whichever works a figure out first (the worker
warms the pages right after a change, `warm_pages`) spares the others. A kept figure carries the fund's version and
a digest of the code that worked it out, so a figure kept before a deploy is never read as the new code's. One
worked out inside a transaction that has written is kept with that transaction, under a version (PostgreSQL's says
so) that nobody else reads.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import router
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import cached_property

from grants.models import FundChange, RememberedFigure
from grants.models.fund_changes import fund_version

T = TypeVar("T")
KEPT_FOR = 60 * 60  # seconds: only frees the memory of figures nobody asks for any more
KEPT_IN_THE_DATABASE = timedelta(days=2)  # past this, `forget_old_figures` deletes a kept figure nobody replaced
CODE = ("alignment_fund", "funders", "grants", "projects")  # the packages whose code works figures out


def remembered(name: str, compute: Callable[..., T], *args, cache_alias: str = "default", shared: bool = True) -> T:
    """`compute(*args)`, remembered under the fund's version as read from the database the figure is read from. One
    entry per name and arguments, holding the version it was worked out at: a new version replaces it. `shared`:
    kept in the database for every process too (the pages' figures; a list's count is the process's own)."""
    using = router.db_for_read(FundChange)
    version = fund_version(using)
    key = f"fund:{name}:{':'.join(map(_key, args))}"
    store = caches[cache_alias]
    found = store.get(key)
    if found is not None and found[0] == version:
        return found[1]
    kept_as = f"{version}@{code_digest()}"
    if shared:
        kept = RememberedFigure.objects.using(using).filter(key=key, version=kept_as).values_list("answer").first()
        if kept is not None:
            answer = pickle.loads(kept[0])  # noqa: S301 (written by this code, below, into our own database)
            store.set(key, (version, answer), KEPT_FOR)
            return answer
    answer = compute(*args)
    store.set(key, (version, answer), KEPT_FOR)
    if shared:
        figure = RememberedFigure(
            key=key, version=kept_as, answer=pickle.dumps(answer, pickle.HIGHEST_PROTOCOL), worked_out_at=timezone.now()
        )
        RememberedFigure.objects.using(router.db_for_write(RememberedFigure)).bulk_create(
            [figure], update_conflicts=True, unique_fields=["key"], update_fields=["version", "answer", "worked_out_at"]
        )
    return answer


@cache
def code_digest() -> str:
    """A digest of the project's own code, worked out once per process."""
    digest = hashlib.sha256()
    for package in CODE:
        for path in sorted((Path(settings.BASE_DIR) / package).rglob("*.py")):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def forget_old_figures() -> int:
    """Delete the kept figures nobody has replaced for `KEPT_IN_THE_DATABASE` (yesterday's dates, funders gone):
    the summary job calls it. Returns how many."""
    deleted, _ = RememberedFigure.objects.filter(worked_out_at__lt=timezone.now() - KEPT_IN_THE_DATABASE).delete()
    return deleted


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
        return remembered("count", lambda _digest: rows.count(), digest, cache_alias="list-counts", shared=False)
