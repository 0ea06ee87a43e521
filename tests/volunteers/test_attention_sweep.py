"""The appreciation sweep, called with a fixed `now`: birthdays (29 February, over New Year),
anniversaries of starting, match milestones, contact-hour milestones and the National
Volunteer Day become personal attention items `attention_lead_days` ahead; only for volunteers
who work with us; never a moment that has passed; once each, also when two sweeps run at once;
a fixed number of queries per organisation; never one organisation's volunteer in another's."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from matching.models import Match, MatchVolunteer
from reclass_volunteers import access
from reclass_volunteers.models import Organisation, ReminderPolicy
from tests.concurrency import race
from tests.conftest import World
from tests.factories import ClientFactory, MatchFactory, OrganisationFactory, VolunteerFactory
from tests.supervision.factories_reports import ContactReportFactory
from volunteers.models import AttentionItem, StatusChange, Volunteer
from volunteers.sweeps_attention import appreciation_moments, day_in_year

AMS = ZoneInfo("Europe/Amsterdam")
Kind = AttentionItem.Kind
S = Volunteer.Status


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages in English, so the assertions hold once the Dutch catalogue is filled in."""
    with translation.override("en"):
        yield


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=AMS)


def items(kind: str | None = None) -> list[tuple[str, str, str, date]]:
    """(first name, kind, occasion, due date) of every item, in a stable order."""
    qs = AttentionItem.objects.select_related("volunteer")
    if kind is not None:
        qs = qs.filter(kind=kind)
    return sorted((i.volunteer.first_name, i.kind, i.occasion, i.due_on) for i in qs)


def volunteer(org: Organisation, first_name: str = "Anna", **fields: Any) -> Volunteer:
    return VolunteerFactory(organisation=org, first_name=first_name, **fields)


def started(v: Volunteer, day: date) -> None:
    StatusChange.objects.create(
        volunteer=v, from_status=S.TRAINING, to_status=S.ACTIVE, at=at(day, 9)
    )


# --- Birthdays -------------------------------------------------------------------------------


def test_a_birthday_appears_lead_days_ahead_with_a_warm_message(world: World) -> None:
    volunteer(world.org_a, date_of_birth=date(1990, 6, 25), last_name="Jansen")
    assert appreciation_moments(at(date(2025, 6, 17))).sent == 0
    result = appreciation_moments(at(date(2025, 6, 18)))
    assert (result.sent, result.skipped) == (1, 0)
    assert items() == [("Anna", Kind.BIRTHDAY, "2025", date(2025, 6, 25))]
    item = AttentionItem.objects.get()
    assert item.organisation == world.org_a
    assert item.status == AttentionItem.Status.OPEN
    assert item.match is None
    assert "Anna Jansen" in item.title and "35" in item.title
    assert item.suggested_message.startswith("Dear Anna,")
    assert "birthday" in item.suggested_message


def test_a_rerun_creates_nothing_and_counts_it_skipped(world: World) -> None:
    volunteer(world.org_a, date_of_birth=date(1990, 6, 25))
    first = appreciation_moments(at(date(2025, 6, 20)))
    again = appreciation_moments(at(date(2025, 6, 20), 10) + timedelta(minutes=15))
    later = appreciation_moments(at(date(2025, 6, 25)))
    assert [(r.sent, r.skipped) for r in (first, again, later)] == [(1, 0), (0, 1), (0, 1)]
    assert first.by_organisation == {world.org_a.pk: [1, 0]}
    assert again.by_organisation == {world.org_a.pk: [0, 1]}
    assert AttentionItem.objects.count() == 1


def test_a_handled_item_is_not_made_again(world: World) -> None:
    volunteer(world.org_a, date_of_birth=date(1990, 6, 25))
    appreciation_moments(at(date(2025, 6, 20)))
    AttentionItem.objects.update(
        status=AttentionItem.Status.SKIPPED, handled_at=at(date(2025, 6, 20))
    )
    assert appreciation_moments(at(date(2025, 6, 21))).sent == 0
    assert AttentionItem.objects.get().status == AttentionItem.Status.SKIPPED


