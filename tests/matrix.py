"""The role matrix's vocabulary: a Row per route, the personas' short names and common
expectations. tests/test_role_matrix.py holds the foundation's rows and merges in the rows of
each area (tests/volunteers/matrix_*.py), so every area keeps its rows next to its tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.conftest import ROLES, World

C, P, V, A, O = "coordinator", "professional", "volunteer", "admin", "outsider"  # noqa: E741


@dataclass(frozen=True)
class Row:
    """Expected status per role. `own` builds kwargs for an object of organisation A (the
    personas' own), `foreign` for one of organisation B; routes without objects leave both out."""

    method: str
    expect_own: dict[str, int]
    own: Callable[[World], dict[str, Any]] | None = None
    foreign: Callable[[World], dict[str, Any]] | None = None
    data: dict[str, str] = field(default_factory=dict)
    expect_foreign: dict[str, int] | None = None

    def expected(self, role: str, scope: str) -> int:
        if scope == "own":
            return self.expect_own[role]
        if self.expect_foreign is not None:
            return self.expect_foreign[role]
        # Organisation B's object: not found for A's roles that may use the page at all; for
        # the outsider it is their own, so they get what A's coordinator gets on A's object.
        if role == O:
            return self.expect_own[C]
        return 403 if self.expect_own[role] == 403 else 404


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


STAFF_ONLY = {C: 200, P: 200, V: 403, A: 200, O: 200}
ADMIN_ONLY = {C: 403, P: 403, V: 403, A: 200, O: 403}
