"""Training: courses, their sessions, and enrolment with a waiting list.

The invariant: a session never has more seated enrolments (enrolled, attended, absent,
completed) than places. Every write that can change the number of seats (enrol, cancel, a new
capacity) first locks the session's row with SELECT ... FOR UPDATE, so two coordinators filling
the last place at the same moment are served one after the other: one gets the place, the other
the waiting list.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from reclass_volunteers import audit, outbox
from reclass_volunteers.models import Organisation, User
from volunteers import pipeline
from volunteers.models import Course, Enrolment, TrainingSession, Volunteer

E = Enrolment.Status


# --- Courses ---------------------------------------------------------------------------------


def _check_course_name(*, organisation: Organisation, name: str, course: Course | None) -> None:
    clash = Course.objects.filter(organisation=organisation, name__iexact=name.strip())
    if course is not None:
        clash = clash.exclude(pk=course.pk)
    if clash.exists():
        raise ValidationError({"name": _("There is already a training with this name.")})


@transaction.atomic
def course_create(
    *,
    organisation: Organisation,
    by: User,
    name: str,
    kind: str,
    description: str = "",
    validity_months: int | None = None,
) -> Course:
    _check_course_name(organisation=organisation, name=name, course=None)
    course = Course(
        organisation=organisation,
        name=name.strip(),
        kind=kind,
        description=description,
        validity_months=validity_months,
    )
    course.full_clean()
    course.save()
    audit.record(action="training.course.create", user=by, obj=course)
    return course


@transaction.atomic
def course_update(
    *,
    course: Course,
    by: User,
    name: str,
    kind: str,
    description: str = "",
    validity_months: int | None = None,
) -> Course:
    _check_course_name(organisation=course.organisation, name=name, course=course)
    course.name = name.strip()
    course.kind = kind
    course.description = description
    course.validity_months = validity_months
    course.full_clean()
    course.save()
    audit.record(action="training.course.update", user=by, obj=course)
    return course


# --- Sessions --------------------------------------------------------------------------------


def _same_organisation(course: Course, by: User) -> None:
    if course.organisation_id != by.organisation_id:
        raise ValidationError({"course": _("Choose a training of your own organisation.")})


@transaction.atomic
def session_create(
    *, course: Course, by: User, starts_at: datetime, location: str, capacity: int
) -> TrainingSession:
    _same_organisation(course, by)
    session = TrainingSession(
        course=course, starts_at=starts_at, location=location, capacity=capacity
    )
    session.full_clean()
    session.save()
    audit.record(action="training.session.create", user=by, obj=session)
    return session


@transaction.atomic
def session_update(
    *,
    session: TrainingSession,
    by: User,
    course: Course,
    starts_at: datetime,
    location: str,
    capacity: int,
) -> TrainingSession:
    """Change a session. Fewer places than people already seated is refused; more places give
    the first people on the waiting list a seat (and tell them)."""
    session = _lock_session(session)
    _same_organisation(course, by)
    enrolments = session.enrolments.exclude(status=E.CANCELLED)
    if course.pk != session.course_id and enrolments.exists():
        raise ValidationError(
            {"course": _("People are enrolled already; the training cannot change any more.")}
        )
    seated = session.enrolments.filter(status__in=Enrolment.SEATED).count()
    if capacity < seated:
        raise ValidationError(
            {
                "capacity": _(
                    "%(seated)d people have a place already; cancel enrolments before you "
                    "lower the number of places below that."
                )
                % {"seated": seated}
            }
        )
    session.course = course
    session.starts_at = starts_at
    session.location = location
    session.capacity = capacity
    session.full_clean()
    session.save()
    _seat_waiting(session, by=by)
    audit.record(action="training.session.update", user=by, obj=session)
    return session


def _lock_session(session: TrainingSession) -> TrainingSession:
    return (
        TrainingSession.objects.select_for_update(of=("self",))
        .select_related("course")
        .get(pk=session.pk)
    )


# --- Enrolment -------------------------------------------------------------------------------


@transaction.atomic
def session_enrol(*, session: TrainingSession, volunteer: Volunteer, by: User) -> Enrolment:
    """Give the volunteer a place, or a place on the waiting list when the session is full.
    A volunteer who is enrolled or waiting already is refused; one who cancelled earlier is
    enrolled again (at the back of the queue)."""
    session = _lock_session(session)
    if volunteer.organisation_id != session.course.organisation_id:
        raise ValidationError({"volunteer": _("Choose a volunteer of your own organisation.")})
    if session.course.organisation_id != by.organisation_id:
        raise ValidationError(_("Choose a session of your own organisation."))
    if volunteer.status in pipeline.ENDED:
        raise ValidationError(
            {
                "volunteer": _("%(name)s has left and cannot be enrolled.")
                % {"name": volunteer.full_name}
            }
        )
    enrolment = Enrolment.objects.filter(session=session, volunteer=volunteer).first()
    if enrolment is not None and enrolment.status != E.CANCELLED:
        raise ValidationError(
            {
                "volunteer": _("%(name)s is already enrolled in this session (%(status)s).")
                % {"name": volunteer.full_name, "status": enrolment.get_status_display()}
            }
        )
    seated = session.enrolments.filter(status__in=Enrolment.SEATED).count()
    status = E.ENROLLED if seated < session.capacity else E.WAITING
    if enrolment is None:
        enrolment = Enrolment(session=session, volunteer=volunteer)
    enrolment.status = status
    enrolment.enrolled_at = timezone.now()
    enrolment.completed_on = None
    enrolment.full_clean(exclude=["session", "volunteer"])
    enrolment.save()
    audit.record(action=f"training.enrolment.{status}", user=by, obj=enrolment)
    return enrolment


@transaction.atomic
def enrolment_cancel(*, enrolment: Enrolment, by: User) -> Enrolment:
    """Cancel an enrolment or a place on the waiting list. A place that comes free goes to the
    first person waiting, who is told."""
    session = _lock_session(enrolment.session)
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status not in (E.ENROLLED, E.WAITING):
        raise ValidationError(
            _(
                "Only an enrolment or a place on the waiting list can be cancelled, "
                "not one that is “%(status)s”."
            )
            % {"status": enrolment.get_status_display()}
        )
    enrolment.status = E.CANCELLED
    enrolment.save(update_fields=["status"])
    audit.record(action="training.enrolment.cancel", user=by, obj=enrolment)
    _seat_waiting(session, by=by)
    return enrolment


def _seat_waiting(session: TrainingSession, *, by: User) -> list[Enrolment]:
    """Fill free places from the waiting list, first come first served. The caller holds the
    session's lock."""
    seated = session.enrolments.filter(status__in=Enrolment.SEATED).count()
    free = session.capacity - seated
    if free <= 0:
        return []
    promoted = list(
        session.enrolments.filter(status=E.WAITING)
        .select_related("volunteer__user")
        .order_by("enrolled_at", "id")[:free]
    )
    for enrolment in promoted:
        enrolment.status = E.ENROLLED
        enrolment.session = session
        enrolment.save(update_fields=["status"])
        audit.record(action="training.enrolment.promoted", user=by, obj=enrolment)
        _tell_promoted(enrolment)
    return promoted


