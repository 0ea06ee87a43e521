"""Role-matrix rows for the training routes (merged into tests/test_role_matrix.py MATRIX).

Coordinators and admins manage courses, sessions and enrolments; professionals may look at
courses and sessions; volunteers see their trainings on their own page only. A POST to enrol
with no volunteer chosen re-renders the session page (200) with the error."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from reclass_volunteers.models import Organisation
from tests.conftest import World
from tests.matrix import STAFF_ONLY, A, C, O, P, Row, V
from tests.volunteers.factories_training import CourseFactory, EnrolmentFactory, SessionFactory
from volunteers.models import Volunteer

# Pages of one object of the organisation, for those who manage training.
MANAGE = {C: 200, P: 403, V: 403, A: 200, O: 404}
# Pages without an object (the outsider gets them for their own organisation).
MANAGE_NEW = {C: 200, P: 403, V: 403, A: 200, O: 200}
READ = {C: 200, P: 200, V: 403, A: 200, O: 404}
CHANGE = {C: 302, P: 403, V: 403, A: 302, O: 404}

PAST = datetime(2020, 1, 10, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))


def _course(organisation: Organisation) -> dict[str, Any]:
    return {"pk": CourseFactory(organisation=organisation).pk}


def _session(organisation: Organisation) -> dict[str, Any]:
    return {"pk": SessionFactory(course__organisation=organisation).pk}


def _enrolment(volunteer: Volunteer, **session: Any) -> dict[str, Any]:
    session_row = SessionFactory(course__organisation=volunteer.organisation, **session)
    return {"pk": EnrolmentFactory(session=session_row, volunteer=volunteer).pk}


def _own_volunteer(w: World) -> dict[str, Any]:
    return {"pk": w.volunteer.pk}


def _foreign_volunteer(w: World) -> dict[str, Any]:
    return {"pk": w.foreign_volunteer.pk}


ROWS: dict[str, Row] = {
    "volunteers:course_list": Row("get", STAFF_ONLY),
    "volunteers:course_create": Row("get", MANAGE_NEW),
    "volunteers:course_detail": Row(
        "get", READ, own=lambda w: _course(w.org_a), foreign=lambda w: _course(w.org_b)
    ),
    "volunteers:course_edit": Row(
        "get", MANAGE, own=lambda w: _course(w.org_a), foreign=lambda w: _course(w.org_b)
    ),
    "volunteers:session_list": Row("get", STAFF_ONLY),
    "volunteers:session_create": Row("get", MANAGE_NEW),
    "volunteers:session_detail": Row(
        "get", READ, own=lambda w: _session(w.org_a), foreign=lambda w: _session(w.org_b)
    ),
    "volunteers:session_edit": Row(
        "get", MANAGE, own=lambda w: _session(w.org_a), foreign=lambda w: _session(w.org_b)
    ),
    "volunteers:session_enrol": Row(
        "post", MANAGE, own=lambda w: _session(w.org_a), foreign=lambda w: _session(w.org_b)
    ),
    "volunteers:enrolment_cancel": Row(
        "post",
        CHANGE,
        own=lambda w: _enrolment(w.volunteer),
        foreign=lambda w: _enrolment(w.foreign_volunteer),
    ),
    "volunteers:enrolment_attendance": Row(
        "post",
        CHANGE,
        own=lambda w: _enrolment(w.volunteer, starts_at=PAST),
        foreign=lambda w: _enrolment(w.foreign_volunteer, starts_at=PAST),
        data={"attended": "1"},
    ),
    "volunteers:enrolment_complete": Row(
        "post",
        CHANGE,
        own=lambda w: _enrolment(w.volunteer, starts_at=PAST),
        foreign=lambda w: _enrolment(w.foreign_volunteer, starts_at=PAST),
        data={"completed_on": "2020-01-10"},
    ),
    "volunteers:volunteer_enrol": Row(
        "get", MANAGE, own=_own_volunteer, foreign=_foreign_volunteer
    ),
}
