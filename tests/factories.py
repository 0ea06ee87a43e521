"""factory_boy factories for the tests. No JSON fixtures."""

from __future__ import annotations

from datetime import date, timedelta

import factory

from clients.models import Client
from matching.models import Match, MatchVolunteer
from reclass_volunteers.models import Organisation, Role, User
from volunteers.models import Volunteer

PASSWORD = "correct-horse-battery-staple-42"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Reclassering {n}")
    kind = Organisation.Kind.PROBATION


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name", locale="nl_NL")
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.COORDINATOR
    password = factory.django.Password(PASSWORD)


class VolunteerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Volunteer

    organisation = factory.SubFactory(OrganisationFactory)
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    email = factory.Sequence(lambda n: f"volunteer{n}@example.org")
    postcode = "7511 AB"
    status = Volunteer.Status.ACTIVE


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"CL-{n:04d}")
    consent_on = factory.LazyFunction(lambda: date.today() - timedelta(days=10))
    consent_method = "written"
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    responsible_professional = factory.SubFactory(
        UserFactory,
        organisation=factory.SelfAttribute("..organisation"),
        role=Role.PROFESSIONAL,
    )


class MatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Match

    client = factory.SubFactory(ClientFactory)
    organisation = factory.SelfAttribute("client.organisation")
    status = Match.Status.ACTIVE
    started_on = factory.LazyFunction(lambda: date.today() - timedelta(days=30))
    responsible_professional = factory.SelfAttribute("client.responsible_professional")


def match_with(volunteer: Volunteer, client: Client, status: str = Match.Status.ACTIVE) -> Match:
    extra = {}
    if status == Match.Status.ENDED:
        extra = {"ended_on": date.today(), "end_reason": Match.EndReason.GOALS_REACHED}
    match = MatchFactory(client=client, status=status, **extra)
    MatchVolunteer.objects.create(match=match, volunteer=volunteer, is_lead=True)
    return match
