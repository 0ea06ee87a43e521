"""The well-being check-in sweep, called with a fixed `now`: one interval after the match
started the volunteer of a flagged client gets a check-in and a message; later periods follow
the anchor, a late sweep opens only the latest period, the interval and the risk factors come
from the organisation's policy; ended matches, paused volunteers and closed accounts get
nothing; a rerun sends nothing and costs the same queries at 3 and 30 volunteers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matching.models import Match
from reclass_volunteers.models import Notification, ReminderPolicy, Role
from reclass_volunteers.sweeps import run_sweeps
from supervision.models import WellbeingCheckIn
from supervision.sweeps_wellbeing import WELLBEING_KIND, wellbeing_checkins
from supervision.wellbeing import due_date
from tests.conftest import World
from tests.factories import ClientFactory, UserFactory, VolunteerFactory, match_with
from tests.supervision.factories_signals import user_in
from tests.supervision.factories_wellbeing import answered_for
from volunteers.models import Volunteer

AMS = ZoneInfo("Europe/Amsterdam")
STARTED = date(2025, 1, 6)
WEEK = timedelta(weeks=1)


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=AMS)


def _checkins() -> list[tuple[str, date]]:
    return sorted(
        (c.volunteer.full_name, c.due_on)
        for c in WellbeingCheckIn.objects.select_related("volunteer")
    )


@pytest.fixture
def flagged(world: World) -> World:
    """The personas' volunteer supports a client with a sex offence since STARTED."""
    world.client.risk_flags = ["sex_offence"]
    world.client.save()
    Match.objects.filter(pk=world.match.pk).update(started_on=STARTED)
    return world


def _flagged_volunteer(world: World, started: date = STARTED, **fields: Any) -> Volunteer:
    user = UserFactory(organisation=world.org_a, role=Role.VOLUNTEER)
    volunteer = VolunteerFactory(organisation=world.org_a, user=user, **fields)
    client = ClientFactory(
        organisation=world.org_a,
        responsible_professional=world.professional,
        risk_flags=["sex_offence"],
    )
    match = match_with(volunteer, client)
    Match.objects.filter(pk=match.pk).update(started_on=started)
    return volunteer


# --- The periods -----------------------------------------------------------------------------


def test_due_dates_are_whole_intervals_after_the_anchor() -> None:
    six = 6 * WEEK
    assert due_date(anchor=STARTED, today=STARTED, interval=six) is None
    assert due_date(anchor=STARTED, today=STARTED + six - timedelta(days=1), interval=six) is None
    assert due_date(anchor=STARTED, today=STARTED + six, interval=six) == STARTED + six
    assert due_date(anchor=STARTED, today=STARTED + 2 * six - timedelta(days=1), interval=six) == (
        STARTED + six
    )
    assert due_date(anchor=STARTED, today=STARTED + 20 * WEEK, interval=six) == STARTED + 18 * WEEK


def test_nothing_before_the_first_interval(flagged: World) -> None:
    result = wellbeing_checkins(at(STARTED + 6 * WEEK - timedelta(days=1), 23))
    assert (result.sent, result.skipped) == (0, 0)
    assert not WellbeingCheckIn.objects.exists()


def test_first_check_in_one_interval_after_the_start(flagged: World) -> None:
    result = wellbeing_checkins(at(STARTED + 6 * WEEK, 8))

    assert (result.sent, result.skipped) == (1, 0)
    assert result.by_organisation == {flagged.org_a.pk: [1, 0]}
    checkin = WellbeingCheckIn.objects.get()
    assert (checkin.volunteer, checkin.organisation, checkin.due_on) == (
        flagged.volunteer,
        flagged.org_a,
        STARTED + 6 * WEEK,
    )
    assert checkin.answered_at is None
    message = Notification.objects.get(kind=WELLBEING_KIND)
    assert message.recipient == flagged.volunteer_user
    assert (message.subject_id, message.occasion) == (str(checkin.pk), "")
    assert message.url == reverse("supervision:wellbeing_answer", kwargs={"pk": checkin.pk})
    assert message.title


def test_a_rerun_sends_nothing_and_opens_nothing(flagged: World) -> None:
    wellbeing_checkins(at(STARTED + 6 * WEEK))
    again = wellbeing_checkins(at(STARTED + 6 * WEEK, 16))
    later = wellbeing_checkins(at(STARTED + 8 * WEEK))
    assert [(r.sent, r.skipped) for r in (again, later)] == [(0, 1), (0, 1)]
    assert WellbeingCheckIn.objects.count() == 1
    assert Notification.objects.filter(kind=WELLBEING_KIND).count() == 1


