"""Role-matrix rows for this area's routes (merged into tests/test_role_matrix.py MATRIX)."""

from __future__ import annotations

from tests.matrix import Row

ROWS: dict[str, Row] = {}