def test_a_birthday_that_has_passed_is_not_created(world: World) -> None:
    """A sweep after a week of downtime does not bring last week's birthday."""
    volunteer(world.org_a, date_of_birth=date(1990, 6, 15))
    assert appreciation_moments(at(date(2025, 6, 20))).sent == 0
    assert items() == []


def test_the_birthday_itself_still_counts(world: World) -> None:
    volunteer(world.org_a, date_of_birth=date(1990, 6, 20))
    appreciation_moments(at(date(2025, 6, 20), 23))
    assert items() == [("Anna", Kind.BIRTHDAY, "2025", date(2025, 6, 20))]


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (date(2025, 2, 25), date(2025, 2, 28)),  # not a leap year: 28 February
        (date(2028, 2, 25), date(2028, 2, 29)),  # a leap year: the day itself
    ],
)
def test_born_on_29_february(world: World, now: date, due: date) -> None:
    volunteer(world.org_a, date_of_birth=date(1992, 2, 29))
    appreciation_moments(at(now))
    assert items() == [("Anna", Kind.BIRTHDAY, str(due.year), due)]


def test_day_in_year_moves_only_29_february() -> None:
    assert day_in_year(date(1992, 2, 29), 2025) == date(2025, 2, 28)
    assert day_in_year(date(1992, 2, 29), 2024) == date(2024, 2, 29)
    assert day_in_year(date(1992, 3, 1), 2025) == date(2025, 3, 1)


def test_a_window_over_new_year(world: World) -> None:
    volunteer(world.org_a, "Nina", date_of_birth=date(1990, 1, 2))
    volunteer(world.org_a, "Oscar", date_of_birth=date(1990, 12, 31))
    volunteer(world.org_a, "Piet", date_of_birth=date(1990, 12, 28))
    appreciation_moments(at(date(2025, 12, 29)))
    assert items(Kind.BIRTHDAY) == [
        ("Nina", Kind.BIRTHDAY, "2026", date(2026, 1, 2)),
        ("Oscar", Kind.BIRTHDAY, "2025", date(2025, 12, 31)),
    ]
    # On New Year's Day the next birthday is next year's, made once.
    appreciation_moments(at(date(2026, 1, 1)))
    assert [o for n, _k, o, _d in items(Kind.BIRTHDAY) if n == "Nina"] == ["2026"]


def test_lead_days_follow_the_organisations_policy(world: World) -> None:
    ReminderPolicy.objects.create(organisation=world.org_a, attention_lead_days=2)
    volunteer(world.org_a, "Anna", date_of_birth=date(1990, 6, 25))
    volunteer(world.org_b, "Bram", date_of_birth=date(1990, 6, 25))
    appreciation_moments(at(date(2025, 6, 20)))
    # B keeps the default of 7 days; A sees it two days ahead.
    assert items() == [("Bram", Kind.BIRTHDAY, "2025", date(2025, 6, 25))]
    appreciation_moments(at(date(2025, 6, 23)))
    assert [name for name, *_rest in items()] == ["Anna", "Bram"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (S.ACTIVE, 1),
        (S.PAUSED, 1),
        (S.FAREWELL, 0),
        (S.REJECTED, 0),
        (S.APPLIED, 0),
        (S.TRAINING, 0),
    ],
)
def test_only_working_volunteers(world: World, status: str, expected: int) -> None:
    extra = {"rejection_reason": "Past niet"} if status == S.REJECTED else {}
    volunteer(world.org_a, date_of_birth=date(1990, 6, 25), status=status, **extra)
    assert appreciation_moments(at(date(2025, 6, 20))).sent == expected


# --- Anniversaries ---------------------------------------------------------------------------


