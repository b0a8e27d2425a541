"""Figures worked out once per version of the fund (grants.models.fund_changes) and remembered in the cache.

A remembered figure is the same function's answer, kept under its name, its arguments and the fund's version: any
change to the fund's records or to the reference rates moves the version, so the next visit works it out again
from them, and a figure never outlives the data it was worked out from. Only functions whose answer depends on
nothing but those tables and their arguments are remembered: the date is an argument, never read inside, and
nothing depends on who is asking (a funder's figures carry the funder in their key). An answer that raises (no
rate for a currency, say) is not remembered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import router

from grants.models import FundChange
from grants.models.fund_changes import fund_version

T = TypeVar("T")
KEPT_FOR = 60 * 60  # seconds: a version stops being asked for once the fund changes, so an hour only frees memory


def remembered(name: str, compute: Callable[..., T], *args) -> T:
    """`compute(*args)`, remembered under the fund's version as read from the database the figure is read from."""
    version = fund_version(router.db_for_read(FundChange))
    key = f"fund:{name}:{':'.join(map(_key, args))}:{version}"
    found = cache.get(key)
    if found is None:
        found = compute(*args)
        cache.set(key, found, KEPT_FOR)
    return found


def _key(arg) -> str:
    """A record by its kind and primary key (never its name, which need not be unique); anything else as text."""
    return f"{arg._meta.label}#{arg.pk}" if hasattr(arg, "_meta") else str(arg)
