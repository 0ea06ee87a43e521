"""Role-matrix rows of the expense, allowance and supervision policy routes, merged into
tests/test_role_matrix.py.

Volunteers claim expenses for themselves (staff get 403 on those pages); coordinators and
administrators approve them; one expense and its receipt are seen by the volunteer, their
supervising professional and the organisation's coordinators and administrators (the world's
volunteer is supervised by the world's professional). The allowance pages are for volunteers,
coordinators and administrators; the policy page for coordinators and administrators."""

from __future__ import annotations

import atexit
from typing import Any

from django.core.files.storage import default_storage

from tests.matrix import A, C, O, P, Row, V
from tests.supervision.factories_expenses import ExpenseFactory, with_receipt
from volunteers.models import Volunteer

VOLUNTEER_ONLY = {C: 403, P: 403, V: 403, A: 403, O: 403} | {V: 200}
APPROVERS = {C: 200, P: 403, V: 403, A: 200, O: 200}
SEES_EXPENSE = {C: 200, P: 200, V: 200, A: 200, O: 404}
DECIDES = {C: 302, P: 403, V: 403, A: 302, O: 404}
ALLOWANCE = {C: 200, P: 403, V: 200, A: 200, O: 200}


def _expense(volunteer: Volunteer) -> dict[str, Any]:
    return {"pk": ExpenseFactory(volunteer=volunteer).pk}


def _expense_with_receipt(volunteer: Volunteer) -> dict[str, Any]:
    expense = with_receipt(ExpenseFactory(volunteer=volunteer))
    # The matrix runs without the tests' temporary upload folder: remove the file afterwards.
    atexit.register(default_storage.delete, expense.receipt.name)
    return {"pk": expense.pk}


ROWS: dict[str, Row] = {
    "supervision:expense_mine": Row("get", VOLUNTEER_ONLY),
    "supervision:expense_create": Row("get", VOLUNTEER_ONLY),
    "supervision:expense_approval_list": Row("get", APPROVERS),
    "supervision:expense_detail": Row(
        "get",
        SEES_EXPENSE,
        own=lambda w: _expense(w.volunteer),
        foreign=lambda w: _expense(w.foreign_volunteer),
    ),
    "supervision:expense_receipt": Row(
        "get",
        SEES_EXPENSE,
        own=lambda w: _expense_with_receipt(w.volunteer),
        foreign=lambda w: _expense_with_receipt(w.foreign_volunteer),
    ),
    "supervision:expense_decide": Row(
        "post",
        DECIDES,
        own=lambda w: _expense(w.volunteer),
        foreign=lambda w: _expense(w.foreign_volunteer),
        data={"decision": "approve"},
    ),
    "supervision:allowance_list": Row("get", ALLOWANCE),
    "supervision:allowance_claim": Row("get", ALLOWANCE),
    "supervision:supervision_policy": Row("get", APPROVERS),
}
