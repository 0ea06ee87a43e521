"""A message to a filtered group of volunteers: compose, confirm (how many will receive it),
send. The filters travel in the query string, exactly as on the list."""

from __future__ import annotations

import secrets

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from reclass_volunteers import access
from reclass_volunteers.forms import add_service_errors
from reclass_volunteers.models import Role, User
from volunteers.forms_profiles import GroupMessageForm, VolunteerFilterForm
from volunteers.services import messages as service
from volunteers.views.profiles import list_filters

# How many names the confirmation shows before "and N more".
PREVIEW_NAMES = 10


def _filter_query(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _summary(filters: VolunteerFilterForm) -> list[str]:
    """The filters in words ("Stage: Active"), so the sender sees who the group is."""
    cleaned = getattr(filters, "cleaned_data", {})
    summary = []
    for name, field in filters.fields.items():
        value = cleaned.get(name)
        if name == "sort" or not value:
            continue
        if isinstance(field, forms.ChoiceField):
            value = dict(field.choices).get(value, value)  # type: ignore[arg-type]
        summary.append(str(field.label) if value is True else f"{field.label}: {value}")
    return summary


def _compose(
    request: HttpRequest, form: GroupMessageForm, filters: VolunteerFilterForm, count: int
) -> HttpResponse:
    return render(
        request,
        "volunteers/group_message.html",
        {
            "form": form,
            "summary": _summary(filters),
            "count": count,
            "filter_query": _filter_query(request),
        },
    )


@access.role_required(Role.COORDINATOR, Role.ADMIN)
def group_message(request: HttpRequest) -> HttpResponse:
    """GET: the message form for the group the list's filters select. POST: check the message
    and show the confirmation with the number of recipients."""
    user = request.user
    assert isinstance(user, User)
    filters, volunteers = list_filters(request, access.volunteers_visible_to(user))
    recipients = service.group_recipients(volunteers)
    if request.method != "POST" or "edit" in request.POST:
        # A new form gets a new token; back from the confirmation it keeps its text and token.
        initial = {"token": secrets.token_urlsafe(16)}
        if "edit" in request.POST:
            initial.update(
                {name: request.POST.get(name, "") for name in ("title", "body", "token")}
            )
        return _compose(request, GroupMessageForm(initial=initial), filters, recipients.count())
    form = GroupMessageForm(request.POST)
    if not form.is_valid():
        return _compose(request, form, filters, recipients.count())
    names = list(recipients.select_related(None).only("first_name", "last_name")[:PREVIEW_NAMES])
    return render(
        request,
        "volunteers/group_confirm.html",
        {
            "form": form,
            "summary": _summary(filters),
            "count": recipients.count(),
            "names": names,
            "filter_query": _filter_query(request),
        },
    )


@require_POST
@access.role_required(Role.COORDINATOR, Role.ADMIN)
def group_message_send(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    filters, volunteers = list_filters(request, access.volunteers_visible_to(user))
    form = GroupMessageForm(request.POST)
    if form.is_valid():
        try:
            total, sent = service.group_message_send(
                by=user,
                volunteers=volunteers,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                token=form.cleaned_data["token"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if sent:
                messages.success(
                    request,
                    ngettext(
                        "Your message is on its way to %(count)d volunteer.",
                        "Your message is on its way to %(count)d volunteers.",
                        sent,
                    )
                    % {"count": sent},
                )
            else:
                messages.info(
                    request,
                    ngettext(
                        "This message had already been sent to this %(count)d volunteer; "
                        "nobody received it twice.",
                        "This message had already been sent to these %(count)d volunteers; "
                        "nobody received it twice.",
                        total,
                    )
                    % {"count": total},
                )
            query = _filter_query(request)
            return redirect(reverse("volunteers:volunteer_list") + (f"?{query}" if query else ""))
    return _compose(request, form, filters, service.group_recipients(volunteers).count())


urlpatterns = [
    path("groepsbericht/", group_message, name="group_message"),
    path("groepsbericht/versturen/", group_message_send, name="group_message_send"),
]
