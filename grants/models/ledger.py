"""The append-only money ledger.

Every money movement (pledge, receipt, conversion, award, disbursement, reversal) is one `LedgerTransaction` with
two or more `LedgerLine`s that balance in each currency (debits positive, credits negative). Balances are sums of
lines. A transaction's `key` is built from the business event (`receipt:42`), so posting the same event twice has
one effect. Posted rows are never changed: the database refuses UPDATE and DELETE (see the migration that installs
the triggers), and a correction is a reversing transaction. Balances on a date are read from the lines' day totals
(`grants.models.ledger_totals`), which posting keeps in the same transaction.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connections, models, router, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from djmoney.models.fields import MoneyField
from djmoney.money import Money

from alignment_fund.money import BASE_CURRENCY, CURRENCIES, round_money
from grants.models.ledger_totals import add_to_day_totals

CURRENCY_CHOICES = [(c, c) for c in CURRENCIES]


class Account(models.TextChoices):
    PLEDGES_RECEIVABLE = "pledges_receivable", "Pledges receivable"
    COMPUTE_RECEIVABLE = "compute_receivable", "Pledges for compute only, receivable"
    FUNDER_CAPITAL = "funder_capital", "Funders' contributions"
    CASH = "cash", "Cash"
    COMPUTE_CASH = "compute_cash", "Cash restricted to compute"
    FX_CLEARING = "fx_clearing", "Currency exchange"
    GRANTS_COMMITTED = "grants_committed", "Awards committed, not yet paid"
    GRANTS_AWARDED = "grants_awarded", "Awards made"


class LedgerError(ValueError):
    """A posting that would break the ledger's rules."""


class AppendOnly(RuntimeError):
    """A posted ledger row cannot be edited or deleted: post a reversal instead."""


@dataclass(frozen=True)
class Line:
    account: str
    amount: Money
    funder_id: int | None = None
    round_id: int | None = None
    award_id: int | None = None


def check_lines(lines: Sequence[Line]) -> None:
    """A transaction's lines: at least two, each in a currency the fund deals in and to the penny, balancing in each
    currency."""
    if len(lines) < 2:
        raise LedgerError("a transaction needs at least two lines")
    per_currency: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.amount.currency.code not in CURRENCIES:
            raise LedgerError(f"{line.amount.currency.code} is not a currency the fund deals in")
        if round_money(line.amount.amount) != line.amount.amount:
            raise LedgerError(f"{line.amount} is not rounded to the penny")
        per_currency[line.amount.currency.code] += line.amount.amount
    unbalanced = {c: v for c, v in per_currency.items() if v != 0}
    if unbalanced:
        raise LedgerError(f"the lines do not balance: {unbalanced}")


def _write_rows(connection, meta, names: Sequence[str], rows: list[tuple]) -> None:
    """Add `rows` (values of the fields `names`, ready for the database) to `meta`'s table in one statement: COPY on
    PostgreSQL (the same constraints and triggers as an INSERT, and the fastest way in), else one INSERT sent for
    every row. The COPY is logged like a query, so that query counts see it."""
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(quote(meta.get_field(name).column) for name in names)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(names))})", rows)
            return
        started = time.perf_counter()
        sql = f"COPY {table} ({columns}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        if connection.queries_logged:
            connection.queries_log.append(
                {"sql": f"{sql} ({len(rows)} rows)", "time": f"{time.perf_counter() - started:.3f}"}
            )


