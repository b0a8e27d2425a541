"""The fund's version moves with every change to the fund's records and rates, whoever writes them, and the figures
remembered under it follow (grants.models.fund_changes, grants.reads.remembered)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import psycopg
import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alignment_fund.rates.models import ExchangeRate
from funders.models import Funder, FunderContact
from grants.models import Award, AwardAttribution, RememberedFigure, SummarySnapshot
from grants.models.fund_changes import (
    POSTGRES_VERSION,
    WATCHED_TABLES,
    forget_changes,
    fund_version,
    postgres_version,
)
from grants.reads import remembered as remembered_module
from grants.reads.allocation import awards_by_round_and_area
from grants.reads.portfolio import area_rows
from grants.reads.remembered import forget, forget_old_figures, remembered
from grants.tasks import refresh_allocation_summaries
from projects.models import Project

ON = date(2026, 10, 30)
NOT_WATCHED = {"grants_ledgerdaytotal", "grants_summarysnapshot", "grants_fundchange", "grants_rememberedfigure"}


def _tables() -> set[str]:
    return {
        model._meta.db_table
        for label in ("funders", "projects", "grants", "rates")
        for model in apps.get_app_config(label).get_models()
        if getattr(model, "instance_type", None) is None  # not a record's history
    }


def test_every_table_of_the_funds_records_and_rates_is_watched():
    assert _tables() - set(WATCHED_TABLES) == NOT_WATCHED
    assert set(WATCHED_TABLES) <= _tables()


@pytest.mark.django_db
def test_the_database_has_the_triggers_on_every_watched_table():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE '%%_fund_change'")
            watched = [table for (table,) in cursor.fetchall()]
            assert sorted(watched) == sorted(WATCHED_TABLES)
        else:
            cursor.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_fund_change_%'")
            watched = [table for (table,) in cursor.fetchall()]
            assert sorted(watched) == sorted(table for table in WATCHED_TABLES for _ in range(3))


class TestEveryWayOfWritingMovesTheVersion:
    def test_a_record_saved(self, world):
        before = fund_version()
        world.funder_a.name = "Renamed"
        world.funder_a.save()
        assert fund_version() != before

    def test_a_bulk_update_and_a_delete(self, world):
        before = fund_version()
        Award.objects.filter(pk=world.award_a.pk).update(awarded_on=world.award_a.awarded_on)  # even to the same
        after_update = fund_version()
        assert after_update != before
        FunderContact.objects.filter(user=world.contact_b).delete()
        assert fund_version() != after_update

    def test_a_hand_written_statement(self, world):
        before = fund_version()
        with connection.cursor() as cursor:
            cursor.execute("UPDATE projects_project SET research_area_id = %s", [world.other_area.pk])
        assert fund_version() != before

    def test_a_rate_stored(self, world):
        before = fund_version()
        ExchangeRate.objects.create(currency="USD", rate_date=date(2030, 1, 2), rate=Decimal("1.1"), source="ecb")
        assert fund_version() != before

    def test_but_not_a_read_nor_a_summary_snapshot(self, world):
        before = fund_version()
        list(Award.objects.all())
        SummarySnapshot.objects.create(as_of=ON, ledger_version=0, data={}, digest="x" * 64)
        assert fund_version() == before


class TestRemembered:
    def test_a_figure_is_worked_out_once_a_version(self, world):
        calls = []

        def figure(on):
            calls.append(on)
            return {"on": on}

        assert remembered("test_figure", figure, ON) == {"on": ON}
        assert remembered("test_figure", figure, ON) == {"on": ON}
        assert calls == [ON]
        assert remembered("test_figure", figure, date(2026, 10, 31)) == {"on": date(2026, 10, 31)}
        assert len(calls) == 2
        world.funder_a.save()
        remembered("test_figure", figure, ON)
        assert len(calls) == 3

    def test_records_are_passed_by_their_key_never_as_read_before_the_version(self, world):
        with pytest.raises(TypeError, match="by its primary key"):
            remembered("test_funder", lambda funder: funder.pk, world.funder_a)
        assert remembered("test_funder", lambda pk: pk, world.funder_a.pk) == world.funder_a.pk
        assert remembered("test_funder", lambda pk: pk, world.funder_b.pk) == world.funder_b.pk

    def test_an_answer_that_raises_is_not_remembered(self, world):
        calls = []

        def failing(on):
            calls.append(on)
            raise LookupError("no rate")

        for _ in range(2):
            with pytest.raises(LookupError):
                remembered("test_failing", failing, ON)
        assert len(calls) == 2

    def test_a_project_moved_to_another_area_moves_its_award_at_once(self, world):
        before = {row.area.pk: row.award_count for row in area_rows(ON)}
        assert awards_by_round_and_area(ON)  # remembered now
        moved = Project.objects.filter(pk=world.award_a.project_id).update(research_area=world.other_area)
        assert moved == 1
        after = {row.area.pk: row.award_count for row in area_rows(ON)}
        assert after[world.area.pk] == before[world.area.pk] - 1
        assert after[world.other_area.pk] == before[world.other_area.pk] + 1

    def test_the_portfolio_shows_a_funders_new_name_on_the_next_visit(self, world, client, settings):
        settings.FUND_TODAY = ON.isoformat()
        client.force_login(world.admin)
        first = client.get(reverse("grants:portfolio"))
        assert first.status_code == 200
        Funder.objects.filter(pk=world.funder_a.pk).update(name="A funder with a new name")
        second = client.get(reverse("grants:portfolio"))
        assert "A funder with a new name" not in first.content.decode()
        assert "A funder with a new name" in second.content.decode()


def _another_process():
    """What a process that has remembered nothing sees: nothing in memory, the figures kept in the database."""
    forget()


class TestKeptForEveryProcess:
    def test_a_figure_one_process_worked_out_is_read_by_another_until_the_next_change(self, world):
        calls = []

        def figure(on):
            calls.append(on)
            return {"on": on}

        assert remembered("test_kept", figure, ON) == {"on": ON}
        _another_process()
        assert remembered("test_kept", figure, ON) == {"on": ON}
        assert len(calls) == 1
        world.funder_a.save()
        _another_process()
        remembered("test_kept", figure, ON)
        assert len(calls) == 2

    def test_a_figure_kept_by_other_code_is_worked_out_again(self, world, monkeypatch):
        calls = []
        remembered("test_code", lambda on: calls.append(on) or len(calls), ON)
        monkeypatch.setattr(remembered_module, "code_digest", lambda: "the code after a deploy")
        _another_process()
        assert remembered("test_code", lambda on: calls.append(on) or len(calls), ON) == 2

    def test_a_kept_figure_not_signed_by_this_deployment_is_worked_out_again(self, world, settings):
        calls = []
        remembered("test_signed", lambda on: calls.append(on) or len(calls), ON)
        settings.SECRET_KEY = "another deployment's secret key, or someone who could write the table"
        _another_process()
        assert remembered("test_signed", lambda on: calls.append(on) or len(calls), ON) == 2

    def test_a_kept_figure_that_cannot_be_read_back_is_worked_out_again(self, world):
        calls = []
        remembered("test_unreadable", lambda on: calls.append(on) or len(calls), ON)
        row = RememberedFigure.objects.get(key__startswith="fund:test_unreadable")
        garbage = b"not a pickle"
        signature = remembered_module._signature(row.key, row.version, garbage)
        RememberedFigure.objects.filter(key=row.key).update(answer=signature + garbage)
        _another_process()
        assert remembered("test_unreadable", lambda on: calls.append(on) or len(calls), ON) == 2

    def test_a_figure_whose_version_moved_while_it_was_worked_out_is_not_remembered(self, world):
        calls = []

        def changing(on):
            calls.append(on)
            Funder.objects.filter(pk=world.funder_a.pk).update(name=f"Renamed {len(calls)}")
            return len(calls)

        assert remembered("test_moving", changing, ON) == 1
        assert not RememberedFigure.objects.filter(key__startswith="fund:test_moving").exists()
        assert remembered("test_moving", changing, ON) == 2

    def test_the_summary_job_keeps_the_pages_for_the_first_visit_after_a_change(self, world, client, settings):
        settings.FUND_TODAY = ON.isoformat()
        Funder.objects.filter(pk=world.funder_a.pk).update(name="Funder A, renamed")
        refresh_allocation_summaries()
        kept = set(RememberedFigure.objects.values_list("key", flat=True))
        pages = {f"fund:{name}:{ON}" for name in ("portfolio", "payment_calendar", "administrator_charts")}
        dashboards = {f"fund:funder_dashboard_page:{funder.pk}:{ON}" for funder in (world.funder_a, world.funder_b)}
        assert pages | dashboards <= kept
        _another_process()
        client.force_login(world.admin)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("grants:portfolio"))
        assert "Funder A, renamed" in response.content.decode()
        assert not any("grants_awardattribution" in query["sql"] for query in queries.captured_queries)

    def test_figures_nobody_replaced_for_two_days_are_forgotten(self, world):
        remembered("test_old", lambda on: on, ON)
        remembered("test_new", lambda on: on, ON)
        RememberedFigure.objects.filter(key__startswith="fund:test_old").update(
            worked_out_at=timezone.now() - timedelta(days=3)
        )
        assert forget_old_figures() == 1
        assert [key.split(":")[1] for key in RememberedFigure.objects.values_list("key", flat=True)] == ["test_new"]


class TestLongListCounts:
    """The count of a list that grows with the fund is remembered per version, under the list's own query: a
    filter or a reader's scope has a count of its own."""

    def _counted(self, client, url, query=None) -> tuple[int, bool]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, query or {})
        assert response.status_code == 200
        counted = any('COUNT(*) AS "__count"' in query["sql"] for query in queries.captured_queries)
        if url.startswith("/api/"):
            return response.json()["count"], counted
        return response.context["cl"].result_count, counted

    def test_a_filtered_count_is_remembered_per_filter_and_follows_the_next_change(self, world, client):
        client.force_login(world.admin)
        url = reverse("admin:grants_award_changelist")
        status = world.award_a.status
        same_status = Award.objects.filter(status=status).count()
        assert self._counted(client, url, {"status": status}) == (same_status, True)
        assert self._counted(client, url, {"status": status}) == (same_status, False)
        assert self._counted(client, url, {"status": status, "o": "-1"}) == (same_status, False)  # another order
        assert self._counted(client, url) == (Award.objects.count(), True)
        Award.objects.filter(pk=world.award_a.pk).update(status=Award.Status.COMPLETED)
        expected = same_status - 1 if status != Award.Status.COMPLETED else same_status
        assert self._counted(client, url, {"status": status}) == (expected, True)

    def test_each_reader_counts_only_their_own_rows(self, world, client):
        total = AwardAttribution.objects.count()
        own = AwardAttribution.objects.filter(funder=world.funder_a).count()
        assert 0 < own < total
        for user, expected in [(world.admin, total), (world.contact_a, own), (world.admin, total)]:
            client.force_login(user)
            assert self._counted(client, "/api/attributions/")[0] == expected
        led = Award.objects.filter(project__lead=world.researcher_a).count()
        assert 0 < led < Award.objects.count()
        for user, expected in [(world.admin, Award.objects.count()), (world.researcher_a, led)]:
            client.force_login(user)
            assert self._counted(client, "/api/awards/")[0] == expected


