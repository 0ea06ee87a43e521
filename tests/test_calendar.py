"""The private calendar feed (issue 6): iCalendar by hand, the secret link (kept only as a
hash), and what each role's feed holds, never anyone else's dates."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from reclass_volunteers import calendar
from reclass_volunteers.models import AuditEvent, Role, User
from reclass_volunteers.models_calendar import CalendarToken
from reclass_volunteers.services_reminders import calendar_token_reset
from tests.conftest import World, client_for
from tests.factories import ClientFactory, MatchFactory, UserFactory, VolunteerFactory
from tests.supervision.factories_guidance import (
    IntervisionGroupFactory,
    IntervisionInvitationFactory,
    IntervisionSessionFactory,
    SupervisionNoteFactory,
)
from tests.volunteers.factories_training import EnrolmentFactory, SessionFactory


def _feed(token: str) -> Any:
    return client_for(None).get(reverse("calendar_feed", kwargs={"token": token}))


def _unfold(body: str) -> str:
    return body.replace("\r\n ", "")


# --- iCalendar writing ------------------------------------------------------------------------


def test_text_is_escaped() -> None:
    assert calendar.escape_text("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf"


def test_long_lines_fold_at_75_octets_without_splitting_characters() -> None:
    line = "SUMMARY:" + "é" * 100  # two octets each
    folded = calendar.fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 1
    assert all(len(p.encode()) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join([parts[0], *(p[1:] for p in parts[1:])]) == line
    assert calendar.fold("SHORT:x") == "SHORT:x"


def test_calendar_structure() -> None:
    now = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    body = calendar.build_calendar(
        name="Agenda, van; mij",
        events=[
            calendar.Event(
                uid="a-1",
                summary="Training: Grenzen, stellen; samen",
                start=datetime(2025, 3, 10, 19, 0, tzinfo=timezone.get_fixed_timezone(60)),
                location="Utrecht\nzaal 2",
            ),
            calendar.Event(uid="b-2", summary="Supervisie", start=date(2025, 3, 12)),
        ],
        now=now,
    )
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert body.endswith("END:VCALENDAR\r\n")
    assert "\n" not in body.replace("\r\n", "")  # every line ends in CRLF
    assert "X-WR-CALNAME:Agenda\\, van\\; mij\r\n" in body
    assert body.count("BEGIN:VEVENT") == body.count("END:VEVENT") == 2
    assert "UID:a-1@reclass-volunteers\r\n" in body
    assert body.count("DTSTAMP:20250301T093000Z\r\n") == 2
    assert "DTSTART:20250310T180000Z\r\n" in body  # 19:00 at +01:00, written in UTC
    assert "DTSTART;VALUE=DATE:20250312\r\n" in body
    assert "SUMMARY:Training: Grenzen\\, stellen\\; samen\r\n" in body
    assert "LOCATION:Utrecht\\nzaal 2\r\n" in body


# --- The link -------------------------------------------------------------------------------


def test_settings_page_without_a_link(world: World) -> None:
    response = client_for(world.volunteer_user).get(reverse("calendar_settings"))
    assert response.status_code == 200
    assert response.context["token"] is None
    assert response.context["feed_url"] == ""


def test_reset_shows_the_link_once_and_keeps_only_its_hash(world: World) -> None:
    http = client_for(world.volunteer_user)
    response = http.post(reverse("calendar_reset"))
    assert response.status_code == 200
    feed_url = response.context["feed_url"]
    assert feed_url.startswith("http://testserver/agenda/") and feed_url.endswith(".ics")
    assert feed_url in response.content.decode()
    token = feed_url.rsplit("/", 1)[1].removesuffix(".ics")
    row = CalendarToken.objects.get(user=world.volunteer_user)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in row.token_hash
    assert AuditEvent.objects.filter(action="calendar.create").count() == 1
    # Shown once: the settings page afterwards no longer has it.
    again = http.get(reverse("calendar_settings"))
    assert again.context["token"] == row
    assert token not in again.content.decode()
    assert _feed(token).status_code == 200


def test_reset_invalidates_the_old_link(world: World) -> None:
    old = calendar_token_reset(user=world.volunteer_user)
    assert _feed(old).status_code == 200
    response = client_for(world.volunteer_user).post(reverse("calendar_reset"))
    new = response.context["feed_url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert new != old
    assert _feed(old).status_code == 404
    assert _feed(new).status_code == 200
    assert CalendarToken.objects.filter(user=world.volunteer_user).count() == 1
    assert AuditEvent.objects.filter(action="calendar.reset").count() == 1


def test_unknown_token_is_404(world: World) -> None:
    calendar_token_reset(user=world.volunteer_user)
    assert _feed("not-a-token").status_code == 404
    # The stored hash itself is no key either.
    stored = CalendarToken.objects.get().token_hash
    assert _feed(stored).status_code == 404


def test_a_deactivated_user_feed_stops(world: World) -> None:
    token = calendar_token_reset(user=world.volunteer_user)
    User.objects.filter(pk=world.volunteer_user.pk).update(is_active=False)
    assert _feed(token).status_code == 404


def test_feed_is_public_and_not_cached(world: World) -> None:
    token = calendar_token_reset(user=world.professional)
    response = _feed(token)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response["Cache-Control"]


def test_reset_refuses_get(world: World) -> None:
    assert client_for(world.coordinator).get(reverse("calendar_reset")).status_code == 405


def test_anonymous_settings_page_goes_to_login(world: World) -> None:
    response = client_for(None).get(reverse("calendar_settings"))
    assert response.status_code == 302
    assert "/inloggen/" in response["Location"]


# --- What each feed holds ---------------------------------------------------------------------


def _body(user: User) -> str:
    return _unfold(_feed(calendar_token_reset(user=user)).content.decode())


def test_volunteer_feed(world: World) -> None:
    soon = timezone.now() + timedelta(days=5)
    enrolled = SessionFactory(
        course__organisation=world.org_a, course__name="Basistraining", starts_at=soon
    )
    EnrolmentFactory(session=enrolled, volunteer=world.volunteer)
    cancelled = SessionFactory(course__organisation=world.org_a, course__name="Afgemeld")
    EnrolmentFactory(session=cancelled, volunteer=world.volunteer, status="cancelled")
    waiting = SessionFactory(course__organisation=world.org_a, course__name="Wachtlijst")
    EnrolmentFactory(session=waiting, volunteer=world.volunteer, status="waiting")
    SessionFactory(course__organisation=world.org_a, course__name="NietIngeschreven")
    group = IntervisionGroupFactory(organisation=world.org_a, name="Groep Noord")
    coming = IntervisionSessionFactory(group=group, topic="Grenzen")
    IntervisionInvitationFactory(session=coming, volunteer=world.volunteer, answer="yes")
    pending = IntervisionSessionFactory(group=IntervisionGroupFactory(organisation=world.org_a))
    IntervisionInvitationFactory(session=pending, volunteer=world.volunteer)
    declined = IntervisionSessionFactory(
        group=IntervisionGroupFactory(organisation=world.org_a, name="Groep Afgewezen")
    )
    IntervisionInvitationFactory(session=declined, volunteer=world.volunteer, answer="no")
    next_on = date.today() + timedelta(days=20)
    shared = SupervisionNoteFactory(
        volunteer=world.volunteer, next_on=next_on, shared_with_volunteer=True
    )
    SupervisionNoteFactory(
        volunteer=world.volunteer,
        next_on=date.today() + timedelta(days=30),
        shared_with_volunteer=False,
    )

    body = _body(world.volunteer_user)
    assert "Basistraining" in body
    assert f"UID:training-{enrolled.pk}@" in body
    assert "Afgemeld" not in body and "Wachtlijst" not in body
    assert "NietIngeschreven" not in body
    assert "Groep Noord" in body and f"UID:intervision-{pending.pk}@" in body
    assert "Groep Afgewezen" not in body
    assert f"UID:supervision-note-{shared.pk}@" in body
    assert f"DTSTART;VALUE=DATE:{next_on:%Y%m%d}" in body
    assert body.count("BEGIN:VEVENT") == 4


def test_old_history_is_left_out(world: World) -> None:
    long_ago = SessionFactory(
        course__organisation=world.org_a,
        course__name="LangGeleden",
        starts_at=timezone.now() - timedelta(days=200),
    )
    EnrolmentFactory(session=long_ago, volunteer=world.volunteer, status="attended")
    assert "LangGeleden" not in _body(world.volunteer_user)


def test_professional_feed(world: World) -> None:
    group = IntervisionGroupFactory(
        organisation=world.org_a, facilitator=world.professional, name="Mijn Groep"
    )
    IntervisionSessionFactory(group=group)
    IntervisionSessionFactory(group=IntervisionGroupFactory(organisation=world.org_a, name="Ander"))
    # The world's volunteer is supervised by the professional: their latest note's date counts.
    SupervisionNoteFactory(
        volunteer=world.volunteer,
        held_on=date.today() - timedelta(days=40),
        next_on=date.today() + timedelta(days=3),
    )
    latest = SupervisionNoteFactory(
        volunteer=world.volunteer,
        held_on=date.today() - timedelta(days=2),
        next_on=date.today() + timedelta(days=25),
    )
    other_volunteer = VolunteerFactory(organisation=world.org_a, first_name="Niet")
    SupervisionNoteFactory(volunteer=other_volunteer, next_on=date.today() + timedelta(days=9))
    world.match.planned_end_on = date.today() + timedelta(days=100)
    world.match.save()
    world.match.reviews.create(
        held_on=date.today() - timedelta(days=10),
        summary="Goed",
        next_review_on=date.today() + timedelta(days=50),
    )
    colleague_client = ClientFactory(organisation=world.org_a, code="CL-COLLEGA")
    MatchFactory(client=colleague_client, planned_end_on=date.today() + timedelta(days=60))

    body = _body(world.professional)
    assert "Mijn Groep" in body and "Ander" not in body
    assert f"UID:supervision-note-{latest.pk}@" in body
    assert f"{world.volunteer.first_name}" in body
    assert f"DTSTART;VALUE=DATE:{date.today() + timedelta(days=3):%Y%m%d}" not in body
    assert "Niet" not in body
    assert world.client.code in body
    assert f"UID:match-end-{world.match.pk}@" in body
    assert f"UID:circle-review-{world.match.pk}-" in body
    assert "CL-COLLEGA" not in body
    # Clients appear by their code only.
    assert world.client.last_name not in body
    assert body.count("BEGIN:VEVENT") == 4


def test_coordinator_feed_has_the_organisations_trainings(world: World) -> None:
    SessionFactory(course__organisation=world.org_a, course__name="Training A")
    SessionFactory(course__organisation=world.org_b, course__name="Training B")
    body = _body(world.coordinator)
    assert "Training A" in body and "Training B" not in body


def test_another_users_events_never_appear(world: World) -> None:
    other = UserFactory(organisation=world.org_a, role=Role.VOLUNTEER)
    other_volunteer = VolunteerFactory(organisation=world.org_a, user=other)
    EnrolmentFactory(
        session=SessionFactory(course__organisation=world.org_a, course__name="VanAnder"),
        volunteer=other_volunteer,
    )
    IntervisionInvitationFactory(
        session=IntervisionSessionFactory(
            group=IntervisionGroupFactory(organisation=world.org_a, name="AndermansGroep")
        ),
        volunteer=other_volunteer,
    )
    SupervisionNoteFactory(
        volunteer=other_volunteer,
        next_on=date.today() + timedelta(days=4),
        shared_with_volunteer=True,
    )
    # Organisation B's professional with a foreign match and intervision group.
    foreign_pro = world.foreign_client.responsible_professional
    IntervisionSessionFactory(
        group=IntervisionGroupFactory(
            organisation=world.org_b, facilitator=foreign_pro, name="GroepB"
        )
    )
    world.foreign_match.planned_end_on = date.today() + timedelta(days=10)
    world.foreign_match.save()

    assert _body(world.volunteer_user).count("BEGIN:VEVENT") == 0
    professional_body = _body(world.professional)
    assert "GroepB" not in professional_body and world.foreign_client.code not in professional_body
    assert "AndermansGroep" not in _body(world.coordinator)
    foreign_body = _body(foreign_pro)
    assert "GroepB" in foreign_body and world.client.code not in foreign_body


@pytest.mark.parametrize("size", [3, 30])
def test_feed_runs_a_fixed_number_of_queries(
    world: World, size: int, django_assert_max_num_queries: Any
) -> None:
    group = IntervisionGroupFactory(organisation=world.org_a, facilitator=world.professional)
    for i in range(size):
        session = SessionFactory(course__organisation=world.org_a)
        EnrolmentFactory(session=session, volunteer=world.volunteer)
        intervision = IntervisionSessionFactory(group=group)
        IntervisionInvitationFactory(session=intervision, volunteer=world.volunteer)
        SupervisionNoteFactory(
            volunteer=world.volunteer,
            held_on=date.today() - timedelta(days=100 - i),
            next_on=date.today() + timedelta(days=i + 1),
            shared_with_volunteer=True,
        )
        volunteer = VolunteerFactory(organisation=world.org_a, supervisor=world.professional)
        SupervisionNoteFactory(volunteer=volunteer, next_on=date.today() + timedelta(days=5))
        MatchFactory(
            client=ClientFactory(
                organisation=world.org_a, responsible_professional=world.professional
            ),
            planned_end_on=date.today() + timedelta(days=i + 10),
        )
    for user in (world.volunteer_user, world.professional, world.coordinator):
        token = calendar_token_reset(user=user)
        with django_assert_max_num_queries(5):
            response = _feed(token)
        assert response.content.decode().count("BEGIN:VEVENT") >= size