class LedgerTransactionQuerySet(models.QuerySet):
    def post(
        self,
        *,
        key: str,
        kind: str,
        occurred_on: date,
        lines: Sequence[Line],
        memo: str = "",
        posted_by=None,
        reverses: LedgerTransaction | None = None,
    ) -> tuple[LedgerTransaction, bool]:
        """Post one balanced transaction for a business event, once. Returns (transaction, created)."""
        existing = self.filter(key=key).first()
        if existing is not None:
            return existing, False
        check_lines(lines)
        try:
            with transaction.atomic():
                txn = self.create(
                    key=key,
                    kind=kind,
                    occurred_on=occurred_on,
                    memo=memo[:300],
                    posted_by=posted_by,
                    reverses=reverses,
                )
                LedgerLine.objects.bulk_create(
                    LedgerLine(
                        transaction=txn,
                        account=line.account,
                        amount=line.amount,
                        funder_id=line.funder_id,
                        round_id=line.round_id,
                        award_id=line.award_id,
                    )
                    for line in lines
                )
                add_to_day_totals(
                    txn._state.db,
                    (
                        (occurred_on, line.account, line.amount.currency.code, line.funder_id, line.round_id)
                        + (line.amount.amount,)
                        for line in lines
                    ),
                )
        except IntegrityError:
            # Another process posted the same event between our look-up and our insert: theirs stands.
            existing = self.filter(key=key).first()
            if existing is None:
                raise
            return existing, False
        return txn, True

    def post_many(self, entries: Sequence[dict], *, posted_by=None) -> list[int]:
        """Post many new business events at once (an import), each entry the keyword arguments of `post` but
        `posted_by`: every entry's lines are checked as `post` checks them, then the transactions and their lines are
        written as plain rows (model instances would cost more than everything else an import does). The events must
        be new: a key posted before is refused by its unique index, and the whole batch with it (written in one
        transaction of its own, or in the caller's). Returns the transactions' ids, in order."""
        for entry in entries:
            check_lines(entry["lines"])
        using = router.db_for_write(LedgerTransaction)
        with transaction.atomic(using=using):
            return self._write_many(entries, posted_by, using)

    def _write_many(self, entries: Sequence[dict], posted_by, using: str) -> list[int]:
        connection = connections[using]
        meta = LedgerTransaction._meta
        posted_at = meta.get_field("posted_at").get_db_prep_save(timezone.now(), connection)
        occurred_on = meta.get_field("occurred_on")
        posted_by_id = posted_by.pk if posted_by is not None else None
        _write_rows(
            connection,
            meta,
            ("key", "kind", "occurred_on", "posted_at", "memo", "posted_by"),
            [
                (entry["key"], entry["kind"], occurred_on.get_db_prep_save(entry["occurred_on"], connection))
                + (posted_at, entry.get("memo", "")[:300], posted_by_id)
                for entry in entries
            ],
        )
        keys = [entry["key"] for entry in entries]
        by_key = {}
        per_query = connection.features.max_query_params or 30_000  # SQLite allows 999 parameters
        for start in range(0, len(keys), per_query):
            by_key.update(self.using(using).filter(key__in=keys[start : start + per_query]).values_list("key", "pk"))
        ids = [by_key[key] for key in keys]
        _write_rows(
            connection,
            LedgerLine._meta,
            ("transaction", "account", "amount_currency", "amount", "funder", "round", "award"),
            [
                (txn_id, line.account, line.amount.currency.code, line.amount.amount)
                + (line.funder_id, line.round_id, line.award_id)
                for txn_id, entry in zip(ids, entries, strict=True)
                for line in entry["lines"]
            ],
        )
        add_to_day_totals(
            using,
            (
                (entry["occurred_on"], line.account, line.amount.currency.code, line.funder_id, line.round_id)
                + (line.amount.amount,)
                for entry in entries
                for line in entry["lines"]
            ),
        )
        return ids

    def post_reversal(self, original: LedgerTransaction, *, occurred_on: date, memo: str = "", posted_by=None):
        """A correction: the original's lines with their signs flipped, posted once."""
        if original.kind == LedgerTransaction.Kind.REVERSAL:
            raise LedgerError("a reversal cannot itself be reversed; post the event again instead")
        lines = [
            Line(line.account, -line.amount, line.funder_id, line.round_id, line.award_id)
            for line in original.lines.all()
        ]
        return self.post(
            key=f"reversal:{original.key}",
            kind=LedgerTransaction.Kind.REVERSAL,
            occurred_on=occurred_on,
            lines=lines,
            memo=memo or f"Reverses {original.key}",
            posted_by=posted_by,
            reverses=original,
        )


class LedgerTransaction(models.Model):
    class Kind(models.TextChoices):
        PLEDGE = "pledge", "Pledge"
        RECEIPT = "receipt", "Receipt"
        CONVERSION = "conversion", "Conversion"
        AWARD = "award", "Award"
        AMENDMENT = "amendment", "Award amended"
        DISBURSEMENT = "disbursement", "Disbursement"
        REVERSAL = "reversal", "Reversal"

    key = models.CharField(max_length=200, unique=True, help_text="The business event, e.g. receipt:42.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    occurred_on = models.DateField()
    posted_at = models.DateTimeField(auto_now_add=True)
    memo = models.CharField(max_length=300, blank=True)
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by")
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = LedgerTransactionQuerySet.as_manager()

    class Meta:
        ordering = ["occurred_on", "pk"]
        # The back office's date hierarchy and every "as of" figure filter on the date.
        indexes = [models.Index(fields=["occurred_on", "id"], name="ledger_txn_occurred_on")]

    def __str__(self) -> str:
        return f"{self.key} on {self.occurred_on:%d %b %Y}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnly("a posted ledger transaction cannot be changed; post a reversal")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("a posted ledger transaction cannot be deleted; post a reversal")


class LedgerLineQuerySet(models.QuerySet):
    def balances(self) -> dict[tuple[str, str], Decimal]:
        """{(account, currency): balance}, one GROUP BY: never a sum across currencies."""
        # SQLite's SUM comes back with stray precision; quantize so every balance is pounds and pence.
        return {(r["account"], r["amount_currency"]): round_money(r["total"] or 0) for r in self.balance_rows()}

    def balance_rows(self):
        """The GROUP BY behind `balances`, as rows of account, amount_currency and total."""
        return self.values("account", "amount_currency").annotate(total=Sum("amount")).order_by()

    def balance_by_currency(self, account: str) -> dict[str, Decimal]:
        return {
            currency: value
            for (acct, currency), value in self.filter(account=account).balances().items()
            if acct == account
        }

    def update(self, **kwargs):
        raise AppendOnly("posted ledger lines cannot be changed; post a reversal")

    def delete(self):
        raise AppendOnly("posted ledger lines cannot be deleted; post a reversal")


class LedgerLine(models.Model):
    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="lines")
    account = models.CharField(max_length=30, choices=Account.choices)
    amount = MoneyField(
        max_digits=16,
        decimal_places=2,
        default_currency=BASE_CURRENCY,
        currency_choices=CURRENCY_CHOICES,
        help_text="Debits positive, credits negative.",
    )
    funder = models.ForeignKey("funders.Funder", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    round = models.ForeignKey("projects.Round", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    award = models.ForeignKey(
        "grants.Award", on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_lines"
    )

    objects = LedgerLineQuerySet.as_manager()

    class Meta:
        ordering = ["transaction_id", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_currency__in=CURRENCIES), name="ledger_line_currency_known"),
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_line_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.get_account_display()} {self.amount}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AppendOnly("a posted ledger line cannot be changed; post a reversal")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("a posted ledger line cannot be deleted; post a reversal")