class TestEachFunderSeesItsOwn:
    """A funder's dashboard is remembered for that funder alone, and a funder that stops disclosing leaves the other
    funders' remembered pools at once."""

    def _pool_pledged(self, client, user):
        client.force_login(user)
        response = client.get(reverse("funder:dashboard"))
        assert response.status_code == 200
        return response.context["dashboard"]

    def test_one_funders_remembered_dashboard_is_never_anothers(self, world, client, settings):
        settings.FUND_TODAY = ON.isoformat()
        a = self._pool_pledged(client, world.contact_a)
        b = self._pool_pledged(client, world.contact_b)
        assert (a.funder.pk, b.funder.pk) == (world.funder_a.pk, world.funder_b.pk)
        assert self._pool_pledged(client, world.contact_a).funder.pk == world.funder_a.pk

    def test_a_funder_that_stops_disclosing_leaves_the_others_pool_on_the_next_visit(self, world, client, settings):
        settings.FUND_TODAY = ON.isoformat()
        Funder.objects.filter(pk=world.funder_b.pk).update(disclose_amounts=True)
        both = self._pool_pledged(client, world.contact_a).pool
        assert (both.funders_counted, both.left_out) == (2, 0)
        Funder.objects.filter(pk=world.funder_b.pk).update(disclose_amounts=False)
        alone = self._pool_pledged(client, world.contact_a).pool
        assert (alone.funders_counted, alone.left_out) == (1, 1)
        assert alone.pledged.gbp < both.pledged.gbp


