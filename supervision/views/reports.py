"""Staff pages for what volunteers report: contact reports (list, page, mark as read, reply or
ask a question), discussion points (list, page, respond and close) and the minutes of a
circle's meetings.

Scope comes from access.py: contact_reports_visible_to (the match's professional, the
volunteer's supervisor, the organisation's coordinators and admins),
discussion_points_visible_to (never the responsible professional as such) and
matches_visible_to for minutes. Administrators may read; answering volunteers is for
coordinators and professionals.

Marking a report read is an explicit button: no GET writes (SECURITY.md), and a professional
who only glanced at a report should not tell the volunteer it was read. Replying or asking a
question marks it read as well.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reclass_volunteers import access, audit
from reclass_volunteers.forms import add_service_errors
from reclass_volunteers.models import Role, User
from supervision.forms_reports import DiscussionAddressForm, ReplyForm
from supervision.models import CircleMinutes, ContactReport, DiscussionPoint, DiscussionTopic
from supervision.services import reports as service

PAGE_SIZE = 25
ANSWERERS = (Role.COORDINATOR, Role.PROFESSIONAL)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


# --- Contact reports -------------------------------------------------------------------------


@access.role_required(*access.STAFF)
def report_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    qs = (
        access.contact_reports_visible_to(user)
        .select_related("match__client", "volunteer", "read_by")
        .annotate(reply_count=Count("replies"))
        .order_by("-happened_on", "-created_at", "-pk")
    )
    unread = request.GET.get("unread") == "1"
    if unread:
        qs = qs.filter(read_at__isnull=True)
    match = _int(request.GET.get("match", ""))
    if match is not None:
        qs = qs.filter(match_id=match)
    volunteer = _int(request.GET.get("volunteer", ""))
    if volunteer is not None:
        qs = qs.filter(volunteer_id=volunteer)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    # The filter choices come from the reports in scope, so they name nobody else.
    in_scope = access.contact_reports_visible_to(user)
    return render(
        request,
        "supervision/report_list.html",
        {
            "page": page,
            "unread": unread,
            "match": match,
            "volunteer": volunteer,
            "volunteers": (
                in_scope.order_by("volunteer__first_name", "volunteer__last_name", "volunteer_id")
                .values_list("volunteer_id", "volunteer__first_name", "volunteer__last_name")
                .distinct()
            ),
            "matches": (
                in_scope.order_by("match__client__code", "match_id")
                .values_list("match_id", "match__client__code", "match__client__first_name")
                .distinct()
            ),
        },
    )


def _report_qs(user: User) -> QuerySet[ContactReport]:
    return access.contact_reports_visible_to(user).select_related(
        "match__client", "volunteer", "read_by"
    )


def _render_report(
    request: HttpRequest, report: ContactReport, reply_form: ReplyForm | None = None
) -> HttpResponse:
    user = _user(request)
    can_answer = service.may_acknowledge(user, report)
    report.activity_labels = service.activity_labels(report)  # type: ignore[attr-defined]
    return render(
        request,
        "supervision/report_detail.html",
        {
            "report": report,
            "replies": report.replies.select_related("author"),
            "can_answer": can_answer,
            "reply_form": (reply_form or ReplyForm()) if can_answer else None,
        },
    )


@access.role_required(*access.STAFF)
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = access.get_or_404(request, _report_qs(_user(request)), pk=pk)
    audit.record(action="report.view", request=request, obj=report)
    return _render_report(request, report)


@require_POST
@access.role_required(*ANSWERERS)
def report_mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    report = access.get_or_404(request, _report_qs(user), pk=pk)
    try:
        service.report_mark_read(report=report, by=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Marked as read. The volunteer sees that you read it."))
    return redirect("supervision:report_detail", pk=report.pk)


@require_POST
@access.role_required(*ANSWERERS)
def report_reply(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    report = access.get_or_404(request, _report_qs(user), pk=pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            service.report_reply(report=report, by=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Your question was sent to the volunteer.")
                if form.cleaned_data["is_question"]
                else _("Your reply was sent to the volunteer."),
            )
            return redirect("supervision:report_detail", pk=report.pk)
    return _render_report(request, report, form)


# --- Discussion points -----------------------------------------------------------------------


@access.role_required(*access.STAFF)
def discussion_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    qs = access.discussion_points_visible_to(user).select_related(
        "volunteer", "addressed_by", "match__client"
    )
    state = request.GET.get("state", "open")
    if state == "addressed":
        qs = qs.filter(addressed_at__isnull=False)
    elif state != "all":
        state = "open"
        qs = qs.filter(addressed_at__isnull=True)
    topic = request.GET.get("topic", "")
    if topic in DiscussionTopic.values:
        qs = qs.filter(topic=topic)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/discussion_list.html",
        {"page": page, "state": state, "topic": topic, "topics": DiscussionTopic.choices},
    )


def _point_qs(user: User) -> QuerySet[DiscussionPoint]:
    return access.discussion_points_visible_to(user).select_related(
        "volunteer__supervisor", "addressed_by", "match__client"
    )


def _render_point(
    request: HttpRequest, point: DiscussionPoint, form: DiscussionAddressForm | None = None
) -> HttpResponse:
    may_address = point.addressed_at is None and service.may_address(_user(request), point)
    return render(
        request,
        "supervision/discussion_detail.html",
        {
            "point": point,
            "form": (form or DiscussionAddressForm()) if may_address else None,
        },
    )


@access.role_required(*access.STAFF)
def discussion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    point = access.get_or_404(request, _point_qs(_user(request)), pk=pk)
    return _render_point(request, point)


@require_POST
@access.role_required(*ANSWERERS)
def discussion_address(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    point = access.get_or_404(request, _point_qs(user), pk=pk)
    form = DiscussionAddressForm(request.POST)
    if form.is_valid():
        try:
            service.discussion_address(point=point, by=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your response was sent to the volunteer."))
            return redirect("supervision:discussion_list")
    return _render_point(request, point, form)


# --- Circle minutes --------------------------------------------------------------------------


@access.role_required(*access.STAFF)
def minutes_list(request: HttpRequest, match_pk: int) -> HttpResponse:
    match = access.get_or_404(
        request, access.matches_visible_to(_user(request)).select_related("client"), pk=match_pk
    )
    audit.record(action="circle_minutes.view", request=request, obj=match)
    qs = CircleMinutes.objects.filter(match=match).select_related("filed_by")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/minutes_list.html", {"match": match, "page": page})


urlpatterns: list[URLPattern] = [
    path("verslagen/", report_list, name="report_list"),
    path("verslagen/<int:pk>/", report_detail, name="report_detail"),
    path("verslagen/<int:pk>/gelezen/", report_mark_read, name="report_mark_read"),
    path("verslagen/<int:pk>/reageren/", report_reply, name="report_reply"),
    path("bespreekpunten/", discussion_list, name="discussion_list"),
    path("bespreekpunten/<int:pk>/", discussion_detail, name="discussion_detail"),
    path("bespreekpunten/<int:pk>/afhandelen/", discussion_address, name="discussion_address"),
    path("koppelingen/<int:match_pk>/cirkelverslagen/", minutes_list, name="minutes_list"),
]
