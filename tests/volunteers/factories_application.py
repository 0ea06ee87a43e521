"""Factories and form data for the application form and the volunteer policy."""

from __future__ import annotations

from typing import Any

import factory

from tests.factories import OrganisationFactory
from volunteers.models import VolunteerPolicy


class VolunteerPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VolunteerPolicy
        django_get_or_create = ("organisation",)

    organisation = factory.SubFactory(OrganisationFactory)
    minimum_age = 18
    privacy_statement_version = "2026-2"
    applications_open = True


def application_data(**overrides: Any) -> dict[str, Any]:
    """A complete, valid POST of the public application form; pass None to leave a field out."""
    data: dict[str, Any] = {
        "first_name": "Anna",
        "last_name": "de Vries",
        "email": "anna.devries@example.nl",
        "phone": "+31 6-1234 5678",
        "date_of_birth": "1961-05-01",
        "postcode": "3511ab",
        "city": "Utrecht",
        "languages": "nederlands, Engels; NEDERLANDS",
        "motives": ["meaningful_time", "safer_society"],
        "motivation_text": "Ik wil iets betekenen.",
        "availability": ["mon_evening", "sat_morning"],
        "activity_preferences": ["practical", "social"],
        "roles_of_interest": ["buddy"],
        "willing_sex_offences": "yes",
        "privacy_consent": "on",
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
