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
a digest of the code that worked it out, so a figure kept before a deploy is never read as the new code's, and a
signature with the deployment's secret key, so only what this code wrote is read back. One worked out inside a
transaction that has written is kept with that transaction, under a version (PostgreSQL's says so) that nobody else
reads. Keeping is a favour to the next process: a database that refuses it never fails the page.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
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
from django.db import DatabaseError, router, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.functional import cached_property

from grants.models import FundChange, RememberedFigure
from grants.models.fund_changes import fund_version

log = logging.getLogger(__name__)
T = TypeVar("T")
KEPT_FOR = 60 * 60  # seconds: only frees the memory of figures nobody asks for any more
KEPT_IN_THE_DATABASE = timedelta(days=2)  # past this, `forget_old_figures` deletes a kept figure nobody replaced
CODE = ("alignment_fund", "funders", "grants", "projects")  # the packages whose code works figures out


def remembered(name: str, compute: Callable[..., T], *args, cache_alias: str = "default", shared: bool = True) -> T:
    """`compute(*args)`, remembered under the fund's version as read from the database the figure is read from. One
    entry per name and arguments, holding the version it was worked out at: a new version replaces it. `shared`:
    kept in the database for every process too (the pages' figures; a list's count is the process's own). A figure
    during whose working-out the version moved is answered but not remembered: it may hold part of the change."""
    using = router.db_for_read(FundChange)
    version = fund_version(using)
    key = f"fund:{name}:{':'.join(map(_key, args))}"
    if len(key) > 200:
        key = f"fund:{name[:80]}:{hashlib.sha256(key.encode()).hexdigest()}"
    store = caches[cache_alias]
    found = store.get(key)
    if found is not None and found[0] == version:
        return found[1]
    kept_as = f"{version}@{code_digest()}"
    if shared:
        answer = _read_kept(using, key, kept_as)
        if answer is not _NOTHING:
            store.set(key, (version, answer), KEPT_FOR)
            return answer
    answer = compute(*args)
    if fund_version(using) != version:
        return answer
    store.set(key, (version, answer), KEPT_FOR)
    if shared:
        _keep(key, kept_as, answer)
    return answer


_NOTHING = object()


def _read_kept(using: str, key: str, kept_as: str):
    """The figure kept under `kept_as`, or `_NOTHING`: also when its signature does not match (not written by this
    deployment, whoever could write the table) or it cannot be read back (then it is worked out again)."""
    row = RememberedFigure.objects.using(using).filter(key=key, version=kept_as).values_list("answer").first()
    if row is None:
        return _NOTHING
    signed = bytes(row[0])
    signature, pickled = signed[:32], signed[32:]
    if not hmac.compare_digest(signature, _signature(key, kept_as, pickled)):
        log.warning("The kept figure %s is not signed by this deployment: worked out again.", key)
        return _NOTHING
    try:
        return pickle.loads(pickled)  # noqa: S301 (signed above with the deployment's secret key)
    except Exception:  # a figure this code cannot read back is worked out again, never a failed page
        log.warning("The kept figure %s could not be read back: worked out again.", key, exc_info=True)
        return _NOTHING


def _keep(key: str, kept_as: str, answer) -> None:
    """Keep the figure for every process, signed. Keeping is a favour to the next process: if the database refuses
    (a lock, a primary that is failing over), the page still answers. Inside a transaction it is kept in a savepoint,
    so a refusal does not spoil the caller's transaction."""
    pickled = pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
    figure = RememberedFigure(
        key=key,
        version=kept_as,
        answer=_signature(key, kept_as, pickled) + pickled,
        worked_out_at=timezone.now(),
    )
    using = router.db_for_write(RememberedFigure)
    try:
        with transaction.atomic(using=using):
            RememberedFigure.objects.using(using).bulk_create(
                [figure],
                update_conflicts=True,
                unique_fields=["key"],
                update_fields=["version", "answer", "worked_out_at"],
            )
    except DatabaseError:
        log.warning("Could not keep the figure %s for the other processes.", key, exc_info=True)


def _signature(key: str, kept_as: str, pickled: bytes) -> bytes:
    return salted_hmac("grants.reads.remembered", f"{key}|{kept_as}|".encode() + pickled, algorithm="sha256").digest()


@cache
def code_digest() -> str:
    """A digest of the project's own code and of its pinned dependencies (pyproject.toml), worked out once per
    process when the app starts (grants.apps): a figure kept by other code, before or after a deploy, is never read
    as this code's."""
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    for path in [base / "pyproject.toml", *(p for package in CODE for p in sorted((base / package).rglob("*.py")))]:
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def forget(*, kept_too: bool = False) -> None:
    """Forget what this process remembers in memory (every cache in `CACHES`: what a new process starts with) and,
    with `kept_too`, the figures kept in the database as well (nothing remembered anywhere, as after a change)."""
    for alias in settings.CACHES:
        caches[alias].clear()
    if kept_too:
        RememberedFigure.objects.all().delete()


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
