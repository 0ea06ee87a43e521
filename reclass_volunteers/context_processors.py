from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from reclass_volunteers.models import Role

# (label, url name, roles that see it). Visibility of the pages themselves is enforced in the
# views; this only decides what the menu offers.
NAVIGATION = [
    (_("Home"), "home", {Role.COORDINATOR, Role.PROFESSIONAL, Role.VOLUNTEER, Role.ADMIN}),
    (
        _("Volunteers"),
        "volunteers:volunteer_list",
        {Role.COORDINATOR, Role.PROFESSIONAL, Role.ADMIN},
    ),
    (_("My profile"), "volunteers:own_profile", {Role.VOLUNTEER}),
    (_("Clients"), "clients:client_list", {Role.COORDINATOR, Role.PROFESSIONAL, Role.ADMIN}),
    (_("Matches"), "matching:match_list", {Role.COORDINATOR, Role.PROFESSIONAL, Role.ADMIN}),
    (_("Waiting list"), "matching:waiting_list", {Role.COORDINATOR, Role.ADMIN}),
    (
        _("Referrals"),
        "matching:referral_list",
        {Role.COORDINATOR, Role.PROFESSIONAL, Role.ADMIN},
    ),
    (_("Training"), "volunteers:session_list", {Role.COORDINATOR, Role.PROFESSIONAL, Role.ADMIN}),
]

# Settings and administration: one "Management" menu, so the bar fits a laptop screen.
MANAGEMENT = [
    (_("Volunteer policy"), "volunteers:policy_edit", {Role.COORDINATOR, Role.ADMIN}),
    (_("Matching policy"), "matching:matching_policy", {Role.COORDINATOR, Role.ADMIN}),
    (_("Users"), "user_list", {Role.ADMIN}),
    (_("Organisation"), "organisation_settings", {Role.ADMIN}),
    (_("Audit log"), "audit_list", {Role.ADMIN}),
]


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
    management = entries(MANAGEMENT)
    if management:
        items.append(
            {
                "label": _("Management"),
                "children": management,
                "active": any(entry["active"] for entry in management),
            }
        )
    from reclass_volunteers.access import notifications_visible_to

    unread = notifications_visible_to(user).filter(read_at__isnull=True).count()
    return {"nav_items": items, "unread_count": unread}
