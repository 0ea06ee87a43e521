"""Personas (healthchecks' Alice/Bob/Charlie, our roles): organisation A with a coordinator, a
professional, a volunteer and an admin; an outsider who coordinates organisation B. Each side
has a volunteer record, a client and an active match, so every view can be tried against an
own object and a foreign one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient

from clients.models import Client
from matching.models import Match
from reclass_volunteers.models import Organisation, Role, User
from tests.factories import (
    ClientFactory,
    OrganisationFactory,
    UserFactory,
    VolunteerFactory,
    match_with,
)
from volunteers.models import Volunteer

ROLES = ("coordinator", "professional", "volunteer", "admin", "outsider")


@dataclass
class World:
    org_a: Organisation
    org_b: Organisation
    coordinator: User
    professional: User
    volunteer_user: User
    admin: User
    outsider: User
    volunteer: Volunteer  # the volunteer record of volunteer_user, in A
    client: Client  # in A, professional responsible, matched with volunteer
    match: Match
    foreign_volunteer: Volunteer
    foreign_client: Client
    foreign_match: Match

    def user(self, role: str) -> User:
        return {
            "coordinator": self.coordinator,
            "professional": self.professional,
            "volunteer": self.volunteer_user,
            "admin": self.admin,
            "outsider": self.outsider,
        }[role]


@pytest.fixture
def world(db: Any) -> World:
    org_a = OrganisationFactory(name="Reclassering A")
    org_b = OrganisationFactory(name="Reclassering B")
    coordinator = UserFactory(
        organisation=org_a, role=Role.COORDINATOR, full_name="Cora Coördinator"
    )
    professional = UserFactory(
        organisation=org_a, role=Role.PROFESSIONAL, full_name="Piet Professional"
    )
    volunteer_user = UserFactory(
        organisation=org_a, role=Role.VOLUNTEER, full_name="Vera Vrijwilliger"
    )
    admin = UserFactory(organisation=org_a, role=Role.ADMIN, full_name="Adam Admin")
    outsider = UserFactory(organisation=org_b, role=Role.COORDINATOR, full_name="Otto Outsider")
    volunteer = VolunteerFactory(organisation=org_a, user=volunteer_user, supervisor=professional)
    client = ClientFactory(organisation=org_a, responsible_professional=professional)
    match = match_with(volunteer, client)
    foreign_professional = UserFactory(organisation=org_b, role=Role.PROFESSIONAL)
    foreign_volunteer = VolunteerFactory(organisation=org_b)
    foreign_client = ClientFactory(
        organisation=org_b, responsible_professional=foreign_professional
    )
    foreign_match = match_with(foreign_volunteer, foreign_client)
    return World(
        org_a=org_a,
        org_b=org_b,
        coordinator=coordinator,
        professional=professional,
        volunteer_user=volunteer_user,
        admin=admin,
        outsider=outsider,
        volunteer=volunteer,
        client=client,
        match=match,
        foreign_volunteer=foreign_volunteer,
        foreign_client=foreign_client,
        foreign_match=foreign_match,
    )


def client_for(user: User | None) -> HttpClient:
    http = HttpClient()
    if user is not None:
        http.force_login(user)
    return http


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Argon2 is slow on purpose; the tests that are about hashing restore the real list."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_media_in_a_temporary_folder(settings: Any, tmp_path: Any) -> None:
    """Uploaded receipts go to a folder of the test's own, never into var/."""
    settings.MEDIA_ROOT = tmp_path / "private-media"


@pytest.fixture(autouse=True)
def _eager_celery(settings: Any) -> None:
    """Tasks run in-process in tests; on_commit dispatch is exercised with
    django_capture_on_commit_callbacks."""
    from reclass_volunteers.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Tests marked `postgres` prove behaviour only PostgreSQL gives (row locks under real
    concurrency). They are deselected, not skipped, on the SQLite quick-start database; CI
    always runs them."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    selected = [item for item in items if item.get_closest_marker("postgres") is None]
    deselected = [item for item in items if item.get_closest_marker("postgres") is not None]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


__all__ = ["ROLES", "World", "client_for", "connection"]


def pytest_configure(config: Any) -> None:
    from django.conf import settings

    # WhiteNoise warns when its root is missing; the tests serve no collected files.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
