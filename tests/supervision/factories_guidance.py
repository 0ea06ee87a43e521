"""Factories for supervision notes, intervision and shared ways of working."""

from __future__ import annotations

from datetime import date, timedelta

import factory
from django.utils import timezone

from reclass_volunteers.models import Role
from supervision.models import (
    IntervisionGroup,
    IntervisionInvitation,
    IntervisionSession,
    PracticeComment,
    PracticeNote,
    SupervisionNote,
)
from tests.factories import OrganisationFactory, UserFactory, VolunteerFactory


class SupervisionNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupervisionNote

    volunteer = factory.SubFactory(VolunteerFactory)
    author = factory.SubFactory(
        UserFactory,
        organisation=factory.SelfAttribute("..volunteer.organisation"),
        role=Role.PROFESSIONAL,
    )
    held_on = factory.LazyFunction(lambda: date.today() - timedelta(days=7))
    form = "one_to_one"
    topics = "Hoe het gaat met de afspraken."


class IntervisionGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IntervisionGroup
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Intervisiegroep {n}")
    facilitator = factory.SubFactory(
        UserFactory,
        organisation=factory.SelfAttribute("..organisation"),
        role=Role.PROFESSIONAL,
    )

    @factory.post_generation
    def members(self, create: bool, extracted: list[object] | None, **kwargs: object) -> None:
        if create and extracted:
            self.members.set(extracted)


class IntervisionSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IntervisionSession

    group = factory.SubFactory(IntervisionGroupFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    place = "Buurthuis De Ster"
    topic = "Grenzen stellen"


class IntervisionInvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IntervisionInvitation

    session = factory.SubFactory(IntervisionSessionFactory)
    volunteer = factory.SubFactory(
        VolunteerFactory, organisation=factory.SelfAttribute("..session.group.organisation")
    )


class PracticeNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticeNote

    organisation = factory.SubFactory(OrganisationFactory)
    author = factory.SubFactory(
        UserFactory,
        organisation=factory.SelfAttribute("..organisation"),
        role=Role.PROFESSIONAL,
    )
    title = factory.Sequence(lambda n: f"Wat ik doe als een vrijwilliger twijfelt ({n})")
    body = "Ik bel dezelfde dag terug en we lopen het samen door."
    roles = factory.LazyFunction(lambda: ["buddy"])
    activities = factory.LazyFunction(lambda: ["emotional"])


class PracticeCommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticeComment

    note = factory.SubFactory(PracticeNoteFactory)
    author = factory.SubFactory(
        UserFactory,
        organisation=factory.SelfAttribute("..note.organisation"),
        role=Role.COORDINATOR,
    )
    text = "Herkenbaar."
