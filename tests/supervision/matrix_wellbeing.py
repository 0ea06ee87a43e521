"""Role-matrix rows of the well-being check-in routes (merged into tests/test_role_matrix.py).

Volunteers answer their own check-ins and see their own answers; coordinators and
administrators read the organisation's (list, one check-in, a volunteer's trend); only
coordinators record a follow-up. Professionals see no check-ins at all (access.py: the
volunteer answers more freely when their supervisor does not read along). Another
organisation's check-in or volunteer is not found."""

from __future__ import annotations

from typing import Any

from tests.matrix import A, C, O, P, Row, V
from tests.supervision.factories_wellbeing import answered_for, checkin_for
from volunteers.models import Volunteer

READERS = {C: 200, P: 403, V: 403, A: 200, O: 200}
VOLUNTEER_ONLY = {C: 403, P: 403, V: 200, A: 403, O: 403}


def _open(volunteer: Volunteer) -> dict[str, Any]:
    return {"pk": checkin_for(volunteer).pk}


def _answered(volunteer: Volunteer) -> dict[str, Any]:
    return {"pk": answered_for(volunteer, low=True).pk}


ROWS: dict[str, Row] = {
    "supervision:wellbeing_list": Row("get", READERS),
    "supervision:wellbeing_mine": Row("get", VOLUNTEER_ONLY),
    "supervision:wellbeing_answer": Row(
        "get",
        VOLUNTEER_ONLY,
        own=lambda w: _open(w.volunteer),
        foreign=lambda w: _open(w.foreign_volunteer),
    ),
    "supervision:wellbeing_detail": Row(
        "get",
        {C: 200, P: 403, V: 403, A: 200, O: 404},
        own=lambda w: _answered(w.volunteer),
        foreign=lambda w: _answered(w.foreign_volunteer),
    ),
    "supervision:wellbeing_follow_up": Row(
        "post",
        {C: 302, P: 403, V: 403, A: 403, O: 404},
        own=lambda w: _answered(w.volunteer),
        foreign=lambda w: _answered(w.foreign_volunteer),
        data={"note": "Gebeld met de vrijwilliger, gaat beter."},
    ),
    "supervision:wellbeing_trend": Row(
        "get",
        {C: 200, P: 403, V: 403, A: 200, O: 404},
        own=lambda w: {"pk": answered_for(w.volunteer).volunteer_id},
        foreign=lambda w: {"pk": answered_for(w.foreign_volunteer).volunteer_id},
    ),
}
