"""Factories for well-being check-ins: an open one, or one answered as the service would."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import factory
from django.utils import timezone

from supervision.models import WellbeingCheckIn
from tests.factories import VolunteerFactory
from volunteers.models import Volunteer


class WellbeingCheckInFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WellbeingCheckIn

    volunteer = factory.SubFactory(VolunteerFactory)
    organisation = factory.SelfAttribute("volunteer.organisation")
    # A day earlier for every check-in made, so one volunteer's check-ins never collide (the
    # unique period); tests about which one is newest set due_on themselves.
    due_on = factory.Sequence(lambda n: date.today() - timedelta(days=1 + n))


def checkin_for(volunteer: Volunteer, **fields: Any) -> WellbeingCheckIn:
    checkin = WellbeingCheckInFactory(volunteer=volunteer, **fields)
    assert isinstance(checkin, WellbeingCheckIn)
    return checkin


def answered_for(volunteer: Volunteer, *, low: bool = False, **fields: Any) -> WellbeingCheckIn:
    """An answered check-in: all fours, or with a 2 for support when `low`."""
    values: dict[str, Any] = {
        "overall": 4,
        "burden": 4,
        "support": 2 if low else 4,
        "surroundings": 4,
        "answered_at": timezone.now(),
        "alerted_at": timezone.now() if low else None,
    }
    values.update(fields)
    return checkin_for(volunteer, **values)
