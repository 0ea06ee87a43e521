"""Role-matrix rows for this area's routes (merged into tests/test_role_matrix.py MATRIX).

Coordinators and admins move volunteers of their own organisation through the pipeline (a
successful step redirects: 302); professionals and volunteers may not (403); another
organisation's volunteer is not found (404). Each row builds a volunteer in the stage where its
step is possible, so the 302 is a real step, not a refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reclass_volunteers.models import Organisation
from tests.conftest import World
from tests.factories import VolunteerFactory
from tests.matrix import A, C, O, P, Row, V
from tests.volunteers.factories_pipeline import farewell_of, screened, volunteer_in
from volunteers.models import Volunteer

S = Volunteer.Status
MANAGE = {C: 302, P: 403, V: 403, A: 302, O: 404}
READ = {C: 200, P: 403, V: 403, A: 200, O: 404}
PAST = "2025-06-01"


def _in(
    status: str, prepare: Callable[[Volunteer], Volunteer] = lambda v: v
) -> tuple[Callable[[World], dict[str, Any]], Callable[[World], dict[str, Any]]]:
    def build(organisation: Organisation) -> dict[str, Any]:
        return {"pk": prepare(volunteer_in(status, organisation, role="buddy")).pk}

    return (lambda w: build(w.org_a)), (lambda w: build(w.org_b))


def _step(status: str, prepare: Callable[[Volunteer], Volunteer] = lambda v: v, **data: str) -> Row:
    own, foreign = _in(status, prepare)
    return Row("post", MANAGE, own=own, foreign=foreign, data={"expected_status": status, **data})


def _left(organisation: Organisation) -> dict[str, Any]:
    return {"pk": farewell_of(VolunteerFactory(organisation=organisation)).volunteer_id}


ROWS: dict[str, Row] = {
    "volunteers:pipeline_overview": Row("get", {C: 200, P: 403, V: 403, A: 200, O: 200}),
    "volunteers:pipeline_intake_plan": _step(
        S.APPLIED, planned_at="2030-01-10T10:00", location="Kantoor"
    ),
    "volunteers:pipeline_intake_record": _step(
        S.INTAKE_PLANNED, held_on=PAST, impression="Rustig", decision="proceed"
    ),
    "volunteers:pipeline_screening_start": _step(S.INTAKE_DONE),
    "volunteers:pipeline_certificate": _step(S.SCREENING, requested_on=PAST),
    "volunteers:pipeline_references": _step(S.SCREENING, checked_on=PAST, note="Goed"),
    "volunteers:pipeline_training_start": _step(S.SCREENING, screened, role="buddy"),
    "volunteers:pipeline_activate": _step(S.TRAINING, screened),
    "volunteers:pipeline_resume": _step(S.PAUSED, screened),
    "volunteers:pipeline_pause": _step(S.ACTIVE, reason="Vakantie"),
    "volunteers:pipeline_reject": _step(S.APPLIED, reason="Past niet"),
    "volunteers:pipeline_farewell": _step(
        S.ACTIVE, held_on=PAST, reason="moved", would_recommend="unknown"
    ),
    "volunteers:pipeline_supervision_plan": _step(S.ACTIVE, form="group", interval_weeks="4"),
    "volunteers:pipeline_matching_settings": _step(S.ACTIVE, max_matches="2"),
    "volunteers:pipeline_farewell_letter": Row(
        "get", READ, own=lambda w: _left(w.org_a), foreign=lambda w: _left(w.org_b)
    ),
}
