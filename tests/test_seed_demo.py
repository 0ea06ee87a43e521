"""The demo data command: refuses outside debug, seeds once, and every printed log-in works."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
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
