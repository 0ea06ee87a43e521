"""Role-matrix rows of the waiting list (merged into tests/test_role_matrix.py).

Coordinators and admins only: the page shows every waiting client of the organisation and
makes matches. Accepting with no pair posted sends the coordinator back to the list (302) with
a message; foreign clients and volunteers are tried in tests/matching/test_waiting_views.py."""

from __future__ import annotations

from tests.matrix import A, C, O, P, Row, V

MANAGE = {C: 200, P: 403, V: 403, A: 200, O: 200}

ROWS: dict[str, Row] = {
    "matching:waiting_list": Row("get", MANAGE),
    "matching:waiting_list_proposal": Row("get", MANAGE),
    "matching:waiting_accept": Row("post", {C: 302, P: 403, V: 403, A: 302, O: 302}),
}
