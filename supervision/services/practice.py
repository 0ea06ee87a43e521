"""Shared ways of working: professionals' short notes on how they work with volunteers ("what I
do when…"), tagged by volunteer role and activity type, with colleagues' comments and
questions. This is how the tacit knowledge of 'best persons' stays in the organisation
(DOMAIN.md, success factors)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from reclass_volunteers import access, audit, outbox
from reclass_volunteers.models import Organisation, Role, User
from supervision.models import PracticeComment, PracticeNote
from volunteers.choices import ActivityType, VolunteerRole

WRITERS = (Role.COORDINATOR, Role.PROFESSIONAL)


def _tags(values: Iterable[str], allowed: list[str], field: str) -> list[str]:
    chosen = list(dict.fromkeys(values))
    if any(value not in allowed for value in chosen):
        raise ValidationError({field: _("Choose from the list.")})
    # Stored in the order of the choices, so the same tags always read the same.
    return [value for value in allowed if value in chosen]


def _fill(
    note: PracticeNote, *, title: str, body: str, roles: Iterable[str], activities: Iterable[str]
) -> None:
    note.title = title.strip()
    note.body = body.strip()
    note.roles = _tags(roles, list(VolunteerRole.values), "roles")
    note.activities = _tags(activities, list(ActivityType.values), "activities")


@transaction.atomic
def practice_note_create(
    *,
    organisation: Organisation,
    by: User,
    title: str,
    body: str,
    roles: Iterable[str] = (),
    activities: Iterable[str] = (),
) -> PracticeNote:
    if by.role not in WRITERS or by.organisation_id != organisation.pk:
        raise ValidationError(_("Only professionals and coordinators write ways of working."))
    note = PracticeNote(organisation=organisation, author=by)
    _fill(note, title=title, body=body, roles=roles, activities=activities)
    note.full_clean()
    note.save()
    audit.record(action="practice.note.create", user=by, obj=note)
    return note


def can_edit(user: User, note: PracticeNote) -> bool:
    return note.author_id is not None and note.author_id == user.pk


@transaction.atomic
def practice_note_update(
    *,
    note: PracticeNote,
    by: User,
    title: str,
    body: str,
    roles: Iterable[str] = (),
    activities: Iterable[str] = (),
) -> PracticeNote:
    """The author changes their own note."""
    note = PracticeNote.objects.select_for_update().get(pk=note.pk)
    if not can_edit(by, note):
        raise ValidationError(_("Only the author can change this note."))
    _fill(note, title=title, body=body, roles=roles, activities=activities)
    note.full_clean()
    note.save()
    audit.record(action="practice.note.update", user=by, obj=note)
    return note


@transaction.atomic
def practice_comment_create(
    *, note: PracticeNote, by: User, text: str, is_question: bool = False
) -> PracticeComment:
    """A colleague reacts. A question is passed on to the author, who is the one to answer."""
    if by.role not in access.STAFF or by.organisation_id != note.organisation_id:
        raise ValidationError(_("Only colleagues of the organisation can react."))
    comment = PracticeComment(note=note, author=by, text=text.strip(), is_question=is_question)
    comment.full_clean()
    comment.save()
    audit.record(action="practice.comment.create", user=by, obj=comment)
    author = note.author
    if is_question and author is not None and author.pk != by.pk and author.is_active:
        outbox.notify(
            kind="practice.question",
            recipient=author,
            title=_("%(name)s asks a question about “%(title)s”")
            % {"name": by.full_name, "title": note.title},
            body=comment.text,
            url=reverse("supervision:practice_detail", args=[note.pk]) + f"#comment-{comment.pk}",
            subject=comment,
        )
    return comment


def practice_notes_filtered(
    notes: QuerySet[PracticeNote], *, role: str = "", activity: str = "", query: str = ""
) -> QuerySet[PracticeNote]:
    """The notes (already scoped to the reader) with this tag and containing every word of
    the query in the title or text."""
    # The tags are JSON lists of choice values. A quoted value in the list's text finds the
    # whole value only ("practical" does not find "practical_help"), on PostgreSQL and on the
    # quick start's SQLite alike (JSON containment is not available there).
    if role in VolunteerRole.values:
        notes = notes.filter(roles__icontains=f'"{role}"')
    if activity in ActivityType.values:
        notes = notes.filter(activities__icontains=f'"{activity}"')
    for word in query.split():
        notes = notes.filter(Q(title__icontains=word) | Q(body__icontains=word))
    return notes
