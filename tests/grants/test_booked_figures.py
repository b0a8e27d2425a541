"""Once the ledger has booked a record, the database refuses to change its amounts and dates under it (on SQLite and
PostgreSQL alike): a correction is a reversing entry. Fields the ledger did not book stay editable."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from importlib import import_module

import pytest
from django.db import DatabaseError, connection, transaction

from funders.models import Pledge, Receipt
from grants.models import Award, AwardAttribution


@pytest.mark.parametrize(
    "model, change",
    [
        (Receipt, {"amount": Decimal("1.00")}),
        (Receipt, {"received_on": date(2025, 1, 2)}),
        (Pledge, {"amount": Decimal("1.00")}),
        (Pledge, {"amount_currency": "EUR"}),
        (Award, {"amount": Decimal("60000.00")}),
        (AwardAttribution, {"share": Decimal("0.5")}),
    ],
)
def test_a_booked_amount_or_date_cannot_be_updated(world, model, change):
    row = model.objects.order_by("pk").first()
    with pytest.raises(DatabaseError, match="booked"), transaction.atomic():
        model.objects.filter(pk=row.pk).update(**change)
    stored = model.objects.get(pk=row.pk)
    assert all(getattr(stored, field) == getattr(row, field) for field in change)


def test_what_the_ledger_did_not_book_stays_editable(world):
    receipt = Receipt.objects.order_by("pk").first()
    Receipt.objects.filter(pk=receipt.pk).update(bank_reference="CORRECTED-REF")
    assert Receipt.objects.get(pk=receipt.pk).bank_reference == "CORRECTED-REF"
    award = Award.objects.order_by("pk").first()
    Award.objects.filter(pk=award.pk).update(mentor="Dr Someone Else")
    assert Award.objects.get(pk=award.pk).mentor == "Dr Someone Else"


def test_every_booked_table_keeps_its_trigger_after_every_migration(db):
    """SQLite drops a table's triggers when a migration remakes it: a later migration must put them back."""
    booked = import_module("grants.migrations.0004_booked_figures_are_final").BOOKED
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        triggers = {row[0] for row in cursor.fetchall()}
    assert {f"{table}_booked_is_final" for table in booked} <= triggers
