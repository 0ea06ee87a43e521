"""Factories for relapse signals. A signal is built from a match: its client, the match's
volunteer and the client's responsible professional, as signal_report would set them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from matching.models import Match
from reclass_volunteers.models import Organisation, User
from supervision.models import RelapseSignal, Severity, SignalCategory
from tests.factories import MatchFactory, UserFactory


class RelapseSignalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RelapseSignal

    match = factory.SubFactory(MatchFactory)
    organisation = factory.SelfAttribute("match.organisation")
    client = factory.SelfAttribute("match.client")
    professional = factory.SelfAttribute("match.client.responsible_professional")
    volunteer = factory.LazyAttribute(lambda o: o.match.volunteers.first())
    category = SignalCategory.MISSED_APPOINTMENTS
    severity = Severity.HIGH
    observation = "Hij kwam twee keer niet opdagen en klonk gespannen."
    reported_at = factory.LazyFunction(timezone.now)
    observed_at = factory.LazyAttribute(lambda o: o.reported_at - timedelta(hours=2))
    due_at = factory.LazyAttribute(lambda o: o.reported_at + timedelta(hours=4))
    next_escalation_at = factory.SelfAttribute("due_at")


def signal_for(match: Match, **fields: Any) -> RelapseSignal:
    signal = RelapseSignalFactory(match=match, **fields)
    assert isinstance(signal, RelapseSignal)
    return signal


def user_in(organisation: Organisation, role: str, **fields: Any) -> User:
    """A user of the organisation, typed as a User (factory_boy's return type is not)."""
    user = UserFactory(organisation=organisation, role=role, **fields)
    assert isinstance(user, User)
    return user
