"""Something I want to discuss: it reaches the volunteer's supervisor (or the coordinators),
without blame; it is never shown to a responsible professional who is not the supervisor; the
supervisor or a coordinator responds and closes it once; the list keeps a fixed number of
queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reclass_volunteers.models import AuditEvent, Notification, Role
from supervision.models import DiscussionPoint
from tests.conftest import World, client_for
from tests.factories import ClientFactory, UserFactory, VolunteerFactory, match_with
from tests.supervision.factories_reports import DiscussionPointFactory

CREATE = "supervision:discussion_create"


def _post(world: World, **data: str) -> Any:
    payload = {"topic": "payment", "text": "Ik heb hem tien euro geleend."}
    payload.update(data)
    return client_for(world.volunteer_user).post(reverse(CREATE), payload)


def test_volunteer_raises_a_point_and_the_supervisor_is_told(world: World) -> None:
    page = client_for(world.volunteer_user).get(reverse(CREATE), {"match": world.match.pk})
    assert page.status_code == 200
    assert page.context["form"].initial == {"match": world.match.pk}
    assert f'data-draft="u{world.volunteer_user.pk}-discussion"' in page.content.decode()

    response = _post(world, match=str(world.match.pk))
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:portal")
    point = DiscussionPoint.objects.get()
    assert (point.volunteer, point.match, point.topic) == (world.volunteer, world.match, "payment")
    notification = Notification.objects.get(kind="discussion.raised")
    assert notification.recipient == world.professional  # the supervisor
    assert notification.url == reverse("supervision:discussion_detail", args=[point.pk])
    assert "Ik heb hem tien euro" not in notification.body  # the text stays in the app
    assert AuditEvent.objects.filter(action="discussion.create").exists()


def test_without_a_supervisor_the_coordinators_are_told(world: World) -> None:
    second = UserFactory(organisation=world.org_a, role=Role.COORDINATOR)
    UserFactory(organisation=world.org_a, role=Role.COORDINATOR, is_active=False)
    world.volunteer.supervisor = None
    world.volunteer.save()
    _post(world)
    recipients = set(
        Notification.objects.filter(kind="discussion.raised").values_list("recipient", flat=True)
    )
    assert recipients == {world.coordinator.pk, second.pk}


@pytest.mark.parametrize(
    "data",
    [
        {"topic": "bribery"},
        {"text": ""},
        {"match": "999999"},
    ],
)
def test_bad_input_saves_nothing(world: World, data: dict[str, str]) -> None:
    response = _post(world, **data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not DiscussionPoint.objects.exists()
    assert not Notification.objects.exists()


def test_another_volunteers_match_is_not_a_choice(world: World) -> None:
    other = VolunteerFactory(organisation=world.org_a)
    their_match = match_with(other, ClientFactory(organisation=world.org_a))
    for match in (their_match, world.foreign_match):
        response = _post(world, match=str(match.pk))
        assert "match" in response.context["form"].errors
    assert not DiscussionPoint.objects.exists()


def test_responsible_professional_who_is_not_the_supervisor_never_sees_it(
    world: World,
) -> None:
    supervisor = UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)
    world.volunteer.supervisor_id = supervisor.pk
    world.volunteer.save()
    _post(world, match=str(world.match.pk))
    point = DiscussionPoint.objects.get()
    http = client_for(world.professional)  # responsible for the client, not the supervisor
    assert http.get(reverse("supervision:discussion_detail", args=[point.pk])).status_code == 404
    listed = http.get(reverse("supervision:discussion_list"), {"state": "all"})
    assert listed.context["page"].paginator.count == 0
    assert not Notification.objects.filter(recipient=world.professional).exists()
    response = http.post(
        reverse("supervision:discussion_address", args=[point.pk]), {"response": "Oké"}
    )
    assert response.status_code == 404
    point.refresh_from_db()
    assert point.addressed_at is None
    assert Notification.objects.get(kind="discussion.raised").recipient == supervisor


def test_supervisor_responds_and_closes_once(world: World) -> None:
    point = DiscussionPointFactory(volunteer=world.volunteer)
    url = reverse("supervision:discussion_address", args=[point.pk])
    response = client_for(world.professional).post(
        url, {"response": "Goed dat je het zegt. We bespreken het donderdag."}
    )
    assert response.status_code == 302
    point.refresh_from_db()
    assert point.addressed_by == world.professional and point.addressed_at is not None
    told = Notification.objects.get(kind="discussion.addressed")
    assert told.recipient == world.volunteer_user
    portal = client_for(world.volunteer_user).get(reverse("supervision:portal"))
    assert "We bespreken het donderdag." in portal.content.decode()

    again = client_for(world.coordinator).post(url, {"response": "Nog iets."})
    assert again.status_code == 200
    assert again.context["form"] is None  # closed: no form, the response is shown
    point.refresh_from_db()
    assert point.response == "Goed dat je het zegt. We bespreken het donderdag."
    assert AuditEvent.objects.filter(action="discussion.address").count() == 1


def test_closing_twice_is_refused_by_the_service(world: World) -> None:
    from django.core.exceptions import ValidationError

    from supervision.services.reports import discussion_address

    point = DiscussionPointFactory(volunteer=world.volunteer)
    discussion_address(point=point, by=world.coordinator, response="Besproken.")
    with pytest.raises(ValidationError):
        discussion_address(point=point, by=world.professional, response="Nogmaals.")
    point.refresh_from_db()
    assert point.addressed_by == world.coordinator


def test_an_empty_response_is_refused(world: World) -> None:
    point = DiscussionPointFactory(volunteer=world.volunteer)
    response = client_for(world.coordinator).post(
        reverse("supervision:discussion_address", args=[point.pk]), {"response": "   "}
    )
    assert response.status_code == 200
    assert "response" in response.context["form"].errors
    point.refresh_from_db()
    assert point.addressed_at is None


def test_list_shows_open_points_by_default(world: World) -> None:
    open_point = DiscussionPointFactory(volunteer=world.volunteer, topic="doubt")
    done = DiscussionPointFactory(
        volunteer=world.volunteer,
        addressed_at=timezone.now(),
        addressed_by=world.coordinator,
        response="Klaar.",
    )
    DiscussionPointFactory(volunteer=world.foreign_volunteer)
    http = client_for(world.coordinator)
    url = reverse("supervision:discussion_list")
    assert [p.pk for p in http.get(url).context["page"]] == [open_point.pk]
    assert [p.pk for p in http.get(url, {"state": "addressed"}).context["page"]] == [done.pk]
    assert {p.pk for p in http.get(url, {"state": "all"}).context["page"]} == {
        open_point.pk,
        done.pk,
    }
    assert [p.pk for p in http.get(url, {"topic": "gift"}).context["page"]] == []


def test_list_query_count_does_not_grow(world: World, django_assert_max_num_queries: Any) -> None:
    http = client_for(world.coordinator)
    url = reverse("supervision:discussion_list")

    def add(n: int) -> None:
        for i in range(n):
            DiscussionPointFactory(
                volunteer=VolunteerFactory(organisation=world.org_a),
                match=world.match if i % 2 else None,
                addressed_at=timezone.now() if i % 3 == 0 else None,
                addressed_by=world.coordinator if i % 3 == 0 else None,
                response="Besproken." if i % 3 == 0 else "",
            )

    add(3)
    http.get(url, {"state": "all"})
    with CaptureQueriesContext(connection) as small:
        response = http.get(url, {"state": "all"})
    assert len(response.context["page"]) == 3
    add(27)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = http.get(url, {"state": "all"})
    assert len(response.context["page"]) == 25
