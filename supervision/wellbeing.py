"""Reads about well-being check-ins shared by the sweep, the pages and the home pages.

`needs_follow_up()` is the database form of `WellbeingCheckIn.is_low` (answered, and a score
of LOW or lower or a wish to be contacted) without a follow-up yet; the list's first tab, the
coordinator's home count and the sweep's tests all use it, so they cannot disagree.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Q

from reclass_volunteers import access
from reclass_volunteers.models import Role, User
from supervision.models import WellbeingCheckIn
from supervision.models.wellbeing import ANSWERS


def is_low() -> Q:
    """The condition of `WellbeingCheckIn.is_low`, for filters and annotations."""
    low = Q(wants_contact=True)
    for name in ANSWERS:
        low |= Q(**{f"{name}__lte": WellbeingCheckIn.LOW})
    return Q(answered_at__isnull=False) & low


def needs_follow_up() -> Q:
    return is_low() & Q(followed_up_at__isnull=True)


def due_date(*, anchor: date, today: date, interval: timedelta) -> date | None:
    """The latest due date `anchor + k * interval` (k >= 1) on or before `today`, or None
    before the first. Computed from the anchor alone, so every sweep (late, early or two at
    once) finds the same date, and a sweep after a long downtime finds only the latest."""
    periods = (today - anchor) // interval
    if periods < 1:
        return None
    return anchor + periods * interval


def coordinator_summary(user: User) -> dict[str, int]:
    """For the coordinator's (and admin's) home page, in one query: answers that still need a
    follow-up, and check-ins not answered. Zero for everyone who may not see check-ins of
    others."""
    if user.role not in (Role.COORDINATOR, Role.ADMIN):
        return {"wellbeing_to_follow_up": 0, "wellbeing_not_answered": 0}
    counts = access.wellbeing_checkins_visible_to(user).aggregate(
        to_follow_up=Count("pk", filter=needs_follow_up()),
        not_answered=Count("pk", filter=Q(answered_at__isnull=True)),
    )
    return {
        "wellbeing_to_follow_up": counts["to_follow_up"],
        "wellbeing_not_answered": counts["not_answered"],
    }


def volunteer_open_checkin(user: User) -> WellbeingCheckIn | None:
    """The volunteer's check-in waiting for an answer, in one query: their latest, when it is
    not answered (an older one counts only until a newer one exists)."""
    latest = (
        access.wellbeing_checkins_visible_to(user)
        .filter(volunteer__user=user)
        .order_by("-due_on", "-pk")
        .first()
    )
    if latest is None or latest.answered_at is not None:
        return None
    return latest
