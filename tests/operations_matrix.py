"""Role-matrix rows for the operations page (issue 6), merged into tests/test_role_matrix.py
MATRIX. The page and its actions are for the organisation's administrators only; a failed
e-mail of another organisation is not found (404) for an administrator. The rows are checked
by tests/test_operations_matrix.py until the integrator merges them."""

from __future__ import annotations

from typing import Any

from reclass_volunteers.models import Notification, User
from tests.conftest import World
from tests.matrix import ADMIN_ONLY, A, C, O, P, Row, V

ADMIN_POSTS = {C: 403, P: 403, V: 403, A: 302, O: 403}


def failed_email(recipient: User) -> Notification:
    """A message whose e-mail failed for good, to `recipient`."""
    return Notification.objects.create(
        kind="test.failed",
        recipient=recipient,
        email=recipient.email,
        title="Failed test message",
        email_status=Notification.EmailStatus.FAILED,
        email_attempts=6,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
    )


def _own(world: World) -> dict[str, Any]:
    return {"pk": failed_email(world.coordinator).pk}


def _foreign(world: World) -> dict[str, Any]:
    return {"pk": failed_email(world.outsider).pk}


ROWS: dict[str, Row] = {
    "operations": Row("get", ADMIN_ONLY),
    "operations_retry": Row("post", ADMIN_POSTS, own=_own, foreign=_foreign),
    "operations_retry_all": Row("post", ADMIN_POSTS),
}
