"""Match pages: the list, the match page with its lifecycle actions, the circle's lead, outer
circle and reviews, and the evaluations.

Staff in scope (access.matches_visible_to) see the whole match. A volunteer sees their own
ACTIVE matches on a reduced page: the client's first name, the goals, fellow volunteers' first
names, the professional to call. Never risk flags, staff notes, override reasons or scores.
Every read is written to the audit log ("match.read").
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from matching.forms_matches import (
    AdvanceForm,
    EndForm,
    EvaluationForm,
    LeadForm,
    OuterCircleForm,
    ReviewForm,
)
from matching.models import CircleReview, Match, MatchEvaluation, MatchVolunteer, OuterCircleMember
from matching.services import lifecycle
from reclass_volunteers import access, audit
from reclass_volunteers.forms import add_service_errors
from reclass_volunteers.models import Role, User

PAGE_SIZE = 25
MANAGERS = (Role.COORDINATOR, Role.ADMIN)
EVERYONE = (*access.STAFF, Role.VOLUNTEER)
S = Match.Status


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _memberships() -> Prefetch[Any]:
    return Prefetch(
        "memberships",
        queryset=MatchVolunteer.objects.select_related("volunteer").order_by(
            "-is_lead", "volunteer__first_name", "volunteer__last_name"
        ),
    )


def _with_last_review(qs: QuerySet[Match]) -> QuerySet[Match]:
    last = CircleReview.objects.filter(match=OuterRef("pk")).order_by("-held_on", "-id")
    return qs.annotate(
        last_held_on=Subquery(last.values("held_on")[:1]),
        last_next_review_on=Subquery(last.values("next_review_on")[:1]),
    )


def _next_review(match: Match) -> date | None:
    """For an active circle: when its next review is due."""
    if not (match.is_circle and match.status == S.ACTIVE):
        return None
    return lifecycle.next_review_on(
        started_on=match.started_on,
        review_every_weeks=match.review_every_weeks,
        last_held_on=getattr(match, "last_held_on", None),
        last_next_review_on=getattr(match, "last_next_review_on", None),
    )


def _long_date(day: date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


# --- List ------------------------------------------------------------------------------------


@access.role_required(*access.STAFF)
def match_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    qs = _with_last_review(
        access.matches_visible_to(user).select_related("client").prefetch_related(_memberships())
    )
    status = request.GET.get("status", "")
    if status in S.values:
        qs = qs.filter(status=status)
    kind = request.GET.get("kind", "")
    if kind in Match.Kind.values:
        qs = qs.filter(kind=kind)
    query = request.GET.get("q", "").strip()
    if query:
        # Every word must be in the same volunteer's first or last name; or the client's code.
        by_volunteer = Q()
        for word in query.split()[:5]:
            by_volunteer &= Q(volunteer__first_name__icontains=word) | Q(
                volunteer__last_name__icontains=word
            )
        qs = qs.filter(
            Q(client__code__icontains=query)
            | Q(pk__in=MatchVolunteer.objects.filter(by_volunteer).values("match"))
        )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for match in page:
        due = _next_review(match)
        match.review_due = due is not None and due <= today  # type: ignore[attr-defined]
    return render(
        request,
        "matching/match_list.html",
        {
            "page": page,
            "status": status,
            "statuses": S.choices,
            "kind": kind,
            "kinds": Match.Kind.choices,
            "query": query,
        },
    )


# --- The match page --------------------------------------------------------------------------


def _detail_queryset(user: User) -> QuerySet[Match]:
    return access.matches_visible_to(user).select_related(
        "client", "responsible_professional", "created_by"
    )


def _get_match(request: HttpRequest, pk: int) -> Match:
    return access.get_or_404(request, _detail_queryset(_user(request)), pk=pk)


@access.role_required(*EVERYONE)
def match_detail(request: HttpRequest, pk: int) -> HttpResponse:
    match = _get_match(request, pk)
    if _user(request).role == Role.VOLUNTEER:
        return _render_volunteer(request, match)
    return _render_staff(request, match)


def _render_staff(request: HttpRequest, match: Match, **bound: forms.Form) -> HttpResponse:
    """The whole match for coordinators, admins and the professionals in scope; `bound` are
    forms posted with errors, shown in place of the empty ones."""
    user = _user(request)
    audit.record(action="match.read", request=request, obj=match)
    memberships = list(
        match.memberships.select_related("volunteer").order_by(
            "-is_lead", "volunteer__first_name", "volunteer__last_name"
        )
    )
    lead_id = next((m.volunteer_id for m in memberships if m.is_lead), None)
    reviews = list(match.reviews.select_related("recorded_by")) if match.is_circle else []
    if reviews:
        match.last_held_on = reviews[0].held_on  # type: ignore[attr-defined]
        match.last_next_review_on = reviews[0].next_review_on  # type: ignore[attr-defined]
    next_review = _next_review(match)
    today = timezone.localdate()
    evaluations = list(match.evaluations.select_related("author"))
    perspective = lifecycle.evaluation_perspective(match, user)
    live = match.is_live
    can_manage_circle = match.is_circle and live and lifecycle.can_manage_circle(match, user)
    forms_shown: dict[str, forms.Form | None] = {
        "advance_form": (
            AdvanceForm(match=match)
            if match.status in lifecycle.NEXT_STATUS and lifecycle.can_advance(match, user)
            else None
        ),
        "end_form": EndForm(match=match) if live and lifecycle.can_end(match, user) else None,
        "lead_form": (
            LeadForm(match=match, initial={"volunteer": lead_id}) if can_manage_circle else None
        ),
        "outer_form": OuterCircleForm() if can_manage_circle else None,
        "review_form": ReviewForm() if can_manage_circle and match.status == S.ACTIVE else None,
        "evaluation_form": (
            EvaluationForm()
            if perspective is not None
            and match.status in lifecycle.EVALUABLE
            and match.started_on is not None
            and not any(e.author_id == user.pk for e in evaluations)
            else None
        ),
    }
    forms_shown.update(bound)
    return render(
        request,
        "matching/match_detail.html",
        {
            "match": match,
            "client": match.client,
            "memberships": memberships,
            "professional": match.responsible_professional,
            "outer_circle": list(match.outer_circle.all()) if match.is_circle else [],
            "reviews": reviews,
            "next_review": next_review,
            "review_overdue": next_review is not None and next_review < today,
            "evaluations": evaluations,
            "can_manage_circle": can_manage_circle,
            **forms_shown,
        },
    )


def _render_volunteer(request: HttpRequest, match: Match) -> HttpResponse:
    """The reduced page of an active match for one of its volunteers. The context carries only
    what the template may show, so nothing staff-only can slip into it."""
    user = _user(request)
    audit.record(action="match.read", request=request, obj=match)
    memberships = match.memberships.select_related("volunteer").order_by(
        "-is_lead", "volunteer__first_name"
    )
    own = (
        MatchEvaluation.objects.filter(match=match, author=user)
        .only("rating", "went_well", "could_improve", "written_at")
        .first()
    )
    professional = match.responsible_professional
    return render(
        request,
        "matching/match_detail_volunteer.html",
        {
            "match_pk": match.pk,
            "kind": match.get_kind_display(),
            "is_circle": match.is_circle,
            "client_first_name": match.client.first_name,
            "goals": match.goals,
            "started_on": match.started_on,
            "planned_end_on": match.planned_end_on,
            "team": [
                {
                    "first_name": m.volunteer.first_name,
                    "is_lead": m.is_lead,
                    "is_me": m.volunteer.user_id == user.pk,
                }
                for m in memberships
            ],
            "professional_name": professional.full_name if professional else "",
            "professional_phone": professional.phone if professional else "",
            "own_evaluation": own,
            "evaluation_form": (
                EvaluationForm() if own is None and match.started_on is not None else None
            ),
        },
    )


# --- Lifecycle -------------------------------------------------------------------------------


def _changed_meanwhile(request: HttpRequest, match: Match, *, refresh: bool = False) -> bool:
    """Someone acted on the match since this user's page was drawn (or won a race with them):
    tell them, so the view can show the page as it is now. The forms of one status do not fit
    another, so this is checked before the form is."""
    if refresh:
        match.refresh_from_db(fields=["status"])
    if match.status == request.POST.get("expected_status"):
        return False
    messages.error(request, lifecycle.changed_meanwhile_message(match))
    return True


@require_POST
@access.role_required(*MANAGERS)
def match_advance(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    match = _get_match(request, pk)
    if _changed_meanwhile(request, match):
        return redirect("matching:match_detail", pk=match.pk)
    form = AdvanceForm(request.POST, match=match)
    if form.is_valid():
        try:
            match = lifecycle.match_advance(match=match, by=user, **form.service_kwargs())
        except ValidationError as error:
            if _changed_meanwhile(request, match, refresh=True):
                return redirect("matching:match_detail", pk=match.pk)
            add_service_errors(form, error)
        else:
            if match.status == S.ACTIVE:
                assert match.started_on is not None
                messages.success(
                    request,
                    _("The match is active from %(date)s.")
                    % {"date": _long_date(match.started_on)},
                )
            else:
                messages.success(request, _("The introduction has started."))
            return redirect("matching:match_detail", pk=match.pk)
    return _render_staff(request, match, advance_form=form)


@require_POST
@access.role_required(*access.STAFF)
def match_end(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    match = _get_match(request, pk)
    if _changed_meanwhile(request, match):
        return redirect("matching:match_detail", pk=match.pk)
    form = EndForm(request.POST, match=match)
    if form.is_valid():
        try:
            lifecycle.match_end(match=match, by=user, **form.cleaned_data)
        except ValidationError as error:
            if _changed_meanwhile(request, match, refresh=True):
                return redirect("matching:match_detail", pk=match.pk)
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "The match has ended. The volunteers and the professional are asked for "
                    "their evaluation."
                ),
            )
            return redirect("matching:match_detail", pk=match.pk)
    return _render_staff(request, match, end_form=form)


# --- Evaluations -----------------------------------------------------------------------------


@access.role_required(Role.PROFESSIONAL, Role.VOLUNTEER)
def match_evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    match = access.get_or_404(request, access.matches_to_evaluate_by(user), pk=pk)
    form = EvaluationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lifecycle.match_evaluate(match=match, by=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Thank you for your evaluation."))
            if access.matches_visible_to(user).filter(pk=match.pk).exists():
                return redirect("matching:match_detail", pk=match.pk)
            return redirect("matching:match_evaluate", pk=match.pk)
    audit.record(action="match.read", request=request, obj=match)
    perspective = lifecycle.evaluation_perspective(match, user)
    own = MatchEvaluation.objects.filter(match=match, author=user).first()
    can_write = (
        perspective is not None
        and own is None
        and match.status in lifecycle.EVALUABLE
        and match.started_on is not None
    )
    return render(
        request,
        "matching/match_evaluate.html",
        {
            "match_pk": match.pk,
            "kind": match.get_kind_display(),
            "status": match.get_status_display(),
            "started_on": match.started_on,
            "ended_on": match.ended_on,
            # Staff see which client; a volunteer of an ended match no longer does.
            "client_code": match.client.code if user.role != Role.VOLUNTEER else "",
            "own_evaluation": own,
            "form": form if can_write or form.is_bound else None,
            "perspective": perspective,
        },
    )


# --- Circles ---------------------------------------------------------------------------------


def _refused_outside_a_circle(request: HttpRequest, match: Match, error: ValidationError) -> bool:
    """A circle's forms are not on a buddy match's page: tell the user above the page instead."""
    if match.is_circle:
        return False
    messages.error(request, " ".join(error.messages))
    return True


@require_POST
@access.role_required(*access.STAFF)
def match_set_lead(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    match = _get_match(request, pk)
    form = LeadForm(request.POST, match=match)
    if form.is_valid():
        try:
            lifecycle.match_set_lead(match=match, by=user, **form.cleaned_data)
        except ValidationError as error:
            if _refused_outside_a_circle(request, match, error):
                return redirect("matching:match_detail", pk=match.pk)
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is now the lead volunteer.")
                % {"name": form.cleaned_data["volunteer"].full_name},
            )
            return redirect("matching:match_detail", pk=match.pk)
    return _render_staff(request, match, lead_form=form)


@require_POST
@access.role_required(*access.STAFF)
def match_outer_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    match = _get_match(request, pk)
    form = OuterCircleForm(request.POST)
    if form.is_valid():
        try:
            member = lifecycle.outer_circle_add(match=match, by=user, **form.cleaned_data)
        except ValidationError as error:
            if _refused_outside_a_circle(request, match, error):
                return redirect("matching:match_detail", pk=match.pk)
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("%(name)s was added to the outer circle.") % {"name": member.name}
            )
            return redirect("matching:match_detail", pk=match.pk)
    return _render_staff(request, match, outer_form=form)


@require_POST
@access.role_required(*access.STAFF)
def match_outer_remove(request: HttpRequest, match_pk: int, pk: int) -> HttpResponse:
    user = _user(request)
    match = _get_match(request, match_pk)
    member = access.get_or_404(request, OuterCircleMember.objects.filter(match=match), pk=pk)
    try:
        lifecycle.outer_circle_remove(member=member, by=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("%(name)s was removed from the outer circle.") % {"name": member.name}
        )
    return redirect("matching:match_detail", pk=match.pk)


@require_POST
@access.role_required(*access.STAFF)
def match_review_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    match = _get_match(request, pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            review = lifecycle.circle_review_add(match=match, by=user, **form.cleaned_data)
        except ValidationError as error:
            if _refused_outside_a_circle(request, match, error):
                return redirect("matching:match_detail", pk=match.pk)
            add_service_errors(form, error)
        else:
            assert review.next_review_on is not None
            messages.success(
                request,
                _("The review was recorded. The next one is due on %(date)s.")
                % {"date": _long_date(review.next_review_on)},
            )
            return redirect("matching:match_detail", pk=match.pk)
    return _render_staff(request, match, review_form=form)


urlpatterns = [
    path("", match_list, name="match_list"),
    path("<int:pk>/", match_detail, name="match_detail"),
    path("<int:pk>/volgende-stap/", match_advance, name="match_advance"),
    path("<int:pk>/beeindigen/", match_end, name="match_end"),
    path("<int:pk>/evaluatie/", match_evaluate, name="match_evaluate"),
    path("<int:pk>/coordinerend/", match_set_lead, name="match_set_lead"),
    path("<int:pk>/buitencirkel/", match_outer_add, name="match_outer_add"),
    path(
        "<int:match_pk>/buitencirkel/<int:pk>/verwijderen/",
        match_outer_remove,
        name="match_outer_remove",
    ),
    path("<int:pk>/cirkelevaluaties/", match_review_add, name="match_review_add"),
]
