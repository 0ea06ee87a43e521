from __future__ import annotations

from django.urls import path

from clients import views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="client_list"),
    path("new/", views.client_create, name="client_create"),
    path("<int:pk>/", views.client_detail, name="client_detail"),
    path("<int:pk>/edit/", views.client_edit, name="client_edit"),
    path("<int:pk>/close/", views.client_close, name="client_close"),
    path("<int:pk>/reopen/", views.client_reopen, name="client_reopen"),
    path("<int:pk>/conflicts/", views.conflict_add, name="conflict_add"),
    path(
        "<int:pk>/conflicts/<int:conflict_pk>/remove/",
        views.conflict_remove,
        name="conflict_remove",
    ),
]
