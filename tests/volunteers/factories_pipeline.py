"""Factories and helpers for the pipeline tests: volunteers in a given stage, certificates,
required trainings, and a volunteer with everything in order to start."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from reclass_volunteers.models import Organisation, User
from tests.factories import OrganisationFactory, VolunteerFactory
from volunteers.choices import CourseKind, VolunteerRole
from volunteers.models import (
    Certificate,
    Competency,
    Course,
    Enrolment,
    Farewell,
    RoleProfile,
    StatusChange,
    TrainingSession,
    Volunteer,
)

S = Volunteer.Status


class CompetencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competency

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Competency {n}")


class CertificateFactory(factory.django.DjangoModelFactory):
    """A certificate issued last week: current, and fresh enough to start with."""

    class Meta:
        model = Certificate

    volunteer = factory.SubFactory(VolunteerFactory)
    requested_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=21))
    issued_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=7))
    screening_areas = "08"
    function_aspects = "84, 85"


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Basic training {n}")
    kind = CourseKind.BASIC


def volunteer_in(status: str, organisation: Organisation, **fields: Any) -> Volunteer:
    """A volunteer who arrived in `status` ten days ago (with that move in the history)."""
    since = timezone.now() - timedelta(days=10)
    if status == S.REJECTED:
        fields.setdefault("rejection_reason", "Not a fit")
    volunteer = VolunteerFactory(
        organisation=organisation, status=status, status_changed_at=since, **fields
    )
    StatusChange.objects.create(volunteer=volunteer, from_status="", to_status=status, at=since)
    return volunteer


def require_course(organisation: Organisation, role: str = VolunteerRole.BUDDY) -> Course:
    """Make a basic training required for `role` in the organisation."""
    course = CourseFactory(organisation=organisation)
    profile, _created = RoleProfile.objects.get_or_create(organisation=organisation, role=role)
    profile.required_courses.add(course)
    return course


def complete_course(volunteer: Volunteer, course: Course) -> Enrolment:
    session = TrainingSession.objects.create(
        course=course,
        starts_at=timezone.now() - timedelta(days=5),
        location="Kantoor",
        capacity=10,
    )
    return Enrolment.objects.create(
        session=session,
        volunteer=volunteer,
        status=Enrolment.Status.COMPLETED,
        completed_on=timezone.localdate() - timedelta(days=5),
    )


def screened(volunteer: Volunteer, by: User | None = None) -> Volunteer:
    """A current certificate and checked references: screening is complete."""
    CertificateFactory(volunteer=volunteer)
    Volunteer.objects.filter(pk=volunteer.pk).update(
        references_checked_on=timezone.localdate() - timedelta(days=3),
        references_checked_by=by,
    )
    volunteer.refresh_from_db()
    return volunteer


def ready_to_start(volunteer: Volunteer, role: str = VolunteerRole.BUDDY) -> Volunteer:
    """Screened, a role chosen, and every training the role requires completed."""
    screened(volunteer)
    Volunteer.objects.filter(pk=volunteer.pk).update(role=role)
    volunteer.refresh_from_db()
    for profile in RoleProfile.objects.filter(organisation=volunteer.organisation, role=role):
        for course in profile.required_courses.all():
            complete_course(volunteer, course)
    return volunteer


def farewell_of(volunteer: Volunteer, by: User | None = None, **fields: Any) -> Farewell:
    """A volunteer who has left, with their exit conversation (written directly)."""
    fields.setdefault("reason", "moved")
    farewell = Farewell.objects.create(
        volunteer=volunteer,
        held_on=fields.pop("held_on", timezone.localdate() - timedelta(days=1)),
        conducted_by=by,
        **fields,
    )
    Volunteer.objects.filter(pk=volunteer.pk).update(status=S.FAREWELL)
    volunteer.refresh_from_db()
    return farewell
