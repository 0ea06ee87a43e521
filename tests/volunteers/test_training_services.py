"""Training services: courses, sessions, enrolment with a waiting list, attendance and
completion. Tested through the services, against the database."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from reclass_volunteers.models import Notification, Role
from tests.conftest import World
from tests.factories import UserFactory, VolunteerFactory
from tests.volunteers.factories_training import CourseFactory, EnrolmentFactory, SessionFactory
from volunteers import pipeline
from volunteers.choices import CourseKind, VolunteerRole
from volunteers.models import Course, Enrolment, RoleProfile, TrainingSession, Volunteer
from volunteers.services import training

E = Enrolment.Status
AMS = ZoneInfo("Europe/Amsterdam")


# --- Courses ---------------------------------------------------------------------------------


def test_course_create_stores_the_course(world: World) -> None:
    course = training.course_create(
        organisation=world.org_a,
        by=world.coordinator,
        name=" Basistraining ",
        kind=CourseKind.BASIC,
        validity_months=24,
    )
    course.refresh_from_db()
    assert (course.name, course.kind, course.validity_months) == ("Basistraining", "basic", 24)
    assert course.organisation == world.org_a


def test_course_name_must_be_unique_within_the_organisation_only(world: World) -> None:
    CourseFactory(organisation=world.org_a, name="Basistraining")
    with pytest.raises(ValidationError) as error:
        training.course_create(
            organisation=world.org_a, by=world.coordinator, name="basistraining", kind="basic"
        )
    assert "name" in error.value.message_dict
    assert Course.objects.filter(organisation=world.org_a).count() == 1
    # Another organisation may use the same name.
    training.course_create(
        organisation=world.org_b, by=world.outsider, name="Basistraining", kind="basic"
    )


def test_course_validity_of_zero_months_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        training.course_create(
            organisation=world.org_a,
            by=world.coordinator,
            name="Cirkeltraining",
            kind=CourseKind.SPECIALISED,
            validity_months=0,
        )
    assert "validity_months" in error.value.message_dict
    assert not Course.objects.filter(name="Cirkeltraining").exists()


def test_course_update_keeps_the_name_unique(world: World) -> None:
    CourseFactory(organisation=world.org_a, name="Basistraining")
    course = CourseFactory(organisation=world.org_a, name="Intervisie")
    with pytest.raises(ValidationError):
        training.course_update(
            course=course, by=world.coordinator, name="Basistraining", kind="basic"
        )
    course.refresh_from_db()
    assert course.name == "Intervisie"
    training.course_update(
        course=course,
        by=world.coordinator,
        name="Intervisie",
        kind="on_the_job",
        validity_months=12,
    )
    course.refresh_from_db()
    assert (course.kind, course.validity_months) == ("on_the_job", 12)


# --- Sessions --------------------------------------------------------------------------------


def test_session_capacity_zero_is_refused(world: World) -> None:
    course = CourseFactory(organisation=world.org_a)
    with pytest.raises(ValidationError) as error:
        training.session_create(
            course=course,
            by=world.coordinator,
            starts_at=timezone.now() + timedelta(days=3),
            location="Utrecht",
            capacity=0,
        )
    assert "capacity" in error.value.message_dict
    assert not TrainingSession.objects.exists()


def test_session_for_another_organisations_course_is_refused(world: World) -> None:
    foreign_course = CourseFactory(organisation=world.org_b)
    with pytest.raises(ValidationError) as error:
        training.session_create(
            course=foreign_course,
            by=world.coordinator,
            starts_at=timezone.now() + timedelta(days=3),
            location="Utrecht",
            capacity=5,
        )
    assert "course" in error.value.message_dict
    assert not TrainingSession.objects.exists()


def _volunteers(world: World, count: int, **fields: object) -> list[Volunteer]:
    return [VolunteerFactory(organisation=world.org_a, **fields) for _ in range(count)]


def test_enrolment_fills_the_places_then_the_waiting_list(world: World) -> None:
    session = SessionFactory(course__organisation=world.org_a, capacity=2)
    results = [
        training.session_enrol(session=session, volunteer=v, by=world.coordinator)
        for v in _volunteers(world, 4)
    ]
    assert [e.status for e in results] == [E.ENROLLED, E.ENROLLED, E.WAITING, E.WAITING]
    assert session.enrolments.filter(status__in=Enrolment.SEATED).count() == 2


def test_a_second_enrolment_of_the_same_volunteer_is_refused(world: World) -> None:
    session = SessionFactory(course__organisation=world.org_a, capacity=1)
    first = training.session_enrol(session=session, volunteer=world.volunteer, by=world.coordinator)
    with pytest.raises(ValidationError) as error:
        training.session_enrol(session=session, volunteer=world.volunteer, by=world.coordinator)
    assert "volunteer" in error.value.message_dict
    assert list(session.enrolments.values_list("pk", "status")) == [(first.pk, E.ENROLLED)]


def test_waiting_volunteer_cannot_enrol_twice_either(world: World) -> None:
    session = SessionFactory(course__organisation=world.org_a, capacity=1)
    EnrolmentFactory(session=session)
    training.session_enrol(session=session, volunteer=world.volunteer, by=world.coordinator)
    with pytest.raises(ValidationError):
        training.session_enrol(session=session, volunteer=world.volunteer, by=world.coordinator)
    assert session.enrolments.filter(volunteer=world.volunteer).get().status == E.WAITING


def test_a_volunteer_of_another_organisation_cannot_be_enrolled(world: World) -> None:
    session = SessionFactory(course__organisation=world.org_a)
    with pytest.raises(ValidationError):
        training.session_enrol(
            session=session, volunteer=world.foreign_volunteer, by=world.coordinator
        )
    assert not Enrolment.objects.exists()


def test_a_coordinator_cannot_enrol_into_another_organisations_session(world: World) -> None:
    session = SessionFactory(course__organisation=world.org_b)
    with pytest.raises(ValidationError):
        training.session_enrol(
            session=session, volunteer=world.foreign_volunteer, by=world.coordinator
        )
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize("status", [Volunteer.Status.FAREWELL, Volunteer.Status.REJECTED])
def test_a_volunteer_who_left_cannot_be_enrolled(world: World, status: str) -> None:
    gone = VolunteerFactory(organisation=world.org_a, status=status, rejection_reason="x")
    session = SessionFactory(course__organisation=world.org_a)
    with pytest.raises(ValidationError):
        training.session_enrol(session=session, volunteer=gone, by=world.coordinator)
    assert not Enrolment.objects.exists()


def test_cancelled_volunteer_can_enrol_again_at_the_back_of_the_queue(world: World) -> None:
    session = SessionFactory(course__organisation=world.org_a, capacity=1)
    first = training.session_enrol(session=session, volunteer=world.volunteer, by=world.coordinator)
    training.enrolment_cancel(enrolment=first, by=world.coordinator)
    other = training.session_enrol(
        session=session, volunteer=_volunteers(world, 1)[0], by=world.coordinator
    )
    again = training.session_enrol(session=session, volunteer=world.volunteer, by=world.coordinator)
    assert again.pk == first.pk
    assert (other.status, again.status) == (E.ENROLLED, E.WAITING)
    assert again.enrolled_at > other.enrolled_at


# --- Cancelling and the waiting list ---------------------------------------------------------


def test_cancelling_a_place_seats_the_first_on_the_waiting_list_and_tells_them(
    world: World,
) -> None:
    session = SessionFactory(course__organisation=world.org_a, capacity=1)
    seated = EnrolmentFactory(session=session)
    now = timezone.now()
    first_waiting = EnrolmentFactory(
        session=session, volunteer=world.volunteer, status=E.WAITING, enrolled_at=now
    )
    later = EnrolmentFactory(
        session=session, status=E.WAITING, enrolled_at=now + timedelta(minutes=5)
    )

    training.enrolment_cancel(enrolment=seated, by=world.coordinator)

    statuses = dict(session.enrolments.values_list("pk", "status"))
    assert statuses == {seated.pk: E.CANCELLED, first_waiting.pk: E.ENROLLED, later.pk: E.WAITING}
    notification = Notification.objects.get(kind="training.place_offered")
    # world.volunteer has a user account: the message goes there, with a link to their page.
    assert notification.recipient == world.volunteer_user
    assert notification.subject_id == str(first_waiting.pk)
    assert str(world.volunteer.pk) in notification.url
    assert session.course.name in notification.title


def test_a_promoted_volunteer_without_an_account_is_told_by_email(world: World) -> None:
    session = SessionFactory(course__organisation=world.org_a, capacity=1)
    seated = EnrolmentFactory(session=session)
    waiting = EnrolmentFactory(
        session=session, status=E.WAITING, volunteer__email="zonder.account@example.org"
    )
    training.enrolment_cancel(enrolment=seated, by=world.coordinator)
    notification = Notification.objects.get(kind="training.place_offered")
    assert notification.recipient is None
    assert notification.email == "zonder.account@example.org"
    assert notification.subject_id == str(waiting.pk)


def test_cancelling_a_waiting_place_seats_nobody(world: World) -> None:
    session = SessionFactory(course__organisation=world.org_a, capacity=1)
    EnrolmentFactory(session=session)
    waiting = EnrolmentFactory(session=session, status=E.WAITING)
    other = EnrolmentFactory(session=session, status=E.WAITING)
    training.enrolment_cancel(enrolment=waiting, by=world.coordinator)
    other.refresh_from_db()
    assert other.status == E.WAITING
    assert not Notification.objects.filter(kind="training.place_offered").exists()


@pytest.mark.parametrize("status", [E.ATTENDED, E.ABSENT, E.COMPLETED, E.CANCELLED])
def test_only_an_open_enrolment_can_be_cancelled(world: World, status: str) -> None:
    enrolment = EnrolmentFactory(
        session__course__organisation=world.org_a,
        status=status,
        completed_on=timezone.localdate() if status == E.COMPLETED else None,
    )
    with pytest.raises(ValidationError):
        training.enrolment_cancel(enrolment=enrolment, by=world.coordinator)
    enrolment.refresh_from_db()
    assert enrolment.status == status


def test_more_places_seat_the_waiting_list_in_order(world: World) -> None:
    session = SessionFactory(course__organisation=world.org_a, capacity=1)
    EnrolmentFactory(session=session)
    now = timezone.now()
    waiting = [
        EnrolmentFactory(session=session, status=E.WAITING, enrolled_at=now + timedelta(minutes=i))
        for i in range(3)
    ]
    training.session_update(
        session=session,
        by=world.coordinator,
        course=session.course,
        starts_at=session.starts_at,
        location=session.location,
        capacity=3,
    )
    assert [Enrolment.objects.get(pk=e.pk).status for e in waiting] == [
        E.ENROLLED,
        E.ENROLLED,
        E.WAITING,
    ]
    assert Notification.objects.filter(kind="training.place_offered").count() == 2


def test_fewer_places_than_people_seated_is_refused(world: World) -> None:
    session = SessionFactory(course__organisation=world.org_a, capacity=3)
    EnrolmentFactory.create_batch(3, session=session)
    with pytest.raises(ValidationError) as error:
        training.session_update(
            session=session,
            by=world.coordinator,
            course=session.course,
            starts_at=session.starts_at,
            location="Elders",
            capacity=2,
        )
    assert "capacity" in error.value.message_dict
    session.refresh_from_db()
    assert (session.capacity, session.location) == (3, "Utrecht, Catharijnesingel 47")


def test_the_training_of_a_session_with_enrolments_cannot_change(world: World) -> None:
    session = SessionFactory(course__organisation=world.org_a)
    EnrolmentFactory(session=session)
    other = CourseFactory(organisation=world.org_a)
    with pytest.raises(ValidationError) as error:
        training.session_update(
            session=session,
            by=world.coordinator,
            course=other,
            starts_at=session.starts_at,
            location=session.location,
            capacity=session.capacity,
        )
    assert "course" in error.value.message_dict
    assert TrainingSession.objects.get(pk=session.pk).course_id != other.pk


# --- Attendance and completion ---------------------------------------------------------------


def _past_session(world: World, **fields: object) -> TrainingSession:
    return SessionFactory(
        course__organisation=world.org_a,
        starts_at=timezone.now() - timedelta(days=2),
        **fields,
    )


def test_attendance_is_recorded_after_the_session_started(world: World) -> None:
    enrolment = EnrolmentFactory(session=_past_session(world))
    training.enrolment_attendance(enrolment=enrolment, by=world.coordinator, attended=False)
    enrolment.refresh_from_db()
    assert enrolment.status == E.ABSENT
    training.enrolment_attendance(enrolment=enrolment, by=world.coordinator, attended=True)
    enrolment.refresh_from_db()
    assert enrolment.status == E.ATTENDED


def test_attendance_before_the_session_is_refused(world: World) -> None:
    enrolment = EnrolmentFactory(session__course__organisation=world.org_a)
    with pytest.raises(ValidationError):
        training.enrolment_attendance(enrolment=enrolment, by=world.coordinator, attended=True)
    enrolment.refresh_from_db()
    assert enrolment.status == E.ENROLLED


def test_someone_on_the_waiting_list_cannot_attend(world: World) -> None:
    enrolment = EnrolmentFactory(session=_past_session(world), status=E.WAITING)
    with pytest.raises(ValidationError):
        training.enrolment_attendance(enrolment=enrolment, by=world.coordinator, attended=True)
    enrolment.refresh_from_db()
    assert enrolment.status == E.WAITING


def test_completion_is_recorded_with_its_date(world: World) -> None:
    session = _past_session(world)
    enrolment = EnrolmentFactory(session=session, volunteer=world.volunteer, status=E.ATTENDED)
    day = timezone.localdate(session.starts_at)
    training.enrolment_complete(enrolment=enrolment, by=world.coordinator, completed_on=day)
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.completed_on) == (E.COMPLETED, day)


def test_completion_in_the_future_is_refused(world: World) -> None:
    enrolment = EnrolmentFactory(session=_past_session(world))
    with pytest.raises(ValidationError) as error:
        training.enrolment_complete(
            enrolment=enrolment,
            by=world.coordinator,
            completed_on=timezone.localdate() + timedelta(days=1),
        )
    assert "completed_on" in error.value.message_dict
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.completed_on) == (E.ENROLLED, None)


def test_completion_before_the_session_is_refused(world: World) -> None:
    session = _past_session(world)
    enrolment = EnrolmentFactory(session=session)
    with pytest.raises(ValidationError) as error:
        training.enrolment_complete(
            enrolment=enrolment,
            by=world.coordinator,
            completed_on=timezone.localdate(session.starts_at) - timedelta(days=1),
        )
    assert "completed_on" in error.value.message_dict
    enrolment.refresh_from_db()
    assert enrolment.status == E.ENROLLED


@pytest.mark.parametrize("status", [E.WAITING, E.ABSENT, E.CANCELLED])
def test_only_someone_who_had_a_place_and_came_can_complete(world: World, status: str) -> None:
    enrolment = EnrolmentFactory(session=_past_session(world), status=status)
    with pytest.raises(ValidationError):
        training.enrolment_complete(
            enrolment=enrolment, by=world.coordinator, completed_on=timezone.localdate()
        )
    enrolment.refresh_from_db()
    assert enrolment.status == status


# --- The volunteer's standing against the role profile --------------------------------------


@time_machine.travel(datetime(2026, 3, 1, 12, 0, tzinfo=AMS), tick=False)
def test_course_states_use_the_latest_completion_and_the_validity(world: World) -> None:
    volunteer = world.volunteer
    volunteer.role = VolunteerRole.BUDDY
    volunteer.save()
    basic = Course.objects.create(
        organisation=world.org_a, name="Basis", kind="basic", validity_months=None
    )
    circle = Course.objects.create(
        organisation=world.org_a, name="Cirkel", kind="basic", validity_months=12
    )
    missing = Course.objects.create(organisation=world.org_a, name="Ervaring", kind="basic")
    profile = RoleProfile.objects.create(organisation=world.org_a, role=VolunteerRole.BUDDY)
    profile.required_courses.set([basic, circle, missing])
    for course, day in (
        (basic, date(2020, 5, 1)),
        (circle, date(2025, 1, 10)),
        (circle, date(2025, 4, 2)),
    ):
        EnrolmentFactory(
            session=SessionFactory(
                course=course, starts_at=datetime(day.year, day.month, day.day, tzinfo=AMS)
            ),
            volunteer=volunteer,
            status=E.COMPLETED,
            completed_on=day,
        )
    # Another volunteer's completion does not count.
    EnrolmentFactory(
        session=SessionFactory(course=missing, starts_at=datetime(2025, 1, 1, tzinfo=AMS)),
        status=E.COMPLETED,
        completed_on=date(2025, 1, 1),
    )
    states = {
        s.course.name: s
        for s in pipeline.course_states(volunteer, pipeline.required_courses(volunteer))
    }
    assert (states["Basis"].completed_on, states["Basis"].expires_on) == (date(2020, 5, 1), None)
    assert (states["Cirkel"].completed_on, states["Cirkel"].expires_on) == (
        date(2025, 4, 2),
        date(2026, 4, 2),
    )
    assert states["Ervaring"].completed_on is None


def test_course_states_take_one_query_whatever_the_number_of_enrolments(
    world: World, django_assert_num_queries: object
) -> None:
    courses = CourseFactory.create_batch(3, organisation=world.org_a)
    for course in courses:
        for _ in range(3):
            EnrolmentFactory(
                session=SessionFactory(course=course, starts_at=timezone.now() - timedelta(days=9)),
                volunteer=world.volunteer,
                status=E.COMPLETED,
                completed_on=timezone.localdate() - timedelta(days=9),
            )
    volunteer = Volunteer.objects.get(pk=world.volunteer.pk)
    with django_assert_num_queries(1):  # type: ignore[operator]
        states = pipeline.course_states(volunteer, courses)
    assert all(state.completed_on is not None for state in states)


def test_a_coordinator_of_another_organisation_is_not_the_enroller(world: World) -> None:
    """The services trust their caller for the user's role, but never cross organisations."""
    other_coordinator = UserFactory(organisation=world.org_b, role=Role.COORDINATOR)
    session = SessionFactory(course__organisation=world.org_a)
    with pytest.raises(ValidationError):
        training.session_enrol(session=session, volunteer=world.volunteer, by=other_coordinator)
    assert not Enrolment.objects.exists()
