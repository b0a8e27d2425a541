"""The pages, by audience. The root URLconf mounts each list under its own prefix and namespace."""

from django.urls import path, re_path

from grants.views import corrections, exports, funder, portfolio, researcher

# The administrators' portfolio, under /portfolio/ (namespace "grants").
administrators = [
    path("", portfolio.portfolio, name="portfolio"),
    path("waitlist/", portfolio.waitlist, name="waitlist"),
    path("calendar/", portfolio.calendar, name="calendar"),
    path("rounds/<int:pk>/", portfolio.round_detail, name="round"),
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
    path("exports/360giving.json", exports.export_360giving, {"fmt": "json"}, name="export_360giving_json"),
    path("exports/360giving.csv", exports.export_360giving, {"fmt": "csv"}, name="export_360giving_csv"),
    path("exports/ledger.csv", exports.export_ledger, name="export_ledger"),
]

# A funder's contact's own pages, under /funder/ (namespace "funder").
funders = [
    path("", funder.dashboard, name="dashboard"),
    path("statement.csv", funder.statement, name="statement"),
]

# A researcher's awards, under /awards/ (namespace "researcher").
researchers = [
    path("", researcher.my_awards, name="my_awards"),
    path("<int:pk>/", researcher.award_detail, name="award"),
]
