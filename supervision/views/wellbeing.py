"""Well-being check-in pages.

Volunteers (phone first) answer their open check-in, four 1-5 questions, and see their own
earlier answers; a low answer tells them their coordinator will contact them, and whom they can
call meanwhile. Coordinators and administrators see the organisation's check-ins (to follow up
first), one check-in (the read is audited) and a volunteer's answers over time; coordinators
record the follow-up, administrators only read. Professionals see none (access.py says why).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from reclass_volunteers import access, audit
from reclass_volunteers.forms import add_service_errors
from reclass_volunteers.models import Role, User
from supervision.forms_wellbeing import (
    TABS,
    WellbeingAnswerForm,
    WellbeingFilterForm,
    WellbeingFollowUpForm,
)
from supervision.models import SupervisionPolicy, WellbeingCheckIn
from supervision.models.wellbeing import ANSWERS
from supervision.services import wellbeing as service
from supervision.wellbeing import needs_follow_up, volunteer_open_checkin

PAGE_SIZE = 25
HISTORY = 12
TREND = 26
READERS = (Role.COORDINATOR, Role.ADMIN)
# Short names of the four questions, for table headings and the chart's legend.
SHORT = {
    "overall": gettext_lazy("All in all"),
    "burden": gettext_lazy("Weight of the work"),
    "support": gettext_lazy("Support"),
    "surroundings": gettext_lazy("Surroundings"),
}


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _columns() -> list[dict[str, Any]]:
    return [
        {"name": name, "label": SHORT[name], "question": WellbeingCheckIn._meta.get_field(name)}
        for name in ANSWERS
    ]


def _scores(checkin: WellbeingCheckIn) -> list[int | None]:
    return [getattr(checkin, name) for name in ANSWERS]


# --- Volunteer: answer -----------------------------------------------------------------------


def _own(user: User) -> QuerySet[WellbeingCheckIn]:
    return access.wellbeing_checkins_visible_to(user).filter(volunteer__user=user)


def _whom_to_call(user: User, checkin: WellbeingCheckIn) -> dict[str, Any]:
    """The coordinators with a phone number, the volunteer's supervisor, the emergency number."""
    coordinators = User.objects.coordinators_of(checkin.organisation_id).exclude(phone="")
    contacts = [{"name": c.full_name, "phone": c.phone} for c in coordinators]
    supervisor = checkin.volunteer.supervisor
    if supervisor is not None and supervisor.is_active and supervisor.phone:
        contacts.append({"name": supervisor.full_name, "phone": supervisor.phone})
    assert user.organisation is not None
    policy = SupervisionPolicy.for_organisation(user.organisation)
    return {
        "contacts": contacts,
        "emergency_number": policy.emergency_number,
        # The worst answer to "how are you doing, all in all": also the line for dark thoughts.
        "very_low": checkin.overall == 1,
    }


def _render_answer(
    request: HttpRequest,
    checkin: WellbeingCheckIn | None,
    form: WellbeingAnswerForm | None = None,
) -> HttpResponse:
    user = _user(request)
    context: dict[str, Any] = {
        "checkin": checkin,
        "history": [
            {"checkin": c, "scores": _scores(c)}
            for c in _own(user)
            .filter(answered_at__isnull=False)
            .order_by("-due_on", "-pk")[:HISTORY]
        ],
        "columns": _columns(),
        "low": WellbeingCheckIn.LOW,
        "replaced": False,
    }
    if checkin is not None and checkin.answered_at is None:
        context["replaced"] = service.is_replaced(checkin)
        if not context["replaced"]:
            context["form"] = form or WellbeingAnswerForm()
    if checkin is not None and checkin.is_low and checkin.followed_up_at is None:
        context.update(_whom_to_call(user, checkin))
    return render(request, "supervision/wellbeing_answer.html", context)


@access.role_required(Role.VOLUNTEER)
def wellbeing_mine(request: HttpRequest) -> HttpResponse:
    return _render_answer(request, volunteer_open_checkin(_user(request)))


