"""Relapse signal pages.

Volunteers report a signal about the client of their own active match (phone first) and follow
what became of it: received, or being handled since when; never the professional's action.
Professionals see the signals they must handle (their clients', and those escalated to them as
team lead), coordinators and administrators all of the organisation's; professionals and
coordinators acknowledge a signal with the action taken. Reading a signal is audited.

Administrators also set a professional's team lead here (a form on the users page), because it
is whom unacknowledged signals escalate to.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, DateTimeField, F, IntegerField, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reclass_volunteers import access, audit
from reclass_volunteers.forms import add_service_errors
from reclass_volunteers.models import Notification, Role, User
from supervision.forms_signals import (
    SignalAcknowledgeForm,
    SignalFilterForm,
    SignalReportForm,
    TeamLeadForm,
)
from supervision.models import RelapseSignal, Severity, SupervisionPolicy
from supervision.services import signals

PAGE_SIZE = 25
# Session key: the report form's draft the browser may forget, because the signal arrived.
DRAFT_SENT = "signal_draft_sent"
SEVERITY_RANK = {Severity.ACUTE: 4, Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1}


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _draft_key(user: User) -> str:
    """The browser's key of the report form's draft (static/js/drafts.js): per user, so a shared
    phone never offers one volunteer's text to the next."""
    return f"u{user.pk}-signal"


def _report_fields(data: dict[str, Any]) -> dict[str, Any]:
    keys = ("match", "category", "severity", "observed_at", "observation")
    return {key: data[key] for key in keys}


# --- Volunteer: report -----------------------------------------------------------------------


