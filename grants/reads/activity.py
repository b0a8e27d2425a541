"""The fund-wide activity log: every change to every record, from the history simple-history keeps (who, when, what
changed), newest first, filterable by model, user and date.

Each tracked model has its own history table. A page merges the newest rows of each (one query per model, bounded by
the page), then works out what changed from each row's previous version (one more query per model on the page). The
CSV streams each model's history in (record, time) order, so a row's previous version is the row before it and
nothing is held in memory.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import islice

from django.apps import apps
from django.db.models import Model, QuerySet
from django.utils import timezone

from alignment_fund.models import User

PAGE_SIZE = 50
KINDS = {"+": "created", "~": "changed", "-": "deleted"}


def tracked_models() -> dict[str, type[Model]]:
    """label ("funders.pledge") → model, for every model whose changes are kept."""
    found = {}
    for model in apps.get_models():
        source = getattr(model, "instance_type", None)
        if source is not None:
            found[source._meta.label_lower] = source
    return dict(sorted(found.items(), key=lambda item: item[1]._meta.verbose_name))


@dataclass(frozen=True)
class ActivityFilter:
    model: str = ""  # a tracked_models() label, or "" for all
    user_id: int | None = None
    since: date | None = None
    until: date | None = None

    def history_of(self, model: type[Model]) -> QuerySet:
        rows = model.history.all()
        if self.user_id is not None:
            rows = rows.filter(history_user_id=self.user_id)
        if self.since is not None:
            rows = rows.filter(history_date__gte=_start_of(self.since))
        if self.until is not None:
            rows = rows.filter(history_date__lt=_start_of(self.until + timedelta(days=1)))
        return rows

    def matches(self, row) -> bool:
        """The same test as `history_of`, on a row already read."""
        if self.user_id is not None and row.history_user_id != self.user_id:
            return False
        if self.since is not None and row.history_date < _start_of(self.since):
            return False
        return self.until is None or row.history_date < _start_of(self.until + timedelta(days=1))

    def models(self) -> list[type[Model]]:
        models = tracked_models()
        return [models[self.model]] if self.model else list(models.values())


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class Activity:
    when: datetime
    user: str
    model_label: str
    model_name: str
    object_id: int
    kind: str
    changes: tuple[Change, ...]
    reason: str


def _fields(model: type[Model]) -> list[str]:
    """The record's own columns, as its history rows copy them."""
    history_columns = {f.attname for f in model.history.model._meta.concrete_fields}
    return [f.attname for f in model._meta.concrete_fields if f.attname in history_columns]


def _show(value) -> str:
    return "" if value is None else str(value)


def _changes(fields: list[str], before: Model | None, after: Model) -> tuple[Change, ...]:
    if before is None:
        return ()
    return tuple(
        Change(name, _show(getattr(before, name)), _show(getattr(after, name)))
        for name in fields
        if getattr(before, name) != getattr(after, name)
    )


def _activity(model: type[Model], row, previous, fields: list[str], users: dict[int, str]) -> Activity:
    return Activity(
        when=row.history_date,
        user=users.get(row.history_user_id, "") if row.history_user_id else "",
        model_label=model._meta.label_lower,
        model_name=str(model._meta.verbose_name),
        object_id=row.id,
        kind=KINDS.get(row.history_type, row.history_type),
        changes=_changes(fields, previous, row) if row.history_type == "~" else (),
        reason=row.history_change_reason or "",
    )


@dataclass(frozen=True)
class ActivityPage:
    rows: list[Activity]
    page: int
    has_next: bool


def activity_page(criteria: ActivityFilter, page: int = 1) -> ActivityPage:
    """One page of the log, newest first: (models + models on the page + 1) queries."""

    page = max(page, 1)
    wanted = page * PAGE_SIZE + 1
    streams = []
    for model in criteria.models():
        rows = list(criteria.history_of(model).order_by("-history_date", "-history_id")[:wanted])
        streams.append([(row.history_date, model, row) for row in rows])
    merged = list(islice(heapq.merge(*streams, key=lambda item: item[0], reverse=True), wanted))
    shown = merged[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    user_ids = {row.history_user_id for _, _, row in shown if row.history_user_id}
    users = {u.pk: u.get_username() for u in User.objects.filter(pk__in=user_ids)}
    previous = _previous_versions(shown)
    out = [
        _activity(model, row, previous.get((model, row.history_id)), _fields(model), users) for _, model, row in shown
    ]
    return ActivityPage(rows=out, page=page, has_next=len(merged) > page * PAGE_SIZE)


def _previous_versions(shown) -> dict:
    """For each changed row on the page, the version of its record just before it: one query per model."""
    by_model: dict[type[Model], list] = {}
    for _, model, row in shown:
        if row.history_type == "~":
            by_model.setdefault(model, []).append(row)
    found = {}
    for model, rows in by_model.items():
        latest = max(row.history_date for row in rows)
        versions: dict[int, list] = {}
        for version in (
            model.history.filter(id__in={row.id for row in rows}, history_date__lte=latest)
            .order_by("id", "history_date", "history_id")
            .iterator()
        ):
            versions.setdefault(version.id, []).append(version)
        for row in rows:
            earlier = [
                v
                for v in versions.get(row.id, [])
                if (v.history_date, v.history_id) < (row.history_date, row.history_id)
            ]
            found[(model, row.history_id)] = earlier[-1] if earlier else None
    return found


CSV_COLUMNS = ["when", "user", "model", "record", "change", "field", "before", "after", "reason"]


def activity_csv_rows(criteria: ActivityFilter) -> Iterator[list[str]]:
    """Every matching change, one row per changed field (or one row for a creation or deletion), streamed: model by
    model, record by record, oldest first. Each model's whole history is read in order (so each change is compared
    with the true previous version, whatever the filters) and only matching rows are written."""

    users = dict(User.objects.values_list("pk", "username"))
    for model in criteria.models():
        fields = _fields(model)
        previous = None
        rows = model.history.order_by("id", "history_date", "history_id").iterator(chunk_size=2000)
        for row in rows:
            if previous is not None and previous.id != row.id:
                previous = None
            if not criteria.matches(row):
                previous = row
                continue
            activity = _activity(model, row, previous, fields, users)
            base = [
                activity.when.isoformat(),
                activity.user,
                activity.model_label,
                str(activity.object_id),
                activity.kind,
            ]
            if activity.changes:
                for change in activity.changes:
                    yield [*base, change.field, change.before, change.after, activity.reason]
            else:
                yield [*base, "", "", "", activity.reason]
            previous = row
