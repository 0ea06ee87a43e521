"""The volunteer portal, phone first: my active matches with what I can do for each (report a
contact, raise something I want to discuss, file a circle's minutes as its lead), and what
became of what I wrote (read or not, replies and questions, responses to discussion points).

Only volunteers use these pages (others get 403). A match, report or point of someone else is
not found (404), so nothing is written for another volunteer's client.

Long texts are kept as a draft in the browser while typing (static/js/drafts.js, forms marked
data-draft). After a successful submit the view puts the draft's key in the session; the next
portal page carries it as data-draft-clear, and the script then forgets the draft. A submit
that did not arrive (an expired session sends the volunteer to log in) keeps the draft.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from matching.models import Match, MatchVolunteer
from reclass_volunteers import access
from reclass_volunteers.forms import add_service_errors
from reclass_volunteers.models import Role, User
from supervision.forms_reports import (
    AnswerForm,
    CircleMinutesForm,
    ContactReportForm,
    DiscussionPointForm,
)
from supervision.models import ContactReport, ReportReply
from supervision.services import reports as service
from volunteers.models import Volunteer

RECENT = 10
# Session key: drafts the browser may forget, because what they held has arrived.
DRAFTS_TO_CLEAR = "supervision_drafts_to_clear"

# Pages other parts of supervision offer volunteers. Only those whose route exists are shown;
# a route that takes the match gets it as match_pk, others are offered once for all matches.
PORTAL_LINKS: tuple[tuple[str, Any], ...] = (
    ("supervision:signal_report", gettext_lazy("Report a signal")),
    ("supervision:expense_create", gettext_lazy("Report an expense")),
    ("supervision:expense_mine", gettext_lazy("My expenses")),
)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _volunteer(request: HttpRequest) -> Volunteer:
    """The volunteer record of the logged-in volunteer; an account without one has no portal."""
    volunteer = access.volunteers_visible_to(_user(request)).select_related("supervisor").first()
    if volunteer is None:
        raise Http404
    return volunteer


def _my_match(request: HttpRequest, pk: int) -> Match:
    return access.get_or_404(
        request, access.matches_visible_to(_user(request)).select_related("client"), pk=pk
    )


def draft_key(user: User, name: str, obj_pk: int | None = None) -> str:
    """The browser's key of a form's draft: per user, so a shared device never shows one
    volunteer's text to the next."""
    return f"u{user.pk}-{name}" + (f"-{obj_pk}" if obj_pk is not None else "")


def _clear_draft_later(request: HttpRequest, key: str) -> None:
    keys = [k for k in request.session.get(DRAFTS_TO_CLEAR, []) if k != key][-9:]
    request.session[DRAFTS_TO_CLEAR] = [*keys, key]


def _route_link(name: str, match_pk: int | None) -> str | None:
    try:
        if match_pk is None:
            return reverse(name)
        return reverse(name, kwargs={"match_pk": match_pk})
    except NoReverseMatch:
        return None


def portal_links(match_pks: list[int]) -> tuple[dict[int, list[dict[str, Any]]], list[Any]]:
    """Links of other areas: per match where the route takes one, else once for the page."""
    per_match: dict[int, list[dict[str, Any]]] = {pk: [] for pk in match_pks}
    general: list[dict[str, Any]] = []
    for name, label in PORTAL_LINKS:
        if match_pks and _route_link(name, match_pks[0]) is not None:
            for pk in match_pks:
                per_match[pk].append({"url": _route_link(name, pk), "label": label})
            continue
        url = _route_link(name, None)
        if url is not None:
            general.append({"url": url, "label": label})
    return per_match, general


def _my_matches(user: User) -> QuerySet[Match]:
    mine = MatchVolunteer.objects.filter(match=OuterRef("pk"), volunteer__user=user)
    return (
        access.matches_visible_to(user)
        .select_related("client")
        .annotate(
            i_lead=Exists(mine.filter(is_lead=True)),
            last_contact=Max(
                "contact_reports__happened_on",
                filter=Q(contact_reports__volunteer__user=user),
            ),
        )
        .order_by("client__first_name", "pk")
    )


def _with_replies(qs: QuerySet[ContactReport]) -> QuerySet[ContactReport]:
    return qs.select_related("match__client", "read_by", "volunteer").prefetch_related(
        Prefetch("replies", queryset=ReportReply.objects.select_related("author"))
    )


