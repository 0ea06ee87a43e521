from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from reclass_volunteers import access
from reclass_volunteers.models import Role, User
from volunteers.models import Volunteer
from volunteers.views import competencies, pipeline, training

PAGE_SIZE = 25


@access.role_required(*access.STAFF)
def volunteer_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    qs = access.volunteers_visible_to(user).select_related("supervisor")
    query = request.GET.get("q", "").strip()
    if query:
        qs = qs.filter(
            Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(email__icontains=query)
            | Q(postcode__icontains=query.replace(" ", ""))
        )
    status = request.GET.get("status", "")
    if status in Volunteer.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/volunteer_list.html",
        {"page": page, "query": query, "status": status, "statuses": Volunteer.Status.choices},
    )


def volunteer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    volunteer = access.get_or_404(
        request, access.volunteers_visible_to(user).select_related("supervisor"), pk=pk
    )
    matches = access.matches_visible_to(user).filter(memberships__volunteer=volunteer)
    context = {
        "volunteer": volunteer,
        "matches": matches.select_related("client"),
        "is_self": user.role == Role.VOLUNTEER,
    }
    for area in (pipeline, training, competencies):
        context.update(area.panel_context(volunteer=volunteer, user=user))
    return render(request, "volunteers/volunteer_detail.html", context)


urlpatterns = [
    path("", volunteer_list, name="volunteer_list"),
    path("<int:pk>/", volunteer_detail, name="volunteer_detail"),
]