def test_anniversary_from_the_first_day_as_active(world: World) -> None:
    anna = volunteer(world.org_a)
    StatusChange.objects.create(volunteer=anna, to_status=S.APPLIED, at=at(date(2024, 3, 1)))
    started(anna, date(2024, 6, 23))
    # A pause and a return later do not move the anniversary.
    StatusChange.objects.create(
        volunteer=anna, from_status=S.ACTIVE, to_status=S.PAUSED, at=at(date(2024, 10, 1))
    )
    started(anna, date(2025, 1, 5))
    appreciation_moments(at(date(2025, 6, 20)))
    assert items() == [("Anna", Kind.ANNIVERSARY, "1y", date(2025, 6, 23))]
    item = AttentionItem.objects.get()
    assert item.suggested_message.startswith(
        "Dear Anna, today it is a year since you started with us."
    )


@pytest.mark.parametrize("years", [2, 5, 10])
def test_later_anniversaries(world: World, years: int) -> None:
    started(volunteer(world.org_a), date(2025 - years, 6, 22))
    appreciation_moments(at(date(2025, 6, 20)))
    assert items() == [("Anna", Kind.ANNIVERSARY, f"{years}y", date(2025, 6, 22))]
    assert f"{years} years since you started" in AttentionItem.objects.get().suggested_message


@pytest.mark.parametrize("years", [3, 4, 7])
def test_no_item_for_other_years(world: World, years: int) -> None:
    started(volunteer(world.org_a), date(2025 - years, 6, 22))
    assert appreciation_moments(at(date(2025, 6, 20))).sent == 0


def test_no_anniversary_without_ever_being_active(world: World) -> None:
    anna = volunteer(world.org_a, status=S.PAUSED)
    StatusChange.objects.create(volunteer=anna, to_status=S.TRAINING, at=at(date(2024, 6, 22)))
    assert appreciation_moments(at(date(2025, 6, 20))).sent == 0


# --- Match milestones ------------------------------------------------------------------------


def _match(org: Organisation, started_on: date, *members: Volunteer, **fields: Any) -> Match:
    match = MatchFactory(client=ClientFactory(organisation=org), started_on=started_on, **fields)
    for index, member in enumerate(members):
        MatchVolunteer.objects.create(match=match, volunteer=member, is_lead=index == 0)
    return match


@pytest.mark.parametrize(
    ("started_on", "months"),
    [(date(2025, 3, 22), 3), (date(2024, 12, 22), 6), (date(2024, 6, 22), 12)],
)
def test_match_milestones(world: World, started_on: date, months: int) -> None:
    match = _match(world.org_a, started_on, volunteer(world.org_a))
    appreciation_moments(at(date(2025, 6, 20)))
    assert items() == [("Anna", Kind.MATCH_MILESTONE, f"{match.pk}:{months}m", date(2025, 6, 22))]
    assert AttentionItem.objects.get().match == match


def test_a_circle_gives_one_item_per_working_volunteer(world: World) -> None:
    members = [
        volunteer(world.org_a, "Anna"),
        volunteer(world.org_a, "Bert", status=S.PAUSED),
        volunteer(world.org_a, "Cees"),
    ]
    match = _match(world.org_a, date(2025, 3, 22), *members, kind=Match.Kind.CIRCLE)
    Volunteer.objects.filter(pk=members[2].pk).update(status=S.FAREWELL)
    appreciation_moments(at(date(2025, 6, 20)))
    assert [(name, occasion) for name, _k, occasion, _d in items()] == [
        ("Anna", f"{match.pk}:3m"),
        ("Bert", f"{match.pk}:3m"),
    ]


@pytest.mark.parametrize("status", [Match.Status.PROPOSED, Match.Status.INTRODUCTION])
def test_only_running_matches(world: World, status: str) -> None:
    _match(world.org_a, date(2025, 3, 22), volunteer(world.org_a), status=status)
    assert appreciation_moments(at(date(2025, 6, 20))).sent == 0


def test_no_milestone_of_an_ended_match(world: World) -> None:
    _match(
        world.org_a,
        date(2025, 3, 22),
        volunteer(world.org_a),
        status=Match.Status.ENDED,
        ended_on=date(2025, 5, 1),
        end_reason=Match.EndReason.GOALS_REACHED,
    )
    assert appreciation_moments(at(date(2025, 6, 20))).sent == 0