@access.role_required(Role.VOLUNTEER)
def portal(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    volunteer = _volunteer(request)
    matches = list(_my_matches(user))
    per_match, general_links = portal_links([m.pk for m in matches])
    for match in matches:
        match.links = per_match[match.pk]  # type: ignore[attr-defined]
    reports = list(_with_replies(access.contact_reports_visible_to(user))[:RECENT])
    for report in reports:
        report.open_question = service.open_question(report)  # type: ignore[attr-defined]
    points = list(
        access.discussion_points_visible_to(user).select_related("addressed_by", "match__client")[
            :RECENT
        ]
    )
    return render(
        request,
        "supervision/portal_home.html",
        {
            "volunteer": volunteer,
            "matches": matches,
            "general_links": general_links,
            "reports": reports,
            "points": points,
            "drafts_to_clear": request.session.pop(DRAFTS_TO_CLEAR, []),
        },
    )


@access.role_required(Role.VOLUNTEER)
def report_create(request: HttpRequest, match_pk: int) -> HttpResponse:
    user = _user(request)
    volunteer = _volunteer(request)
    match = _my_match(request, match_pk)
    form = ContactReportForm(request.POST or None)
    key = draft_key(user, "report", match.pk)
    if request.method == "POST" and form.is_valid():
        try:
            service.contact_report_create(
                volunteer=volunteer, match=match, by=user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _clear_draft_later(request, key)
            messages.success(
                request,
                _("Thank you. Your report reached %(name)s.") % {"name": _responsible_name(match)},
            )
            return redirect("supervision:portal")
    return render(
        request,
        "supervision/portal_report_form.html",
        {"form": form, "match": match, "draft_key": key},
    )


def _responsible_name(match: Match) -> str:
    professional = match.client.responsible_professional
    return professional.get_short_name() if professional else _("the professional")


@access.role_required(Role.VOLUNTEER)
def portal_report(request: HttpRequest, pk: int) -> HttpResponse:
    """One of my reports with its read status, replies and questions, and the answer form."""
    user = _user(request)
    report = access.get_or_404(
        request, _with_replies(access.contact_reports_visible_to(user)), pk=pk
    )
    return _render_report(request, report, AnswerForm())


def _render_report(request: HttpRequest, report: ContactReport, form: AnswerForm) -> HttpResponse:
    user = _user(request)
    question = service.open_question(report)
    report.activity_labels = service.activity_labels(report)  # type: ignore[attr-defined]
    return render(
        request,
        "supervision/portal_report_detail.html",
        {
            "report": report,
            "question": question,
            "form": form if question is not None else None,
            "draft_key": draft_key(user, "answer", report.pk),
            "drafts_to_clear": request.session.pop(DRAFTS_TO_CLEAR, []),
        },
    )


@require_POST
@access.role_required(Role.VOLUNTEER)
def report_answer(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    report = access.get_or_404(
        request, _with_replies(access.contact_reports_visible_to(user)), pk=pk
    )
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            service.report_answer(report=report, by=user, text=form.cleaned_data["text"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _clear_draft_later(request, draft_key(user, "answer", report.pk))
            messages.success(request, _("Your answer was sent."))
            return redirect("supervision:portal_report", pk=report.pk)
    return _render_report(request, report, form)


@access.role_required(Role.VOLUNTEER)
def discussion_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    volunteer = _volunteer(request)
    matches = access.matches_visible_to(user)
    initial = {}
    chosen = request.GET.get("match", "")
    if chosen.isdigit() and matches.filter(pk=int(chosen)).exists():
        initial["match"] = int(chosen)
    form = DiscussionPointForm(request.POST or None, matches=matches, initial=initial)
    key = draft_key(user, "discussion")
    if request.method == "POST" and form.is_valid():
        try:
            service.discussion_point_create(volunteer=volunteer, by=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _clear_draft_later(request, key)
            messages.success(
                request,
                _(
                    "Thank you for raising this. %(name)s will get back to you; it is good "
                    "that you told us."
                )
                % {"name": _supervisor_name(volunteer)},
            )
            return redirect("supervision:portal")
    return render(
        request,
        "supervision/discussion_form.html",
        {"form": form, "draft_key": key, "supervisor_name": _supervisor_name(volunteer)},
    )


def _supervisor_name(volunteer: Volunteer) -> str:
    supervisor = volunteer.supervisor
    if supervisor is not None and supervisor.is_active:
        return supervisor.get_short_name()
    return _("the coordinator")


def _lead_match(request: HttpRequest, match_pk: int, volunteer: Volunteer) -> Match:
    """An active circle of which I am the lead; any other match is not found."""
    match = _my_match(request, match_pk)
    if service.lead_membership(volunteer=volunteer, match=match) is None:
        raise Http404
    return match


@access.role_required(Role.VOLUNTEER)
def minutes_create(request: HttpRequest, match_pk: int) -> HttpResponse:
    user = _user(request)
    volunteer = _volunteer(request)
    match = _lead_match(request, match_pk, volunteer)
    form = CircleMinutesForm(request.POST or None)
    key = draft_key(user, "minutes", match.pk)
    if request.method == "POST" and form.is_valid():
        try:
            service.circle_minutes_create(
                match=match, volunteer=volunteer, by=user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _clear_draft_later(request, key)
            messages.success(request, _("The minutes were sent to the outer circle."))
            return redirect("supervision:portal")
    return render(
        request,
        "supervision/minutes_form.html",
        {"form": form, "match": match, "draft_key": key},
    )


urlpatterns: list[URLPattern] = [
    path("mijn-koppelingen/", portal, name="portal"),
    path("mijn-koppelingen/<int:match_pk>/contact/", report_create, name="report_create"),
    path("mijn-koppelingen/bespreken/", discussion_create, name="discussion_create"),
    path("mijn-koppelingen/<int:match_pk>/cirkelverslag/", minutes_create, name="minutes_create"),
    path("mijn-koppelingen/verslagen/<int:pk>/", portal_report, name="portal_report"),
    path("mijn-koppelingen/verslagen/<int:pk>/antwoord/", report_answer, name="report_answer"),
]
