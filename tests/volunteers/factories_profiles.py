"""Helpers for the list, volunteer page, group message and own-profile tests: certificates,
required trainings and completions with exact dates."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from reclass_volunteers.models import Organisation, User
from volunteers.choices import CourseKind, VolunteerRole
from volunteers.models import (
    Certificate,
    Course,
    Enrolment,
    RoleProfile,
    TrainingSession,
    Volunteer,
)


def course(organisation: Organisation, name: str, *, validity_months: int | None = None) -> Course:
    return Course.objects.create(
        organisation=organisation,
        name=name,
        kind=CourseKind.BASIC,
        validity_months=validity_months,
    )


def require(organisation: Organisation, role: str, *courses: Course) -> RoleProfile:
    profile, _created = RoleProfile.objects.get_or_create(organisation=organisation, role=role)
    profile.required_courses.add(*courses)
    return profile


def session_of(course: Course, day: date, place: str = "Utrecht") -> TrainingSession:
    return TrainingSession.objects.create(
        course=course,
        starts_at=timezone.make_aware(datetime.combine(day, time(19, 0))),
        location=place,
        capacity=20,
    )


def complete(volunteer: Volunteer, course: Course, on: date) -> Enrolment:
    """Completed on `on`, enrolled two weeks before."""
    return Enrolment.objects.create(
        session=session_of(course, on),
        volunteer=volunteer,
        status=Enrolment.Status.COMPLETED,
        completed_on=on,
        enrolled_at=timezone.make_aware(datetime.combine(on - timedelta(days=14), time(9, 0))),
    )


def enrol(
    volunteer: Volunteer, course: Course, on: date, status: str, *, at: datetime | None = None
) -> Enrolment:
    """An enrolment for a session on `on`, made at `at` (default: now)."""
    return Enrolment.objects.create(
        session=session_of(course, on),
        volunteer=volunteer,
        status=status,
        enrolled_at=at or timezone.now(),
    )


def certificate(
    volunteer: Volunteer,
    issued_on: date | None,
    *,
    requested_on: date | None = None,
    screening_areas: str = "",
    function_aspects: str = "",
    checked_by: User | None = None,
) -> Certificate:
    return Certificate.objects.create(
        volunteer=volunteer,
        requested_on=requested_on or issued_on or timezone.localdate(),
        issued_on=issued_on,
        screening_areas=screening_areas,
        function_aspects=function_aspects,
        checked_by=checked_by,
    )


__all__ = ["VolunteerRole", "certificate", "complete", "course", "enrol", "require", "session_of"]
