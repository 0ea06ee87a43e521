"""Role-matrix rows of this area, merged into tests/test_role_matrix.py."""

from __future__ import annotations

from tests.matrix import Row

ROWS: dict[str, Row] = {}
