from __future__ import annotations

from django.urls import path

from clients import views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="client_list"),
    path("nieuw/", views.client_create, name="client_create"),
    path("<int:pk>/", views.client_detail, name="client_detail"),
    path("<int:pk>/wijzigen/", views.client_edit, name="client_edit"),
    path("<int:pk>/afsluiten/", views.client_close, name="client_close"),
    path("<int:pk>/heropenen/", views.client_reopen, name="client_reopen"),
    path("<int:pk>/belangenconflicten/", views.conflict_add, name="conflict_add"),
    path(
        "<int:pk>/belangenconflicten/<int:conflict_pk>/verwijderen/",
        views.conflict_remove,
        name="conflict_remove",
    ),
]
