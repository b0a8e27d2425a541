"""The pages, by audience. The root URLconf mounts each list under its own prefix and namespace."""

from django.urls import path, re_path

from grants.views import (
    activity,
    approvals,
    calendar,
    corrections,
    exports,
    funder,
    lists,
    payment_runs,
    portfolio,
    researcher,
    reviews,
    statements,
)

# The administrators' portfolio, under /portfolio/ (namespace "grants").
administrators = [
    path("", portfolio.portfolio, name="portfolio"),
    path("waitlist/", portfolio.waitlist, name="waitlist"),
    path("calendar/", portfolio.calendar, name="calendar"),
    re_path(r"^calendar/(?P<year>[0-9]{4})-(?P<month>[0-9]{2})/$", calendar.calendar_month, name="calendar_month"),
    path("charts/", portfolio.charts, name="charts"),
    path("rounds/<int:pk>/", portfolio.round_detail, name="round"),
    path("awards/", lists.awards, name="award_list"),
    path("projects/", lists.projects, name="project_list"),
    path("projects/<int:pk>/", portfolio.project_detail, name="project"),
    path("projects/<int:pk>/award/", portfolio.award_project, name="award_project"),
    path("awards/<int:pk>/", portfolio.award_detail, name="award"),
    path("awards/<int:pk>/amend/", corrections.amend_award_page, name="amend_award"),
    re_path(
        r"^(?P<kind>pledges|receipts|conversions|payments)/(?P<pk>[0-9]+)/reverse/$",
        corrections.reverse_record_page,
        name="reverse_record",
    ),
    path("pledges/new/", portfolio.record_pledge, name="record_pledge"),
    path("receipts/new/", portfolio.record_receipt, name="record_receipt"),
    path("conversions/new/", portfolio.record_conversion, name="record_conversion"),
    path("milestones/<int:pk>/report-received/", portfolio.milestone_report_received, name="milestone_received"),
    path("milestones/<int:pk>/approve/", portfolio.milestone_approve, name="milestone_approve"),
    path("milestones/<int:pk>/pay/", portfolio.record_disbursement, name="record_disbursement"),
    path("approvals/", approvals.approvals, name="approvals"),
    path("approvals/<int:pk>/", approvals.approval_detail, name="approval"),
    path("approvals/<int:pk>/approve/", approvals.approve, name="approval_approve"),
    path("approvals/<int:pk>/reject/", approvals.reject, name="approval_reject"),
    path("payment-runs/", payment_runs.payment_runs, name="payment_runs"),
    path("payment-runs/<int:pk>/", payment_runs.payment_run, name="payment_run"),
    path("payment-runs/<int:pk>/release/", payment_runs.release, name="payment_run_release"),
    path(
        "payment-runs/<int:pk>/remittance.csv",
        payment_runs.remittance_file,
        {"fmt": "csv"},
        name="payment_run_remittance_csv",
    ),
    path(
        "payment-runs/<int:pk>/remittance.xlsx",
        payment_runs.remittance_file,
        {"fmt": "xlsx"},
        name="payment_run_remittance_xlsx",
    ),
    path("milestones/<int:pk>/report/", reviews.review_report, name="review_report"),
    path("exports/360giving.json", exports.export_360giving, {"fmt": "json"}, name="export_360giving_json"),
    path("exports/360giving.csv", exports.export_360giving, {"fmt": "csv"}, name="export_360giving_csv"),
    path("exports/ledger.csv", exports.export_ledger, name="export_ledger"),
    path(
        "funders/<int:pk>/statement/",
        statements.funder_statement_for_administrators,
        {"fmt": "html"},
        name="funder_statement_page",
    ),
    path(
        "funders/<int:pk>/statement.csv",
        statements.funder_statement_for_administrators,
        {"fmt": "csv"},
        name="funder_statement",
    ),
    path(
        "funders/<int:pk>/statement.pdf",
        statements.funder_statement_for_administrators,
        {"fmt": "pdf"},
        name="funder_statement_pdf",
    ),
    path("activity/", activity.activity_log, name="activity"),
    path("activity.csv", activity.activity_csv, name="activity_csv"),
]

# A funder's contact's own pages, under /funder/ (namespace "funder").
funders = [
    path("", funder.dashboard, name="dashboard"),
    path("statement/", statements.own_statement, {"fmt": "html"}, name="statement_page"),
    path("statement.csv", statements.own_statement, {"fmt": "csv"}, name="statement"),
    path("statement.pdf", statements.own_statement, {"fmt": "pdf"}, name="statement_pdf"),
]

# A researcher's awards, under /awards/ (namespace "researcher").
researchers = [
    path("", researcher.my_awards, name="my_awards"),
    path("<int:pk>/", researcher.award_detail, name="award"),
    path("<int:pk>/accept/", researcher.accept_award, name="accept_award"),
    path("milestones/<int:pk>/report/", researcher.upload_report, name="upload_report"),
    path("reports/<int:pk>/file/", researcher.report_file, name="report_file"),
]
