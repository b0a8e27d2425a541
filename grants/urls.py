from django.urls import path

from . import views, views_exports

app_name = "grants"

urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("waitlist/", views.waitlist, name="waitlist"),
    path("calendar/", views.calendar, name="calendar"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("awards/<int:pk>/", views.award_detail, name="award"),
    path("exports/360giving.json", views_exports.export_360giving, {"fmt": "json"}, name="export_360giving_json"),
    path("exports/360giving.csv", views_exports.export_360giving, {"fmt": "csv"}, name="export_360giving_csv"),
]
