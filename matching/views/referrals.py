from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from reclass_volunteers import access


@access.role_required(*access.STAFF)
def referral_create(request: HttpRequest, client_pk: int) -> HttpResponse:
    raise NotImplementedError  # placeholder: helper B builds this page


urlpatterns = [
    path("clients/<int:client_pk>/refer/", referral_create, name="referral_create"),
]
