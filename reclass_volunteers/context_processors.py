from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from reclass_volunteers.models import Role

C, P, V, A = Role.COORDINATOR, Role.PROFESSIONAL, Role.VOLUNTEER, Role.ADMIN
STAFF = {C, P, A}

# (label, url name, roles that see it). Visibility of the pages themselves is enforced in the
# views; this only decides what the menu offers. The bar holds the daily work; supervision and
# settings sit in two dropdowns, so the bar fits a laptop screen.
NAVIGATION = [
    (_("Home"), "home", {C, P, V, A}),
    (_("My matches"), "supervision:portal", {V}),
    (_("Volunteers"), "volunteers:volunteer_list", STAFF),
    (_("Clients"), "clients:client_list", STAFF),
    (_("Matches"), "matching:match_list", STAFF),
    (_("Waiting list"), "matching:waiting_list", {C, A}),
    (_("Referrals"), "matching:referral_list", STAFF),
    (_("Signals"), "supervision:signal_list", {C, P, V, A}),
    (_("Intervision"), "supervision:intervision_mine", {V}),
    (_("My expenses"), "supervision:expense_mine", {V}),
    (_("How I am doing"), "supervision:wellbeing_mine", {V}),
    (_("My profile"), "volunteers:own_profile", {V}),
]

SUPERVISION = [
    (_("Personal attention"), "volunteers:attention_list", {C, A}),
    (_("Contact reports"), "supervision:report_list", STAFF),
    (_("Discussion points"), "supervision:discussion_list", STAFF),
    (_("Supervision overdue"), "supervision:note_overdue", STAFF),
    (_("Expenses to approve"), "supervision:expense_approval_list", {C, A}),
    (_("Well-being"), "supervision:wellbeing_list", {C, A}),
    (_("Intervision"), "supervision:intervision_group_list", STAFF),
    (_("Ways of working"), "supervision:practice_list", STAFF),
    (_("Training"), "volunteers:session_list", STAFF),
]

MANAGEMENT = [
    (_("Volunteer policy"), "volunteers:policy_edit", {C, A}),
    (_("Matching policy"), "matching:matching_policy", {C, A}),
    (_("Supervision policy"), "supervision:supervision_policy", {C, A}),
    (_("Reminders"), "reminder_policy", {C, A}),
    (_("Users"), "user_list", {A}),
    (_("Organisation"), "organisation_settings", {A}),
    (_("Audit log"), "audit_list", {A}),
    (_("Sending and reminders"), "operations", {A}),
]

GROUPS = [(_("Supervision"), SUPERVISION), (_("Management"), MANAGEMENT)]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    role = getattr(user, "role", "")

    def entries(table: list[tuple[Any, str, set[Role]]]) -> list[dict[str, Any]]:
        return [
            {"label": label, "url": reverse(name), "active": request.path == reverse(name)}
            for label, name, roles in table
            if role in roles
        ]

    items = entries(NAVIGATION)
    for label, table in GROUPS:
        children = entries(table)
        if children:
            items.append(
                {
                    "label": label,
                    "children": children,
                    "active": any(entry["active"] for entry in children),
                }
            )
    from reclass_volunteers.access import notifications_visible_to

    unread = notifications_visible_to(user).filter(read_at__isnull=True).count()
    return {"nav_items": items, "unread_count": unread}
