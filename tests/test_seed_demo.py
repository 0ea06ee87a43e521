"""The demo data command: refuses outside debug, seeds once, and every printed log-in works."""

from __future__ import annotations

import re
from datetime import datetime
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client as HttpClient
from django.urls import reverse

from clients.models import Client
from matching.models import Match
from reclass_volunteers.models import Notification, Organisation, Role, User
from volunteers.models import Volunteer

MODELS = (Organisation, User, Volunteer, Client, Match, Notification)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_refuses_without_debug(db: Any, settings: Any) -> None:
    settings.DEBUG = False
    before = _counts()
    with pytest.raises(CommandError):
        _seed()
    assert _counts() == before
    assert not Organisation.objects.exists()


def test_seeds_organisations_users_volunteers_and_clients(db: Any, settings: Any) -> None:
    settings.DEBUG = True
    output = _seed()

    organisations = list(Organisation.objects.order_by("name"))
    assert len(organisations) == 3
    assert {o.kind for o in organisations} == {
        Organisation.Kind.PROBATION,
        Organisation.Kind.PARTNER,
    }
    for organisation in organisations:
        roles = sorted(
            User.objects.filter(organisation=organisation).values_list("role", flat=True)
        )
        assert set(roles) == set(Role.values), organisation
    # The first organisation's professional has a team lead, for signal escalations.
    lead = User.objects.get(email="teamleider@oost.demo")
    assert User.objects.get(email="professional@oost.demo").team_lead == lead
    assert Volunteer.objects.exists()
    assert Client.objects.exists()
    assert Match.objects.filter(status=Match.Status.ACTIVE).exists()
    # Every demo user is printed, with the password.
    emails = set(re.findall(r"\S+@\S+\.demo", output))
    assert emails == set(User.objects.values_list("email", flat=True))
    assert len(emails) == 3 * len(Role.values) + 1  # and the first organisation's team lead
    assert re.search(r"password for all: (\S+)\)", output)


def test_running_twice_creates_nothing_more(db: Any, settings: Any) -> None:
    settings.DEBUG = True
    first = _seed()
    after_first = _counts()
    second = _seed()
    assert _counts() == after_first
    # The log-ins are printed again.
    assert set(re.findall(r"\S+@\S+\.demo", second)) == set(re.findall(r"\S+@\S+\.demo", first))


def test_every_demo_user_can_log_in_with_the_printed_password(db: Any, settings: Any) -> None:
    settings.DEBUG = True
    output = _seed()
    password = re.search(r"password for all: (\S+)\)", output)
    assert password is not None
    emails = re.findall(r"\S+@\S+\.demo", output)
    assert emails

    for email in emails:
        http = HttpClient()
        response = http.post(reverse("login"), {"username": email, "password": password.group(1)})
        assert response.status_code == 302, email
        assert response.url == reverse("home")
        assert http.session[SESSION_KEY] == str(User.objects.get(email=email).pk)
        assert http.get(reverse("home")).status_code == 200, email


def test_demo_sweeps_send_the_expected_reminders_once(db: Any, settings: Any) -> None:
    """Issue 6's demo: the first round makes Anna's three moments of personal attention, her
    intervision reminder, the certificate warning about Gerrit, Anna's overdue supervision and
    the note about Ruben's silent match; the second round makes nothing. Frozen on a June day,
    so that the National Volunteer Day (7 December) does not join in."""
    from reclass_volunteers.sweeps import run_sweeps
    from volunteers.models import AttentionItem

    settings.DEBUG = True
    with time_machine.travel(datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))):
        _seed()
        first = {run.name: run.sent for run in run_sweeps()}
        second = {run.name: (run.sent, run.error) for run in run_sweeps()}
    assert first == {
        "appreciation_moments": 3,
        "contact_nudges": 1,
        "expiry_warnings": 1,
        "intervision_reminders": 1,
        "session_reminders": 0,
        "supervision_overdue": 1,
        "wellbeing_checkins": 0,
    }
    assert set(second.values()) == {(0, "")}
    assert sorted(AttentionItem.objects.values_list("kind", "volunteer__first_name")) == [
        ("anniversary", "Anna"),
        ("birthday", "Anna"),
        ("match_milestone", "Anna"),
    ]
    assert set(
        Notification.objects.filter(
            kind__in=("contact.nudge_professional", "supervision.overdue")
        ).values_list("kind", "recipient__email")
    ) == {
        ("contact.nudge_professional", "professional@oost.demo"),
        ("supervision.overdue", "professional@oost.demo"),
    }
