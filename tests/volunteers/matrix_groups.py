"""Role-matrix rows for the volunteer list's export, the group message and the volunteer's own
profile (merged into tests/test_role_matrix.py MATRIX).

None of these routes takes an object id: each works on the user's own scope (the list's
filters, or the volunteer record of the logged-in volunteer), so there is no foreign object to
try; the outsider (coordinator of organisation B) gets their own organisation's group."""

from __future__ import annotations

from tests.matrix import A, C, O, P, Row, V

MANAGERS_ONLY = {C: 200, P: 403, V: 403, A: 200, O: 200}

ROWS: dict[str, Row] = {
    "volunteers:volunteer_export": Row("get", MANAGERS_ONLY),
    "volunteers:group_message": Row("get", MANAGERS_ONLY),
    "volunteers:group_message_send": Row(
        "post",
        {C: 302, P: 403, V: 403, A: 302, O: 302},
        data={"title": "Nieuwe training", "body": "Doe mee.", "token": "matrix-token-0123456789"},
    ),
    "volunteers:own_profile": Row("get", {C: 403, P: 403, V: 200, A: 403, O: 403}),
}
