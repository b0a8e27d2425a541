"""The 360Giving export as a stream of text: the download and `export_360giving` write it as the awards are read, a
chunk at a time, so the server's memory stays flat and the first bytes leave at once, however many awards there are.
The text is exactly what `render(build_package(), fmt)` gives (a test holds them together)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from django.db.models import Count, Max

from alignment_fund.spreadsheet_safety import neutralise_row
from funders.models import Funder
from grants.exports.giving360 import (
    NothingToPublish,
    _csv_headers,
    _csv_row,
    _local_org_id,
    iter_grants,
    iter_json,
    package_metadata,
)
from grants.models import Award, AwardAttribution
from projects.models import Fund


def stream(fmt: str) -> Iterator[str]:
    """The export as pieces of text, for a streaming download or a file: the same text `render(build_package())`
    gives, without holding it. Raises NothingToPublish before the first piece when there is nothing to publish."""
    if not Award.objects.live().exists():
        raise NothingToPublish("There are no awards to publish yet.")
    if fmt == "json":
        return _batched(iter_json(package_metadata(), iter_grants()))
    if fmt == "csv":
        return _batched(iter_csv(iter_grants(), funding_columns()))
    raise ValueError(f"Unknown format {fmt!r}: use json or csv.")


def _batched(pieces: Iterable[str], size: int = 1 << 16) -> Iterator[str]:
    """Pieces joined into blocks of about 64 kB: fewer, larger writes to the socket or the file. The first piece (the
    JSON's metadata, the CSV's header) goes at once, so the download starts before the first awards are read."""
    pieces = iter(pieces)
    yield from islice(pieces, 1)
    block: list[str] = []
    length = 0
    for piece in pieces:
        block.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(block)
            block, length = [], 0
    if block:
        yield "".join(block)


def funding_columns() -> int:
    """How many funding organisations the longest grant lists, counted in the database (the CSV's header comes
    before its rows): the administrator, and each disclosed, named co-funder that is not the administrator."""
    fund = Fund.current()
    administrator = fund.administrator_org_id or _local_org_id("ORG", fund.administered_by)
    named = Funder.objects.filter(disclose_amounts=True, publicly_named=True)
    same_as_administrator = [
        funder.pk
        for funder in named
        if (funder.org_id or _local_org_id("FUNDER", funder.slug)) == administrator
        or funder.name.casefold() == fund.administered_by.casefold()
    ]
    most = (
        AwardAttribution.objects.filter(award__in=Award.objects.live(), funder__in=named)
        .exclude(funder__in=same_as_administrator)
        .values("award")
        .annotate(count=Count("pk"))
        .order_by()
        .aggregate(most=Max("count"))["most"]
    )
    return 1 + (most or 0)


def iter_csv(grants: Iterable[dict[str, Any]], funders: int) -> Iterator[str]:
    out = _Line()
    writer = csv.writer(out, lineterminator="\n")
    yield writer.writerow(_csv_headers(funders))
    for grant in grants:
        yield writer.writerow(neutralise_row(_csv_row(grant, funders)))


class _Line:
    """A file whose write() hands back what it was given: csv.writer's rows, one at a time."""

    def write(self, text: str) -> str:
        return text
