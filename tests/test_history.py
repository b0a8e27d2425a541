"""The history of every record: written on every write path (pages, back office, API, import) with who made the
change, append-only in the database, shown per record in the back office and fund-wide in the activity log."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from alignment_fund.rates.models import ExchangeRate
from alignment_fund.rates.storage import store
from funders.models import Funder, Pledge
from grants.imports.pledges import import_pledges
from grants.models import Award, AwardAttribution, Milestone
from projects.models import Project
from tests.conftest import shipped_rates
from tests.factories import UserFactory, build_world
from tests.grants.test_instalments import csv_table

TODAY = "2026-02-20"


@pytest.fixture(scope="module")
def fund(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        override_settings(FUND_TODAY=TODAY, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        store(shipped_rates(date(2025, 1, 1)), ExchangeRate.Source.ECB_HISTORY)
        yield build_world(UserFactory(username="alice-admin", is_staff=True, is_superuser=True))
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _fund_today(settings):
    settings.FUND_TODAY = TODAY


def test_an_operation_writes_history_for_what_it_bulk_creates(fund, db):
    """Awards create their attributions (and planned milestones) with bulk_create: their history is written too."""
    award = fund.award_a
    attributions = AwardAttribution.objects.filter(award=award)
    assert attributions.exists()
    for attribution in attributions:
        first = attribution.history.get()
        assert first.history_type == "+" and first.history_user == fund.admin
    assert Award.history.filter(id=award.pk, history_type="+").get().history_user == fund.admin


def test_a_page_writes_history_with_its_user(fund, db, client):
    client.force_login(fund.admin)
    form = {
        "funder": fund.funder_b.pk,
        "reference": "PH-PAGE",
        "amount": "1000",
        "currency": "GBP",
        "pledged_on": "2026-01-05",
        "instalments-TOTAL_FORMS": "0",
        "instalments-INITIAL_FORMS": "0",
    }
    assert client.post(reverse("grants:record_pledge"), form).status_code == 302
    row = Pledge.history.get(reference="PH-PAGE")
    assert row.history_type == "+" and row.history_user == fund.admin


def test_the_back_office_writes_history_with_its_user(fund, db, client):
    client.force_login(fund.admin)
    funder = fund.funder_a
    url = reverse("admin:funders_funder_change", args=[funder.pk])
    form = {
        "name": funder.name,
        "slug": funder.slug,
        "kind": funder.kind,
        "country": funder.country,
        "org_id": "",
        "website": "",
        "currency": funder.currency,
        "disclose_amounts": "on",
        "publicly_named": "on",
        "administered_by": "",
        "notes": "Met them in March.",
        "contacts-TOTAL_FORMS": "1",
        "contacts-INITIAL_FORMS": "1",
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "1000",
        "contacts-0-id": funder.contacts.get().pk,
        "contacts-0-funder": funder.pk,
        "contacts-0-user": fund.contact_a.pk,
        "contacts-0-job_title": "",
        "pledges-TOTAL_FORMS": "1",
        "pledges-INITIAL_FORMS": "1",
        "pledges-MIN_NUM_FORMS": "0",
        "pledges-MAX_NUM_FORMS": "1000",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    latest = Funder.history.filter(id=funder.pk).order_by("-history_id").first()
    assert latest.history_type == "~" and latest.notes == "Met them in March." and latest.history_user == fund.admin
    page = client.get(reverse("admin:funders_funder_history", args=[funder.pk]))
    assert page.status_code == 200 and b"alice-admin" in page.content
    version = client.get(reverse("admin:funders_funder_simple_history", args=[funder.pk, latest.history_id]))
    assert version.status_code == 200 and b"Met them in March." in version.content
    assert (
        client.post(reverse("admin:funders_funder_simple_history", args=[funder.pk, latest.history_id])).status_code
        == 405
    )


def test_the_api_writes_history_with_its_user(fund, db, client):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=fund.admin)
    body = {
        "funder": fund.funder_b.pk,
        "amount": {"amount": "1000.00", "currency": "GBP"},
        "pledged_on": "2026-01-05",
        "reference": "PH-API",
    }
    response = client.post(
        "/api/pledges/", body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {token.key}"
    )
    assert response.status_code == 201, response.json()
    assert Pledge.history.get(reference="PH-API").history_user == fund.admin


def test_the_import_writes_history_with_its_user(fund, db):
    header = ["funder", "pledge reference", "amount", "currency", "pledged on"]
    report = import_pledges(csv_table([header, ["funder-b", "PH-CSV", "1000", "GBP", "2026-01-05"]]), actor=fund.admin)
    assert not report.errors, report.errors
    assert Pledge.history.get(reference="PH-CSV").history_user == fund.admin


def test_the_project_import_writes_history_though_it_bulk_creates(fund, db):
    from projects.imports import import_projects
    from tests.projects.test_imports import csv_table as project_table
    from tests.projects.test_imports import project_row

    before = Project.history.count()
    row = project_row(999, **{"Round number": "1", "Research area": "Interpretability"})
    report = import_projects(project_table([row]), actor=fund.admin)
    assert not report.errors, report.errors
    assert Project.history.count() == before + 1
    assert Project.history.get(reference="R2-00999").history_user == fund.admin


def test_history_rows_cannot_be_changed(fund, db):
    row = Funder.history.filter(id=fund.funder_a.pk).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        Funder.history.filter(history_id=row.history_id).update(notes="rewritten")
    assert Funder.history.get(history_id=row.history_id).notes == row.notes


@pytest.mark.postgres
def test_history_rows_cannot_be_removed_on_postgresql(fund, db):
    row = Funder.history.filter(id=fund.funder_a.pk).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        Funder.history.filter(history_id=row.history_id).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE funders_historicalfunder")


def test_the_activity_log_lists_changes_with_who_and_what(fund, db, client):
    Funder.objects.filter(pk=fund.funder_a.pk).first().save()  # a save with nothing changed still leaves a row
    funder = Funder.objects.get(pk=fund.funder_a.pk)
    funder.notes = "Renewal due in May."
    funder.save()
    client.force_login(fund.admin)
    page = client.get(reverse("grants:activity"), {"model": "funders.funder"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "Renewal due in May." in text and "notes" in text
    mine = client.get(reverse("grants:activity"), {"user": fund.admin.pk})
    assert "Renewal due in May." not in mine.content.decode()  # that change was made outside any request
    bad = client.get(reverse("grants:activity"), {"since": "2026-03-01", "until": "2026-01-01"})
    assert bad.status_code == 200 and "The first day is after the last." in bad.content.decode()


def test_the_activity_log_costs_a_fixed_number_of_queries(fund, db, client):
    client.force_login(fund.admin)
    client.get(reverse("grants:activity"))
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("grants:activity"))
    for number in range(5):
        Milestone.objects.create(
            award=fund.award_b, number=10 + number, title="m", due_on=date(2026, 5, 1), amount=fund.award_b.amount
        )
    with CaptureQueriesContext(connection) as more:
        client.get(reverse("grants:activity"))
    assert len(more) == len(first)


def test_the_activity_csv_streams_safe_cells(fund, db, client):
    funder = Funder.objects.get(pk=fund.funder_a.pk)
    funder.notes = '=HYPERLINK("http://evil")'
    funder.save()
    client.force_login(fund.admin)
    response = client.get(reverse("grants:activity_csv"), {"model": "funders.funder"})
    assert response.status_code == 200 and response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["when", "user", "model", "record", "change", "field", "before", "after", "reason"]
    changed = [r for r in rows[1:] if r[5] == "notes"]
    assert changed and changed[-1][7].startswith("'=")
    assert client.get(reverse("grants:activity_csv"), {"since": "nonsense"}).status_code == 400
