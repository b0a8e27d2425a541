"""The pages, by audience. The root URLconf mounts each list under its own prefix and namespace."""

from django.urls import path

from grants.views import activity, exports, funder, lists, portfolio, researcher, reviews, statements

# The administrators' portfolio, under /portfolio/ (namespace "grants").
administrators = [
    path("", portfolio.portfolio, name="portfolio"),
    path("waitlist/", portfolio.waitlist, name="waitlist"),
    path("calendar/", portfolio.calendar, name="calendar"),
    path("charts/", portfolio.charts, name="charts"),
    path("rounds/<int:pk>/", portfolio.round_detail, name="round"),
    path("awards/", lists.awards, name="award_list"),
    path("projects/", lists.projects, name="project_list"),
    path("projects/<int:pk>/", portfolio.project_detail, name="project"),
    path("projects/<int:pk>/award/", portfolio.award_project, name="award_project"),
    path("awards/<int:pk>/", portfolio.award_detail, name="award"),
    path("pledges/new/", portfolio.record_pledge, name="record_pledge"),
    path("receipts/new/", portfolio.record_receipt, name="record_receipt"),
    path("conversions/new/", portfolio.record_conversion, name="record_conversion"),
    path("milestones/<int:pk>/report-received/", portfolio.milestone_report_received, name="milestone_received"),
    path("milestones/<int:pk>/approve/", portfolio.milestone_approve, name="milestone_approve"),
    path("milestones/<int:pk>/pay/", portfolio.record_disbursement, name="record_disbursement"),
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