def test_the_next_period_opens_the_next_check_in(flagged: World) -> None:
    wellbeing_checkins(at(STARTED + 6 * WEEK))
    result = wellbeing_checkins(at(STARTED + 12 * WEEK))
    assert (result.sent, result.skipped) == (1, 0)
    name = flagged.volunteer.full_name
    assert _checkins() == [(name, STARTED + 6 * WEEK), (name, STARTED + 12 * WEEK)]


def test_a_late_sweep_opens_only_the_latest_period(flagged: World) -> None:
    result = wellbeing_checkins(at(STARTED + 20 * WEEK))
    assert result.sent == 1
    assert _checkins() == [(flagged.volunteer.full_name, STARTED + 18 * WEEK)]


def test_an_answered_check_in_is_not_asked_again(flagged: World) -> None:
    answered_for(flagged.volunteer, due_on=STARTED + 6 * WEEK)
    result = wellbeing_checkins(at(STARTED + 6 * WEEK))
    assert (result.sent, result.skipped) == (0, 0)
    assert WellbeingCheckIn.objects.count() == 1
    assert not Notification.objects.filter(kind=WELLBEING_KIND).exists()


def test_the_interval_follows_the_organisation(flagged: World) -> None:
    ReminderPolicy.objects.create(organisation=flagged.org_a, wellbeing_interval_weeks=2)
    assert wellbeing_checkins(at(STARTED + 2 * WEEK - timedelta(days=1))).sent == 0
    assert wellbeing_checkins(at(STARTED + 2 * WEEK)).sent == 1
    assert wellbeing_checkins(at(STARTED + 5 * WEEK)).sent == 1
    name = flagged.volunteer.full_name
    assert _checkins() == [(name, STARTED + 2 * WEEK), (name, STARTED + 4 * WEEK)]


@pytest.mark.parametrize(
    ("client_flags", "policy_flags", "asked"),
    [
        (["sex_offence"], None, True),  # the default policy
        (["violence"], None, False),
        (["violence", "addiction"], ["addiction"], True),
        (["sex_offence"], ["violence"], False),
        (["sex_offence"], [], False),  # no flags: nobody
        ([], ["sex_offence"], False),
    ],
)
def test_the_risk_factors_follow_the_organisation(
    world: World, client_flags: list[str], policy_flags: list[str] | None, asked: bool
) -> None:
    world.client.risk_flags = client_flags
    world.client.save()
    Match.objects.filter(pk=world.match.pk).update(started_on=STARTED)
    if policy_flags is not None:
        ReminderPolicy.objects.create(organisation=world.org_a, wellbeing_risk_flags=policy_flags)
    assert wellbeing_checkins(at(STARTED + 6 * WEEK)).sent == int(asked)
    assert WellbeingCheckIn.objects.exists() == asked


def test_a_flag_is_matched_whole_not_as_part_of_another(world: World) -> None:
    world.client.risk_flags = ["other"]
    world.client.save()
    Match.objects.filter(pk=world.match.pk).update(started_on=STARTED)
    ReminderPolicy.objects.create(organisation=world.org_a, wellbeing_risk_flags=["othe"])
    assert wellbeing_checkins(at(STARTED + 6 * WEEK)).sent == 0


def test_the_anchor_is_the_earliest_flagged_active_match(flagged: World) -> None:
    later_client = ClientFactory(organisation=flagged.org_a, risk_flags=["sex_offence"])
    later = match_with(flagged.volunteer, later_client)
    Match.objects.filter(pk=later.pk).update(started_on=STARTED + 2 * WEEK)
    # An earlier match with an unflagged client does not move the anchor.
    plain = match_with(flagged.volunteer, ClientFactory(organisation=flagged.org_a))
    Match.objects.filter(pk=plain.pk).update(started_on=STARTED - 10 * WEEK)
    wellbeing_checkins(at(STARTED + 7 * WEEK))
    assert _checkins() == [(flagged.volunteer.full_name, STARTED + 6 * WEEK)]


@pytest.mark.parametrize("status", [Match.Status.ENDED, Match.Status.PROPOSED])
def test_not_for_a_match_that_is_not_active(flagged: World, status: str) -> None:
    fields: dict[str, Any] = {"status": status}
    if status == Match.Status.ENDED:
        fields |= {"ended_on": STARTED + 5 * WEEK, "end_reason": Match.EndReason.GOALS_REACHED}
    Match.objects.filter(pk=flagged.match.pk).update(**fields)
    assert wellbeing_checkins(at(STARTED + 6 * WEEK)).sent == 0
    assert not WellbeingCheckIn.objects.exists()


