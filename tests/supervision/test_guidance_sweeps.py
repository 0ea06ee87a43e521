"""The guidance sweeps, called with a fixed `now`.

supervision_overdue: the supervisor hears once per missed due date of the supervision plan; a
new note moves the due date and so gives a new message later; without an active supervisor the
coordinators hear it.

contact_nudges: on an active match without a reported contact for the organisation's number of
days, a friendly nudge to the volunteer (the lead of a circle, or every member when there is
none), and later a note to the responsible professional; once per silence, again after a new
contact and a new silence.

Both: a rerun sends nothing, its queries do not grow with the number of subjects, and another
organisation's people are never told about this one's volunteers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from matching.models import Match, MatchVolunteer
from reclass_volunteers.models import Notification, Organisation, ReminderPolicy, Role, User
from reclass_volunteers.sweeps import SweepResult
from supervision.models import ContactReport
from supervision.sweeps_guidance import (
    NUDGE_PROFESSIONAL_KIND,
    NUDGE_VOLUNTEER_KIND,
    OVERDUE_KIND,
    contact_nudges,
    supervision_overdue,
)
from tests.conftest import World
from tests.factories import ClientFactory, MatchFactory, UserFactory, VolunteerFactory
from tests.supervision.factories_guidance import SupervisionNoteFactory
from tests.supervision.factories_reports import ContactReportFactory, circle_with
from tests.supervision.factories_signals import user_in
from volunteers.models import Volunteer

AMS = ZoneInfo("Europe/Amsterdam")
TODAY = date(2025, 6, 18)
DAY = timedelta(days=1)


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=AMS)


NOW = _at(TODAY)


def _sent(*kinds: str) -> list[tuple[str, str, str]]:
    """(kind, recipient's name, occasion) of every message of these kinds, in a stable order."""
    rows = Notification.objects.filter(kind__in=kinds).select_related("recipient")
    return sorted(
        (n.kind, n.recipient.full_name if n.recipient else n.email, n.occasion) for n in rows
    )


def _counts(result: SweepResult) -> tuple[int, int]:
    return (result.sent, result.skipped)


# --- Overdue supervision ----------------------------------------------------------------------

ACTIVE_SINCE = datetime(2025, 1, 6, 9, 0, tzinfo=AMS)
NOTE_ON = date(2025, 5, 1)
DUE_ON = NOTE_ON + timedelta(weeks=4)  # 29 May 2025


def _plan(volunteer: Volunteer, *, weeks: int = 4, note_on: date | None = NOTE_ON) -> Volunteer:
    """Give the volunteer a supervision plan every `weeks`, with a note held on `note_on`."""
    volunteer.supervision_interval_weeks = weeks
    volunteer.status_changed_at = ACTIVE_SINCE
    volunteer.save(update_fields=["supervision_interval_weeks", "status_changed_at"])
    if note_on is not None:
        SupervisionNoteFactory(volunteer=volunteer, held_on=note_on)
    return volunteer


@pytest.fixture
def planned(world: World) -> Volunteer:
    return _plan(world.volunteer)


def test_overdue_not_on_the_due_date(planned: Volunteer) -> None:
    assert _counts(supervision_overdue(_at(DUE_ON))) == (0, 0)
    assert not _sent(OVERDUE_KIND)


def test_overdue_the_supervisor_hears_once_per_due_date(planned: Volunteer, world: World) -> None:
    first = supervision_overdue(_at(DUE_ON + DAY))
    again = supervision_overdue(NOW)
    assert (_counts(first), _counts(again)) == ((1, 0), (0, 1))
    assert _sent(OVERDUE_KIND) == [(OVERDUE_KIND, "Piet Professional", "due:2025-05-29")]
    message = Notification.objects.get(kind=OVERDUE_KIND)
    assert message.recipient == world.professional
    assert (message.subject_type, message.subject_id) == ("volunteers.volunteer", str(planned.pk))
    assert message.url == reverse("supervision:note_list", args=[planned.pk])
    assert planned.full_name in message.title
    assert "29" in message.body
    assert first.by_organisation == {world.org_a.pk: [1, 0]}


def test_overdue_a_new_note_moves_the_due_date_and_gives_a_new_message(
    planned: Volunteer,
) -> None:
    supervision_overdue(NOW)
    SupervisionNoteFactory(volunteer=planned, held_on=TODAY - DAY)
    # On schedule again until four weeks after the new note.
    assert _counts(supervision_overdue(NOW + 10 * DAY)) == (0, 0)
    next_due = TODAY - DAY + timedelta(weeks=4)
    assert _counts(supervision_overdue(_at(next_due + DAY))) == (1, 0)
    assert [occasion for _k, _n, occasion in _sent(OVERDUE_KIND)] == [
        "due:2025-05-29",
        f"due:{next_due.isoformat()}",
    ]


def test_overdue_measured_from_becoming_active_when_there_is_no_note(world: World) -> None:
    _plan(world.volunteer, weeks=2, note_on=None)
    due = ACTIVE_SINCE.date() + timedelta(weeks=2)
    assert supervision_overdue(_at(due)).sent == 0
    assert supervision_overdue(_at(due + DAY)).sent == 1
    assert _sent(OVERDUE_KIND) == [(OVERDUE_KIND, "Piet Professional", f"due:{due.isoformat()}")]


@pytest.mark.parametrize("supervisor", ["none", "inactive", "other_organisation"])
def test_overdue_without_active_supervisor_the_coordinators_hear_it(
    planned: Volunteer, world: World, supervisor: str
) -> None:
    if supervisor == "none":
        planned.supervisor = None
    elif supervisor == "inactive":
        world.professional.is_active = False
        world.professional.save(update_fields=["is_active"])
    else:
        planned.supervisor = user_in(world.org_b, Role.PROFESSIONAL)
    planned.save(update_fields=["supervisor"])
    UserFactory(organisation=world.org_a, role=Role.COORDINATOR, full_name="Co Twee")
    UserFactory(organisation=world.org_a, role=Role.COORDINATOR, is_active=False)

    with translation.override("en"):
        assert _counts(supervision_overdue(NOW)) == (2, 0)
    assert _counts(supervision_overdue(NOW)) == (0, 2)
    assert _sent(OVERDUE_KIND) == [
        (OVERDUE_KIND, "Co Twee", "due:2025-05-29"),
        (OVERDUE_KIND, "Cora Coördinator", "due:2025-05-29"),
    ]
    message = Notification.objects.filter(kind=OVERDUE_KIND).first()
    assert message is not None
    assert "no supervisor" in message.title
    assert planned.full_name in message.title


@pytest.mark.parametrize("status", [Volunteer.Status.PAUSED, Volunteer.Status.FAREWELL])
def test_overdue_only_for_active_volunteers(planned: Volunteer, status: str) -> None:
    planned.status = status
    planned.save(update_fields=["status"])
    assert _counts(supervision_overdue(NOW)) == (0, 0)


def test_overdue_without_a_plan_nothing(world: World) -> None:
    SupervisionNoteFactory(volunteer=world.volunteer, held_on=date(2024, 1, 1))
    assert _counts(supervision_overdue(NOW)) == (0, 0)


def test_overdue_other_organisation_is_told_only_its_own(planned: Volunteer, world: World) -> None:
    foreign_supervisor = user_in(world.org_b, Role.PROFESSIONAL, full_name="Bram Begeleider")
    world.foreign_volunteer.supervisor = foreign_supervisor
    world.foreign_volunteer.save(update_fields=["supervisor"])
    _plan(world.foreign_volunteer, weeks=6)
    result = supervision_overdue(NOW)
    assert result.by_organisation == {world.org_a.pk: [1, 0], world.org_b.pk: [1, 0]}
    to_b = Notification.objects.get(kind=OVERDUE_KIND, recipient__organisation=world.org_b)
    assert to_b.recipient == foreign_supervisor
    assert to_b.subject_id == str(world.foreign_volunteer.pk)
    assert to_b.occasion == f"due:{(NOTE_ON + timedelta(weeks=6)).isoformat()}"
    # Nobody of A hears of B's volunteer and the other way round.
    assert not Notification.objects.filter(
        kind=OVERDUE_KIND, recipient__organisation=world.org_a, subject_id=str(to_b.subject_id)
    ).exists()


def _overdue_volunteers(organisation: Organisation, n: int, *, with_supervisor: bool) -> None:
    for _ in range(n):
        supervisor = (
            UserFactory(organisation=organisation, role=Role.PROFESSIONAL)
            if with_supervisor
            else None
        )
        _plan(VolunteerFactory(organisation=organisation, supervisor=supervisor))


def test_overdue_rerun_queries_do_not_grow(world: World) -> None:
    measured = []
    for size in (3, 30):
        grow = size - Volunteer.objects.filter(supervision_interval_weeks__isnull=False).count()
        # Half with a supervisor, half telling the coordinators.
        _overdue_volunteers(world.org_a, grow // 2, with_supervisor=True)
        _overdue_volunteers(world.org_a, grow - grow // 2, with_supervisor=False)
        # One message each: to the supervisor, or to A's one active coordinator.
        assert supervision_overdue(NOW).sent == grow
        with CaptureQueriesContext(connection) as queries:
            rerun = supervision_overdue(NOW)
        assert _counts(rerun) == (0, size)
        measured.append(len(queries))
    assert measured[0] == measured[1]
    # The organisations; per organisation the overdue volunteers, and where there are any
    # (only A) the keys already used and the coordinators.
    assert measured[0] == 5


# --- Contact nudges ---------------------------------------------------------------------------


def _silent_for(match: Match, days: int, *, today: date = TODAY) -> None:
    """The match started long ago; its only contact report was `days` before `today`."""
    match.started_on = today - timedelta(days=400)
    match.save(update_fields=["started_on"])
    match.contact_reports.all().delete()
    member = match.memberships.first()
    assert member is not None
    ContactReportFactory(
        match=match, volunteer=member.volunteer, happened_on=today - timedelta(days=days)
    )


@pytest.fixture
def quiet(world: World) -> Match:
    """World's matches with a recent contact, so only what a test makes silent is nudged."""
    for match in (world.match, world.foreign_match):
        _silent_for(match, 1)
    return world.match


def _since(days: int) -> str:
    return f"since:{(TODAY - timedelta(days=days)).isoformat()}"


@pytest.mark.parametrize(
    ("days", "volunteer", "professional"),
    [
        (20, False, False),
        (21, True, False),
        (22, True, False),
        (41, True, False),
        (42, True, True),
        (60, True, True),
    ],
)
def test_nudge_thresholds(
    quiet: Match, world: World, days: int, volunteer: bool, professional: bool
) -> None:
    _silent_for(world.match, days)
    result = contact_nudges(NOW)
    expected = []
    if volunteer:
        expected.append((NUDGE_VOLUNTEER_KIND, "Vera Vrijwilliger", _since(days)))
    if professional:
        expected.append((NUDGE_PROFESSIONAL_KIND, "Piet Professional", _since(days)))
    assert _sent(NUDGE_VOLUNTEER_KIND, NUDGE_PROFESSIONAL_KIND) == sorted(expected)
    assert _counts(result) == (len(expected), 0)


def test_nudge_messages_say_only_what_each_may_know(quiet: Match, world: World) -> None:
    _silent_for(world.match, 50)
    contact_nudges(NOW)
    client = world.match.client
    to_volunteer = Notification.objects.get(kind=NUDGE_VOLUNTEER_KIND)
    assert to_volunteer.recipient == world.volunteer_user
    assert (to_volunteer.subject_type, to_volunteer.subject_id) == (
        "matching.match",
        str(world.match.pk),
    )
    assert client.first_name in to_volunteer.title
    text = to_volunteer.title + to_volunteer.body
    assert client.last_name not in text
    assert client.code not in text
    assert to_volunteer.url == reverse("supervision:report_create", args=[world.match.pk])
    to_professional = Notification.objects.get(kind=NUDGE_PROFESSIONAL_KIND)
    assert to_professional.recipient == world.professional
    assert client.code in to_professional.title
    assert world.volunteer.full_name in to_professional.body
    assert to_professional.url == reverse("matching:match_detail", args=[world.match.pk])


def test_nudge_without_any_report_counts_from_the_start(quiet: Match, world: World) -> None:
    match = MatchFactory(
        client=ClientFactory(organisation=world.org_a, responsible_professional=world.professional),
        started_on=TODAY - timedelta(days=21),
    )
    MatchVolunteer.objects.create(match=match, volunteer=world.volunteer, is_lead=True)
    assert contact_nudges(NOW - DAY).sent == 0
    assert contact_nudges(NOW).sent == 1
    assert _sent(NUDGE_VOLUNTEER_KIND) == [(NUDGE_VOLUNTEER_KIND, "Vera Vrijwilliger", _since(21))]


def test_nudge_a_report_from_before_the_start_does_not_count(quiet: Match, world: World) -> None:
    world.match.started_on = TODAY - timedelta(days=10)
    world.match.save(update_fields=["started_on"])
    ContactReport.objects.filter(match=world.match).update(happened_on=TODAY - timedelta(days=90))
    assert _counts(contact_nudges(NOW)) == (0, 0)


def test_nudge_thresholds_follow_the_organisation(quiet: Match, world: World) -> None:
    ReminderPolicy.objects.create(
        organisation=world.org_a, contact_nudge_volunteer_days=7, contact_nudge_professional_days=10
    )
    _silent_for(world.match, 7)
    assert contact_nudges(NOW).sent == 1
    assert contact_nudges(NOW + 2 * DAY).sent == 0
    assert contact_nudges(NOW + 3 * DAY).sent == 1
    assert _sent(NUDGE_VOLUNTEER_KIND, NUDGE_PROFESSIONAL_KIND) == [
        (NUDGE_PROFESSIONAL_KIND, "Piet Professional", _since(7)),
        (NUDGE_VOLUNTEER_KIND, "Vera Vrijwilliger", _since(7)),
    ]
    # Organisation B keeps the defaults: its 20 days of silence are not nudged.
    _silent_for(world.foreign_match, 20)
    assert contact_nudges(NOW + 3 * DAY).by_organisation == {world.org_a.pk: [0, 2]}


def test_nudge_once_per_silence_and_again_after_a_new_contact(quiet: Match, world: World) -> None:
    _silent_for(world.match, 25)
    assert _counts(contact_nudges(NOW)) == (1, 0)
    assert _counts(contact_nudges(NOW + 5 * DAY)) == (0, 1)
    ContactReportFactory(match=world.match, volunteer=world.volunteer, happened_on=TODAY + 5 * DAY)
    assert _counts(contact_nudges(NOW + 6 * DAY)) == (0, 0)
    assert _counts(contact_nudges(NOW + 25 * DAY)) == (0, 0)
    assert _counts(contact_nudges(NOW + 26 * DAY)) == (1, 0)
    assert [occasion for _k, _n, occasion in _sent(NUDGE_VOLUNTEER_KIND)] == [
        _since(25),
        f"since:{(TODAY + 5 * DAY).isoformat()}",
    ]


@pytest.mark.parametrize(
    "status", [Match.Status.PROPOSED, Match.Status.INTRODUCTION, Match.Status.ENDED]
)
def test_nudge_only_active_matches(quiet: Match, world: World, status: str) -> None:
    _silent_for(world.match, 100)
    world.match.status = status
    if status == Match.Status.ENDED:
        world.match.ended_on = TODAY - DAY
        world.match.end_reason = Match.EndReason.GOALS_REACHED
    world.match.save()
    assert _counts(contact_nudges(NOW)) == (0, 0)


def _volunteer(world: World, name: str, **extra: object) -> Volunteer:
    first, last = name.split()
    user = UserFactory(organisation=world.org_a, role=Role.VOLUNTEER, full_name=name)
    return VolunteerFactory(
        organisation=world.org_a, user=user, first_name=first, last_name=last, **extra
    )


def test_nudge_a_circle_its_lead(quiet: Match, world: World) -> None:
    lead = _volunteer(world, "Lea Lead")
    circle = circle_with(lead, _volunteer(world, "Mo Lid"), _volunteer(world, "Noor Lid"))
    _silent_for(circle, 30)
    assert contact_nudges(NOW).sent == 1
    assert _sent(NUDGE_VOLUNTEER_KIND) == [(NUDGE_VOLUNTEER_KIND, "Lea Lead", _since(30))]


def test_nudge_a_circle_without_lead_all_members(quiet: Match, world: World) -> None:
    circle = circle_with(_volunteer(world, "Lea Lead"), _volunteer(world, "Mo Lid"))
    circle.memberships.update(is_lead=False)
    _silent_for(circle, 30)
    assert contact_nudges(NOW).sent == 2
    assert _sent(NUDGE_VOLUNTEER_KIND) == [
        (NUDGE_VOLUNTEER_KIND, "Lea Lead", _since(30)),
        (NUDGE_VOLUNTEER_KIND, "Mo Lid", _since(30)),
    ]


def test_nudge_not_to_volunteers_without_account_or_not_active(quiet: Match, world: World) -> None:
    no_account = VolunteerFactory(organisation=world.org_a, user=None)
    blocked = _volunteer(world, "Bas Geblokkeerd")
    assert blocked.user is not None
    blocked.user.is_active = False
    blocked.user.save(update_fields=["is_active"])
    paused = _volunteer(world, "Pim Pauze", status=Volunteer.Status.PAUSED)
    circle = circle_with(no_account, blocked, paused, _volunteer(world, "Ada Actief"))
    circle.memberships.update(is_lead=False)
    _silent_for(circle, 45)
    contact_nudges(NOW)
    # Only the active member with an account; the professional hears it all the same.
    assert [name for _k, name, _o in _sent(NUDGE_VOLUNTEER_KIND)] == ["Ada Actief"]
    assert [r.pk for r in _recipients(NUDGE_PROFESSIONAL_KIND)] == [
        circle.client.responsible_professional_id
    ]


def _recipients(kind: str) -> list[User]:
    return [
        n.recipient
        for n in Notification.objects.filter(kind=kind).select_related("recipient")
        if n.recipient
    ]


def test_nudge_the_clients_professional_when_the_matchs_is_inactive(
    quiet: Match, world: World
) -> None:
    gone = user_in(world.org_a, Role.PROFESSIONAL, is_active=False)
    world.match.responsible_professional = gone
    world.match.save(update_fields=["responsible_professional"])
    _silent_for(world.match, 42)
    contact_nudges(NOW)
    assert _recipients(NUDGE_PROFESSIONAL_KIND) == [world.professional]


def test_nudge_the_coordinators_when_no_professional_is_active(quiet: Match, world: World) -> None:
    world.match.responsible_professional = None
    world.match.save(update_fields=["responsible_professional"])
    world.professional.is_active = False
    world.professional.save(update_fields=["is_active"])
    _silent_for(world.match, 42)
    with translation.override("en"):
        assert _counts(contact_nudges(NOW)) == (2, 0)
    assert _recipients(NUDGE_PROFESSIONAL_KIND) == [world.coordinator]
    message = Notification.objects.get(kind=NUDGE_PROFESSIONAL_KIND)
    assert "no active responsible professional" in message.body
    assert _counts(contact_nudges(NOW)) == (0, 2)


def test_nudge_other_organisation_untouched(quiet: Match, world: World) -> None:
    _silent_for(world.match, 50)
    result = contact_nudges(NOW)
    assert result.by_organisation == {world.org_a.pk: [2, 0]}
    assert not Notification.objects.filter(recipient__organisation=world.org_b).exists()
    _silent_for(world.foreign_match, 50)
    result = contact_nudges(NOW)
    # B's volunteer has no account: only B's professional is told.
    assert result.by_organisation == {world.org_a.pk: [0, 2], world.org_b.pk: [1, 0]}
    to_b = Notification.objects.filter(recipient__organisation=world.org_b)
    assert {n.subject_id for n in to_b} == {str(world.foreign_match.pk)}


def _silent_matches(world: World, n: int) -> None:
    for _ in range(n):
        volunteer = VolunteerFactory(
            organisation=world.org_a,
            user=UserFactory(organisation=world.org_a, role=Role.VOLUNTEER),
        )
        match = MatchFactory(client=ClientFactory(organisation=world.org_a))
        MatchVolunteer.objects.create(match=match, volunteer=volunteer, is_lead=True)
        _silent_for(match, 50)


def test_nudge_rerun_queries_do_not_grow(quiet: Match, world: World) -> None:
    measured = []
    for size in (3, 30):
        grow = size - Match.objects.filter(contact_reports__happened_on__lt=TODAY - DAY).count()
        _silent_matches(world, grow)
        # The volunteer and the professional of each.
        assert contact_nudges(NOW).sent == 2 * grow
        with CaptureQueriesContext(connection) as queries:
            rerun = contact_nudges(NOW)
        assert _counts(rerun) == (0, 2 * size)
        measured.append(len(queries))
    assert measured[0] == measured[1]
    # The policies and the organisations; per organisation the silent matches, their members
    # and the keys used of each kind (B has no silent match: one query).
    assert measured[0] == 7
