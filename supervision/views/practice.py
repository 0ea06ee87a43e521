"""Shared ways of working: the list with filters by tag and a text search, a note with its
comments and questions, writing and editing one's own note.

For the organisation's staff only (volunteers get 403). Professionals and coordinators write
notes; every colleague may comment or ask; only the author edits a note."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reclass_volunteers import access
from reclass_volunteers.forms import add_service_errors
from reclass_volunteers.models import Organisation, User
from supervision.forms_guidance import PracticeCommentForm, PracticeFilterForm, PracticeNoteForm
from supervision.models import PracticeNote
from supervision.services import practice
from volunteers.choices import ActivityType, VolunteerRole

PAGE_SIZE = 20
ROLE_LABELS = dict(VolunteerRole.choices)
ACTIVITY_LABELS = dict(ActivityType.choices)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _organisation(user: User) -> Organisation:
    assert user.organisation is not None
    return user.organisation


def _label_tags(notes: list[PracticeNote]) -> None:
    for note in notes:
        note.role_labels = [ROLE_LABELS.get(v, v) for v in note.roles]  # type: ignore[attr-defined]
        note.activity_labels = [  # type: ignore[attr-defined]
            ACTIVITY_LABELS.get(v, v) for v in note.activities
        ]


@access.role_required(*access.STAFF)
def practice_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    filters = PracticeFilterForm(request.GET or None)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    notes = practice.practice_notes_filtered(
        access.practice_notes_visible_to(user),
        role=cleaned.get("role") or "",
        activity=cleaned.get("activity") or "",
        query=cleaned.get("q") or "",
    )
    notes = (
        notes.select_related("author")
        .annotate(comment_count=Count("comments"))
        .order_by("-updated_at", "-pk")
    )
    page = Paginator(notes, PAGE_SIZE).get_page(request.GET.get("page"))
    _label_tags(list(page))
    return render(
        request,
        "supervision/practice_list.html",
        {
            "page": page,
            "filters": filters,
            "can_write": user.role in practice.WRITERS,
            "filtered": bool(cleaned and any(cleaned.values())),
        },
    )


@access.role_required(*practice.WRITERS)
def practice_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PracticeNoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            note = practice.practice_note_create(
                organisation=_organisation(user), by=user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Thank you for sharing how you work."))
            return redirect("supervision:practice_detail", pk=note.pk)
    return render(request, "supervision/practice_form.html", {"form": form, "note": None})


@access.role_required(*practice.WRITERS)
def practice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    note = access.get_or_404(request, access.practice_notes_visible_to(user), pk=pk)
    if not practice.can_edit(user, note):
        raise PermissionDenied
    form = PracticeNoteForm(
        request.POST or None,
        initial={
            "title": note.title,
            "body": note.body,
            "roles": note.roles,
            "activities": note.activities,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            practice.practice_note_update(note=note, by=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your note was saved."))
            return redirect("supervision:practice_detail", pk=note.pk)
    return render(request, "supervision/practice_form.html", {"form": form, "note": note})


def _render_detail(
    request: HttpRequest, note: PracticeNote, comment_form: PracticeCommentForm | None = None
) -> HttpResponse:
    user = _user(request)
    _label_tags([note])
    return render(
        request,
        "supervision/practice_detail.html",
        {
            "note": note,
            "comments": note.comments.select_related("author"),
            "comment_form": comment_form or PracticeCommentForm(),
            "can_edit": practice.can_edit(user, note),
        },
    )


def _note(request: HttpRequest, pk: int) -> PracticeNote:
    return access.get_or_404(
        request, access.practice_notes_visible_to(_user(request)).select_related("author"), pk=pk
    )


@access.role_required(*access.STAFF)
def practice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _note(request, pk))


@require_POST
@access.role_required(*access.STAFF)
def practice_comment(request: HttpRequest, pk: int) -> HttpResponse:
    note = _note(request, pk)
    form = PracticeCommentForm(request.POST)
    if form.is_valid():
        try:
            practice.practice_comment_create(note=note, by=_user(request), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if form.cleaned_data["is_question"]:
                messages.success(request, _("Your question was sent to the author."))
            else:
                messages.success(request, _("Your comment was added."))
            return redirect("supervision:practice_detail", pk=note.pk)
    return _render_detail(request, note, form)


urlpatterns: list[URLPattern] = [
    path("werkwijzen/", practice_list, name="practice_list"),
    path("werkwijzen/nieuw/", practice_create, name="practice_create"),
    path("werkwijzen/<int:pk>/", practice_detail, name="practice_detail"),
    path("werkwijzen/<int:pk>/wijzigen/", practice_edit, name="practice_edit"),
    path("werkwijzen/<int:pk>/reacties/", practice_comment, name="practice_comment"),
]