def test_two_matches_each_have_their_milestone(world: World) -> None:
    anna = volunteer(world.org_a, max_matches=2)
    first = _match(world.org_a, date(2025, 3, 22), anna)
    second = _match(world.org_a, date(2024, 12, 23), anna)
    appreciation_moments(at(date(2025, 6, 20)))
    assert sorted(o for _n, _k, o, _d in items()) == sorted([f"{first.pk}:3m", f"{second.pk}:6m"])


# --- Contact hours ---------------------------------------------------------------------------


def _report_hours(v: Volunteer, match: Match, hours: int) -> None:
    while hours > 0:
        chunk = min(hours, 24)
        ContactReportFactory(match=match, volunteer=v, duration_minutes=chunk * 60)
        hours -= chunk


def test_contact_hours_only_the_highest_threshold_due_today(world: World) -> None:
    anna = volunteer(world.org_a)
    match = _match(world.org_a, date(2020, 1, 8), anna)
    _report_hours(anna, match, 120)
    appreciation_moments(at(date(2025, 6, 20)))
    # 25, 50 and 100 hours were all passed: one item, not three.
    assert items() == [("Anna", Kind.CONTACT_HOURS, "100h", date(2025, 6, 20))]
    assert "100 hours" in AttentionItem.objects.get().suggested_message
    _report_hours(anna, match, 100)
    assert appreciation_moments(at(date(2025, 7, 1))).sent == 0
    _report_hours(anna, match, 40)
    appreciation_moments(at(date(2025, 7, 2)))
    assert items() == [
        ("Anna", Kind.CONTACT_HOURS, "100h", date(2025, 6, 20)),
        ("Anna", Kind.CONTACT_HOURS, "250h", date(2025, 7, 2)),
    ]


def test_contact_hours_below_the_first_threshold(world: World) -> None:
    anna = volunteer(world.org_a)
    match = _match(world.org_a, date(2020, 1, 8), anna)
    ContactReportFactory(match=match, volunteer=anna, duration_minutes=24 * 60)
    ContactReportFactory(match=match, volunteer=anna, duration_minutes=59)  # 24 h 59 min
    assert appreciation_moments(at(date(2025, 6, 20))).sent == 0


def test_contact_hours_of_a_paused_volunteer_count_but_not_of_one_who_left(
    world: World,
) -> None:
    bert = volunteer(world.org_a, "Bert")
    cees = volunteer(world.org_a, "Cees")
    match = _match(world.org_a, date(2020, 1, 8), bert, cees, kind=Match.Kind.CIRCLE)
    _report_hours(bert, match, 30)
    _report_hours(cees, match, 30)
    Volunteer.objects.filter(pk=bert.pk).update(status=S.PAUSED)
    Volunteer.objects.filter(pk=cees.pk).update(status=S.FAREWELL)
    appreciation_moments(at(date(2025, 6, 20)))
    assert items() == [("Bert", Kind.CONTACT_HOURS, "25h", date(2025, 6, 20))]


# --- National Volunteer Day ------------------------------------------------------------------


def test_national_volunteer_day_for_every_active_volunteer(world: World) -> None:
    Volunteer.objects.filter(pk=world.volunteer.pk).update(first_name="Vera")
    Volunteer.objects.filter(pk=world.foreign_volunteer.pk).update(first_name="Bo")
    volunteer(world.org_a, "Bert", status=S.PAUSED)
    volunteer(world.org_a, "Cees", status=S.FAREWELL)
    assert appreciation_moments(at(date(2025, 11, 29))).sent == 0
    result = appreciation_moments(at(date(2025, 11, 30)))
    assert items(Kind.VOLUNTEER_DAY) == [
        ("Bo", Kind.VOLUNTEER_DAY, "2025", date(2025, 12, 7)),
        ("Vera", Kind.VOLUNTEER_DAY, "2025", date(2025, 12, 7)),
    ]
    assert result.by_organisation == {world.org_a.pk: [1, 0], world.org_b.pk: [1, 0]}
    vera = AttentionItem.objects.get(volunteer=world.volunteer)
    assert vera.suggested_message.startswith("Dear Vera, today is National Volunteer Day.")
    assert appreciation_moments(at(date(2025, 12, 7))).sent == 0
    assert appreciation_moments(at(date(2025, 12, 8))).skipped == 0