@pytest.mark.parametrize("status", [Volunteer.Status.PAUSED, Volunteer.Status.FAREWELL])
def test_not_for_a_volunteer_who_is_not_active(flagged: World, status: str) -> None:
    Volunteer.objects.filter(pk=flagged.volunteer.pk).update(status=status)
    assert wellbeing_checkins(at(STARTED + 6 * WEEK)).sent == 0
    assert not WellbeingCheckIn.objects.exists()


def test_not_without_an_active_account(flagged: World) -> None:
    flagged.volunteer_user.is_active = False
    flagged.volunteer_user.save()
    no_account = VolunteerFactory(organisation=flagged.org_a, user=None)
    match = match_with(
        no_account, ClientFactory(organisation=flagged.org_a, risk_flags=["sex_offence"])
    )
    Match.objects.filter(pk=match.pk).update(started_on=STARTED)
    assert wellbeing_checkins(at(STARTED + 6 * WEEK)).sent == 0
    assert not WellbeingCheckIn.objects.exists()


def test_counts_per_organisation(flagged: World) -> None:
    flagged.foreign_client.risk_flags = ["sex_offence"]
    flagged.foreign_client.save()
    flagged.foreign_volunteer.user = user_in(flagged.org_b, Role.VOLUNTEER)
    flagged.foreign_volunteer.save()
    Match.objects.filter(pk=flagged.foreign_match.pk).update(started_on=STARTED + WEEK)
    ReminderPolicy.objects.create(organisation=flagged.org_b, wellbeing_interval_weeks=4)

    result = wellbeing_checkins(at(STARTED + 6 * WEEK))

    assert result.by_organisation == {flagged.org_a.pk: [1, 0], flagged.org_b.pk: [1, 0]}
    foreign = WellbeingCheckIn.objects.get(organisation=flagged.org_b)
    assert (foreign.volunteer, foreign.due_on) == (flagged.foreign_volunteer, STARTED + 5 * WEEK)


def test_registered_and_recorded_by_run_sweeps(flagged: World) -> None:
    (run,) = run_sweeps(["wellbeing_checkins"], now=at(STARTED + 6 * WEEK))
    assert (run.sent, run.skipped, run.error) == (1, 0, "")
    assert run.counts == {str(flagged.org_a.pk): {"sent": 1, "skipped": 0}}


def _rerun_queries(now: datetime, expect: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        again = wellbeing_checkins(now)
    assert (again.sent, again.skipped) == (0, expect)
    return len(queries)


def test_rerun_queries_are_equal_at_3_and_30_volunteers(world: World) -> None:
    now = at(STARTED + 6 * WEEK)
    for _ in range(3):
        _flagged_volunteer(world)
    assert wellbeing_checkins(now).sent == 3
    at_3 = _rerun_queries(now, 3)
    for _ in range(27):
        _flagged_volunteer(world)
    assert wellbeing_checkins(now).sent == 27
    at_30 = _rerun_queries(now, 30)
    # Policies and organisations once; organisation A: its candidates, the check-ins of their
    # periods and the messages already sent, inside a savepoint (2 statements); organisation
    # B: its candidates (none).
    assert at_3 == at_30 == 8


def test_first_run_costs_only_the_outbox_per_new_message(world: World) -> None:
    counts = []
    for size in (3, 6):
        WellbeingCheckIn.objects.all().delete()
        Notification.objects.all().delete()
        for _ in range(3):
            _flagged_volunteer(world)
        with CaptureQueriesContext(connection) as queries:
            assert wellbeing_checkins(at(STARTED + 6 * WEEK)).sent == size
        counts.append(len(queries))
    per_message = (counts[1] - counts[0]) // 3
    assert counts[0] - 3 * per_message == counts[1] - 6 * per_message
    # notify(): its key and a savepoint around the insert; the quiet hours' policy is read
    # once per organisation, not per message.
    assert per_message == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_open_and_send_once() -> None:
    from tests.concurrency import race
    from tests.factories import OrganisationFactory

    organisation = OrganisationFactory()
    volunteers = []
    for _ in range(5):
        user = UserFactory(organisation=organisation, role=Role.VOLUNTEER)
        volunteer = VolunteerFactory(organisation=organisation, user=user)
        match = match_with(
            volunteer, ClientFactory(organisation=organisation, risk_flags=["sex_offence"])
        )
        Match.objects.filter(pk=match.pk).update(started_on=STARTED)
        volunteers.append(volunteer)
    now = at(STARTED + 6 * WEEK)

    results, errors = race([now, now, now], wellbeing_checkins)

    assert not errors
    assert sum(r.sent for r in results) == 5
    assert WellbeingCheckIn.objects.count() == 5
    assert Notification.objects.filter(kind=WELLBEING_KIND).count() == 5
