"""Role-matrix rows of the matching policy page, merged into tests/test_role_matrix.py.

The page has no object: each coordinator or administrator edits their own organisation's
policy (the outsider gets organisation B's); professionals and volunteers get 403."""

from __future__ import annotations

from tests.matrix import A, C, O, P, Row, V

ROWS: dict[str, Row] = {
    "matching:matching_policy": Row("get", {C: 200, P: 403, V: 403, A: 200, O: 200}),
}
