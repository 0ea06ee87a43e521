"""Two staff members acting on one report or discussion point at the same moment, and one
volunteer sending the same minutes twice, on real PostgreSQL row locks: one effect each."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from reclass_volunteers.models import AuditEvent, Notification
from supervision.models import CircleMinutes, DiscussionPoint
from supervision.services import reports
from tests.concurrency import race
from tests.conftest import World
from tests.supervision.factories_reports import (
    ContactReportFactory,
    DiscussionPointFactory,
    circle_with,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_readers_at_once_record_one_reading(world: World) -> None:
    report = ContactReportFactory(match=world.match, volunteer=world.volunteer)
    results, errors = race(
        [world.professional, world.coordinator],
        lambda user: reports.report_mark_read(report=report, by=user).read_by_id,
    )
    assert errors == []
    report.refresh_from_db()
    assert report.read_by_id in (world.professional.pk, world.coordinator.pk)
    assert results == [report.read_by_id] * 2
    assert AuditEvent.objects.filter(action="report.read").count() == 1


def test_two_responses_at_once_close_the_point_once(world: World) -> None:
    point = DiscussionPointFactory(volunteer=world.volunteer)
    results, errors = race(
        [(world.professional, "Van de begeleider"), (world.coordinator, "Van de coördinator")],
        lambda item: reports.discussion_address(point=point, by=item[0], response=item[1]),
    )
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], ValidationError)
    point.refresh_from_db()
    assert point.response == results[0].response
    assert Notification.objects.filter(kind="discussion.addressed").count() == 1
    assert DiscussionPoint.objects.filter(addressed_at__isnull=False).count() == 1


def test_the_same_minutes_sent_twice_at_once_are_filed_once(world: World) -> None:
    circle = circle_with(world.volunteer, client=world.client, outer_emails=("a@example.org",))

    def file(_item: Any) -> CircleMinutes:
        return reports.circle_minutes_create(
            match=circle,
            volunteer=world.volunteer,
            by=world.volunteer_user,
            held_on=date.today(),
            text="Verslag",
        )

    results, errors = race([1, 2], file)
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], ValidationError)
    assert CircleMinutes.objects.count() == 1
    assert Notification.objects.filter(email="a@example.org").count() == 1
