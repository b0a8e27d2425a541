"""How fast the spreadsheet imports run: 5,000 vetted projects and 1,000 pledges with receipts. Prints rows per
second for the dry run, the import and the repeat; asserts nothing about time. Run with `make bench`."""

from __future__ import annotations

import time

import pytest

from alignment_fund.spreadsheets.reading import read_table
from grants.imports.pledges import import_pledges
from projects.imports import import_projects
from tests.factories import FundFactory, ResearchAreaFactory, RoundFactory
from tests.funders.test_imports import pledge_row
from tests.funders.test_imports import write_csv as write_pledges
from tests.projects.test_imports import project_row
from tests.projects.test_imports import write_csv as write_projects

pytestmark = pytest.mark.benchmark


def timed(label: str, rows: int, run) -> None:
    started = time.perf_counter()
    report = run()
    seconds = time.perf_counter() - started
    assert report.ok, report.errors[:5]
    print(f"{label:<32} {rows:>6} rows {seconds:8.2f} s {rows / seconds:10.0f} rows/s  {report.counts}")


@pytest.mark.django_db
def test_importing_5000_vetted_projects(tmp_path):
    fund = FundFactory()
    RoundFactory(fund=fund, number=2)
    ResearchAreaFactory(name="Interpretability", slug="interpretability")
    ResearchAreaFactory(name="Learning theory", slug="learning-theory")
    path = write_projects(tmp_path / "projects.csv", [project_row(n) for n in range(1, 5001)])
    print()
    timed("projects: dry run", 5000, lambda: import_projects(read_table(path), dry_run=True))
    timed("projects: import", 5000, lambda: import_projects(read_table(path)))
    timed("projects: repeat (unchanged)", 5000, lambda: import_projects(read_table(path)))


def test_importing_1000_pledges_with_receipts(world, tmp_path):
    rows = []
    for n in range(1000):
        rows.append(
            pledge_row(
                **{
                    "Funder": "funder-a" if n % 2 else "funder-b",
                    "Pledge reference": f"BENCH-{n}",
                    "Amount": "1000.00",
                    "Currency": "USD" if n % 2 else "GBP",
                    "Pledged on": "2025-09-30",
                    "Receipt bank reference": f"BENCH-BANK-{n}",
                    "Receipt amount": "250.00",
                    "Received on": "2025-10-01",
                }
            )
        )
    path = write_pledges(tmp_path / "pledges.csv", rows)
    print()
    timed("pledges: dry run (writes rolled back)", 1000, lambda: import_pledges(read_table(path), dry_run=True))
    timed("pledges: import via the actions", 1000, lambda: import_pledges(read_table(path), actor=world.admin))
    timed("pledges: repeat (unchanged)", 1000, lambda: import_pledges(read_table(path)))
