"""Training pages: courses, sessions, enrolment, attendance and completion through the browser's
requests; bad input re-renders with the error next to the field and writes nothing; lists keep
a fixed number of queries; the training panel on a volunteer's page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reclass_volunteers.models import Notification
from tests.conftest import World, client_for
from tests.factories import VolunteerFactory
from tests.volunteers.factories_training import (
    CourseFactory,
    EnrolmentFactory,
    RoleProfileFactory,
    SessionFactory,
)
from volunteers.choices import VolunteerRole
from volunteers.models import Course, Enrolment, RoleProfile, TrainingSession

E = Enrolment.Status
AMS = ZoneInfo("Europe/Amsterdam")


def _in_a_week() -> str:
    return timezone.localtime(timezone.now() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")


# --- Courses ---------------------------------------------------------------------------------


def test_coordinator_adds_a_course(world: World) -> None:
    response = client_for(world.coordinator).post(
        reverse("volunteers:course_create"),
        {
            "name": "Basistraining",
            "kind": "basic",
            "description": "Twee dagdelen.",
            "validity_months": "36",
            # Extra fields are ignored: a course is always of the user's organisation.
            "organisation": str(world.org_b.pk),
        },
    )
    course = Course.objects.get(name="Basistraining")
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:course_detail", args=[course.pk])
    assert (course.organisation, course.validity_months) == (world.org_a, 36)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {"name": "Cirkeltraining", "kind": "specialised", "validity_months": "0"},
            "validity_months",
        ),
        ({"name": "Cirkeltraining", "kind": "wizardry"}, "kind"),
        ({"name": "", "kind": "basic"}, "name"),
    ],
)
def test_bad_course_input_is_shown_next_to_the_field(
    world: World, data: dict[str, str], field: str
) -> None:
    response = client_for(world.coordinator).post(reverse("volunteers:course_create"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "is-invalid" in response.content.decode()
    assert not Course.objects.exists()


def test_a_duplicate_course_name_is_shown_on_the_name(world: World) -> None:
    CourseFactory(organisation=world.org_a, name="Basistraining")
    response = client_for(world.admin).post(
        reverse("volunteers:course_create"), {"name": "BASISTRAINING", "kind": "basic"}
    )
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert Course.objects.count() == 1


def test_coordinator_edits_a_course(world: World) -> None:
    course = CourseFactory(organisation=world.org_a, name="Basis")
    response = client_for(world.coordinator).post(
        reverse("volunteers:course_edit", args=[course.pk]),
        {"name": "Basistraining", "kind": "on_the_job", "validity_months": ""},
    )
    assert response.status_code == 302
    course.refresh_from_db()
    assert (course.name, course.kind, course.validity_months) == (
        "Basistraining",
        "on_the_job",
        None,
    )


def test_course_detail_shows_its_sessions(world: World) -> None:
    course = CourseFactory(organisation=world.org_a)
    upcoming = SessionFactory(course=course, location="Zwolle")
    past = SessionFactory(course=course, starts_at=timezone.now() - timedelta(days=30))
    response = client_for(world.professional).get(
        reverse("volunteers:course_detail", args=[course.pk])
    )
    assert list(response.context["upcoming"]) == [upcoming]
    assert list(response.context["past"]) == [past]
    assert "Zwolle" in response.content.decode()
    # Professionals read; they are not offered the buttons to change anything.
    assert reverse("volunteers:course_edit", args=[course.pk]) not in response.content.decode()


# --- Sessions --------------------------------------------------------------------------------


def test_coordinator_adds_a_session(world: World) -> None:
    course = CourseFactory(organisation=world.org_a)
    response = client_for(world.coordinator).post(
        reverse("volunteers:session_create"),
        {"course": course.pk, "starts_at": _in_a_week(), "location": "Arnhem", "capacity": "12"},
    )
    session = TrainingSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:session_detail", args=[session.pk])
    assert (session.course, session.capacity, session.location) == (course, 12, "Arnhem")
    assert timezone.is_aware(session.starts_at)


def test_session_capacity_zero_is_shown_next_to_the_field(world: World) -> None:
    course = CourseFactory(organisation=world.org_a)
    response = client_for(world.coordinator).post(
        reverse("volunteers:session_create"),
        {"course": course.pk, "starts_at": _in_a_week(), "location": "Arnhem", "capacity": "0"},
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["capacity"]
    assert not TrainingSession.objects.exists()


def test_a_session_for_a_foreign_course_id_is_refused(world: World) -> None:
    foreign = Course.objects.create(organisation=world.org_b, name="Vreemde training", kind="basic")
    response = client_for(world.coordinator).post(
        reverse("volunteers:session_create"),
        {"course": foreign.pk, "starts_at": _in_a_week(), "location": "Arnhem", "capacity": "5"},
    )
    assert response.status_code == 200
    assert "course" in response.context["form"].errors
    assert not TrainingSession.objects.exists()
    # The form offers the organisation's own courses only.
    assert foreign.name not in response.content.decode()


def test_lowering_capacity_below_the_seated_is_shown_on_capacity(world: World) -> None:
    session = SessionFactory(course__organisation=world.org_a, capacity=3, location="Ede")
    EnrolmentFactory.create_batch(3, session=session)
    response = client_for(world.coordinator).post(
        reverse("volunteers:session_edit", args=[session.pk]),
        {
            "course": session.course.pk,
            "starts_at": _in_a_week(),
            "location": "Elders",
            "capacity": "2",
        },
    )
    assert response.status_code == 200
    assert "capacity" in response.context["form"].errors
    session.refresh_from_db()
    assert (session.capacity, session.location) == (3, "Ede")


def test_session_list_filters_upcoming_past_and_course(world: World) -> None:
    course = CourseFactory(organisation=world.org_a)
    upcoming = SessionFactory(course=course)
    other = SessionFactory(course__organisation=world.org_a)
    past = SessionFactory(course=course, starts_at=timezone.now() - timedelta(days=3))
    SessionFactory(course__organisation=world.org_b)
    http = client_for(world.coordinator)
    url = reverse("volunteers:session_list")
    assert set(http.get(url).context["page"]) == {upcoming, other}
    assert list(http.get(url, {"when": "past"}).context["page"]) == [past]
    assert list(http.get(url, {"when": "all", "course": course.pk}).context["page"]) == [
        upcoming,
        past,
    ]


def test_session_page_shows_the_seated_and_the_waiting_list_in_order(world: World) -> None:
    session = SessionFactory(course__organisation=world.org_a, capacity=1)
    seated = EnrolmentFactory(session=session, volunteer__last_name="Zitplaats")
    now = timezone.now()
    second = EnrolmentFactory(
        session=session, status=E.WAITING, enrolled_at=now + timedelta(minutes=2)
    )
    first = EnrolmentFactory(session=session, status=E.WAITING, enrolled_at=now)
    EnrolmentFactory(session=session, status=E.CANCELLED, volunteer__last_name="Afgemeld")
    response = client_for(world.coordinator).get(
        reverse("volunteers:session_detail", args=[session.pk])
    )
    assert response.context["seated"] == [seated]
    assert response.context["waiting"] == [first, second]
    # A cancelled enrolment is neither seated nor waiting.
    assert "Zitplaats" in response.content.decode()


def test_professional_sees_only_the_volunteers_they_may_see_on_a_session(world: World) -> None:
    session = SessionFactory(course__organisation=world.org_a)
    EnrolmentFactory(session=session, volunteer=world.volunteer)  # supervised by the professional
    EnrolmentFactory(session=session, volunteer__last_name="Onbekend")
    response = client_for(world.professional).get(
        reverse("volunteers:session_detail", args=[session.pk])
    )
    content = response.content.decode()
    assert world.volunteer.last_name in content
    assert "Onbekend" not in content
    assert response.context["hidden_count"] == 1
    assert response.context["seated_count"] == 2
    assert response.context["enrol_form"] is None


# --- Enrolment -------------------------------------------------------------------------------


def test_coordinator_enrols_a_volunteer_then_the_waiting_list_fills(world: World) -> None:
    session = SessionFactory(course__organisation=world.org_a, capacity=1)
    other = VolunteerFactory(organisation=world.org_a)
    http = client_for(world.coordinator)
    url = reverse("volunteers:session_enrol", args=[session.pk])

    first = http.post(url, {"volunteer": world.volunteer.pk})
    second = http.post(url, {"volunteer": other.pk})

    assert first.status_code == second.status_code == 302
    assert first["Location"] == reverse("volunteers:session_detail", args=[session.pk])
    assert dict(session.enrolments.values_list("volunteer", "status")) == {
        world.volunteer.pk: E.ENROLLED,
        other.pk: E.WAITING,
    }


def test_enrolling_the_same_volunteer_twice_is_shown_on_the_form(world: World) -> None:
    session = SessionFactory(course__organisation=world.org_a)
    EnrolmentFactory(session=session, volunteer=world.volunteer)
    response = client_for(world.coordinator).post(
        reverse("volunteers:session_enrol", args=[session.pk]), {"volunteer": world.volunteer.pk}
    )
    assert response.status_code == 200
    assert "volunteer" in response.context["enrol_form"].errors
    assert session.enrolments.count() == 1


def test_enrolling_a_foreign_volunteer_id_is_refused(world: World) -> None:
    session = SessionFactory(course__organisation=world.org_a)
    response = client_for(world.coordinator).post(
        reverse("volunteers:session_enrol", args=[session.pk]),
        {"volunteer": world.foreign_volunteer.pk},
    )
    assert response.status_code == 200
    assert "volunteer" in response.context["enrol_form"].errors
    assert not Enrolment.objects.exists()


def test_enrol_from_the_volunteer_page(world: World) -> None:
    session = SessionFactory(course__organisation=world.org_a)
    response = client_for(world.admin).post(
        reverse("volunteers:volunteer_enrol", args=[world.volunteer.pk]), {"session": session.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:volunteer_detail", args=[world.volunteer.pk])
    assert session.enrolments.get().volunteer == world.volunteer


@pytest.mark.parametrize("which", ["foreign", "past"])
def test_enrol_from_the_volunteer_page_refuses_a_session_not_on_offer(
    world: World, which: str
) -> None:
    if which == "foreign":
        session = SessionFactory(course__organisation=world.org_b)
    else:
        session = SessionFactory(
            course__organisation=world.org_a, starts_at=timezone.now() - timedelta(days=1)
        )
    response = client_for(world.coordinator).post(
        reverse("volunteers:volunteer_enrol", args=[world.volunteer.pk]), {"session": session.pk}
    )
    assert response.status_code == 200
    assert "session" in response.context["form"].errors
    assert not Enrolment.objects.exists()


def test_cancel_moves_the_first_waiting_up_and_tells_them(world: World) -> None:
    session = SessionFactory(course__organisation=world.org_a, capacity=1)
    seated = EnrolmentFactory(session=session)
    waiting = EnrolmentFactory(session=session, volunteer=world.volunteer, status=E.WAITING)
    response = client_for(world.coordinator).post(
        reverse("volunteers:enrolment_cancel", args=[seated.pk])
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:session_detail", args=[session.pk])
    waiting.refresh_from_db()
    assert waiting.status == E.ENROLLED
    assert Notification.objects.filter(
        kind="training.place_offered", recipient=world.volunteer_user
    ).exists()


def test_cancel_of_a_completed_enrolment_is_refused_with_a_message(world: World) -> None:
    enrolment = EnrolmentFactory(
        session__course__organisation=world.org_a,
        status=E.COMPLETED,
        completed_on=timezone.localdate(),
    )
    response = client_for(world.coordinator).post(
        reverse("volunteers:enrolment_cancel", args=[enrolment.pk]), follow=True
    )
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    enrolment.refresh_from_db()
    assert enrolment.status == E.COMPLETED


def _past_enrolment(world: World, **fields: Any) -> Enrolment:
    return EnrolmentFactory(
        session=SessionFactory(
            course__organisation=world.org_a, starts_at=timezone.now() - timedelta(days=1)
        ),
        volunteer=world.volunteer,
        **fields,
    )


def test_attendance_is_recorded(world: World) -> None:
    enrolment = _past_enrolment(world)
    http = client_for(world.coordinator)
    url = reverse("volunteers:enrolment_attendance", args=[enrolment.pk])
    assert http.post(url, {"attended": "0"}).status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == E.ABSENT
    http.post(url, {"attended": "1"})
    enrolment.refresh_from_db()
    assert enrolment.status == E.ATTENDED


def test_attendance_without_a_choice_changes_nothing(world: World) -> None:
    enrolment = _past_enrolment(world)
    response = client_for(world.coordinator).post(
        reverse("volunteers:enrolment_attendance", args=[enrolment.pk]), {"attended": "maybe"}
    )
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == E.ENROLLED


def test_completion_is_recorded(world: World) -> None:
    enrolment = _past_enrolment(world, status=E.ATTENDED)
    day = timezone.localdate(enrolment.session.starts_at)
    response = client_for(world.coordinator).post(
        reverse("volunteers:enrolment_complete", args=[enrolment.pk]),
        {"completed_on": day.isoformat()},
    )
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.completed_on) == (E.COMPLETED, day)


@pytest.mark.parametrize("days", [1, 30])
def test_completion_in_the_future_is_shown_next_to_the_date(world: World, days: int) -> None:
    enrolment = _past_enrolment(world)
    response = client_for(world.coordinator).post(
        reverse("volunteers:enrolment_complete", args=[enrolment.pk]),
        {"completed_on": (timezone.localdate() + timedelta(days=days)).isoformat()},
    )
    assert response.status_code == 200
    [row] = response.context["seated"]
    assert "completed_on" in row.completion_form.errors
    assert f'id="id_completed_on_{enrolment.pk}_error"' in response.content.decode()
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.completed_on) == (E.ENROLLED, None)


def test_completion_with_a_broken_date_changes_nothing(world: World) -> None:
    enrolment = _past_enrolment(world)
    response = client_for(world.coordinator).post(
        reverse("volunteers:enrolment_complete", args=[enrolment.pk]),
        {"completed_on": "31-31-2020"},
    )
    assert response.status_code == 200
    enrolment.refresh_from_db()
    assert enrolment.status == E.ENROLLED


# --- List pages: a fixed number of queries ---------------------------------------------------


def _grow_courses(world: World, size: int) -> None:
    profile, _created = RoleProfile.objects.get_or_create(
        organisation=world.org_a, role=VolunteerRole.BUDDY
    )
    for i in range(size):
        course = CourseFactory(organisation=world.org_a, validity_months=12 if i % 2 else None)
        profile.required_courses.add(course)
        session = SessionFactory(course=course, capacity=2)
        EnrolmentFactory(session=session)
        EnrolmentFactory(
            session=SessionFactory(course=course, starts_at=timezone.now() - timedelta(days=5)),
            status=E.COMPLETED,
            completed_on=timezone.localdate() - timedelta(days=5),
        )
        EnrolmentFactory(session=session, status=E.WAITING)


LIST_QUERIES = [
    # session and user, organisation, count, notifications badge, rows (+ prefetch or filter
    # choices), and the session's save (savepoint, update, release) of the idle timeout.
    ("volunteers:course_list", "coordinator", 10),
    ("volunteers:course_list", "professional", 10),
    ("volunteers:session_list", "coordinator", 10),
    ("volunteers:session_list", "professional", 10),
]


@pytest.mark.parametrize(("name", "role", "ceiling"), LIST_QUERIES)
def test_list_pages_keep_a_fixed_number_of_queries(
    world: World,
    django_assert_max_num_queries: Callable[..., Any],
    name: str,
    role: str,
    ceiling: int,
) -> None:
    http = client_for(world.user(role))
    _grow_courses(world, 3)
    with CaptureQueriesContext(connection) as small:
        response = http.get(reverse(name))
    assert len(response.context["page"].object_list) == 3
    assert len(small.captured_queries) <= ceiling
    _grow_courses(world, 27)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = http.get(reverse(name))
    assert len(response.context["page"].object_list) == 25
    assert response.context["page"].paginator.count == 30


def test_course_list_counts_sessions_and_completions(world: World) -> None:
    course = CourseFactory(organisation=world.org_a, name="Basis")
    SessionFactory.create_batch(2, course=course)
    past = SessionFactory(course=course, starts_at=timezone.now() - timedelta(days=5))
    EnrolmentFactory.create_batch(
        2, session=past, status=E.COMPLETED, completed_on=timezone.localdate() - timedelta(days=5)
    )
    EnrolmentFactory(session=past, status=E.ABSENT)
    CourseFactory(organisation=world.org_b, name="Vreemd")
    response = client_for(world.coordinator).get(reverse("volunteers:course_list"))
    [row] = response.context["page"]
    assert (row.name, row.upcoming_sessions, row.completed_by) == ("Basis", 2, 2)


# --- The training panel on a volunteer's page ------------------------------------------------


@time_machine.travel(datetime(2026, 3, 1, 12, 0, tzinfo=AMS), tick=False)
def test_training_panel_shows_completed_expiring_and_missing_trainings(world: World) -> None:
    volunteer = world.volunteer
    volunteer.role = VolunteerRole.BUDDY
    volunteer.save()
    profile = RoleProfileFactory(organisation=world.org_a, role=VolunteerRole.BUDDY)
    valid = CourseFactory(organisation=world.org_a, name="Basis")
    expiring = CourseFactory(organisation=world.org_a, name="Signaleren", validity_months=12)
    expired = CourseFactory(organisation=world.org_a, name="Grenzen", validity_months=6)
    missing = CourseFactory(organisation=world.org_a, name="Gespreksvoering")
    extra = CourseFactory(organisation=world.org_a, name="Cirkeltraining")
    profile.required_courses.set([valid, expiring, expired, missing])
    for course, day in (
        (valid, date(2025, 2, 1)),
        (expiring, date(2025, 4, 10)),  # valid until 10 April 2026: within 60 days
        (expired, date(2025, 6, 1)),  # valid until 1 December 2025
        (extra, date(2025, 9, 1)),
    ):
        EnrolmentFactory(
            session=SessionFactory(
                course=course, starts_at=datetime(day.year, day.month, day.day, 10, tzinfo=AMS)
            ),
            volunteer=volunteer,
            status=E.COMPLETED,
            completed_on=day,
        )
    upcoming = SessionFactory(course=missing, starts_at=datetime(2026, 3, 20, 19, tzinfo=AMS))
    booked = SessionFactory(course=expired, starts_at=datetime(2026, 4, 2, 19, tzinfo=AMS))
    EnrolmentFactory(session=booked, volunteer=volunteer, status=E.WAITING)

    response = client_for(world.coordinator).get(
        reverse("volunteers:volunteer_detail", args=[volunteer.pk])
    )

    rows = {row.course.name: row for row in response.context["training_rows"]}
    assert {name: (row.state, row.required) for name, row in rows.items()} == {
        "Basis": ("valid", True),
        "Signaleren": ("expiring", True),
        "Grenzen": ("expired", True),
        "Gespreksvoering": ("missing", True),
        "Cirkeltraining": ("valid", False),
    }
    assert rows["Grenzen"].booked is not None and rows["Grenzen"].booked.session == booked
    assert rows["Signaleren"].expires_on == date(2026, 4, 10)
    # Sessions offered for what is still needed: not the one already booked.
    assert response.context["training_open_sessions"] == [upcoming]
    assert response.context["training_enrol_form"] is not None
    content = response.content.decode()
    assert reverse("volunteers:volunteer_enrol", args=[volunteer.pk]) in content


def test_volunteer_sees_own_training_panel_read_only(world: World) -> None:
    session = SessionFactory(course__organisation=world.org_a, course__name="Basistraining")
    EnrolmentFactory(session=session, volunteer=world.volunteer)
    response = client_for(world.volunteer_user).get(
        reverse("volunteers:volunteer_detail", args=[world.volunteer.pk])
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Basistraining" in content
    assert response.context["training_enrol_form"] is None
    assert reverse("volunteers:volunteer_enrol", args=[world.volunteer.pk]) not in content
    assert reverse("volunteers:session_detail", args=[session.pk]) not in content


def test_volunteers_cannot_see_each_others_training(world: World) -> None:
    other = VolunteerFactory(organisation=world.org_a)
    response = client_for(world.volunteer_user).get(
        reverse("volunteers:volunteer_detail", args=[other.pk])
    )
    assert response.status_code == 404


def _grow_volunteer_history(world: World, size: int) -> None:
    from tests.volunteers.factories_training import AssessmentFactory, CompetencyFactory

    volunteer = world.volunteer
    profile, _created = RoleProfile.objects.get_or_create(
        organisation=world.org_a, role=VolunteerRole.BUDDY
    )
    for _ in range(size):
        course = CourseFactory(organisation=world.org_a, validity_months=12)
        profile.required_courses.add(course)
        EnrolmentFactory(
            session=SessionFactory(course=course, starts_at=timezone.now() - timedelta(days=9)),
            volunteer=volunteer,
            status=E.COMPLETED,
            completed_on=timezone.localdate() - timedelta(days=9),
        )
        SessionFactory(course=course)
        AssessmentFactory(
            volunteer=volunteer, competency=CompetencyFactory(organisation=world.org_a)
        )


@pytest.mark.parametrize("role", ["coordinator", "volunteer"])
def test_the_panels_do_not_add_queries_per_training_or_assessment(
    world: World, django_assert_max_num_queries: Callable[..., Any], role: str
) -> None:
    volunteer = world.volunteer
    volunteer.role = VolunteerRole.BUDDY
    volunteer.save()
    http = client_for(world.user(role))
    url = reverse("volunteers:volunteer_detail", args=[volunteer.pk])
    _grow_volunteer_history(world, 3)
    with CaptureQueriesContext(connection) as small:
        assert http.get(url).status_code == 200
    _grow_volunteer_history(world, 27)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = http.get(url)
    assert len(response.context["training_rows"]) == 30
    assert len(response.context["competency_rows"]) == 30