@require_http_methods(["GET", "POST"])
@access.role_required(Role.VOLUNTEER)
def wellbeing_answer(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    checkin = access.get_or_404(request, _own(user).select_related("volunteer__supervisor"), pk=pk)
    if request.method != "POST":
        return _render_answer(request, checkin)
    form = WellbeingAnswerForm(request.POST)
    if form.is_valid():
        try:
            service.wellbeing_answer(by=user, checkin=checkin, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            checkin.refresh_from_db()
        else:
            messages.success(request, _("Thank you for your answers."))
            return redirect("supervision:wellbeing_answer", pk=checkin.pk)
    return _render_answer(request, checkin, form)


# --- Coordinators and administrators ---------------------------------------------------------


@access.role_required(*READERS)
def wellbeing_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    qs = access.wellbeing_checkins_visible_to(user)
    filters = WellbeingFilterForm(request.GET or None)
    tab = "follow_up"
    if filters.is_valid():
        tab = filters.cleaned_data["tab"] or tab
    counts = qs.aggregate(
        follow_up=Count("pk", filter=needs_follow_up()),
        not_answered=Count("pk", filter=Q(answered_at__isnull=True)),
        all=Count("pk"),
    )
    if tab == "follow_up":
        qs = qs.filter(needs_follow_up())
    elif tab == "not_answered":
        qs = qs.filter(answered_at__isnull=True)
    # What still needs someone comes first, then the most recent.
    qs = qs.annotate(
        waiting=Case(
            When(needs_follow_up(), then=Value(0)), default=Value(1), output_field=IntegerField()
        ),
    ).order_by("waiting", "-due_on", "-pk")
    page = Paginator(qs.select_related("volunteer", "followed_up_by"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [{"checkin": c, "scores": _scores(c)} for c in page]
    return render(
        request,
        "supervision/wellbeing_list.html",
        {
            "page": page,
            "rows": rows,
            "tab": tab,
            "tabs": [(value, label, counts[value]) for value, label in TABS],
            "columns": _columns(),
            "low": WellbeingCheckIn.LOW,
        },
    )


def _checkin(request: HttpRequest, pk: int) -> WellbeingCheckIn:
    qs = access.wellbeing_checkins_visible_to(_user(request)).select_related(
        "volunteer", "followed_up_by"
    )
    return access.get_or_404(request, qs, pk=pk)


def _render_detail(
    request: HttpRequest, checkin: WellbeingCheckIn, form: WellbeingFollowUpForm | None = None
) -> HttpResponse:
    user = _user(request)
    can_follow_up = (
        user.role in service.FOLLOWERS
        and checkin.answered_at is not None
        and checkin.followed_up_at is None
    )
    if can_follow_up and form is None:
        form = WellbeingFollowUpForm()
    return render(
        request,
        "supervision/wellbeing_detail.html",
        {
            "checkin": checkin,
            "answers": [
                {**column, "score": getattr(checkin, column["name"])} for column in _columns()
            ],
            "form": form if can_follow_up else None,
            # Refused because someone else followed it up meanwhile: say so, without a form.
            "refused": form.non_field_errors() if form is not None and not can_follow_up else [],
            "low": WellbeingCheckIn.LOW,
        },
    )


@access.role_required(*READERS)
def wellbeing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    checkin = _checkin(request, pk)
    audit.record(action="wellbeing.read", request=request, obj=checkin)
    return _render_detail(request, checkin)


@require_POST
@access.role_required(*service.FOLLOWERS)
def wellbeing_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    checkin = _checkin(request, pk)
    form = WellbeingFollowUpForm(request.POST)
    if form.is_valid():
        try:
            service.wellbeing_follow_up(
                by=_user(request), checkin=checkin, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
            checkin.refresh_from_db()
        else:
            messages.success(request, _("The follow-up is recorded."))
            return redirect("supervision:wellbeing_detail", pk=checkin.pk)
    return _render_detail(request, checkin, form)


@access.role_required(*READERS)
def wellbeing_trend(request: HttpRequest, pk: int) -> HttpResponse:
    """One volunteer's answers over time: a line chart and the same figures as a table."""
    user = _user(request)
    volunteer = access.get_or_404(request, access.volunteers_visible_to(user), pk=pk)
    audit.record(action="wellbeing.trend_read", request=request, obj=volunteer)
    checkins = list(
        access.wellbeing_checkins_visible_to(user)
        .filter(volunteer=volunteer)
        .select_related("followed_up_by")
        .order_by("-due_on", "-pk")[:TREND]
    )
    checkins.reverse()
    answered = [c for c in checkins if c.answered_at is not None]
    chart = {
        "title": _("Answers over time (1 = worst, 5 = best)"),
        "labels": [formats.date_format(c.due_on, "j M Y") for c in answered],
        "series": [
            {"label": str(SHORT[name]), "data": [getattr(c, name) for c in answered]}
            for name in ANSWERS
        ],
    }
    return render(
        request,
        "supervision/wellbeing_trend.html",
        {
            "volunteer": volunteer,
            "rows": [{"checkin": c, "scores": _scores(c)} for c in reversed(checkins)],
            "chart": chart,
            "has_answers": bool(answered),
            "columns": _columns(),
            "low": WellbeingCheckIn.LOW,
        },
    )


urlpatterns: list[URLPattern] = [
    path("welzijn/", wellbeing_list, name="wellbeing_list"),
    path("welzijn/mijn/", wellbeing_mine, name="wellbeing_mine"),
    path("welzijn/check-in/<int:pk>/", wellbeing_answer, name="wellbeing_answer"),
    path("welzijn/<int:pk>/", wellbeing_detail, name="wellbeing_detail"),
    path("welzijn/<int:pk>/opvolgen/", wellbeing_follow_up, name="wellbeing_follow_up"),
    path("welzijn/vrijwilliger/<int:pk>/", wellbeing_trend, name="wellbeing_trend"),
]
