"""Circle minutes: the lead volunteer files them within 48 hours of the meeting day; later is
refused with a message pointing to the coordinator; they reach the responsible professional in
the app and the outer circle by e-mail; staff read them per match."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reclass_volunteers.models import AuditEvent, Notification, Role
from supervision.models import CircleMinutes
from tests.conftest import World, client_for
from tests.factories import UserFactory, VolunteerFactory
from tests.supervision.factories_reports import CircleMinutesFactory, circle_with

AMS = ZoneInfo("Europe/Amsterdam")
MEETING = date(2025, 3, 10)


def _url(match_pk: int) -> str:
    return reverse("supervision:minutes_create", args=[match_pk])


def _post(world: World, match_pk: int, held_on: date, text: str = "Goed overleg.") -> Any:
    return client_for(world.volunteer_user).post(
        _url(match_pk), {"held_on": held_on.isoformat(), "text": text}
    )


@pytest.fixture
def circle(world: World) -> Any:
    return circle_with(
        world.volunteer,
        VolunteerFactory(organisation=world.org_a),
        client=world.client,
        outer_emails=("therapeut@example.org", "wijkagent@example.org", ""),
    )


def test_lead_files_minutes_and_they_reach_the_outer_circle(world: World, circle: Any) -> None:
    with time_machine.travel(datetime(2025, 3, 11, 9, 0, tzinfo=AMS), tick=False):
        page = client_for(world.volunteer_user).get(_url(circle.pk))
        assert page.status_code == 200
        assert f'data-draft="u{world.volunteer_user.pk}-minutes-{circle.pk}"' in (
            page.content.decode()
        )
        response = _post(world, circle.pk, MEETING, "Het werk loopt goed; weekend blijft lastig.")
    assert response.status_code == 302
    minutes = CircleMinutes.objects.get()
    assert (minutes.match, minutes.filed_by, minutes.held_on) == (
        circle,
        world.volunteer,
        MEETING,
    )
    sent = Notification.objects.filter(kind="circle.minutes")
    emails = {n.email for n in sent if n.recipient is None}
    assert emails == {"therapeut@example.org", "wijkagent@example.org"}
    assert all("weekend blijft lastig" in n.body for n in sent if n.recipient is None)
    in_app = [n for n in sent if n.recipient is not None]
    assert [n.recipient for n in in_app] == [world.professional]
    assert in_app[0].url == reverse("supervision:minutes_list", args=[circle.pk])
    assert AuditEvent.objects.filter(action="circle_minutes.create").exists()


@pytest.mark.parametrize(
    ("now", "accepted"),
    [
        (datetime(2025, 3, 12, 23, 59, tzinfo=AMS), True),
        (datetime(2025, 3, 13, 0, 1, tzinfo=AMS), False),
    ],
)
def test_minutes_are_filed_within_48_hours_of_the_meeting_day(
    world: World, circle: Any, now: datetime, accepted: bool
) -> None:
    with time_machine.travel(now, tick=False):
        response = _post(world, circle.pk, MEETING)
    assert CircleMinutes.objects.exists() is accepted
    if not accepted:
        assert response.status_code == 200
        message = " ".join(response.context["form"].errors["held_on"])
        assert "coördinator" in message or "coordinator" in message
        assert not Notification.objects.exists()


def test_a_meeting_in_the_future_is_refused(world: World, circle: Any) -> None:
    with time_machine.travel(datetime(2025, 3, 10, 12, 0, tzinfo=AMS), tick=False):
        response = _post(world, circle.pk, MEETING + timedelta(days=1))
    assert response.status_code == 200
    assert "held_on" in response.context["form"].errors
    assert not CircleMinutes.objects.exists()


def test_the_same_meeting_is_filed_once(world: World, circle: Any) -> None:
    with time_machine.travel(datetime(2025, 3, 11, 9, 0, tzinfo=AMS), tick=False):
        _post(world, circle.pk, MEETING)
        response = _post(world, circle.pk, MEETING, "Tweede versie")
    assert response.status_code == 200
    assert "held_on" in response.context["form"].errors
    assert CircleMinutes.objects.get().text == "Goed overleg."


def test_a_volunteer_who_is_not_the_lead_cannot_file(world: World) -> None:
    lead = VolunteerFactory(organisation=world.org_a)
    circle = circle_with(lead, world.volunteer, client=world.client)
    http = client_for(world.volunteer_user)
    assert http.get(_url(circle.pk)).status_code == 404
    assert _post(world, circle.pk, date.today()).status_code == 404
    assert not CircleMinutes.objects.exists()


def test_a_buddy_match_has_no_minutes(world: World) -> None:
    assert _post(world, world.match.pk, date.today()).status_code == 404
    assert not CircleMinutes.objects.exists()


def test_staff_read_minutes_per_match(world: World, circle: Any) -> None:
    CircleMinutesFactory(match=circle, filed_by=world.volunteer, text="Verslag één")
    other = circle_with(VolunteerFactory(organisation=world.org_a), client=world.client)
    CircleMinutesFactory(match=other, text="Andere cirkel")
    response = client_for(world.professional).get(
        reverse("supervision:minutes_list", args=[circle.pk])
    )
    body = response.content.decode()
    assert "Verslag één" in body and "Andere cirkel" not in body
    assert AuditEvent.objects.filter(action="circle_minutes.view").exists()
    colleague = UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)
    assert (
        client_for(colleague).get(reverse("supervision:minutes_list", args=[circle.pk])).status_code
        == 404
    )


def test_minutes_list_query_count_does_not_grow(
    world: World, circle: Any, django_assert_max_num_queries: Any
) -> None:
    http = client_for(world.coordinator)
    url = reverse("supervision:minutes_list", args=[circle.pk])
    CircleMinutesFactory.create_batch(3, match=circle)
    http.get(url)
    with CaptureQueriesContext(connection) as small:
        response = http.get(url)
    assert len(response.context["page"]) == 3
    CircleMinutesFactory.create_batch(27, match=circle)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = http.get(url)
    assert len(response.context["page"]) == 25
