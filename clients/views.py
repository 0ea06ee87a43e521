from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clients.models import Client
from reclass_volunteers import access, audit
from reclass_volunteers.models import Role, User

PAGE_SIZE = 25


@access.role_required(*access.STAFF)
def client_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    qs = access.clients_visible_to(user).select_related("responsible_professional")
    query = request.GET.get("q", "").strip()
    if query:
        qs = qs.filter(
            Q(code__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
        )
    status = request.GET.get("status", "")
    if status in Client.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "clients/client_list.html",
        {"page": page, "query": query, "status": status, "statuses": Client.Status.choices},
    )


def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    client = access.get_or_404(
        request, access.clients_visible_to(user).select_related("responsible_professional"), pk=pk
    )
    audit.record(action="client.read", request=request, obj=client)
    if user.role == Role.VOLUNTEER:
        # The minimum a volunteer needs to meet the client: never offence or risk details.
        return render(request, "clients/client_detail_volunteer.html", {"client": client})
    matches = access.matches_visible_to(user).filter(client=client).prefetch_related("volunteers")
    return render(request, "clients/client_detail.html", {"client": client, "matches": matches})
