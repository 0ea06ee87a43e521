from __future__ import annotations

from django.urls import path

from volunteers import views

app_name = "volunteers"

urlpatterns = [
    path("", views.volunteer_list, name="volunteer_list"),
    path("<int:pk>/", views.volunteer_detail, name="volunteer_detail"),
]
