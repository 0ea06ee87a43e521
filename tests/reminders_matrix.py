"""Role-matrix rows for the reminder settings and calendar pages (issue 6), merged into
tests/test_role_matrix.py MATRIX. The feed itself (`calendar_feed`) is public: its secret URL
is the key, so it is on the PUBLIC allow-list instead.

Reminder settings are for coordinators and admins (the outsider gets their own organisation's).
Every member has a calendar link; making a new one shows it on the response (200), not after a
redirect, because only its hash is kept."""

from __future__ import annotations

from tests.matrix import A, C, O, P, Row, V, everyone

ROWS: dict[str, Row] = {
    "reminder_policy": Row("get", {C: 200, P: 403, V: 403, A: 200, O: 200}),
    "calendar_settings": Row("get", everyone(200)),
    "calendar_reset": Row("post", everyone(200)),
}
