"""Training pages: courses, sessions with enrolment and a waiting list, attendance and
completion, and the training panel on a volunteer's page.

Coordinators and admins manage everything of their organisation; professionals may look at
courses and sessions (seeing by name only the volunteers they may see); volunteers see their own
trainings on their own page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reclass_volunteers import access
from reclass_volunteers.forms import add_service_errors
from reclass_volunteers.models import Organisation, Role, User
from volunteers import pipeline
from volunteers.choices import CourseKind
from volunteers.forms_training import (
    AttendanceForm,
    CompletionForm,
    CourseForm,
    EnrolForm,
    SessionForm,
    VolunteerEnrolForm,
)
from volunteers.models import Course, Enrolment, TrainingSession, Volunteer
from volunteers.services import training

E = Enrolment.Status
MANAGERS = (Role.COORDINATOR, Role.ADMIN)
PAGE_SIZE = 25
# A completed training that expires within this many days is shown as expiring.
EXPIRING_WITHIN = timedelta(days=60)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _organisation(user: User) -> Organisation:
    # access.role_required lets only members of an organisation through.
    assert user.organisation is not None
    return user.organisation


def _organisation_id(user: User) -> int:
    assert user.organisation_id is not None
    return user.organisation_id


# Scoped reads: everything of the user's own organisation. The views are gated by role first
# (access.role_required), so a user here always belongs to an organisation.


def with_seat_counts(qs: QuerySet[TrainingSession]) -> QuerySet[TrainingSession]:
    return qs.annotate(
        seated=Count("enrolments", filter=Q(enrolments__status__in=Enrolment.SEATED)),
        waiting=Count("enrolments", filter=Q(enrolments__status=E.WAITING)),
    )


# --- Courses ---------------------------------------------------------------------------------


@access.role_required(*access.STAFF)
def course_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    now = timezone.now()
    qs = (
        access.courses_visible_to(user)
        .annotate(
            upcoming_sessions=Count(
                "sessions", filter=Q(sessions__starts_at__gte=now), distinct=True
            ),
            completed_by=Count(
                "sessions__enrolments__volunteer",
                filter=Q(sessions__enrolments__status=E.COMPLETED),
                distinct=True,
            ),
        )
        .prefetch_related("required_by")
        .order_by("name")
    )
    kind = request.GET.get("kind", "")
    if kind in CourseKind.values:
        qs = qs.filter(kind=kind)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/course_list.html",
        {
            "page": page,
            "kind": kind,
            "kinds": CourseKind.choices,
            "can_manage": user.role in MANAGERS,
        },
    )


@access.role_required(*access.STAFF)
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    course = access.get_or_404(
        request, access.courses_visible_to(user).prefetch_related("required_by"), pk=pk
    )
    now = timezone.now()
    sessions = with_seat_counts(course.sessions.all())
    return render(
        request,
        "volunteers/course_detail.html",
        {
            "course": course,
            "upcoming": sessions.filter(starts_at__gte=now).order_by("starts_at"),
            "past": sessions.filter(starts_at__lt=now).order_by("-starts_at")[:20],
            "can_manage": user.role in MANAGERS,
        },
    )


@access.role_required(*MANAGERS)
def course_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            course = training.course_create(
                organisation=_organisation(user), by=user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The training “%(name)s” was added.") % {"name": course})
            return redirect("volunteers:course_detail", pk=course.pk)
    return render(request, "volunteers/course_form.html", {"form": form, "course": None})


@access.role_required(*MANAGERS)
def course_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    course = access.get_or_404(request, access.courses_visible_to(user), pk=pk)
    form = CourseForm(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid():
        try:
            training.course_update(course=course, by=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The training was saved."))
            return redirect("volunteers:course_detail", pk=course.pk)
    return render(request, "volunteers/course_form.html", {"form": form, "course": course})


# --- Sessions --------------------------------------------------------------------------------


@access.role_required(*access.STAFF)
def session_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    now = timezone.now()
    qs = with_seat_counts(access.training_sessions_visible_to(user).select_related("course"))
    when = request.GET.get("when", "upcoming")
    if when == "past":
        qs = qs.filter(starts_at__lt=now).order_by("-starts_at")
    elif when == "all":
        qs = qs.order_by("-starts_at")
    else:
        when = "upcoming"
        qs = qs.filter(starts_at__gte=now).order_by("starts_at")
    course = request.GET.get("course", "")
    if course.isdigit():
        qs = qs.filter(course_id=int(course))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/session_list.html",
        {
            "page": page,
            "when": when,
            "course": course,
            "courses": access.courses_visible_to(user).only("pk", "name"),
            "can_manage": user.role in MANAGERS,
        },
    )


@access.role_required(*MANAGERS)
def session_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    initial = {}
    course = request.GET.get("course", "")
    if course.isdigit():
        initial["course"] = int(course)
    form = SessionForm(request.POST or None, organisation=_organisation(user), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            session = training.session_create(by=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The session was added."))
            return redirect("volunteers:session_detail", pk=session.pk)
    return render(request, "volunteers/session_form.html", {"form": form, "session": None})


@access.role_required(*MANAGERS)
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    session = access.get_or_404(
        request, access.training_sessions_visible_to(user).select_related("course"), pk=pk
    )
    form = SessionForm(request.POST or None, instance=session, organisation=_organisation(user))
    if request.method == "POST" and form.is_valid():
        try:
            training.session_update(session=session, by=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The session was saved."))
            return redirect("volunteers:session_detail", pk=session.pk)
        # The form wrote the posted values onto the instance; show the stored session.
        session.refresh_from_db()
    return render(request, "volunteers/session_form.html", {"form": form, "session": session})


@access.role_required(*access.STAFF)
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    session = access.get_or_404(
        request, access.training_sessions_visible_to(user).select_related("course"), pk=pk
    )
    return _render_session(request, session)


def _completion_default(session: TrainingSession, today: date) -> date | None:
    day = timezone.localdate(session.starts_at)
    return day if day <= today else None


def _render_session(
    request: HttpRequest,
    session: TrainingSession,
    *,
    enrol_form: EnrolForm | None = None,
    bound: tuple[int, CompletionForm] | None = None,
) -> HttpResponse:
    user = _user(request)
    can_manage = user.role in MANAGERS
    counts = session.enrolments.aggregate(
        seated=Count("pk", filter=Q(status__in=Enrolment.SEATED)),
        waiting=Count("pk", filter=Q(status=E.WAITING)),
    )
    enrolments = session.enrolments.exclude(status=E.CANCELLED).select_related("volunteer")
    if not can_manage:
        # Professionals see by name only the volunteers they may see; the rest is a number.
        enrolments = enrolments.filter(volunteer__in=access.volunteers_visible_to(user))
    enrolments_list = list(enrolments)
    today = timezone.localdate()
    default_day = _completion_default(session, today)
    for enrolment in enrolments_list:
        if bound is not None and bound[0] == enrolment.pk:
            enrolment.completion_form = bound[1]  # type: ignore[attr-defined]
        else:
            enrolment.completion_form = CompletionForm(  # type: ignore[attr-defined]
                auto_id=f"id_%s_{enrolment.pk}",
                initial={"completed_on": enrolment.completed_on or default_day},
            )
    seated = [e for e in enrolments_list if e.status in Enrolment.SEATED]
    waiting = [e for e in enrolments_list if e.status == E.WAITING]
    if can_manage and enrol_form is None:
        enrol_form = EnrolForm(organisation=_organisation(user))
    return render(
        request,
        "volunteers/session_detail.html",
        {
            "session": session,
            "seated": seated,
            "waiting": waiting,
            "seated_count": counts["seated"],
            "waiting_count": counts["waiting"],
            "hidden_count": counts["seated"] + counts["waiting"] - len(enrolments_list),
            "free": max(session.capacity - counts["seated"], 0),
            "has_started": session.starts_at <= timezone.now(),
            "can_manage": can_manage,
            "enrol_form": enrol_form,
        },
    )


# --- Enrolment -------------------------------------------------------------------------------


def _enrolled_message(enrolment: Enrolment) -> str:
    facts = {"name": enrolment.volunteer.full_name, "session": enrolment.session}
    if enrolment.status == E.WAITING:
        return _("The session is full: %(name)s is on the waiting list for %(session)s.") % facts
    return _("%(name)s is enrolled in %(session)s.") % facts


@require_POST
@access.role_required(*MANAGERS)
def session_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    session = access.get_or_404(
        request, access.training_sessions_visible_to(user).select_related("course"), pk=pk
    )
    form = EnrolForm(request.POST, organisation=_organisation(user))
    if form.is_valid():
        try:
            enrolment = training.session_enrol(
                session=session, volunteer=form.cleaned_data["volunteer"], by=user
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _enrolled_message(enrolment))
            return redirect("volunteers:session_detail", pk=session.pk)
    return _render_session(request, session, enrol_form=form)


@access.role_required(*MANAGERS)
def volunteer_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    """From a volunteer's page: enrol them in one of the upcoming sessions."""
    user = _user(request)
    volunteer = access.get_or_404(request, access.volunteers_visible_to(user), pk=pk)
    form = VolunteerEnrolForm(request.POST or None, organisation=_organisation(user))
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = training.session_enrol(
                session=form.cleaned_data["session"], volunteer=volunteer, by=user
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _enrolled_message(enrolment))
            return redirect("volunteers:volunteer_detail", pk=volunteer.pk)
    return render(request, "volunteers/session_enrol.html", {"form": form, "volunteer": volunteer})


