"""Factories for contact reports, replies, discussion points and circle minutes, and a circle
helper (tests/supervision/*reports*, *portal*, *discussion*, *minutes*, *digest*)."""

from __future__ import annotations

from datetime import date, timedelta

import factory

from clients.models import Client
from matching.models import Match, MatchVolunteer, OuterCircleMember
from supervision.models import (
    CircleMinutes,
    ContactKind,
    ContactReport,
    DiscussionPoint,
    DiscussionTopic,
    ReportReply,
)
from tests.factories import ClientFactory, MatchFactory, VolunteerFactory
from volunteers.models import Volunteer


class ContactReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactReport

    match = factory.SubFactory(MatchFactory)
    volunteer = factory.SubFactory(
        VolunteerFactory, organisation=factory.SelfAttribute("..match.organisation")
    )
    happened_on = factory.LazyFunction(lambda: date.today() - timedelta(days=1))
    duration_minutes = 60
    kind = ContactKind.MEETING
    activities = factory.LazyFunction(lambda: ["practical"])
    how_it_went = 4
    notes = "Samen boodschappen gedaan."


class ReportReplyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportReply

    report = factory.SubFactory(ContactReportFactory)
    text = "Dank je, goed om te lezen."
    is_question = False


class DiscussionPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DiscussionPoint

    volunteer = factory.SubFactory(VolunteerFactory)
    topic = DiscussionTopic.GIFT
    text = "Ik kreeg een doos bonbons."


class CircleMinutesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CircleMinutes

    match = factory.SubFactory(MatchFactory, kind=Match.Kind.CIRCLE)
    held_on = factory.Sequence(lambda n: date.today() - timedelta(days=n + 1))
    text = "We spraken over werk en de weekenden."
    filed_by = factory.SubFactory(
        VolunteerFactory, organisation=factory.SelfAttribute("..match.organisation")
    )


def circle_with(
    lead: Volunteer,
    *others: Volunteer,
    client: Client | None = None,
    outer_emails: tuple[str, ...] = (),
) -> Match:
    """An active circle of `lead` (the lead volunteer) and `others`, with outer circle members
    at the given e-mail addresses."""
    owner = client or ClientFactory(organisation=lead.organisation)
    match = MatchFactory(client=owner, kind=Match.Kind.CIRCLE)
    MatchVolunteer.objects.create(match=match, volunteer=lead, is_lead=True)
    for volunteer in others:
        MatchVolunteer.objects.create(match=match, volunteer=volunteer, is_lead=False)
    for index, email in enumerate(outer_emails):
        OuterCircleMember.objects.create(
            match=match,
            role=OuterCircleMember.Role.POLICE if index else OuterCircleMember.Role.THERAPIST,
            name=f"Buitencirkel {index}",
            email=email,
        )
    return match
