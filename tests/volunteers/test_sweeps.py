"""The volunteer reminder sweeps, called with a fixed `now`: training-session reminders a week
and a day before (never after the start, never two at once), and expiry warnings for
certificates of conduct and trainings to the volunteer and the coordinators. A rerun sends
nothing, the organisation's lead times count, and the queries do not grow per volunteer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reclass_volunteers.models import Notification, ReminderPolicy, Role
from tests.conftest import World
from tests.factories import UserFactory, VolunteerFactory
from tests.volunteers.factories_pipeline import CertificateFactory
from tests.volunteers.factories_training import CourseFactory, EnrolmentFactory, SessionFactory
from volunteers.models import Certificate, Enrolment, TrainingSession, Volunteer
from volunteers.models.screening import _add_months
from volunteers.sweeps import (
    CERTIFICATE_KIND,
    SESSION_KIND,
    TRAINING_KIND,
    expiry_warnings,
    session_reminders,
)

AMS = ZoneInfo("Europe/Amsterdam")
START = datetime(2025, 6, 20, 19, 30, tzinfo=AMS)
DAY = timedelta(days=1)


def _sent(kind: str) -> list[tuple[str, str]]:
    """(recipient's name, occasion) of every message of this kind, in a stable order."""
    rows = Notification.objects.filter(kind=kind).select_related("recipient")
    return sorted((n.recipient.full_name if n.recipient else n.email, n.occasion) for n in rows)


def _session(world: World, starts_at: datetime = START) -> TrainingSession:
    return SessionFactory(course=CourseFactory(organisation=world.org_a), starts_at=starts_at)


@pytest.fixture
def session(world: World) -> TrainingSession:
    EnrolmentFactory(session=(s := _session(world)), volunteer=world.volunteer)
    return s


# --- Session reminders -----------------------------------------------------------------------


def test_session_nothing_before_the_first_lead(session: TrainingSession) -> None:
    result = session_reminders(START - 7 * DAY - timedelta(minutes=1))
    assert (result.sent, result.skipped) == (0, 0)
    assert not _sent(SESSION_KIND)


def test_session_first_reminder_a_week_before_once(session: TrainingSession) -> None:
    first = session_reminders(START - 7 * DAY)
    again = session_reminders(START - 6 * DAY)
    assert (first.sent, first.skipped) == (1, 0)
    assert (again.sent, again.skipped) == (0, 1)
    assert _sent(SESSION_KIND) == [("Vera Vrijwilliger", "first:7d")]
    message = Notification.objects.get(kind=SESSION_KIND)
    assert message.subject_id == str(session.pk)
    assert session.course.name in message.title
    assert session.location in message.body


def test_session_second_reminder_a_day_before(session: TrainingSession) -> None:
    session_reminders(START - 7 * DAY)
    result = session_reminders(START - DAY)
    assert (result.sent, result.skipped) == (1, 0)
    assert _sent(SESSION_KIND) == [
        ("Vera Vrijwilliger", "first:7d"),
        ("Vera Vrijwilliger", "second:1d"),
    ]


def test_session_late_sweep_sends_only_the_second(session: TrainingSession) -> None:
    result = session_reminders(START - timedelta(hours=12))
    assert result.sent == 1
    assert _sent(SESSION_KIND) == [("Vera Vrijwilliger", "second:1d")]


@pytest.mark.parametrize("after", [timedelta(0), timedelta(minutes=1), DAY])
def test_session_nothing_at_or_after_the_start(session: TrainingSession, after: timedelta) -> None:
    result = session_reminders(START + after)
    assert (result.sent, result.skipped) == (0, 0)
    assert not _sent(SESSION_KIND)


@pytest.mark.parametrize(
    "status", [Enrolment.Status.CANCELLED, Enrolment.Status.WAITING, Enrolment.Status.ABSENT]
)
def test_session_only_the_enrolled(world: World, status: str) -> None:
    EnrolmentFactory(session=_session(world), volunteer=world.volunteer, status=status)
    assert session_reminders(START - DAY).sent == 0


def test_session_skips_volunteers_without_account_who_left_or_are_blocked(
    world: World,
) -> None:
    s = _session(world)
    EnrolmentFactory(session=s, volunteer=VolunteerFactory(organisation=world.org_a, user=None))
    gone_user = UserFactory(organisation=world.org_a, role=Role.VOLUNTEER)
    gone = VolunteerFactory(organisation=world.org_a, user=gone_user, status="farewell")
    EnrolmentFactory(session=s, volunteer=gone)
    blocked_user = UserFactory(organisation=world.org_a, role=Role.VOLUNTEER, is_active=False)
    EnrolmentFactory(
        session=s, volunteer=VolunteerFactory(organisation=world.org_a, user=blocked_user)
    )
    EnrolmentFactory(session=s, volunteer=world.volunteer)
    assert session_reminders(START - DAY).sent == 1
    assert _sent(SESSION_KIND) == [("Vera Vrijwilliger", "second:1d")]


def test_session_lead_times_follow_the_organisation(session: TrainingSession, world: World) -> None:
    ReminderPolicy.objects.create(
        organisation=world.org_a, session_first_days=3, session_second_days=2
    )
    assert session_reminders(START - 7 * DAY).sent == 0
    assert session_reminders(START - 3 * DAY).sent == 1
    assert session_reminders(START - 2 * DAY).sent == 1
    assert session_reminders(START - DAY).sent == 0
    assert _sent(SESSION_KIND) == [
        ("Vera Vrijwilliger", "first:3d"),
        ("Vera Vrijwilliger", "second:2d"),
    ]


def test_session_other_organisation_keeps_its_own_lead_times(world: World) -> None:
    ReminderPolicy.objects.create(organisation=world.org_a, session_first_days=3)
    foreign_user = UserFactory(organisation=world.org_b, role=Role.VOLUNTEER, full_name="Bo B")
    foreign = SessionFactory(course=CourseFactory(organisation=world.org_b), starts_at=START)
    EnrolmentFactory(
        session=foreign, volunteer=VolunteerFactory(organisation=world.org_b, user=foreign_user)
    )
    EnrolmentFactory(session=_session(world), volunteer=world.volunteer)
    session_reminders(START - 7 * DAY)
    assert _sent(SESSION_KIND) == [("Bo B", "first:7d")]


def _volunteers(world: World, n: int) -> list[Volunteer]:
    return [
        VolunteerFactory(
            organisation=world.org_a,
            user=UserFactory(organisation=world.org_a, role=Role.VOLUNTEER),
        )
        for _ in range(n)
    ]


@pytest.mark.parametrize("size", [3, 30])
def test_session_queries_do_not_grow_per_volunteer(
    world: World, size: int, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    for i, volunteer in enumerate(_volunteers(world, size)):
        EnrolmentFactory(
            session=_session(world, START + i * timedelta(hours=1)), volunteer=volunteer
        )
    assert session_reminders(START - DAY).sent == size
    with django_assert_max_num_queries(6):
        again = session_reminders(START - DAY + timedelta(minutes=5))
    assert (again.sent, again.skipped) == (0, size)


def test_a_first_run_reads_the_reminder_policy_once_not_per_message(world: World) -> None:
    """Every new reminder checks the quiet hours; the organisation's policy is read once."""
    for i, volunteer in enumerate(_volunteers(world, 12)):
        EnrolmentFactory(
            session=_session(world, START + i * timedelta(hours=1)), volunteer=volunteer
        )
    with CaptureQueriesContext(connection) as queries:
        assert session_reminders(START - DAY).sent == 12
    policy_reads = [q for q in queries.captured_queries if "reminderpolicy" in q["sql"]]
    # reminder_policies() once, and each organisation's own accessor once.
    assert len(policy_reads) <= 3, [q["sql"] for q in policy_reads]


# --- Expiry warnings -------------------------------------------------------------------------

ISSUED = date(2022, 9, 1)
EXPIRES = date(2025, 9, 1)  # the default policy renews after three years


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=AMS)


def _certificate(volunteer: Volunteer, issued_on: date = ISSUED) -> Certificate:
    return CertificateFactory(
        volunteer=volunteer, requested_on=issued_on - 14 * DAY, issued_on=issued_on
    )


@pytest.fixture
def certificate(world: World) -> Certificate:
    return _certificate(world.volunteer)


def test_certificate_nothing_before_the_first_lead(certificate: Certificate) -> None:
    assert expiry_warnings(_at(EXPIRES - 61 * DAY)).sent == 0
    assert not _sent(CERTIFICATE_KIND)


def test_certificate_first_warning_to_volunteer_and_coordinators_once(
    world: World, certificate: Certificate
) -> None:
    UserFactory(organisation=world.org_a, role=Role.COORDINATOR, is_active=False)
    first = expiry_warnings(_at(EXPIRES - 60 * DAY))
    again = expiry_warnings(_at(EXPIRES - 59 * DAY))
    assert (first.sent, first.skipped) == (2, 0)
    assert (again.sent, again.skipped) == (0, 2)
    occasion = "first:60d:2025-09-01"
    assert _sent(CERTIFICATE_KIND) == [
        ("Cora Coördinator", occasion),
        ("Vera Vrijwilliger", occasion),
    ]
    to_coordinator = Notification.objects.get(kind=CERTIFICATE_KIND, recipient=world.coordinator)
    assert world.volunteer.full_name in to_coordinator.title
    assert to_coordinator.subject_id == str(certificate.pk)


def test_certificate_second_warning_and_nothing_after_expiry(certificate: Certificate) -> None:
    assert expiry_warnings(_at(EXPIRES - 14 * DAY)).sent == 2
    assert expiry_warnings(_at(EXPIRES)).sent == 0
    assert expiry_warnings(_at(EXPIRES + 30 * DAY)).sent == 0
    assert {occasion for _name, occasion in _sent(CERTIFICATE_KIND)} == {"second:14d:2025-09-01"}


@pytest.mark.parametrize("after", [timedelta(0), DAY, 30 * DAY])
def test_certificate_late_sweep_sends_nothing_once_expired(
    world: World, certificate: Certificate, after: timedelta
) -> None:
    course = CourseFactory(organisation=world.org_a, validity_months=36)
    _completed(world.volunteer, course, ISSUED)
    result = expiry_warnings(_at(EXPIRES + after))
    assert (result.sent, result.skipped) == (0, 0)
    assert not Notification.objects.exists()


def test_certificate_only_the_latest_counts_and_a_renewal_is_warned_again(
    world: World, certificate: Certificate
) -> None:
    renewed = _certificate(world.volunteer, issued_on=EXPIRES - 30 * DAY)
    assert expiry_warnings(_at(EXPIRES - 20 * DAY)).sent == 0
    renewed_expiry = _add_months(renewed.issued_on or ISSUED, 36)
    assert expiry_warnings(_at(renewed_expiry - 60 * DAY)).sent == 2
    assert set(
        Notification.objects.filter(kind=CERTIFICATE_KIND).values_list("subject_id", flat=True)
    ) == {str(renewed.pk)}


def test_certificate_without_account_or_inactive_volunteer(world: World) -> None:
    _certificate(VolunteerFactory(organisation=world.org_a, user=None, last_name="Zonder"))
    _certificate(VolunteerFactory(organisation=world.org_a, status="farewell"))
    _certificate(VolunteerFactory(organisation=world.org_a, status="screening"))
    _certificate(VolunteerFactory(organisation=world.org_a, status="paused", user=None))
    result = expiry_warnings(_at(EXPIRES - 60 * DAY))
    # The two working volunteers without an account: only the coordinator, once each.
    assert result.sent == 2
    assert {name for name, _occ in _sent(CERTIFICATE_KIND)} == {"Cora Coördinator"}


def test_certificate_lead_times_follow_the_organisation(
    world: World, certificate: Certificate
) -> None:
    ReminderPolicy.objects.create(
        organisation=world.org_a, expiry_first_days=30, expiry_second_days=7
    )
    assert expiry_warnings(_at(EXPIRES - 60 * DAY)).sent == 0
    assert expiry_warnings(_at(EXPIRES - 14 * DAY)).sent == 2
    assert expiry_warnings(_at(EXPIRES - 7 * DAY)).sent == 2
    assert {occasion for _name, occasion in _sent(CERTIFICATE_KIND)} == {
        "first:30d:2025-09-01",
        "second:7d:2025-09-01",
    }


def test_certificate_outsider_coordinators_are_not_told(world: World) -> None:
    _certificate(world.foreign_volunteer)
    assert expiry_warnings(_at(EXPIRES - 60 * DAY)).sent == 1
    assert _sent(CERTIFICATE_KIND) == [("Otto Outsider", "first:60d:2025-09-01")]


def _completed(volunteer: Volunteer, course: Any, completed_on: date) -> Enrolment:
    return EnrolmentFactory(
        session=SessionFactory(course=course, starts_at=_at(completed_on)),
        volunteer=volunteer,
        status=Enrolment.Status.COMPLETED,
        completed_on=completed_on,
    )


def test_training_expiry_warnings_and_refresher_replaces(world: World) -> None:
    course = CourseFactory(organisation=world.org_a, validity_months=12, name="Agressie")
    CourseFactory(organisation=world.org_a, name="Zonder einde")  # no validity: never warned
    done = _completed(world.volunteer, course, date(2024, 9, 1))
    assert expiry_warnings(_at(date(2025, 9, 1) - 61 * DAY)).sent == 0
    assert expiry_warnings(_at(date(2025, 9, 1) - 60 * DAY)).sent == 2
    assert expiry_warnings(_at(date(2025, 9, 1) - 60 * DAY)).skipped == 2
    assert _sent(TRAINING_KIND) == [
        ("Cora Coördinator", "first:60d:2025-09-01"),
        ("Vera Vrijwilliger", "first:60d:2025-09-01"),
    ]
    message = Notification.objects.filter(kind=TRAINING_KIND).first()
    assert message is not None and message.subject_id == str(done.pk)
    assert "Agressie" in message.title
    # Done again: the earlier completion no longer counts, the new one gets its own warnings.
    _completed(world.volunteer, course, date(2025, 8, 1))
    assert expiry_warnings(_at(date(2025, 9, 1) - 14 * DAY)).sent == 0
    assert expiry_warnings(_at(date(2026, 8, 1) - 14 * DAY)).sent == 2


@pytest.mark.parametrize("size", [3, 30])
def test_expiry_queries_do_not_grow_per_volunteer(
    world: World, size: int, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    course = CourseFactory(organisation=world.org_a, validity_months=36)
    for volunteer in _volunteers(world, size):
        _certificate(volunteer)
        _completed(volunteer, course, ISSUED)
    assert expiry_warnings(_at(EXPIRES - 14 * DAY)).sent == 4 * size
    with django_assert_max_num_queries(16):
        again = expiry_warnings(_at(EXPIRES - 14 * DAY))
    assert (again.sent, again.skipped) == (0, 4 * size)
