"""The volunteer pipeline as a state machine, and what a volunteer still needs before a step.

    applied → intake planned → intake done → screening → training → active ⇄ paused → farewell
    rejected (with a reason) from any stage before active; farewell from any stage that is not
    already an end (someone who never started leaves with the reason "did not start").

Reads only: the writes are the services in volunteers/services/pipeline.py, which consult
ALLOWED.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from statistics import median

from django.db.models import Count, Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from volunteers.models import (
    Course,
    Enrolment,
    RoleProfile,
    Volunteer,
    VolunteerPolicy,
)

S = Volunteer.Status

BEFORE_ACTIVE = (S.APPLIED, S.INTAKE_PLANNED, S.INTAKE_DONE, S.SCREENING, S.TRAINING)
ENDED = (S.FAREWELL, S.REJECTED)

ALLOWED: dict[str, frozenset[str]] = {
    S.APPLIED: frozenset({S.INTAKE_PLANNED, S.REJECTED, S.FAREWELL}),
    S.INTAKE_PLANNED: frozenset({S.INTAKE_DONE, S.REJECTED, S.FAREWELL}),
    S.INTAKE_DONE: frozenset({S.SCREENING, S.REJECTED, S.FAREWELL}),
    S.SCREENING: frozenset({S.TRAINING, S.REJECTED, S.FAREWELL}),
    S.TRAINING: frozenset({S.ACTIVE, S.REJECTED, S.FAREWELL}),
    S.ACTIVE: frozenset({S.PAUSED, S.FAREWELL}),
    S.PAUSED: frozenset({S.ACTIVE, S.FAREWELL}),
    S.FAREWELL: frozenset(),
    S.REJECTED: frozenset(),
}


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in ALLOWED.get(from_status, frozenset())


@dataclass(frozen=True)
class CourseState:
    course: Course
    completed_on: date | None
    expires_on: date | None

    @property
    def is_valid(self) -> bool:
        return self.completed_on is not None and (
            self.expires_on is None or self.expires_on > timezone.localdate()
        )


def course_states(volunteer: Volunteer, courses: list[Course]) -> list[CourseState]:
    """For each course: when the volunteer last completed it and until when that counts.
    One query, however many enrolments there are (reading `enrolment.session` per enrolment
    was a query each)."""
    from volunteers.models.screening import _add_months

    latest: dict[int, date] = dict(
        Enrolment.objects.filter(
            volunteer=volunteer,
            status=Enrolment.Status.COMPLETED,
            completed_on__isnull=False,
            session__course__in=[course.pk for course in courses],
        )
        .order_by()
        .values("session__course")
        .annotate(latest=Max("completed_on"))
        .values_list("session__course", "latest")
    )
    states = []
    for course in courses:
        done = latest.get(course.pk)
        expires = (
            _add_months(done, course.validity_months) if done and course.validity_months else None
        )
        states.append(CourseState(course=course, completed_on=done, expires_on=expires))
    return states


def required_courses(volunteer: Volunteer) -> list[Course]:
    if not volunteer.role:
        return []
    profile = (
        RoleProfile.objects.filter(organisation_id=volunteer.organisation_id, role=volunteer.role)
        .prefetch_related("required_courses")
        .first()
    )
    return list(profile.required_courses.all()) if profile else []


def _certificate_blockers(volunteer: Volunteer, today: date, *, at_start: bool) -> list[str]:
    policy = VolunteerPolicy.for_organisation(volunteer.organisation)
    certificates = list(volunteer.certificates.all())
    if any(c.is_current(policy, today) for c in certificates):
        if not at_start or any(c.valid_for_start(policy, today) for c in certificates):
            return []
        return [
            _("The certificate of conduct is older than %(months)d months.")
            % {"months": policy.certificate_max_age_months}
        ]
    return [_("There is no valid certificate of conduct.")]


def _reference_blockers(volunteer: Volunteer) -> list[str]:
    if volunteer.references_checked_on is None:
        return [_("The references have not been checked.")]
    return []


def _training_blockers(volunteer: Volunteer) -> list[str]:
    missing = []
    for state in course_states(volunteer, required_courses(volunteer)):
        if state.completed_on is None:
            missing.append(_("Training not completed: %(course)s.") % {"course": state.course})
        elif not state.is_valid:
            missing.append(_("Training expired: %(course)s.") % {"course": state.course})
    return missing


def screening_blockers(volunteer: Volunteer, today: date | None = None) -> list[str]:
    """What is missing before screening is complete and training may start."""
    today = today or timezone.localdate()
    return _certificate_blockers(volunteer, today, at_start=True) + _reference_blockers(volunteer)


def activation_blockers(volunteer: Volunteer, today: date | None = None) -> list[str]:
    """What is missing before this volunteer may start (from training), in plain language.
    Empty means nothing is missing."""
    today = today or timezone.localdate()
    role = [] if volunteer.role else [_("No role has been chosen.")]
    return role + screening_blockers(volunteer, today) + _training_blockers(volunteer)


def resume_blockers(volunteer: Volunteer, today: date | None = None) -> list[str]:
    """What is missing before a paused volunteer may return: a certificate that is still
    current (it need not be fresh, as at the start) and trainings that have not expired."""
    today = today or timezone.localdate()
    return _certificate_blockers(volunteer, today, at_start=False) + _training_blockers(volunteer)


@dataclass(frozen=True)
class StageFigure:
    """How many volunteers are in a stage and how long they have been there, in whole days.
    The days are None for the end stages (nobody waits there) and for empty stages."""

    status: str
    label: str
    count: int
    median_days: float | None
    longest_days: int | None


def stage_figures(volunteers: QuerySet[Volunteer], now: datetime) -> list[StageFigure]:
    """Counts and time in the current stage per stage, in two queries whatever the number of
    volunteers: the counts are aggregated in the database; the days (for the median, which the
    ORM cannot aggregate portably) come as one list of moments for the stages people wait in."""
    counts = dict(
        volunteers.order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    days: dict[str, list[int]] = {}
    since = (
        volunteers.exclude(status__in=ENDED).order_by().values_list("status", "status_changed_at")
    )
    for status, changed_at in since:
        days.setdefault(status, []).append(max((now - changed_at).days, 0))
    figures = []
    for status, label in S.choices:
        waited = days.get(status)
        figures.append(
            StageFigure(
                status=status,
                label=str(label),
                count=counts.get(status, 0),
                median_days=median(waited) if waited else None,
                longest_days=max(waited) if waited else None,
            )
        )
    return figures
