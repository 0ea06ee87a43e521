"""Intervision pages: groups, their sessions with invitations and answers, attendance and
minutes, and the volunteer's own upcoming sessions with an answer button (phone first).

Staff of the organisation see its groups; coordinators and administrators manage them; the
facilitator (and the coordinators) plan sessions and record attendance and minutes. Other
professionals see by name only the volunteers they may see. Volunteers see the sessions of
their own groups, on their own page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Min, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reclass_volunteers import access
from reclass_volunteers.forms import add_service_errors
from reclass_volunteers.models import Organisation, Role, User
from supervision import prompts
from supervision.forms_guidance import (
    AttendanceForm,
    IntervisionGroupForm,
    IntervisionSessionForm,
    MinutesForm,
    RsvpForm,
)
from supervision.models import IntervisionGroup, IntervisionInvitation, IntervisionSession
from supervision.services import intervision
from supervision.services.intervision import MANAGERS, can_lead

Answer = IntervisionInvitation.Answer
PAGE_SIZE = 25


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _organisation(user: User) -> Organisation:
    # access.role_required lets only members of an organisation through.
    assert user.organisation is not None
    return user.organisation


def _visible_volunteer_ids(user: User, group: IntervisionGroup) -> set[int] | None:
    """Whose names this user sees in the group: everyone for those who lead it (None), else
    the volunteers they may see anyway."""
    if can_lead(user, group):
        return None
    return set(access.volunteers_visible_to(user).values_list("pk", flat=True))


# --- Groups ----------------------------------------------------------------------------------


@access.role_required(*access.STAFF)
def intervision_group_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    now = timezone.now()
    groups = (
        access.intervision_groups_visible_to(user)
        .select_related("facilitator")
        .annotate(
            member_count=Count("members", distinct=True),
            next_session=Min("sessions__starts_at", filter=Q(sessions__starts_at__gte=now)),
        )
        .order_by("name")
    )
    page = Paginator(groups, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/intervision_group_list.html",
        {"page": page, "can_manage": user.role in MANAGERS},
    )


@access.role_required(*MANAGERS)
def intervision_group_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = IntervisionGroupForm(request.POST or None, organisation=_organisation(user))
    if request.method == "POST" and form.is_valid():
        try:
            group = intervision.intervision_group_create(
                organisation=_organisation(user), by=user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The group “%(name)s” was added.") % {"name": group})
            return redirect("supervision:intervision_group_detail", pk=group.pk)
    return render(request, "supervision/intervision_group_form.html", {"form": form, "group": None})


@access.role_required(*MANAGERS)
def intervision_group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    group = access.get_or_404(request, access.intervision_groups_visible_to(user), pk=pk)
    initial = {
        "name": group.name,
        "facilitator": group.facilitator_id,
        "members": list(group.members.values_list("pk", flat=True)),
    }
    form = IntervisionGroupForm(
        request.POST or None, organisation=_organisation(user), group=group, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            intervision.intervision_group_update(group=group, by=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The group was saved."))
            return redirect("supervision:intervision_group_detail", pk=group.pk)
    return render(
        request, "supervision/intervision_group_form.html", {"form": form, "group": group}
    )


def _with_answers(qs: Any) -> Any:
    return qs.annotate(
        coming=Count("invitations", filter=Q(invitations__answer=Answer.YES)),
        present=Count("invitations", filter=Q(invitations__attended=True)),
    )


@access.role_required(*access.STAFF)
def intervision_group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    group = access.get_or_404(
        request, access.intervision_groups_visible_to(user).select_related("facilitator"), pk=pk
    )
    now = timezone.now()
    members = list(group.members.order_by("last_name", "first_name"))
    shown = _visible_volunteer_ids(user, group)
    named = members if shown is None else [m for m in members if m.pk in shown]
    sessions = _with_answers(group.sessions.all())
    return render(
        request,
        "supervision/intervision_group_detail.html",
        {
            "group": group,
            "members": named,
            "member_count": len(members),
            "hidden_count": len(members) - len(named),
            "upcoming": sessions.filter(starts_at__gte=now).order_by("starts_at"),
            "past": sessions.filter(starts_at__lt=now).order_by("-starts_at")[:20],
            "can_lead": can_lead(user, group),
            "can_manage": user.role in MANAGERS,
        },
    )


# --- Sessions --------------------------------------------------------------------------------


@access.role_required(*access.STAFF)
def intervision_session_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    group = access.get_or_404(request, access.intervision_groups_visible_to(user), pk=pk)
    if not can_lead(user, group):
        raise PermissionDenied
    form = IntervisionSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = intervision.intervision_session_create(
                group=group, by=user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The session was planned and the members were invited."))
            return redirect("supervision:intervision_session_detail", pk=session.pk)
    return render(
        request,
        "supervision/intervision_session_form.html",
        {
            "form": form,
            "group": group,
            "dilemmas": prompts.DILEMMAS,
            "suggestions": prompts.topic_suggestions(),
        },
    )


def _session(request: HttpRequest, pk: int) -> IntervisionSession:
    return access.get_or_404(
        request,
        access.intervision_sessions_visible_to(_user(request)).select_related(
            "group__facilitator", "group__organisation", "minutes_by"
        ),
        pk=pk,
    )


def _render_session(
    request: HttpRequest,
    session: IntervisionSession,
    *,
    attendance_form: AttendanceForm | None = None,
    minutes_form: MinutesForm | None = None,
    client_names: list[str] | None = None,
) -> HttpResponse:
    user = _user(request)
    leads = can_lead(user, session.group)
    invitations = list(
        session.invitations.select_related("volunteer").order_by(
            "volunteer__last_name", "volunteer__first_name"
        )
    )
    shown = _visible_volunteer_ids(user, session.group)
    named = invitations if shown is None else [i for i in invitations if i.volunteer_id in shown]
    started = session.starts_at <= timezone.now()
    if leads and started:
        attendance_form = attendance_form or AttendanceForm(
            session=session,
            initial={"attended": [i.pk for i in invitations if i.attended]},
        )
        minutes_form = minutes_form or MinutesForm(initial={"minutes": session.minutes})
    return render(
        request,
        "supervision/intervision_session_detail.html",
        {
            "session": session,
            "invitations": named,
            "hidden_count": len(invitations) - len(named),
            "counts": {
                "yes": sum(1 for i in invitations if i.answer == Answer.YES),
                "no": sum(1 for i in invitations if i.answer == Answer.NO),
                "pending": sum(1 for i in invitations if i.answer == Answer.PENDING),
            },
            "started": started,
            "can_lead": leads,
            "attendance_form": attendance_form if leads and started else None,
            "minutes_form": minutes_form if leads and started else None,
            "client_names": client_names or [],
        },
    )


@access.role_required(*access.STAFF)
def intervision_session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_session(request, _session(request, pk))


def _session_to_lead(request: HttpRequest, pk: int) -> IntervisionSession:
    session = _session(request, pk)
    if not can_lead(_user(request), session.group):
        raise PermissionDenied
    return session


@require_POST
@access.role_required(*access.STAFF)
def intervision_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_to_lead(request, pk)
    form = AttendanceForm(request.POST, session=session)
    if form.is_valid():
        try:
            present = intervision.intervision_attendance_record(
                session=session, by=_user(request), attended=form.cleaned_data["attended"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Attendance was saved: %(count)d present.") % {"count": present}
            )
            return redirect("supervision:intervision_session_detail", pk=session.pk)
    return _render_session(request, session, attendance_form=form)


@require_POST
@access.role_required(*access.STAFF)
def intervision_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_to_lead(request, pk)
    form = MinutesForm(request.POST)
    names: list[str] = []
    if form.is_valid():
        try:
            intervision.intervision_minutes_save(
                session=session,
                by=_user(request),
                minutes=form.cleaned_data["minutes"],
                confirmed=form.cleaned_data["confirm_no_client"],
            )
        except intervision.ClientNamesInMinutes as error:
            names = error.names
            add_service_errors(form, error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The minutes were saved."))
            return redirect("supervision:intervision_session_detail", pk=session.pk)
    return _render_session(request, session, minutes_form=form, client_names=names)


# --- The volunteer's own sessions ------------------------------------------------------------


@access.role_required(Role.VOLUNTEER)
def intervision_mine(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    now = timezone.now()
    sessions = (
        access.intervision_sessions_visible_to(user)
        .select_related("group__facilitator")
        .prefetch_related(
            Prefetch(
                "invitations",
                queryset=IntervisionInvitation.objects.filter(volunteer__user=user),
                to_attr="mine",
            )
        )
    )
    upcoming = list(sessions.filter(starts_at__gte=now).order_by("starts_at")[:PAGE_SIZE])
    past = list(sessions.filter(starts_at__lt=now).order_by("-starts_at")[:5])
    volunteer = getattr(user, "volunteer_profile", None)
    return render(
        request,
        "supervision/intervision_mine.html",
        {
            "upcoming": [(s, s.mine[0] if s.mine else None) for s in upcoming],
            "past": [(s, s.mine[0] if s.mine else None) for s in past],
            "volunteer": volunteer,
        },
    )


@require_POST
@access.role_required(Role.VOLUNTEER)
def intervision_rsvp(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    invitation = access.get_or_404(
        request,
        IntervisionInvitation.objects.filter(
            volunteer__user=user,
            session__in=access.intervision_sessions_visible_to(user).values("pk"),
        ),
        pk=pk,
    )
    form = RsvpForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether you are coming."))
        return redirect("supervision:intervision_mine")
    try:
        invitation = intervision.intervision_rsvp(
            invitation=invitation, by=user, answer=form.cleaned_data["answer"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if invitation.answer == Answer.YES:
            messages.success(request, _("Thank you: you are coming."))
        else:
            messages.success(request, _("Thank you for letting us know you are not coming."))
    return redirect("supervision:intervision_mine")


urlpatterns: list[URLPattern] = [
    path("intervisie/", intervision_group_list, name="intervision_group_list"),
    path("intervisie/nieuw/", intervision_group_create, name="intervision_group_create"),
    path("intervisie/mijn/", intervision_mine, name="intervision_mine"),
    path("intervisie/<int:pk>/", intervision_group_detail, name="intervision_group_detail"),
    path("intervisie/<int:pk>/wijzigen/", intervision_group_edit, name="intervision_group_edit"),
    path(
        "intervisie/<int:pk>/bijeenkomsten/nieuw/",
        intervision_session_create,
        name="intervision_session_create",
    ),
    path(
        "intervisie/bijeenkomsten/<int:pk>/",
        intervision_session_detail,
        name="intervision_session_detail",
    ),
    path(
        "intervisie/bijeenkomsten/<int:pk>/aanwezigheid/",
        intervision_attendance,
        name="intervision_attendance",
    ),
    path(
        "intervisie/bijeenkomsten/<int:pk>/verslag/",
        intervision_minutes,
        name="intervision_minutes",
    ),
    path(
        "intervisie/uitnodigingen/<int:pk>/antwoord/",
        intervision_rsvp,
        name="intervision_rsvp",
    ),
]
