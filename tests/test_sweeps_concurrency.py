"""Every sweep at once, twice at the same moment, against PostgreSQL (issue 6: "two beat
processes by mistake send nothing twice").

An organisation is seeded so that EVERY sweep has something to do at NOW: a training session
and an intervision session tomorrow, a certificate of conduct expiring in 14 days, overdue
supervision, an active match without contact for 50 days, a birthday within the week, and a
match with a client flagged for a sex offence (well-being check-ins). Then:

- a reference organisation, seeded the same, is swept once sequentially: what one run makes;
- a second organisation is swept by two `run_sweeps` in two threads at once: each message or
  item exists once, it has as many as the sequential run made, and the two runs together count
  exactly the rows that were created (nobody counts a row the other one made);
- a third, sequential run sends nothing at all;
- every sweep registered at run time made something in the concurrent runs, so a sweep added
  later without seed data here (or without a way to count its rows in ROWS) fails this test.

And: a sweep that catches up after a day of downtime sends nothing for moments that passed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.db.models import Count

import supervision.sweeps
import supervision.sweeps_guidance
import volunteers.sweeps
from matching.models import Match, MatchVolunteer
from reclass_volunteers import sweeps
from reclass_volunteers.models import Notification, Organisation, Role, SweepRun, User
from supervision.models import WellbeingCheckIn
from tests.concurrency import race
from tests.factories import (
    ClientFactory,
    MatchFactory,
    OrganisationFactory,
    UserFactory,
    VolunteerFactory,
)
from tests.supervision.factories_guidance import (
    IntervisionGroupFactory,
    IntervisionInvitationFactory,
    IntervisionSessionFactory,
    SupervisionNoteFactory,
)
from tests.supervision.factories_reports import ContactReportFactory
from tests.volunteers.factories_pipeline import CertificateFactory
from tests.volunteers.factories_training import CourseFactory, EnrolmentFactory, SessionFactory
from volunteers.models import AttentionItem, Enrolment, StatusChange, Volunteer

AMS = ZoneInfo("Europe/Amsterdam")
DAY = timedelta(days=1)
TODAY = date(2025, 6, 18)  # a Wednesday, far from the National Volunteer Day
NOW = datetime.combine(TODAY, time(10, 0), tzinfo=AMS)


def _user(organisation: Organisation, role: str, name: str) -> User:
    user = UserFactory(organisation=organisation, role=role, full_name=name)
    assert isinstance(user, User)
    return user


def _volunteer(organisation: Organisation, name: str, **fields: object) -> Volunteer:
    first, last = name.split()
    volunteer = VolunteerFactory(
        organisation=organisation,
        user=_user(organisation, Role.VOLUNTEER, name),
        first_name=first,
        last_name=last,
        **fields,
    )
    assert isinstance(volunteer, Volunteer)
    return volunteer


def _match(volunteer: Volunteer, professional: User, started_on: date, **client: object) -> Match:
    match = MatchFactory(
        client=ClientFactory(
            organisation=volunteer.organisation, responsible_professional=professional, **client
        ),
        started_on=started_on,
    )
    MatchVolunteer.objects.create(match=match, volunteer=volunteer, is_lead=True)
    assert isinstance(match, Match)
    return match


def _seed(name: str) -> Organisation:
    """An organisation where every sweep is due at NOW, once per kind of moment."""
    organisation = OrganisationFactory(name=name)
    assert isinstance(organisation, Organisation)
    _user(organisation, Role.COORDINATOR, f"Coördinator {name}")
    professional = _user(organisation, Role.PROFESSIONAL, f"Professional {name}")
    volunteer = _volunteer(
        organisation,
        "Vera Vrijwilliger",
        supervisor=professional,
        date_of_birth=date(1985, 6, 21),  # birthday in three days: appreciation_moments
        # Supervision every four weeks, last note in April: supervision_overdue.
        supervision_interval_weeks=4,
        status_changed_at=datetime(2025, 1, 6, 9, 0, tzinfo=AMS),
    )
    SupervisionNoteFactory(volunteer=volunteer, author=professional, held_on=date(2025, 4, 10))
    # A training session and an intervision session tomorrow: session_reminders,
    # intervision_reminders.
    EnrolmentFactory(
        session=SessionFactory(
            course=CourseFactory(organisation=organisation), starts_at=NOW + 20 * timedelta(hours=1)
        ),
        volunteer=volunteer,
    )
    IntervisionInvitationFactory(
        session=IntervisionSessionFactory(
            group=IntervisionGroupFactory(organisation=organisation, facilitator=professional),
            starts_at=NOW + 20 * timedelta(hours=1),
        ),
        volunteer=volunteer,
    )
    # Renewed every three years, so it expires on 2 July 2025: expiry_warnings (14 days).
    CertificateFactory(
        volunteer=volunteer, requested_on=date(2022, 6, 20), issued_on=date(2022, 7, 2)
    )
    # An active match with its last contact 50 days ago: contact_nudges (volunteer and
    # professional). Started 400 days ago, so no match milestone falls in this week.
    silent = _match(volunteer, professional, TODAY - 400 * DAY)
    ContactReportFactory(match=silent, volunteer=volunteer, happened_on=TODAY - 50 * DAY)
    # A client flagged for a sex offence, matched 100 days ago, contact last week:
    # wellbeing_checkins (every six weeks after the start; no match milestone this week).
    flagged = _match(
        volunteer, professional, TODAY - 100 * DAY, risk_flags=["sex_offence"], first_name="Kees"
    )
    ContactReportFactory(match=flagged, volunteer=volunteer, happened_on=TODAY - 7 * DAY)
    return organisation


def _notifications(*kinds: str) -> Callable[[Organisation], int]:
    def count(organisation: Organisation) -> int:
        return Notification.objects.filter(
            kind__in=kinds, recipient__organisation=organisation
        ).count()

    return count


# How to count what each sweep creates for one organisation. A sweep missing here fails the
# test: say what its rows are when you add one.
ROWS: dict[str, Callable[[Organisation], int]] = {
    "session_reminders": _notifications(volunteers.sweeps.SESSION_KIND),
    "intervision_reminders": _notifications(supervision.sweeps.INTERVISION_KIND),
    "expiry_warnings": _notifications(
        volunteers.sweeps.CERTIFICATE_KIND, volunteers.sweeps.TRAINING_KIND
    ),
    "supervision_overdue": _notifications(supervision.sweeps_guidance.OVERDUE_KIND),
    "contact_nudges": _notifications(
        supervision.sweeps_guidance.NUDGE_VOLUNTEER_KIND,
        supervision.sweeps_guidance.NUDGE_PROFESSIONAL_KIND,
    ),
    "appreciation_moments": lambda org: AttentionItem.objects.filter(organisation=org).count(),
    # Its count is the invitations to the check-ins (one per check-in opened).
    "wellbeing_checkins": _notifications("wellbeing.checkin"),
}
# What one sequential run makes in a seeded organisation, for the sweeps whose rules this
# file knows; the others are compared with the reference organisation only.
EXPECTED = {
    "session_reminders": 1,
    "intervision_reminders": 1,
    "expiry_warnings": 2,  # the volunteer and the coordinator
    "supervision_overdue": 1,
    "contact_nudges": 2,  # the volunteer and the professional
}


def _by_name(runs: list[SweepRun]) -> dict[str, SweepRun]:
    for run in runs:
        run.refresh_from_db()
        assert run.error == "", f"{run.name} failed: {run.error}"
        assert run.finished_at is not None
    return {run.name: run for run in runs}


def _sent_for(run: SweepRun, organisation: Organisation) -> int:
    return int(run.counts.get(str(organisation.pk), {}).get("sent", 0))


def _assert_no_key_twice() -> None:
    twice = (
        Notification.objects.values(
            "kind", "recipient_key", "subject_type", "subject_id", "occasion"
        )
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert list(twice) == []
    assert (
        not AttentionItem.objects.values("volunteer", "kind", "occasion")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert (
        not WellbeingCheckIn.objects.values("volunteer", "due_on")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )


def _rows(name: str, organisations: list[Organisation]) -> int:
    return sum(ROWS[name](organisation) for organisation in organisations)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_rounds_of_every_sweep_create_everything_once() -> None:
    # On an empty database nothing is due; the run also imports whatever the sweeps import
    # (the URLs), so every sweep module is registered before the registry is read.
    empty = _by_name(sweeps.run_sweeps(now=NOW))
    assert {run.sent + run.skipped for run in empty.values()} == {0}
    registered = sorted(sweeps.REGISTRY)
    assert set(EXPECTED) <= set(registered)
    unknown = set(registered) - set(ROWS)
    assert not unknown, f"Add seed data and a row count to ROWS for: {sorted(unknown)}"

    for round_ in range(3):
        # What one run makes, on a reference organisation seeded the same way.
        reference = _seed(f"Referentie {round_}")
        sequential = _by_name(sweeps.run_sweeps(now=NOW))
        assert sorted(sequential) == registered
        made = {name: ROWS[name](reference) for name in registered}
        for name in registered:
            assert _sent_for(sequential[name], reference) == made[name], name
            assert sequential[name].sent == made[name], name  # earlier rounds: nothing new
        for name, count in EXPECTED.items():
            assert made[name] == count, name

        # Two full rounds at the same moment on an identical organisation.
        raced = _seed(f"Gelijktijdig {round_}")
        everyone = list(Organisation.objects.all())
        before = {name: _rows(name, everyone) for name in registered}
        results, errors = race([NOW, NOW], lambda now: sweeps.run_sweeps(now=now))
        assert errors == []
        assert len(results) == 2
        first, second = (_by_name(runs) for runs in results)
        assert sorted(first) == sorted(second) == registered
        _assert_no_key_twice()
        for name in registered:
            created = ROWS[name](raced)
            assert created == made[name], f"{name}: {created} made concurrently, {made[name]} alone"
            assert created > 0, f"{name} made nothing: seed data for it is missing"
            # No double counting: together the two runs claim exactly the new rows.
            together = first[name].sent + second[name].sent
            assert together == _rows(name, everyone) - before[name], name
            assert _sent_for(first[name], raced) + _sent_for(second[name], raced) == created, name
            assert _sent_for(first[name], reference) + _sent_for(second[name], reference) == 0

        # A third run, after both, sends nothing anywhere.
        third = _by_name(sweeps.run_sweeps(now=NOW))
        assert {name: run.sent for name, run in third.items()} == dict.fromkeys(registered, 0)
        assert all(run.skipped > 0 for run in third.values())


# --- Catching up after downtime ---------------------------------------------------------------

CATCH_UP_DAY = date(2025, 12, 8)  # the day after the National Volunteer Day
YESTERDAY = CATCH_UP_DAY - DAY
CATCH_UP = datetime.combine(CATCH_UP_DAY, time(10, 0), tzinfo=AMS)


def _seed_passed_moments() -> Organisation:
    """An organisation whose moments were all yesterday, when no sweep ran: a session and an
    intervision session yesterday evening, a certificate and a training that expired, a
    birthday, an anniversary, a match milestone and the National Volunteer Day; and nothing
    that is still due now (supervision caught up yesterday, the silent match and the match
    with a flagged client ended yesterday)."""
    organisation = OrganisationFactory(name="Na de storing")
    assert isinstance(organisation, Organisation)
    _user(organisation, Role.COORDINATOR, "Cora Coördinator")
    professional = _user(organisation, Role.PROFESSIONAL, "Piet Professional")
    volunteer = _volunteer(
        organisation,
        "Vera Vrijwilliger",
        supervisor=professional,
        date_of_birth=date(1980, 12, 7),
        supervision_interval_weeks=4,
        status_changed_at=datetime(2024, 12, 7, 9, 0, tzinfo=AMS),
    )
    StatusChange.objects.create(
        volunteer=volunteer,
        from_status=Volunteer.Status.TRAINING,
        to_status=Volunteer.Status.ACTIVE,
        at=datetime(2024, 12, 7, 9, 0, tzinfo=AMS),
    )
    SupervisionNoteFactory(volunteer=volunteer, author=professional, held_on=YESTERDAY)
    evening = datetime.combine(YESTERDAY, time(19, 30), tzinfo=AMS)
    EnrolmentFactory(
        session=SessionFactory(course=CourseFactory(organisation=organisation), starts_at=evening),
        volunteer=volunteer,
    )
    IntervisionInvitationFactory(
        session=IntervisionSessionFactory(
            group=IntervisionGroupFactory(organisation=organisation, facilitator=professional),
            starts_at=evening,
        ),
        volunteer=volunteer,
    )
    CertificateFactory(
        volunteer=volunteer, requested_on=date(2022, 11, 20), issued_on=date(2022, 12, 7)
    )
    EnrolmentFactory(
        session=SessionFactory(
            course=CourseFactory(organisation=organisation, validity_months=12),
            starts_at=datetime(2024, 12, 7, 10, 0, tzinfo=AMS),
        ),
        volunteer=volunteer,
        status=Enrolment.Status.COMPLETED,
        completed_on=date(2024, 12, 7),
    )
    # Three months running yesterday, contact reported yesterday.
    running = _match(volunteer, professional, date(2025, 9, 7))
    ContactReportFactory(match=running, volunteer=volunteer, happened_on=YESTERDAY)
    for flags in ([], ["sex_offence"]):
        ended = _match(volunteer, professional, date(2024, 1, 10), risk_flags=flags)
        ended.status = Match.Status.ENDED
        ended.ended_on = YESTERDAY
        ended.end_reason = Match.EndReason.GOALS_REACHED
        ended.save()
    return organisation


@pytest.mark.django_db
def test_a_sweep_after_a_day_of_downtime_sends_nothing_for_passed_moments() -> None:
    _seed_passed_moments()

    # Had the sweeps run two days ago, these moments were due: the data is not empty.
    with transaction.atomic():
        earlier = _by_name(sweeps.run_sweeps(now=CATCH_UP - 2 * DAY))
        for name in ("session_reminders", "intervision_reminders", "expiry_warnings"):
            assert earlier[name].sent > 0, name
        if "appreciation_moments" in earlier:
            assert earlier["appreciation_moments"].sent >= 4  # the four moments of yesterday
        transaction.set_rollback(True)
    assert not Notification.objects.exists()

    runs = _by_name(sweeps.run_sweeps(now=CATCH_UP))
    registered = sorted(sweeps.REGISTRY)
    assert sorted(runs) == registered
    assert set(EXPECTED) <= set(registered)
    assert {name: (run.sent, run.skipped) for name, run in runs.items()} == dict.fromkeys(
        registered, (0, 0)
    )
    assert not Notification.objects.exists()
    assert not AttentionItem.objects.exists()
    assert not WellbeingCheckIn.objects.exists()
