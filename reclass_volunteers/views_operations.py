"""The operations page for an organisation's administrators (issue 6): how the reminder sweeps
ran, what waits in the outbox, what failed (with "try again"), and the e-mails sent per day.

Everything is scoped to the administrator's own organisation: a sweep run records its counts
per organisation and only this organisation's are read (the totals include other
organisations); the outbox is the messages to the organisation's members. A failed sweep shows
only its exception class, as its message could name another organisation's data. Superusers
have the Django admin at /operations/ for the whole picture.

The page costs a fixed number of queries, whatever the number of sweeps, runs or messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Count, F, Min, Q, Value, When, Window
from django.db.models.functions import RowNumber, TruncDate
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from reclass_volunteers import access, services_operations, sweeps
from reclass_volunteers.models import Notification, Role, SweepRun, User

SWEEP_HISTORY = 10
FAILED_SHOWN = 50
CHART_DAYS = 14

# Families for the chart: signals and their escalations ("signal.*"), reminders and
# appreciation (as notify(reminder=True) recorded them), and everything else.
SIGNAL_PREFIX = "signal."
FAMILIES = ("reminders", "signals", "other")


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@dataclass
class RunRow:
    started_at: datetime
    finished_at: datetime | None
    sent: int
    skipped: int
    error_class: str

    @property
    def failed(self) -> bool:
        return bool(self.error_class)

    @property
    def running(self) -> bool:
        return self.finished_at is None and not self.failed

    @property
    def duration(self) -> timedelta | None:
        return self.finished_at - self.started_at if self.finished_at is not None else None

    @property
    def duration_seconds(self) -> float | None:
        duration = self.duration
        return duration.total_seconds() if duration is not None else None


@dataclass
class SweepRow:
    name: str
    runs: list[RunRow] = field(default_factory=list)

    @property
    def last(self) -> RunRow | None:
        return self.runs[0] if self.runs else None


def _error_class(error: str) -> str:
    # Stored as "ClassName: message"; only the class is shown (the message is not ours to show).
    return error.split(":", 1)[0].strip()[:100] if error else ""


def sweep_rows(organisation_id: int, *, history: int = SWEEP_HISTORY) -> list[SweepRow]:
    """Every registered sweep with its last `history` runs, newest first, in one query (a
    window function numbers each sweep's runs). Only this organisation's counts are read."""
    names = sorted(sweeps.discover())
    rows = {name: SweepRow(name=name) for name in names}
    runs = (
        SweepRun.objects.filter(name__in=names)
        .annotate(
            position=Window(
                RowNumber(),
                partition_by=[F("name")],
                order_by=[F("started_at").desc(), F("pk").desc()],
            )
        )
        .filter(position__lte=history)
        .order_by("name", "position")
        .values("name", "started_at", "finished_at", "error", "counts")
    )
    key = str(organisation_id)
    for run in runs:
        # Only this organisation's entry is read; the others' never reach the page.
        mine = run["counts"].get(key) if isinstance(run["counts"], dict) else None
        mine = mine if isinstance(mine, dict) else {}
        rows[run["name"]].runs.append(
            RunRow(
                started_at=run["started_at"],
                finished_at=run["finished_at"],
                sent=int(mine.get("sent", 0)),
                skipped=int(mine.get("skipped", 0)),
                error_class=_error_class(run["error"]),
            )
        )
    return list(rows.values())


def outbox_counts(outbox: models.QuerySet[Notification], *, now: datetime) -> dict[str, Any]:
    """How many e-mails wait (due now), are held for the quiet hours (first attempt later),
    wait for a retry after a failed attempt, are being sent, and failed: one query."""
    pending = Q(email_status=Notification.EmailStatus.PENDING)
    later = pending & Q(next_attempt_at__gt=now)
    return outbox.aggregate(
        waiting=Count("pk", filter=pending & Q(next_attempt_at__lte=now)),
        held=Count("pk", filter=later & Q(email_attempts=0)),
        held_until=Min("next_attempt_at", filter=later & Q(email_attempts=0)),
        retrying=Count("pk", filter=later & Q(email_attempts__gt=0)),
        sending=Count("pk", filter=Q(email_status=Notification.EmailStatus.SENDING)),
        failed=Count("pk", filter=Q(email_status=Notification.EmailStatus.FAILED)),
    )


def family_of_kind() -> Case:
    return Case(
        When(kind__startswith=SIGNAL_PREFIX, then=Value("signals")),
        When(is_reminder=True, then=Value("reminders")),
        default=Value("other"),
        output_field=models.CharField(),
    )


def sent_per_day(
    outbox: models.QuerySet[Notification], *, now: datetime, days: int = CHART_DAYS
) -> list[dict[str, Any]]:
    """E-mails sent per local day over the last `days` days (today included), per kind
    family: one query, days without e-mail included as zeros."""
    zone = timezone.get_current_timezone()
    today = timezone.localdate(now, zone)
    first = today - timedelta(days=days - 1)
    counted = (
        outbox.filter(
            email_status=Notification.EmailStatus.SENT,
            sent_at__gte=datetime.combine(first, time.min, tzinfo=zone),
        )
        .annotate(day=TruncDate("sent_at", tzinfo=zone), family=family_of_kind())
        .values("day", "family")
        .annotate(number=Count("pk"))
        .order_by()
    )
    per_day: dict[date, dict[str, int]] = {
        first + timedelta(days=offset): dict.fromkeys(FAMILIES, 0) for offset in range(days)
    }
    for row in counted:
        if row["day"] in per_day:
            per_day[row["day"]][row["family"]] += row["number"]
    return [
        {"day": day, **figures, "total": sum(figures.values())} for day, figures in per_day.items()
    ]


def _family_labels() -> dict[str, str]:
    return {
        "reminders": _("Reminders and appreciation"),
        "signals": _("Signals"),
        "other": _("Other messages"),
    }


def chart_data(days: list[dict[str, Any]]) -> dict[str, Any]:
    labels = _family_labels()
    return {
        "title": _("E-mails sent per day"),
        "labels": [formats.date_format(row["day"], "D j M") for row in days],
        "series": [
            {"label": labels[family], "data": [row[family] for row in days]} for family in FAMILIES
        ],
    }


@access.role_required(Role.ADMIN)
@require_GET
def operations(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    assert user.organisation_id is not None  # role_required admits members only
    now = timezone.now()
    outbox = access.outbox_visible_to(user)
    days = sent_per_day(outbox, now=now)
    failed = list(
        outbox.filter(email_status=Notification.EmailStatus.FAILED)
        .select_related("recipient")
        .order_by("-created_at", "-pk")[:FAILED_SHOWN]
    )
    return render(
        request,
        "reclass_volunteers/operations.html",
        {
            "sweeps": sweep_rows(user.organisation_id),
            "counts": outbox_counts(outbox, now=now),
            "failed": failed,
            "failed_shown": FAILED_SHOWN,
            "days": days,
            "families": _family_labels(),
            "chart": chart_data(days),
            "chart_days": CHART_DAYS,
            "history": SWEEP_HISTORY,
        },
    )


@access.role_required(Role.ADMIN)
@require_POST
def operations_retry(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    # Not filtered on "failed": a message someone else retried meanwhile gets the service's
    # explanation, not a 404.
    notification = access.get_or_404(request, access.outbox_visible_to(user), pk=pk)
    try:
        services_operations.notification_retry(by=user, notification=notification)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The e-mail “%(title)s” is being sent again.") % {"title": notification.title},
        )
    return redirect("operations")


@access.role_required(Role.ADMIN)
@require_POST
def operations_retry_all(request: HttpRequest) -> HttpResponse:
    try:
        count = services_operations.notifications_retry_failed(by=_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if count:
            messages.success(
                request,
                ngettext(
                    "%(count)d failed e-mail is being sent again.",
                    "%(count)d failed e-mails are being sent again.",
                    count,
                )
                % {"count": count},
            )
        else:
            messages.info(request, _("There were no failed e-mails to send again."))
    return redirect("operations")


urlpatterns: list[URLPattern] = [
    path("beheer/verzending/", operations, name="operations"),
    path("beheer/verzending/<int:pk>/opnieuw/", operations_retry, name="operations_retry"),
    path("beheer/verzending/alles-opnieuw/", operations_retry_all, name="operations_retry_all"),
]
