"""Role-matrix rows for this area's routes (merged into tests/test_role_matrix.py MATRIX).

The public application form, its thank-you page and the privacy statement need no log-in and
are on the allow-list (PUBLIC in tests/test_role_matrix.py) instead."""

from __future__ import annotations

from tests.matrix import A, C, O, P, Row, V

ROWS: dict[str, Row] = {
    # The page edits the user's own organisation's policy; there is no object id to swap.
    "volunteers:policy_edit": Row("get", {C: 200, P: 403, V: 403, A: 200, O: 200}),
}
