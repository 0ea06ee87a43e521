"""Role-matrix rows of the suggestions page, merged into tests/test_role_matrix.py.

Coordinators and administrators make matches, so only they see a client's suggestions;
professionals and volunteers get 403, and a client of another organisation is 404."""

from __future__ import annotations

from tests.matrix import A, C, O, P, Row, V

ROWS: dict[str, Row] = {
    "matching:client_suggestions": Row(
        "get",
        {C: 200, P: 403, V: 403, A: 200, O: 404},
        own=lambda w: {"client_pk": w.client.pk},
        foreign=lambda w: {"client_pk": w.foreign_client.pk},
    ),
}