def _tell_promoted(enrolment: Enrolment) -> None:
    volunteer, session = enrolment.volunteer, enrolment.session
    when = formats.date_format(timezone.localtime(session.starts_at), "DATETIME_FORMAT")
    facts = {
        "name": volunteer.first_name,
        "course": session.course.name,
        "when": when,
        "place": session.location,
    }
    title = _("A place has come free for you: %(course)s") % facts
    body = (
        _(
            "Dear %(name)s,\n\nA place has come free in the training %(course)s on %(when)s "
            "at %(place)s. You were on the waiting list and are now enrolled. If you cannot "
            "come, please tell your coordinator."
        )
        % facts
    )
    # A new occasion each time this enrolment gets a seat, so a later second seat is told too.
    occasion = enrolment.enrolled_at.isoformat()
    if volunteer.user is not None:
        outbox.notify(
            kind="training.place_offered",
            recipient=volunteer.user,
            subject=enrolment,
            occasion=occasion,
            title=title,
            body=body,
            url=reverse("volunteers:volunteer_detail", kwargs={"pk": volunteer.pk}),
        )
    else:
        outbox.notify(
            kind="training.place_offered",
            to_email=volunteer.email,
            subject=enrolment,
            occasion=occasion,
            title=title,
            body=body,
        )


# --- Attendance and completion ---------------------------------------------------------------


def _lock_enrolment(enrolment: Enrolment) -> Enrolment:
    return (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("session__course", "volunteer")
        .get(pk=enrolment.pk)
    )


@transaction.atomic
def enrolment_attendance(*, enrolment: Enrolment, by: User, attended: bool) -> Enrolment:
    """Record whether someone with a place came. A seat stays taken either way."""
    enrolment = _lock_enrolment(enrolment)
    if enrolment.status not in (E.ENROLLED, E.ATTENDED, E.ABSENT):
        raise ValidationError(
            _("Attendance can only be recorded for someone with a place, not for “%(status)s”.")
            % {"status": enrolment.get_status_display()}
        )
    if enrolment.session.starts_at > timezone.now():
        raise ValidationError(_("Attendance can be recorded once the session has started."))
    enrolment.status = E.ATTENDED if attended else E.ABSENT
    enrolment.save(update_fields=["status"])
    audit.record(action=f"training.enrolment.{enrolment.status}", user=by, obj=enrolment)
    return enrolment


@transaction.atomic
def enrolment_complete(*, enrolment: Enrolment, by: User, completed_on: date) -> Enrolment:
    """Record that the volunteer completed the training (or correct the date)."""
    enrolment = _lock_enrolment(enrolment)
    if enrolment.status not in (E.ENROLLED, E.ATTENDED, E.COMPLETED):
        raise ValidationError(
            _(
                "Only someone with a place who did not miss the session can complete it, "
                "not “%(status)s”."
            )
            % {"status": enrolment.get_status_display()}
        )
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": _("The completion date cannot be in the future.")})
    if completed_on < timezone.localdate(enrolment.session.starts_at):
        raise ValidationError(
            {"completed_on": _("The training cannot be completed before the session took place.")}
        )
    enrolment.status = E.COMPLETED
    enrolment.completed_on = completed_on
    enrolment.full_clean(exclude=["session", "volunteer"])
    enrolment.save(update_fields=["status", "completed_on"])
    audit.record(action="training.enrolment.completed", user=by, obj=enrolment)
    return enrolment
