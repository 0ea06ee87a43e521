"""The intervision reminder sweep, called with a fixed `now`: a week and a day before, to the
invited volunteers with an account who did not decline; never after the start, never two at
once, once each; the organisation's lead times count; queries do not grow per volunteer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from reclass_volunteers.models import Notification, ReminderPolicy, Role
from supervision.models import IntervisionInvitation, IntervisionSession
from supervision.sweeps import INTERVISION_KIND, intervision_reminders
from tests.conftest import World
from tests.factories import UserFactory, VolunteerFactory
from tests.supervision.factories_guidance import (
    IntervisionGroupFactory,
    IntervisionInvitationFactory,
    IntervisionSessionFactory,
)

AMS = ZoneInfo("Europe/Amsterdam")
START = datetime(2025, 6, 20, 19, 30, tzinfo=AMS)
DAY = timedelta(days=1)


def _sent() -> list[tuple[str, str]]:
    rows = Notification.objects.filter(kind=INTERVISION_KIND).select_related("recipient")
    return sorted((n.recipient.full_name if n.recipient else "", n.occasion) for n in rows)


def _session(world: World, starts_at: datetime = START) -> IntervisionSession:
    return IntervisionSessionFactory(
        group=IntervisionGroupFactory(organisation=world.org_a), starts_at=starts_at
    )


@pytest.fixture
def session(world: World) -> IntervisionSession:
    IntervisionInvitationFactory(session=(s := _session(world)), volunteer=world.volunteer)
    return s


def test_nothing_before_the_first_lead(session: IntervisionSession) -> None:
    assert intervision_reminders(START - 7 * DAY - timedelta(minutes=1)).sent == 0
    assert not _sent()


def test_a_week_and_a_day_before_once_each(session: IntervisionSession) -> None:
    first = intervision_reminders(START - 7 * DAY)
    again = intervision_reminders(START - 5 * DAY)
    second = intervision_reminders(START - DAY)
    rerun = intervision_reminders(START - DAY + timedelta(hours=1))
    assert [(r.sent, r.skipped) for r in (first, again, second, rerun)] == [
        (1, 0),
        (0, 1),
        (1, 0),
        (0, 1),
    ]
    assert _sent() == [("Vera Vrijwilliger", "first:7d"), ("Vera Vrijwilliger", "second:1d")]
    message = Notification.objects.filter(kind=INTERVISION_KIND).first()
    assert message is not None and session.topic in message.body
    assert message.subject_id == str(session.pk)


def test_late_sweep_sends_only_the_second(session: IntervisionSession) -> None:
    assert intervision_reminders(START - timedelta(hours=2)).sent == 1
    assert _sent() == [("Vera Vrijwilliger", "second:1d")]


@pytest.mark.parametrize("after", [timedelta(0), timedelta(minutes=1), DAY])
def test_nothing_at_or_after_the_start(session: IntervisionSession, after: timedelta) -> None:
    assert intervision_reminders(START + after).sent == 0
    assert not _sent()


@pytest.mark.parametrize(
    ("answer", "told"),
    [
        (IntervisionInvitation.Answer.PENDING, True),
        (IntervisionInvitation.Answer.YES, True),
        (IntervisionInvitation.Answer.NO, False),
    ],
)
def test_not_to_those_who_declined(world: World, answer: str, told: bool) -> None:
    IntervisionInvitationFactory(session=_session(world), volunteer=world.volunteer, answer=answer)
    assert intervision_reminders(START - DAY).sent == int(told)


def test_not_to_volunteers_without_account_or_who_left(world: World) -> None:
    s = _session(world)
    IntervisionInvitationFactory(
        session=s, volunteer=VolunteerFactory(organisation=world.org_a, user=None)
    )
    left = UserFactory(organisation=world.org_a, role=Role.VOLUNTEER)
    IntervisionInvitationFactory(
        session=s,
        volunteer=VolunteerFactory(organisation=world.org_a, user=left, status="farewell"),
    )
    assert intervision_reminders(START - DAY).sent == 0


def test_lead_times_follow_the_organisation(session: IntervisionSession, world: World) -> None:
    ReminderPolicy.objects.create(
        organisation=world.org_a, session_first_days=10, session_second_days=3
    )
    assert intervision_reminders(START - 10 * DAY).sent == 1
    assert intervision_reminders(START - 3 * DAY).sent == 1
    assert intervision_reminders(START - DAY).sent == 0
    assert _sent() == [("Vera Vrijwilliger", "first:10d"), ("Vera Vrijwilliger", "second:3d")]


@pytest.mark.parametrize("size", [3, 30])
def test_queries_do_not_grow_per_volunteer(
    world: World, size: int, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    s = _session(world)
    for _ in range(size):
        user = UserFactory(organisation=world.org_a, role=Role.VOLUNTEER)
        IntervisionInvitationFactory(
            session=s, volunteer=VolunteerFactory(organisation=world.org_a, user=user)
        )
    assert intervision_reminders(START - DAY).sent == size
    with django_assert_max_num_queries(6):
        again = intervision_reminders(START - DAY)
    assert (again.sent, again.skipped) == (0, size)
