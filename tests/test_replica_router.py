"""Reads of the fund's data in safe requests go to the read replica; writes, and every read of a request that may
write, never do. The `replica` alias is a TEST MIRROR of the default database, so both connections see one database
and the test can tell which connection each query went through."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connections, router
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from alignment_fund.db_router import REPLICA, replica_reads
from funders.models import Pledge
from grants import actions
from grants.models import LedgerLine

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture
def world(fresh_world):
    """These tests commit, so each builds its own world."""
    return fresh_world


def captured(run):
    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(connections[REPLICA]) as rep:
        run()
    return [q["sql"] for q in primary.captured_queries], [q["sql"] for q in rep.captured_queries]


def is_read(sql: str) -> bool:
    """A SELECT, or a UNION of SELECTs in parentheses."""
    return sql.lstrip(" (\n").upper().startswith("SELECT")


@override_settings(READ_REPLICA=True)
def test_a_page_reads_the_fund_from_the_replica_and_writes_nothing_there(world, client):
    client.force_login(world.admin)
    primary, replica = captured(lambda: client.get(reverse("grants:portfolio")))
    assert any("grants_ledgerdaytotal" in sql for sql in replica)
    assert all(is_read(sql) for sql in replica), [sql for sql in replica if not is_read(sql)]
    # The fund's figures did not come from the primary; the session and the user did.
    assert not any("grants_ledger" in sql for sql in primary)
    assert any("django_session" in sql for sql in primary)
    # (The fund's rows may join their users, who asked for an approval or sent a report: that is still a read of the
    # fund. Signing in, the session and the user themselves stay on the primary.)
    assert not any("django_session" in sql or 'FROM "alignment_fund_user"' in sql for sql in replica)


@override_settings(READ_REPLICA=True)
def test_a_post_and_a_write_never_touch_the_replica(world, client):
    client.force_login(world.admin)
    primary, replica = captured(lambda: client.post(reverse("grants:record_pledge"), {"amount_0": "nonsense"}))
    assert replica == [] and primary
    with replica_reads():
        assert router.db_for_write(Pledge) == "default"
        primary, replica = captured(
            lambda: actions.do_record_pledge(
                world.admin,
                funder=world.funder_a,
                amount="1000.00",
                currency="USD",
                pledged_on=date(2025, 8, 1),
                reference="REPLICA-1",
            )
        )
    assert replica == []
    assert any(sql.lstrip().upper().startswith("INSERT") and "grants_ledgerline" in sql for sql in primary)
    pledge = Pledge.objects.get(reference="REPLICA-1")
    assert LedgerLine.objects.filter(transaction__key=f"pledge:{pledge.pk}").count() == 2


def test_without_a_replica_everything_stays_on_the_primary(world, client):
    client.force_login(world.admin)
    with replica_reads():
        assert router.db_for_read(LedgerLine) == "default"
    _, replica = captured(lambda: client.get(reverse("grants:portfolio")))
    assert replica == []
