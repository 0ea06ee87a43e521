"""The waiting-list page (issue 4, item 4): the optimal buddy assignment for every waiting client,
with the explanation per pair, and an Accept button per pair.

The page itself is quick (one count); the proposal is calculated by a second request that htmx
sends as soon as the page has loaded, so the coordinator sees a "calculating" notice instead of
a blank browser. Coordinators and administrators only: it shows every waiting client of the
organisation and makes matches.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients.models import Client
from matching.models import Match
from matching.services import matches
from matching.services.waiting import pair_total, waiting_list_proposal
from reclass_volunteers import access
from reclass_volunteers.models import Role, User

MANAGERS = (Role.COORDINATOR, Role.ADMIN)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


class AcceptForm(forms.Form):
    client_pk = forms.IntegerField(min_value=1)
    volunteer_pk = forms.IntegerField(min_value=1)


@access.role_required(*MANAGERS)
def waiting_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    waiting = access.clients_visible_to(user).filter(status=Client.Status.WAITING).count()
    return render(request, "matching/waiting_list.html", {"waiting": waiting})


@access.role_required(*MANAGERS)
def waiting_list_proposal_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    assert user.organisation is not None  # role_required lets only members through
    proposal = waiting_list_proposal(organisation=user.organisation)
    return render(request, "matching/partials/waiting_proposal.html", {"proposal": proposal})


@require_POST
@access.role_required(*MANAGERS)
def waiting_accept(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = AcceptForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a client and a volunteer from the proposal."))
        return redirect("matching:waiting_list")
    client = access.get_or_404(
        request, access.clients_visible_to(user), pk=form.cleaned_data["client_pk"]
    )
    volunteer = access.get_or_404(
        request, access.volunteers_visible_to(user), pk=form.cleaned_data["volunteer_pk"]
    )
    try:
        matches.match_create(
            by=user,
            client=client,
            volunteers=[volunteer],
            kind=Match.Kind.BUDDY,
            # The pair may differ from this client's own best suggestion: the assignment
            # gave that volunteer to another client because the total is higher that way.
            override_reason=_(
                "Accepted from the waiting-list proposal, which gives the highest total score "
                "over all waiting clients."
            ),
            suggested_score=pair_total(client=client, volunteer=volunteer),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("matching:waiting_list")
    messages.success(
        request,
        _("%(volunteer)s is proposed as volunteer for %(client)s.")
        % {"volunteer": volunteer.full_name, "client": client.code},
    )
    return redirect("matching:waiting_list")


urlpatterns: list[URLPattern] = [
    path("wachtlijst/", waiting_list, name="waiting_list"),
    path("wachtlijst/voorstel/", waiting_list_proposal_view, name="waiting_list_proposal"),
    path("wachtlijst/accepteren/", waiting_accept, name="waiting_accept"),
]
