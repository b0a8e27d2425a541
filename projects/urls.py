from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("", views.my_awards, name="my_awards"),
    path("<int:pk>/", views.award_detail, name="award"),
]
