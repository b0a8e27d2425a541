"""The remittance file of a released payment run, for the finance team: one row per payment, CSV or XLSX.

Every text cell goes through `neutralise` (alignment_fund.spreadsheet_safety): a project title or a lead's name that
starts like a formula shows as written and runs nothing. Amounts are decimal strings in the CSV and numbers in the
XLSX, always in GBP."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import Workbook

from alignment_fund.spreadsheet_safety import neutralise_row
from grants.models import PaymentRun
from grants.reads.payment_runs import run_items

COLUMNS = [
    "payment_reference",
    "paid_on",
    "award_reference",
    "project_reference",
    "payee",
    "institution",
    "milestone",
    "milestone_title",
    "amount",
    "currency",
]


def filename(run: PaymentRun, extension: str) -> str:
    return f"remittance-{run.month:%Y-%m}-run-{run.pk}.{extension}"


def rows(run: PaymentRun) -> list[list]:
    out = []
    for item in run_items(run):
        milestone = item.milestone
        project = milestone.award.project
        payment = item.disbursement
        out.append(
            [
                payment.reference if payment else "",
                payment.paid_on.isoformat() if payment else "",
                milestone.award.reference,
                project.reference,
                project.lead_name,
                project.institution,
                milestone.number,
                milestone.title,
                item.amount.amount,
                item.amount_currency,
            ]
        )
    return out


def remittance_csv(run: PaymentRun) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in rows(run):
        writer.writerow(neutralise_row([f"{cell:.2f}" if isinstance(cell, Decimal) else cell for cell in row]))
    return buffer.getvalue().encode("utf-8")


def remittance_xlsx(run: PaymentRun) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"Run {run.month:%Y-%m}"
    sheet.append(COLUMNS)
    for row in rows(run):
        sheet.append(neutralise_row(row))
        sheet.cell(row=sheet.max_row, column=COLUMNS.index("amount") + 1).number_format = "#,##0.00"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
RENDERERS = {"csv": remittance_csv, "xlsx": remittance_xlsx}
