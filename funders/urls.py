from django.urls import path

from . import views

app_name = "funders"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("statement.csv", views.statement, name="statement"),
]