def _managed_enrolment(request: HttpRequest, pk: int) -> Enrolment:
    return access.get_or_404(
        request,
        access.enrolments_visible_to(_user(request)).select_related("session__course", "volunteer"),
        pk=pk,
    )


@require_POST
@access.role_required(*MANAGERS)
def enrolment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _managed_enrolment(request, pk)
    try:
        training.enrolment_cancel(enrolment=enrolment, by=_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The enrolment of %(name)s was cancelled.") % {"name": enrolment.volunteer},
        )
    return redirect("volunteers:session_detail", pk=enrolment.session_id)


@require_POST
@access.role_required(*MANAGERS)
def enrolment_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _managed_enrolment(request, pk)
    form = AttendanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose attended or absent."))
        return redirect("volunteers:session_detail", pk=enrolment.session_id)
    try:
        enrolment = training.enrolment_attendance(
            enrolment=enrolment, by=_user(request), attended=form.cleaned_data["attended"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(name)s: %(status)s.")
            % {"name": enrolment.volunteer, "status": enrolment.get_status_display()},
        )
    return redirect("volunteers:session_detail", pk=enrolment.session_id)


@require_POST
@access.role_required(*MANAGERS)
def enrolment_complete(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _managed_enrolment(request, pk)
    form = CompletionForm(request.POST, auto_id=f"id_%s_{enrolment.pk}")
    if form.is_valid():
        try:
            training.enrolment_complete(enrolment=enrolment, by=_user(request), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s completed the training.") % {"name": enrolment.volunteer},
            )
            return redirect("volunteers:session_detail", pk=enrolment.session_id)
    return _render_session(request, enrolment.session, bound=(enrolment.pk, form))


# --- The training panel on a volunteer's page ------------------------------------------------


@dataclass(frozen=True)
class TrainingRow:
    """One training on a volunteer's page and where they stand with it."""

    course: Course
    required: bool
    completed_on: date | None
    expires_on: date | None
    state: str  # "valid", "expiring", "expired" or "missing"
    booked: Enrolment | None  # an upcoming session they are enrolled or waiting for


def _state(completed_on: date | None, expires_on: date | None, today: date) -> str:
    if completed_on is None:
        return "missing"
    if expires_on is not None and expires_on <= today:
        return "expired"
    if expires_on is not None and expires_on <= today + EXPIRING_WITHIN:
        return "expiring"
    return "valid"


def panel_context(*, volunteer: Volunteer, user: User) -> dict[str, Any]:
    """What templates/volunteers/partials/training_panel.html needs on the volunteer's page:
    completed, expiring and missing trainings against the role profile, and the enrolments."""
    today = timezone.localdate()
    now = timezone.now()
    enrolments = list(
        volunteer.enrolments.exclude(status=E.CANCELLED)
        .select_related("session__course")
        .order_by("-session__starts_at")
    )
    required = pipeline.required_courses(volunteer)
    required_ids = {course.pk for course in required}
    completed = {
        e.session.course_id: e.session.course
        for e in enrolments
        if e.status == E.COMPLETED and e.session.course_id not in required_ids
    }
    courses = sorted(required, key=lambda c: c.name) + sorted(
        completed.values(), key=lambda c: c.name
    )
    booked: dict[int, Enrolment] = {}
    for enrolment in reversed(enrolments):  # earliest first, so the next session wins
        if enrolment.session.starts_at >= now and enrolment.status in (E.ENROLLED, E.WAITING):
            booked.setdefault(enrolment.session.course_id, enrolment)
    rows = [
        TrainingRow(
            course=state.course,
            required=state.course.pk in required_ids,
            completed_on=state.completed_on,
            expires_on=state.expires_on,
            state=_state(state.completed_on, state.expires_on, today),
            booked=booked.get(state.course.pk),
        )
        for state in pipeline.course_states(volunteer, courses)
    ]
    needed = [
        row.course.pk
        for row in rows
        if row.required and row.state != "valid" and row.booked is None
    ]
    open_sessions: list[TrainingSession] = []
    if needed:
        open_sessions = list(
            with_seat_counts(
                TrainingSession.objects.filter(course_id__in=needed, starts_at__gte=now)
            )
            .select_related("course")
            .order_by("starts_at")[:10]
        )
    can_manage = user.role in MANAGERS and volunteer.status not in pipeline.ENDED
    return {
        "training_rows": rows,
        "training_enrolments": enrolments,
        "training_open_sessions": open_sessions,
        "training_has_role": bool(volunteer.role),
        "training_is_staff": user.role in access.STAFF,
        "training_enrol_form": (
            VolunteerEnrolForm(organisation=volunteer.organisation, auto_id="id_training_%s")
            if can_manage
            else None
        ),
    }


urlpatterns: list[URLPattern] = [
    path("trainingen/", course_list, name="course_list"),
    path("trainingen/nieuw/", course_create, name="course_create"),
    path("trainingen/<int:pk>/", course_detail, name="course_detail"),
    path("trainingen/<int:pk>/wijzigen/", course_edit, name="course_edit"),
    path("trainingen/bijeenkomsten/", session_list, name="session_list"),
    path("trainingen/bijeenkomsten/nieuw/", session_create, name="session_create"),
    path("trainingen/bijeenkomsten/<int:pk>/", session_detail, name="session_detail"),
    path("trainingen/bijeenkomsten/<int:pk>/wijzigen/", session_edit, name="session_edit"),
    path("trainingen/bijeenkomsten/<int:pk>/inschrijven/", session_enrol, name="session_enrol"),
    path(
        "trainingen/inschrijvingen/<int:pk>/annuleren/",
        enrolment_cancel,
        name="enrolment_cancel",
    ),
    path(
        "trainingen/inschrijvingen/<int:pk>/aanwezigheid/",
        enrolment_attendance,
        name="enrolment_attendance",
    ),
    path(
        "trainingen/inschrijvingen/<int:pk>/afgerond/",
        enrolment_complete,
        name="enrolment_complete",
    ),
    path("<int:pk>/inschrijven/", volunteer_enrol, name="volunteer_enrol"),
]