@pytest.mark.postgres
class TestOnPostgreSQL:
    """Writers add rows of their own and never wait for one another; the version still moves when a transaction that
    took its row early commits late, and after the rows are folded it is one never seen before."""

    @pytest.fixture
    def second_connection(self, transactional_db):
        params = connection.get_connection_params()
        params = {k: v for k, v in params.items() if k in {"host", "port", "dbname", "user", "password"}}
        with psycopg.connect(**params) as other:
            yield other

    def test_a_database_that_refuses_to_keep_a_figure_still_gives_the_answer(self, fresh_world, second_connection):
        # Another connection holds the kept figures' table against writers (reads pass): keeping times out.
        second_connection.execute("LOCK TABLE grants_rememberedfigure IN EXCLUSIVE MODE")
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        try:
            with transaction.atomic():
                assert remembered("test_refused", lambda on: f"answer of {on}", ON) == f"answer of {ON}"
                # The caller's transaction is not spoilt by the refusal.
                assert Funder.objects.filter(pk=fresh_world.funder_a.pk).exists()
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
            second_connection.rollback()
        assert not RememberedFigure.objects.filter(key__startswith="fund:test_refused").exists()

    def test_a_transaction_that_commits_late_still_moves_the_version(self, fresh_world, second_connection):
        world = fresh_world
        second_connection.execute("UPDATE funders_funder SET name = 'Early' WHERE id = %s", [world.funder_a.pk])
        # The second connection's transaction is open: its row is not seen yet, and this write does not wait for it.
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
            try:
                cursor.execute("UPDATE funders_funder SET name = 'Later' WHERE id = %s", [world.funder_b.pk])
            finally:
                cursor.execute("RESET lock_timeout")
        seen = fund_version()
        second_connection.commit()
        assert fund_version() != seen

    def test_what_a_transaction_has_not_committed_has_a_version_of_its_own(self, fresh_world, second_connection):
        committed = fund_version()
        with transaction.atomic():
            Funder.objects.filter(pk=fresh_world.funder_a.pk).update(name="Not yet")
            inside = fund_version()
            Funder.objects.filter(pk=fresh_world.funder_a.pk).update(name="Still not")
            assert fund_version() not in {inside, committed}  # every write moves it, within a transaction too
            assert postgres_version(*second_connection.execute(POSTGRES_VERSION).fetchone()) == committed
            transaction.set_rollback(True)
        assert fund_version() == committed

    def test_rolling_back_to_a_savepoint_puts_back_the_version_and_the_next_write_has_a_new_one(self, fresh_world):
        with transaction.atomic():
            Funder.objects.filter(pk=fresh_world.funder_a.pk).update(name="First")
            first = fund_version()
            with transaction.atomic():
                Funder.objects.filter(pk=fresh_world.funder_a.pk).update(name="Second")
                second = fund_version()
                transaction.set_rollback(True)
            assert fund_version() == first  # the data is back to what it was at `first`
            Funder.objects.filter(pk=fresh_world.funder_a.pk).update(name="Third")
            assert fund_version() not in {first, second}
            transaction.set_rollback(True)

    def test_a_truncate_moves_the_version(self, fresh_world):
        before = fund_version()
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the world's foreign keys, checked before the TRUNCATE
            cursor.execute("TRUNCATE funders_fundercontact")
        assert fund_version() != before

    def test_folding_the_rows_gives_a_version_never_seen_before(self, fresh_world):
        seen = {fund_version()}
        for name in ("One", "Two", "Three"):
            Funder.objects.filter(pk=fresh_world.funder_a.pk).update(name=name)
            seen.add(fund_version())
        with connection.cursor() as cursor:
            cursor.execute("SELECT fund_forget_changes(0)")
            cursor.execute("SELECT COUNT(*) FROM grants_fundchange")
            assert cursor.fetchone() == (1,)
        assert fund_version() not in seen
        forget_changes()  # past KEEP_CHANGES only: one row stays one row
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM grants_fundchange")
            assert cursor.fetchone() == (1,)