# --- Organisations and queries ---------------------------------------------------------------


def test_another_organisations_volunteers_never_in_this_organisations_items(
    world: World,
) -> None:
    volunteer(world.org_a, "Anna", date_of_birth=date(1990, 6, 25))
    volunteer(world.org_b, "Bram", date_of_birth=date(1990, 6, 25))
    started(volunteer(world.org_b, "Bo"), date(2024, 6, 22))
    foreign_match = _match(world.org_b, date(2025, 3, 22), volunteer(world.org_b, "Britt"))
    appreciation_moments(at(date(2025, 6, 20)))
    assert AttentionItem.objects.filter(organisation=world.org_a).count() == 1
    for item in AttentionItem.objects.select_related("volunteer", "match"):
        assert item.volunteer.organisation_id == item.organisation_id
        if item.match is not None:
            assert item.match.organisation_id == item.organisation_id
    mine = access.attention_items_visible_to(world.coordinator)
    assert [i.volunteer.first_name for i in mine] == ["Anna"]
    theirs = access.attention_items_visible_to(world.outsider)
    assert {i.volunteer.first_name for i in theirs} == {"Bram", "Bo", "Britt"}
    assert theirs.get(kind=Kind.MATCH_MILESTONE).match == foreign_match


def _crowd(org: Organisation, n: int) -> None:
    """n volunteers with each kind of moment due."""
    for index in range(n):
        v = volunteer(org, f"V{index:02d}", date_of_birth=date(1980 + index % 20, 6, 24))
        started(v, date(2024, 6, 23))
        match = _match(org, date(2025, 3, 22), v)
        ContactReportFactory(match=match, volunteer=v, duration_minutes=24 * 60)
        ContactReportFactory(match=match, volunteer=v, duration_minutes=2 * 60)


@pytest.mark.parametrize("size", [3, 30])
def test_rerun_queries_do_not_grow_per_volunteer(world: World, size: int) -> None:
    _crowd(world.org_a, size)
    _crowd(OrganisationFactory(), 2)
    first = appreciation_moments(at(date(2025, 6, 20)))
    # Per volunteer: birthday, anniversary, match milestone, 25 contact hours.
    assert first.by_organisation[world.org_a.pk] == [4 * size, 0]
    with CaptureQueriesContext(connection) as rerun:
        again = appreciation_moments(at(date(2025, 6, 20), 11))
    assert again.by_organisation[world.org_a.pk] == [0, 3 * size]
    assert again.sent == 0
    # Two to start (policies, organisations); per organisation (three of them) a savepoint,
    # the organisation's lock, three reads and the savepoint's release.
    assert len(rerun.captured_queries) == 2 + 6 * 3


@pytest.mark.parametrize("size", [3, 30])
def test_first_run_queries_do_not_grow_per_volunteer(
    world: World, size: int, django_assert_num_queries: Callable[..., Any]
) -> None:
    _crowd(world.org_a, size)
    with django_assert_num_queries(2 + 6 * 2 + 1):
        result = appreciation_moments(at(date(2025, 6, 20)))
    assert result.sent == 4 * size


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_create_each_item_once() -> None:
    org = OrganisationFactory()
    for index in range(5):
        started(volunteer(org, f"V{index}", date_of_birth=date(1990, 6, 24)), date(2024, 6, 22))

    results, errors = race([1, 2, 3], lambda _n: appreciation_moments(at(date(2025, 6, 20))))

    assert errors == []
    assert AttentionItem.objects.count() == 10
    assert sum(r.sent + r.skipped for r in results) == 30
