from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from reclass_volunteers import access


@access.role_required(*access.STAFF)
def client_suggestions(request: HttpRequest, client_pk: int) -> HttpResponse:
    raise NotImplementedError  # placeholder: helper E builds this page


urlpatterns = [
    path("clients/<int:client_pk>/suggestions/", client_suggestions, name="client_suggestions"),
]
