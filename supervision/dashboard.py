"""The professional's and the coordinator's dashboards (issue 5, item 7): what needs attention
now, read in a fixed number of queries whatever the size of the caseload.

- the running matches with the last reported contact (days since, none yet);
- open relapse signals by severity and age, the oldest first;
- supervision overdue against each volunteer's plan (a professional: those they supervise);
- for coordinators also: expenses waiting for approval and open discussion points.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from matching.models import Match
from reclass_volunteers import access
from reclass_volunteers.models import Role, User
from supervision.models import Expense, Severity
from supervision.services.guidance import overdue_supervision

# Age buckets of open signals, in hours: under 4, 4 to 24, 1 to 3 days, longer.
AGE_BUCKETS = ((4, "lt4h"), (24, "lt1d"), (72, "lt3d"), (None, "older"))
MATCHES_SHOWN = 25
SIGNALS_SHOWN = 10
OVERDUE_SHOWN = 10


@dataclass(frozen=True)
class MatchRow:
    match: Match
    last_contact: date | None
    days_since: int | None


def _bucket(age: timedelta) -> str:
    hours = age.total_seconds() / 3600
    for limit, key in AGE_BUCKETS:
        if limit is None or hours < limit:
            return key
    return AGE_BUCKETS[-1][1]


def _bucket_labels() -> dict[str, str]:
    return {
        "lt4h": _("under 4 hours"),
        "lt1d": _("4 to 24 hours"),
        "lt3d": _("1 to 3 days"),
        "older": _("longer"),
    }


def signal_overview(user: User, now: datetime) -> dict[str, Any]:
    """Open signals in the user's scope: a severity x age table (and chart data) and the
    oldest ones. Two queries."""
    open_signals = access.signals_visible_to(user).filter(acknowledged_at__isnull=True)
    ages = list(open_signals.values_list("severity", "reported_at"))
    buckets = [key for _limit, key in AGE_BUCKETS]
    table = {severity: dict.fromkeys(buckets, 0) for severity in Severity.values}
    for severity, reported_at in ages:
        table[severity][_bucket(now - reported_at)] += 1
    severities = list(reversed(Severity.choices))  # acute first
    labels = _bucket_labels()
    return {
        "total": len(ages),
        "rows": [
            (str(label), [table[value][key] for key in buckets], sum(table[value].values()))
            for value, label in severities
        ],
        "columns": [labels[key] for key in buckets],
        "chart": {
            "labels": [str(label) for _value, label in severities],
            "series": [
                {"label": str(labels[key]), "data": [table[value][key] for value, _l in severities]}
                for key in buckets
            ],
            "title": _("Open signals by severity and age"),
        },
        "oldest": list(
            open_signals.select_related("client", "volunteer").order_by("reported_at")[
                :SIGNALS_SHOWN
            ]
        ),
    }


def match_rows(user: User, today: date) -> list[MatchRow]:
    """Running matches with the last reported contact, longest silence first. One query for
    the matches with their last contact, one for their volunteers."""
    matches = (
        access.matches_visible_to(user)
        .filter(status=Match.Status.ACTIVE)
        .select_related("client")
        .prefetch_related("memberships__volunteer")
        .annotate(last_contact=Max("contact_reports__happened_on"))
        .order_by(F("last_contact").asc(nulls_first=True), "started_on")[:MATCHES_SHOWN]
    )
    rows = []
    for match in matches:
        last = match.last_contact
        rows.append(MatchRow(match, last, (today - last).days if last else None))
    return rows


def dashboard(user: User, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    today = timezone.localdate(now)
    volunteers = access.volunteers_visible_to(user)
    if user.role == Role.PROFESSIONAL:
        volunteers = volunteers.filter(supervisor=user)
    overdue = overdue_supervision(volunteers, today)
    context: dict[str, Any] = {
        "signals": signal_overview(user, now),
        "match_rows": match_rows(user, today),
        "overdue_supervision": overdue[:OVERDUE_SHOWN],
        "overdue_supervision_total": len(overdue),
    }
    if user.role in (Role.COORDINATOR, Role.ADMIN):
        counts = access.expenses_visible_to(user).aggregate(
            to_approve=Count("pk", filter=Q(status=Expense.Status.SUBMITTED))
        )
        context["expenses_to_approve"] = counts["to_approve"]
        context["discussion_points_open"] = (
            access.discussion_points_visible_to(user).filter(addressed_at__isnull=True).count()
        )
    return context
