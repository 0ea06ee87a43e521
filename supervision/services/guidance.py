"""Supervision notes: how a professional or coordinator guided a volunteer, and whether the
guidance keeps up with the volunteer's supervision plan (Volunteer.supervisor,
supervision_form, supervision_interval_weeks).

A note is private to staff unless it is shared with the volunteer; the volunteer reads only
the shared ones (access.supervision_notes_visible_to)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from reclass_volunteers import audit, outbox
from reclass_volunteers.models import Role, User
from supervision.models import SupervisionNote
from volunteers.models import Volunteer

WRITERS = (Role.COORDINATOR, Role.PROFESSIONAL)


@transaction.atomic
def supervision_note_create(
    *,
    volunteer: Volunteer,
    by: User,
    held_on: date,
    form: str,
    topics: str,
    agreements: str = "",
    next_on: date | None = None,
    shared_with_volunteer: bool = False,
    today: date | None = None,
) -> SupervisionNote:
    """Record guidance that took place. A shared note is announced to the volunteer."""
    today = today or timezone.localdate()
    if by.role not in WRITERS or by.organisation_id != volunteer.organisation_id:
        raise ValidationError(_("You cannot record guidance of this volunteer."))
    errors: dict[str, str] = {}
    if held_on > today:
        errors["held_on"] = _("The date of the guidance cannot be in the future.")
    if next_on is not None and next_on <= held_on:
        errors["next_on"] = _("The next supervision must come after this one.")
    if errors:
        raise ValidationError(errors)
    note = SupervisionNote(
        volunteer=volunteer,
        author=by,
        held_on=held_on,
        form=form,
        topics=topics.strip(),
        agreements=agreements.strip(),
        next_on=next_on,
        shared_with_volunteer=shared_with_volunteer,
    )
    note.full_clean()
    note.save()
    audit.record(action="supervision.note.create", user=by, obj=note)
    if shared_with_volunteer and volunteer.user is not None and volunteer.user.is_active:
        outbox.notify(
            kind="supervision.note_shared",
            recipient=volunteer.user,
            title=_("A note of your supervision was shared with you"),
            body=_("%(name)s wrote down your conversation of %(date)s.")
            % {"name": by.full_name, "date": formats.date_format(held_on, "j F Y")},
            url=reverse("supervision:note_list", args=[volunteer.pk]),
            subject=note,
        )
    return note


# --- Overdue supervision ---------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueSupervision:
    """An active volunteer whose guidance lags behind their plan."""

    volunteer: Volunteer
    last_note_on: date | None  # the last supervision note, whenever it was
    due_on: date  # the interval after the last note, or after becoming active
    days_overdue: int


def overdue_supervision(
    volunteers_qs: QuerySet[Volunteer], today: date
) -> list[OverdueSupervision]:
    """Of these volunteers (already scoped to the reader), the active ones with a supervision
    interval whose last note is older than the interval, most overdue first. A volunteer who
    had no note since becoming active is measured from the day they became active (for an
    active volunteer, status_changed_at), so someone who starts today is not overdue yet.

    One query, whatever the number of volunteers: the last note is an aggregate, the
    supervisor comes along with a join."""
    rows = (
        volunteers_qs.filter(
            status=Volunteer.Status.ACTIVE, supervision_interval_weeks__isnull=False
        )
        .annotate(last_note_on=Max("supervision_notes__held_on"))
        .select_related("supervisor")
        .order_by()
    )
    overdue: list[OverdueSupervision] = []
    for volunteer in rows:
        assert volunteer.supervision_interval_weeks is not None
        last: date | None = volunteer.last_note_on
        active_since = timezone.localdate(volunteer.status_changed_at)
        reference = last if last is not None and last >= active_since else active_since
        due_on = reference + timedelta(weeks=volunteer.supervision_interval_weeks)
        days = (today - due_on).days
        if days > 0:
            overdue.append(
                OverdueSupervision(
                    volunteer=volunteer, last_note_on=last, due_on=due_on, days_overdue=days
                )
            )
    overdue.sort(
        key=lambda row: (-row.days_overdue, row.volunteer.last_name, row.volunteer.first_name)
    )
    return overdue
