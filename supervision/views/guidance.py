"""Supervision notes: a volunteer's guidance, recording a conversation, and the staff page of
supervision that lags behind the volunteers' plans.

Staff read the notes of the volunteers they may see; a volunteer reads only the notes shared
with them, on the same page. Professionals and coordinators write notes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _

from reclass_volunteers import access, audit
from reclass_volunteers.forms import add_service_errors
from reclass_volunteers.models import Role, User
from supervision.forms_guidance import SupervisionNoteForm
from supervision.services import guidance
from volunteers.models import Volunteer

PAGE_SIZE = 25
EVERYONE = (*access.STAFF, Role.VOLUNTEER)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@access.role_required(*EVERYONE)
def note_list(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    volunteer = access.get_or_404(
        request, access.volunteers_visible_to(user).select_related("supervisor"), pk=pk
    )
    notes = (
        access.supervision_notes_visible_to(user)
        .filter(volunteer=volunteer)
        .select_related("author")
    )
    page = Paginator(notes, PAGE_SIZE).get_page(request.GET.get("page"))
    is_staff = user.role in access.STAFF
    overdue = None
    if is_staff:
        late = guidance.overdue_supervision(
            Volunteer.objects.filter(pk=volunteer.pk), timezone.localdate()
        )
        overdue = late[0] if late else None
    audit.record(action="supervision.note.read", request=request, obj=volunteer)
    return render(
        request,
        "supervision/note_list.html",
        {
            "volunteer": volunteer,
            "page": page,
            "is_staff": is_staff,
            "is_self": volunteer.user_id == user.pk,
            "can_write": user.role in guidance.WRITERS,
            "overdue": overdue,
        },
    )


@access.role_required(*guidance.WRITERS)
def note_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    volunteer = access.get_or_404(request, access.volunteers_visible_to(user), pk=pk)
    form = SupervisionNoteForm(
        request.POST or None,
        initial={"held_on": timezone.localdate(), "form": volunteer.supervision_form},
    )
    if request.method == "POST" and form.is_valid():
        try:
            guidance.supervision_note_create(volunteer=volunteer, by=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The supervision of %(name)s was recorded.") % {"name": volunteer.full_name},
            )
            return redirect("supervision:note_list", pk=volunteer.pk)
    return render(request, "supervision/note_form.html", {"form": form, "volunteer": volunteer})


@access.role_required(Role.COORDINATOR, Role.PROFESSIONAL, Role.ADMIN)
def note_overdue(request: HttpRequest) -> HttpResponse:
    """Coordinators and administrators: the organisation's volunteers; professionals: the
    volunteers they supervise."""
    user = _user(request)
    volunteers = access.volunteers_visible_to(user)
    if user.role == Role.PROFESSIONAL:
        volunteers = volunteers.filter(supervisor=user)
    rows = guidance.overdue_supervision(volunteers, timezone.localdate())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/note_overdue.html",
        {"page": page, "mine_only": user.role == Role.PROFESSIONAL},
    )


urlpatterns: list[URLPattern] = [
    path("vrijwilligers/<int:pk>/notities/", note_list, name="note_list"),
    path("vrijwilligers/<int:pk>/notities/nieuw/", note_create, name="note_create"),
    path("notities/achterstallig/", note_overdue, name="note_overdue"),
]