@access.role_required(Role.VOLUNTEER)
def signal_report(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    matches = (
        access.matches_visible_to(user)
        .select_related("client__responsible_professional")
        .order_by("client__first_name", "pk")
    )
    form = SignalReportForm(request.POST or None, matches=matches)
    show_acute = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["severity"] == Severity.ACUTE and not data["acute_seen"]:
            # Without JavaScript the advice whom to call has not been on the screen yet: show it
            # as a step, with everything typed kept; the next submit sends the signal.
            show_acute = True
            seen = request.POST.copy()
            seen["acute_seen"] = "True"
            form = SignalReportForm(seen, matches=matches)
            form.is_valid()
        else:
            try:
                signal = signals.signal_report(by=user, **_report_fields(data))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                request.session[DRAFT_SENT] = _draft_key(user)
                messages.success(
                    request,
                    _("Thank you. Your signal was received and the professional has been told."),
                )
                return redirect("supervision:signal_detail", pk=signal.pk)
    assert user.organisation is not None
    policy = SupervisionPolicy.for_organisation(user.organisation)
    contacts = [
        {
            "client": match.client.first_name,
            "name": match.client.responsible_professional.full_name,
            "phone": match.client.responsible_professional.phone,
        }
        for match in matches
    ]
    return render(
        request,
        "supervision/signal_report.html",
        {
            "form": form,
            "has_matches": bool(contacts),
            "single_client": contacts[0]["client"] if len(contacts) == 1 else "",
            "contacts": contacts,
            "emergency_number": policy.emergency_number,
            "show_acute": show_acute,
            "draft_key": _draft_key(user),
        },
    )


# --- Lists -----------------------------------------------------------------------------------


def _ordered(qs: QuerySet[RelapseSignal]) -> QuerySet[RelapseSignal]:
    """Open signals first, the most serious and then the oldest at the top; handled ones after,
    the most recent first."""
    is_open = {"acknowledged_at__isnull": True}
    return qs.annotate(
        closed=Case(When(**is_open, then=Value(0)), default=Value(1), output_field=IntegerField()),
        open_rank=Case(
            *[When(**is_open, severity=s, then=Value(r)) for s, r in SEVERITY_RANK.items()],
            default=Value(0),
            output_field=IntegerField(),
        ),
        open_since=Case(
            When(**is_open, then=F("reported_at")), default=None, output_field=DateTimeField()
        ),
    ).order_by(
        "closed", F("open_rank").desc(), F("open_since").asc(nulls_last=True), "-reported_at"
    )


@access.role_required(Role.COORDINATOR, Role.PROFESSIONAL, Role.VOLUNTEER, Role.ADMIN)
def signal_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    qs = access.signals_visible_to(user)
    if user.role == Role.VOLUNTEER:
        page = Paginator(qs.select_related("client").order_by("-reported_at"), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        return render(request, "supervision/signal_list_volunteer.html", {"page": page})
    filters = SignalFilterForm(request.GET or None)
    state, severity = "open", ""
    if filters.is_valid():
        state = filters.cleaned_data["state"] or "open"
        severity = filters.cleaned_data["severity"]
    if state == "open":
        qs = qs.filter(acknowledged_at__isnull=True)
    if severity:
        qs = qs.filter(severity=severity)
    qs = _ordered(qs.select_related("client", "volunteer", "professional"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/signal_list.html",
        {
            "page": page,
            "filters": filters,
            "state": state,
            "severity": severity,
            "now": timezone.now(),
        },
    )


# --- Detail and acknowledgement ------------------------------------------------------------


def _escalations(signal: RelapseSignal) -> list[dict[str, Any]]:
    """Each escalation step: when, and who was told."""
    told = Notification.objects.filter(
        kind="signal.escalated",
        subject_type=RelapseSignal._meta.label_lower,
        subject_id=str(signal.pk),
    ).select_related("recipient")
    steps: dict[str, dict[str, Any]] = defaultdict(lambda: {"at": None, "recipients": []})
    for notification in told.order_by("created_at", "pk"):
        step = steps[notification.occasion]
        step["at"] = step["at"] or notification.created_at
        if notification.recipient is not None:
            step["recipients"].append(notification.recipient.full_name)
    return [
        {"level": occasion.removeprefix("level-"), **step}
        for occasion, step in sorted(steps.items(), key=lambda item: item[1]["at"])
    ]


def _render_detail(
    request: HttpRequest, signal: RelapseSignal, form: SignalAcknowledgeForm | None = None
) -> HttpResponse:
    user = _user(request)
    if user.role == Role.VOLUNTEER:
        return render(
            request,
            "supervision/signal_detail_volunteer.html",
            {"signal": signal, "draft_sent": request.session.pop(DRAFT_SENT, "")},
        )
    can_acknowledge = user.role in signals.HANDLERS
    if form is None and can_acknowledge and signal.is_open:
        form = SignalAcknowledgeForm()
    return render(
        request,
        "supervision/signal_detail.html",
        {
            "signal": signal,
            "form": form if can_acknowledge else None,
            "escalations": _escalations(signal),
            "overdue": signal.is_open and signal.due_at < timezone.now(),
        },
    )


def _signal(request: HttpRequest, pk: int) -> RelapseSignal:
    qs = access.signals_visible_to(_user(request)).select_related(
        "client", "volunteer", "professional__team_lead", "acknowledged_by"
    )
    return access.get_or_404(request, qs, pk=pk)


@access.role_required(Role.COORDINATOR, Role.PROFESSIONAL, Role.VOLUNTEER, Role.ADMIN)
def signal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    signal = _signal(request, pk)
    audit.record(action="signal.read", request=request, obj=signal)
    return _render_detail(request, signal)


@require_POST
@access.role_required(*signals.HANDLERS)
def signal_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    signal = _signal(request, pk)
    form = SignalAcknowledgeForm(request.POST)
    if form.is_valid():
        try:
            signals.signal_acknowledge(
                signal=signal, by=user, action_taken=form.cleaned_data["action_taken"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
            signal.refresh_from_db()
        else:
            messages.success(request, _("The signal is acknowledged. The volunteer has been told."))
            return redirect("supervision:signal_detail", pk=signal.pk)
    return _render_detail(request, signal, form)


# --- Team lead (on the users page) -------------------------------------------------------


@require_POST
@access.role_required(Role.ADMIN)
def team_lead_set(request: HttpRequest, pk: int) -> HttpResponse:
    admin = _user(request)
    member = access.get_or_404(request, access.users_visible_to(admin), pk=pk)
    form = TeamLeadForm(request.POST, candidates=signals.team_lead_candidates(by=admin))
    if not form.is_valid():
        messages.error(request, _("Choose an active professional or coordinator as team lead."))
        return redirect("user_list")
    lead = form.cleaned_data["team_lead"]
    try:
        signals.team_lead_set(professional=member, team_lead=lead, by=admin)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if lead is None:
            messages.success(
                request, _("%(name)s has no team lead now.") % {"name": member.full_name}
            )
        else:
            messages.success(
                request,
                _("%(lead)s is now the team lead of %(name)s.")
                % {"lead": lead.full_name, "name": member.full_name},
            )
    return redirect("user_list")


urlpatterns: list[URLPattern] = [
    path("signalen/", signal_list, name="signal_list"),
    path("signalen/melden/", signal_report, name="signal_report"),
    path("signalen/<int:pk>/", signal_detail, name="signal_detail"),
    path(
        "signalen/<int:pk>/in-behandeling/",
        signal_acknowledge,
        name="signal_acknowledge",
    ),
    path("teamleider/<int:pk>/", team_lead_set, name="team_lead_set"),
]
