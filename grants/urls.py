from django.urls import path

from . import views, views_exports

app_name = "grants"

urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("waitlist/", views.waitlist, name="waitlist"),
    path("calendar/", views.calendar, name="calendar"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("projects/<int:pk>/award/", views.award_project, name="award_project"),
    path("awards/<int:pk>/", views.award_detail, name="award"),
    path("pledges/new/", views.record_pledge, name="record_pledge"),
    path("receipts/new/", views.record_receipt, name="record_receipt"),
    path("conversions/new/", views.record_conversion, name="record_conversion"),
    path("milestones/<int:pk>/report-received/", views.milestone_report_received, name="milestone_received"),
    path("milestones/<int:pk>/approve/", views.milestone_approve, name="milestone_approve"),
    path("milestones/<int:pk>/pay/", views.record_disbursement, name="record_disbursement"),
    path("exports/360giving.json", views_exports.export_360giving, {"fmt": "json"}, name="export_360giving_json"),
    path("exports/360giving.csv", views_exports.export_360giving, {"fmt": "csv"}, name="export_360giving_csv"),
    path("exports/ledger.csv", views_exports.export_ledger, name="export_ledger"),
]
