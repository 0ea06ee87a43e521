"""Role-matrix rows for the competency routes (merged into tests/test_role_matrix.py MATRIX).

Coordinators and admins edit the catalogue and the role profiles; professionals read them and
assess the volunteers they may see (world.volunteer is supervised by world.professional);
volunteers use none of these pages."""

from __future__ import annotations

from typing import Any

from reclass_volunteers.models import Organisation
from tests.matrix import STAFF_ONLY, A, C, O, P, Row, V
from tests.volunteers.factories_training import CompetencyFactory

MANAGE = {C: 200, P: 403, V: 403, A: 200, O: 404}
MANAGE_NEW = {C: 200, P: 403, V: 403, A: 200, O: 200}
CHANGE = {C: 302, P: 403, V: 403, A: 302, O: 404}


def _competency(organisation: Organisation) -> dict[str, Any]:
    return {"pk": CompetencyFactory(organisation=organisation).pk}


ROWS: dict[str, Row] = {
    "volunteers:competency_list": Row("get", STAFF_ONLY),
    "volunteers:competency_create": Row("get", MANAGE_NEW),
    "volunteers:competency_edit": Row(
        "get",
        MANAGE,
        own=lambda w: _competency(w.org_a),
        foreign=lambda w: _competency(w.org_b),
    ),
    "volunteers:competency_retire": Row(
        "post",
        CHANGE,
        own=lambda w: _competency(w.org_a),
        foreign=lambda w: _competency(w.org_b),
    ),
    "volunteers:competency_reinstate": Row(
        "post",
        CHANGE,
        own=lambda w: _competency(w.org_a),
        foreign=lambda w: _competency(w.org_b),
    ),
    "volunteers:competency_delete": Row(
        "post",
        CHANGE,
        own=lambda w: _competency(w.org_a),
        foreign=lambda w: _competency(w.org_b),
    ),
    "volunteers:roleprofile_list": Row("get", STAFF_ONLY),
    # A role profile is addressed by its role within the user's own organisation: there is no
    # foreign object to reach, so both scopes expect the same.
    "volunteers:roleprofile_edit": Row(
        "get",
        MANAGE_NEW,
        own=lambda w: {"role": "buddy"},
        foreign=lambda w: {"role": "buddy"},
        expect_foreign=MANAGE_NEW,
    ),
    "volunteers:assessment_create": Row(
        "get",
        {C: 200, P: 200, V: 403, A: 200, O: 404},
        own=lambda w: {"pk": w.volunteer.pk},
        foreign=lambda w: {"pk": w.foreign_volunteer.pk},
    ),
}
