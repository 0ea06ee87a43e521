from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from matching.models import Match
from reclass_volunteers import access
from reclass_volunteers.models import User

PAGE_SIZE = 25


@access.role_required(*access.STAFF)
def match_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    qs = (
        access.matches_visible_to(user)
        .select_related("client")
        .prefetch_related("memberships__volunteer")
    )
    status = request.GET.get("status", "")
    if status in Match.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "matching/match_list.html",
        {"page": page, "status": status, "statuses": Match.Status.choices},
    )


def match_detail(request: HttpRequest, pk: int) -> HttpResponse:
    raise NotImplementedError  # placeholder: helper D builds this page


urlpatterns = [
    path("", match_list, name="match_list"),
    path("<int:pk>/", match_detail, name="match_detail"),
]
