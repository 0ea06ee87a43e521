"""Factories for training and competency profiles (courses, sessions, enrolments, the
competency catalogue, role profiles and assessments)."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from tests.factories import OrganisationFactory, VolunteerFactory
from volunteers.choices import CourseKind, VolunteerRole
from volunteers.models import (
    Assessment,
    Competency,
    Course,
    Enrolment,
    RoleCompetency,
    RoleProfile,
    TrainingSession,
)


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Training {n}")
    kind = CourseKind.BASIC


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingSession

    course = factory.SubFactory(CourseFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))
    location = "Utrecht, Catharijnesingel 47"
    capacity = 10


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    session = factory.SubFactory(SessionFactory)
    volunteer = factory.SubFactory(
        VolunteerFactory, organisation=factory.SelfAttribute("..session.course.organisation")
    )
    status = Enrolment.Status.ENROLLED


class CompetencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competency

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Competency {n}")


class RoleProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleProfile

    organisation = factory.SubFactory(OrganisationFactory)
    role = VolunteerRole.BUDDY


class RoleCompetencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleCompetency

    profile = factory.SubFactory(RoleProfileFactory)
    competency = factory.SubFactory(
        CompetencyFactory, organisation=factory.SelfAttribute("..profile.organisation")
    )
    minimum_level = 3


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    volunteer = factory.SubFactory(VolunteerFactory)
    competency = factory.SubFactory(
        CompetencyFactory, organisation=factory.SelfAttribute("..volunteer.organisation")
    )
    level = 3
    assessed_on = factory.LazyFunction(timezone.localdate)
