"""Importing the review panel's spreadsheet of vetted projects: the command and the admin's resource share one row
logic, report errors by row and column, write all or nothing, and change nothing the second time."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from djmoney.money import Money
from openpyxl import Workbook

from alignment_fund.spreadsheets.reading import read_csv
from alignment_fund.spreadsheets.report import CellError
from projects.imports import import_projects
from projects.models import Project
from tests.factories import FundFactory, ResearchAreaFactory, RoundFactory, UserFactory

HEADERS = [
    "Reference",
    "Title",
    "Lead name",
    "Lead email",
    "Institution",
    "Institution org-id",
    "Country",
    "Research area",
    "Amount requested (GBP)",
    "Panel score",
    "Date vetted",
    "Round number",
    "Compute requested",
    "Expert support requested",
]


@pytest.fixture
def panel(db):
    fund = FundFactory()
    RoundFactory(fund=fund, number=1, name="Round 1")
    RoundFactory(fund=fund, number=2, name="Round 2")
    ResearchAreaFactory(name="Interpretability", slug="interpretability")
    ResearchAreaFactory(name="Learning theory", slug="learning-theory")
    return UserFactory(username="ada", email="Ada@Example.org")


def project_row(n: int, **changes) -> list:
    row = {
        "Reference": f"R2-{n:05d}",
        "Title": f"Project number {n}",
        "Lead name": f"Researcher {n}",
        "Lead email": "",
        "Institution": "University of Edinburgh" if n % 3 else "",
        "Institution org-id": "GB-EDU-133795" if n % 3 else "",
        "Country": ["GB", "US", "CA", "DE"][n % 4],
        "Research area": "Interpretability" if n % 2 else "learning-theory",
        "Amount requested (GBP)": f"{50000 + n * 10}.50",
        "Panel score": f"{(n % 100) / 10:.1f}",
        "Date vetted": "2026-01-15" if n % 2 else "15/01/2026",
        "Round number": "2",
        "Compute requested": "yes" if n % 5 == 0 else "no",
        "Expert support requested": "Y" if n % 7 == 0 else "",
    }
    row.update(changes)
    return [row[h] for h in HEADERS]


def write_csv(path, rows, headers=HEADERS):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def run(*args) -> tuple[str, str, CommandError | None]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_projects", *map(str, args), stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


def test_an_import_creates_vetted_projects_linked_to_their_lead_by_email(panel, tmp_path):
    rows = [project_row(1, **{"Lead email": "ada@example.org"}), project_row(2, **{"Lead email": "bo@example.org"})]
    path = write_csv(tmp_path / "panel.csv", rows)

    out, err, error = run(path, "--verbosity", "2")

    assert error is None, err
    first, second = Project.objects.order_by("reference")
    assert first.reference == "R2-00001"
    assert first.status == Project.Status.VETTED
    assert first.lead == panel
    assert first.amount_requested == Money("50010.50", "GBP")
    assert first.panel_score == Decimal("0.1")
    assert first.vetted_on == date(2026, 1, 15)
    assert first.round.number == 2
    assert first.research_area.name == "Interpretability"
    assert first.institution_org_id == "GB-EDU-133795"
    assert second.vetted_on == date(2026, 1, 15)  # 15/01/2026 is read day first
    assert second.research_area.slug == "learning-theory"
    assert second.lead is None
    assert "2 rows: 2 new, 0 unchanged, 0 with errors." in out
    assert "(no account uses bo@example.org yet: link the lead later in the admin)" in out


def test_a_dry_run_reports_each_error_by_row_and_column_and_writes_nothing(panel, tmp_path):
    rows = [project_row(n) for n in range(1, 21)]
    rows[10] = project_row(11, **{"Amount requested (GBP)": "ten"})  # spreadsheet row 12
    rows[11] = project_row(12, **{"Panel score": "11"})
    rows[12] = project_row(13, **{"Research area": "Alchemy"})
    rows[13] = project_row(14, Reference="R2-00003")
    rows[14] = project_row(15, **{"Date vetted": "31/02/2026", "Country": "UK"})
    path = write_csv(tmp_path / "panel.csv", rows)

    out, err, error = run(path, "--dry-run")

    assert error is not None
    assert "Row 12, column 'Amount requested (GBP)': 'ten' is not an amount" in err
    assert "Row 13, column 'Panel score': '11' is outside 0–10" in err
    assert "Row 14, column 'Research area': 'Alchemy' is not a research area" in err
    assert "Row 15, column 'Reference': 'R2-00003' is also on row 4" in err
    assert "Row 16, column 'Date vetted': '31/02/2026' is not a date" in err
    assert "Row 16, column 'Country': 'UK' is not an ISO 3166 country code: the United Kingdom is GB" in err
    assert "20 rows: 15 new, 0 unchanged, 5 with errors. Nothing would be imported" in out
    assert "Row 2: new: R2-00001 'Project number 1', £50,010.50" in out  # the dry run shows each row's action
    assert Project.objects.count() == 0


def test_one_bad_row_means_nothing_is_written(panel, tmp_path):
    rows = [project_row(n) for n in range(1, 6)] + [project_row(6, **{"Round number": "9"})]
    path = write_csv(tmp_path / "panel.csv", rows)

    _, err, error = run(path)

    assert "Nothing was imported" in str(error)
    assert "Row 7, column 'Round number': there is no round 9" in err
    assert Project.objects.count() == 0


def test_importing_the_same_file_again_changes_nothing(panel, tmp_path):
    path = write_csv(tmp_path / "panel.csv", [project_row(n) for n in range(1, 11)])
    run(path)
    before = list(Project.objects.order_by("pk").values_list("pk", "reference", "title", "created_at"))

    out, _, error = run(path)

    assert error is None
    assert "10 rows: 0 new, 10 unchanged, 0 with errors." in out
    assert list(Project.objects.order_by("pk").values_list("pk", "reference", "title", "created_at")) == before


def test_a_row_that_differs_from_the_stored_project_is_an_error_not_an_update(panel, tmp_path):
    run(write_csv(tmp_path / "first.csv", [project_row(1, Title="The stored title")]))
    path = write_csv(tmp_path / "panel.csv", [project_row(1), project_row(2)])

    _, err, error = run(path)

    assert error is not None
    assert err.splitlines() == [
        "Row 2, column 'Title': R2-00001 is already recorded with 'The stored title': an import never changes an "
        "existing project (correct it in the admin, or fix the file)"
    ]
    assert Project.objects.get(reference="R2-00001").title == "The stored title"
    assert not Project.objects.filter(reference="R2-00002").exists()


def test_missing_columns_are_named_and_unknown_ones_ignored(panel, tmp_path):
    headers = [h for h in HEADERS if h != "Panel score"] + ["Favourite colour"]
    rows = [[*(v for h, v in zip(HEADERS, project_row(1), strict=True) if h != "Panel score"), "blue"]]
    path = write_csv(tmp_path / "panel.csv", rows, headers=headers)

    out, err, error = run(path, "--dry-run")

    assert error is not None
    assert "The file has no 'panel score' column." in err
    assert "Column 'Favourite colour' is not one this import reads: it was ignored." in out


def test_an_xlsx_file_with_real_date_and_number_cells_imports_like_the_csv(panel, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    sheet.append(
        ["R2-00001", "Typed cells", "Ann", None, "UCL", None, "gb", "Interpretability", 250000.5, 8.25]
        + [date(2026, 1, 15), 2, True, None]
    )
    sheet.append([None] * len(HEADERS))  # a blank row is skipped, and row numbers stay Excel's
    sheet.append(["R2-00002", "Second", "Bo", None, None, None, "US", "Learning theory", "ten", 7, "2026-01-16", 2])
    book.save(tmp_path / "panel.xlsx")

    _, err, error = run(tmp_path / "panel.xlsx", "--dry-run")
    assert "Row 4, column 'Amount requested (GBP)': 'ten' is not an amount" in err

    sheet.cell(row=4, column=9, value=120000)
    book.save(tmp_path / "panel.xlsx")
    _, err, error = run(tmp_path / "panel.xlsx")

    assert error is None, err
    project = Project.objects.get(reference="R2-00001")
    assert project.amount_requested == Money("250000.50", "GBP")
    assert project.panel_score == Decimal("8.25")
    assert project.country == "GB"
    assert project.compute_requested is True
    assert Project.objects.get(reference="R2-00002").amount_requested == Money("120000.00", "GBP")


def test_the_command_shows_a_progress_bar_on_a_terminal(panel, tmp_path):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    path = write_csv(tmp_path / "panel.csv", [project_row(n) for n in range(1, 30)])
    terminal = Terminal()

    call_command("import_projects", str(path), "--dry-run", stdout=io.StringIO(), stderr=terminal)

    assert "Checking rows" in terminal.getvalue()
    assert "29/29" in terminal.getvalue()


def csv_table(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return read_csv(out.getvalue().encode())


def test_a_check_reports_the_errors_by_row_and_column_and_writes_nothing(panel):
    rows = [project_row(1), project_row(2, **{"Panel score": "-1"})]

    report = import_projects(csv_table(rows), actor=panel, dry_run=True)

    assert not report.ok
    assert report.errors == [CellError(3, "Panel score", "'-1' is outside 0–10")]
    assert Project.objects.count() == 0


def test_a_check_then_an_import_then_a_repeat_reported_as_unchanged(panel):
    rows = [project_row(1), project_row(2)]

    preview = import_projects(csv_table(rows), actor=panel, dry_run=True)
    assert Project.objects.count() == 0
    assert preview.counts["new"] == 2
    result = import_projects(csv_table(rows), actor=panel)
    again = import_projects(csv_table(rows), actor=panel)

    assert result.ok and result.written
    assert [r.instance.reference for r in result.rows] == ["R2-00001", "R2-00002"]
    assert Project.objects.count() == 2
    assert (again.counts["new"], again.counts["unchanged"]) == (0, 2)


def test_five_thousand_rows_dry_run_with_errors_then_all_or_nothing_then_a_repeat_that_changes_nothing(
    panel, tmp_path, django_assert_max_num_queries
):
    rows = [project_row(n) for n in range(1, 5001)]
    broken = list(rows)
    broken[10] = project_row(11, **{"Amount requested (GBP)": "ten"})
    broken[2500] = project_row(2501, **{"Research area": "Numerology"})
    broken[4998] = project_row(4999, Reference="R2-00007")
    bad, good = write_csv(tmp_path / "bad.csv", broken), write_csv(tmp_path / "good.csv", rows)

    _, err, error = run(bad, "--dry-run")
    assert error is not None
    assert err.splitlines() == [
        "Row 12, column 'Amount requested (GBP)': 'ten' is not an amount",
        "Row 2502, column 'Research area': 'Numerology' is not a research area (the areas are: Interpretability, "
        "Learning theory)",
        "Row 5000, column 'Reference': 'R2-00007' is also on row 8",
    ]
    _, err, error = run(bad)
    assert error is not None and Project.objects.count() == 0

    report = import_projects(read_csv(good.read_bytes()))  # the command's own function, to count its queries
    assert report.written and report.counts == {"new": 5000, "unchanged": 0, "error": 0}
    assert Project.objects.count() == 5000

    with django_assert_max_num_queries(20):  # lookups are loaded per file, never per row
        again = import_projects(read_csv(good.read_bytes()))
    assert again.counts == {"new": 0, "unchanged": 5000, "error": 0}
    assert Project.objects.count() == 5000


# The admin's Import button, end to end, on the real admin site.


def test_the_admin_previews_then_imports_a_file_and_refuses_a_bad_one(panel, client, tmp_path, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:projects_project_import")
    good = write_csv(tmp_path / "good.csv", [project_row(1), project_row(2)])
    bad = write_csv(tmp_path / "bad.csv", [project_row(1), project_row(2, **{"Panel score": "eleven"})])

    with open(bad, "rb") as f:
        refused = client.post(url, {"import_file": f})
    assert refused.status_code == 200
    assert "Row 3, column &#x27;Panel score&#x27;: &#x27;eleven&#x27; is not a number" in refused.content.decode()
    assert refused.context.get("confirm_form") is None
    with open(good, "rb") as f:
        preview = client.post(url, {"import_file": f})
    confirm = preview.context["confirm_form"]
    assert Project.objects.count() == 0
    done = client.post(reverse("admin:projects_project_process_import"), confirm.initial, follow=True)

    assert done.status_code == 200
    assert "Imported: 2 new rows, 0 unchanged." in done.content.decode()
    assert Project.objects.count() == 2
    assert LogEntry.objects.filter(user=admin_user, action_flag=ADDITION).count() == 2


def test_the_admin_imports_nothing_when_the_data_changed_since_the_preview(panel, client, tmp_path, admin_user):
    client.force_login(admin_user)
    path = write_csv(tmp_path / "panel.csv", [project_row(1), project_row(2)])
    with open(path, "rb") as f:
        preview = client.post(reverse("admin:projects_project_import"), {"import_file": f})
    run(write_csv(tmp_path / "meanwhile.csv", [project_row(2, Title="Changed meanwhile")]))

    done = client.post(
        reverse("admin:projects_project_process_import"), preview.context["confirm_form"].initial, follow=True
    )

    page = done.content.decode()
    assert "Nothing was imported. Row 3, column &#x27;Title&#x27;: R2-00002 is already recorded" in page
    assert list(Project.objects.values_list("reference", flat=True)) == ["R2-00002"]
    again = client.post(reverse("admin:projects_project_process_import"), preview.context["confirm_form"].initial)
    assert again.status_code == 302  # the stored upload was used once, then deleted
    assert list(Project.objects.values_list("reference", flat=True)) == ["R2-00002"]
