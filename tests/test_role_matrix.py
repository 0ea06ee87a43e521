"""The role matrix (SECURITY.md "Access"): every route x every role x own and foreign object.

One table. A route that appears in neither this table nor the anonymous allow-list fails
`test_every_route_is_in_the_matrix_or_public`, so a new view cannot ship without its row.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests import operations_matrix, reminders_matrix
from tests.clients import matrix_clients
from tests.conftest import ROLES, World, client_for
from tests.matching import (
    matrix_matches,
    matrix_policy,
    matrix_referrals,
    matrix_suggestions,
    matrix_waiting,
)
from tests.matrix import ADMIN_ONLY, STAFF_ONLY, A, C, O, P, Row, V, everyone
from tests.supervision import (
    matrix_expenses,
    matrix_guidance,
    matrix_reports,
    matrix_signals,
    matrix_wellbeing,
)
from tests.volunteers import (
    matrix_application,
    matrix_attention,
    matrix_competencies,
    matrix_groups,
    matrix_pipeline,
    matrix_training,
)

MATRIX: dict[str, Row] = {
    "home": Row("get", everyone(200)),
    "notification_list": Row("get", everyone(200)),
    "notification_read": Row(
        "post",
        # Each persona gets a notification of their own; someone else's is 404.
        everyone(302),
        own=lambda w: {"pk": "own-notification"},
        foreign=lambda w: {"pk": "foreign-notification"},
        expect_foreign=everyone(404),
    ),
    "notifications_read_all": Row("post", everyone(302)),
    "reminder_emails_set": Row("post", everyone(302)),
    "password_change": Row("get", everyone(200)),
    "password_change_done": Row("get", everyone(200)),
    "logout": Row("post", everyone(302)),
    "user_list": Row("get", ADMIN_ONLY),
    "user_invite": Row("get", ADMIN_ONLY),
    "user_set_active": Row(
        "post",
        {C: 403, P: 403, V: 403, A: 302, O: 403},
        own=lambda w: {"pk": w.coordinator.pk},
        foreign=lambda w: {"pk": w.outsider.pk},
        data={"active": "1"},
    ),
    "invitation_revoke": Row(
        "post",
        {C: 403, P: 403, V: 403, A: 302, O: 403},
        own=lambda w: {"pk": "own-invitation"},
        foreign=lambda w: {"pk": "foreign-invitation"},
    ),
    "audit_list": Row("get", ADMIN_ONLY),
    "organisation_settings": Row("get", ADMIN_ONLY),
    "user_two_factor_reset": Row(
        "post",
        {C: 403, P: 403, V: 403, A: 302, O: 403},
        own=lambda w: {"pk": w.coordinator.pk},
        foreign=lambda w: {"pk": w.outsider.pk},
    ),
    # Anyone may link an authenticator app; verifying without one sends you to set it up.
    "two_factor_setup": Row("get", everyone(200)),
    "two_factor_verify": Row("get", everyone(302)),
    "volunteers:volunteer_list": Row("get", STAFF_ONLY),
    "volunteers:volunteer_detail": Row(
        "get",
        {C: 200, P: 200, V: 200, A: 200, O: 404},
        own=lambda w: {"pk": w.volunteer.pk},
        foreign=lambda w: {"pk": w.foreign_volunteer.pk},
    ),
    "matching:match_list": Row("get", STAFF_ONLY),
    # The operations site is for superusers; organisation users are sent to its log-in.
    "admin:index": Row("get", everyone(302)),
}

for _area in (
    matrix_application,
    matrix_pipeline,
    matrix_training,
    matrix_competencies,
    matrix_groups,
    matrix_clients,
    matrix_matches,
    matrix_suggestions,
    matrix_waiting,
    matrix_referrals,
    matrix_policy,
    matrix_signals,
    matrix_reports,
    matrix_expenses,
    matrix_guidance,
    matrix_wellbeing,
    matrix_attention,
    reminders_matrix,
    operations_matrix,
):
    MATRIX.update(_area.ROWS)

# Routes that answer without log-in (SECURITY.md allow-list).
PUBLIC = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "invitation_accept",
    "set_language",
    "security_txt",
    "health",
    "admin:login",
    "volunteers:apply",
    "volunteers:apply_thanks",
    "volunteers:privacy_statement",
    "calendar_feed",
}


def _route_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
                walk(pattern.url_patterns, namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(prefix + pattern.name)

    walk(get_resolver().url_patterns, "")
    return names


def test_every_route_is_in_the_matrix_or_public() -> None:
    names = {n for n in _route_names() if not n.startswith("admin:") or n in PUBLIC}
    missing = names - set(MATRIX) - PUBLIC
    assert not missing, f"Routes without a role-matrix row or allow-list entry: {sorted(missing)}"


def _resolve_placeholders(world: World, role: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    from reclass_volunteers import outbox
    from reclass_volunteers.models import Invitation, Role
    from tests.factories import UserFactory

    resolved = dict(kwargs)
    if kwargs.get("pk") == "own-notification":
        resolved["pk"] = outbox.notify(kind="t", recipient=world.user(role), title="x")[0].pk
    elif kwargs.get("pk") == "foreign-notification":
        resolved["pk"] = outbox.notify(
            kind="t", recipient=world.outsider if role != O else world.coordinator, title="x"
        )[0].pk
    elif kwargs.get("pk") in ("own-invitation", "foreign-invitation"):
        org = world.org_a if kwargs["pk"] == "own-invitation" else world.org_b
        from datetime import timedelta

        from django.utils import timezone

        invitee = UserFactory(organisation=org, role=Role.VOLUNTEER, is_active=False)
        inviter = world.admin if org == world.org_a else world.outsider
        resolved["pk"] = Invitation.objects.create(
            organisation=org,
            email=invitee.email,
            full_name="X",
            role=Role.VOLUNTEER,
            token_hash=f"{org.pk}-{invitee.pk}".ljust(64, "0"),
            invited_by=inviter,
            user=invitee,
            expires_at=timezone.now() + timedelta(days=1),
        ).pk
    return resolved


CASES = [
    (name, role, scope)
    for name, row in MATRIX.items()
    for role in ROLES
    for scope in (("own", "foreign") if row.own else ("own",))
]


@pytest.mark.parametrize(("name", "role", "scope"), CASES)
def test_role_matrix(world: World, name: str, role: str, scope: str) -> None:
    from django.urls import reverse

    row = MATRIX[name]
    build = row.own if scope == "own" else row.foreign
    kwargs = _resolve_placeholders(world, role, build(world)) if build else {}
    url = reverse(name, kwargs=kwargs or None)
    http = client_for(world.user(role))
    response = getattr(http, row.method)(url, row.data)
    assert response.status_code == row.expected(role, scope), response.status_code


@pytest.mark.parametrize(
    "name",
    sorted(n for n, r in MATRIX.items() if r.method == "post"),
)
def test_post_only_views_refuse_get(world: World, name: str) -> None:
    from django.urls import reverse

    row = MATRIX[name]
    kwargs = _resolve_placeholders(world, A, row.own(world)) if row.own else {}
    response = client_for(world.admin).get(reverse(name, kwargs=kwargs or None))
    assert response.status_code == 405
