"""The well-being check-in sweep (issue 6): volunteers whose client carries a stigmatising risk
factor (the organisation's `wellbeing_risk_flags`, a sex offence by default) are asked every
`wellbeing_interval_weeks` how they are doing.

Periods are deterministic: the anchor is the earliest start of the volunteer's active matches
with such a client, and the check-ins are due at anchor + k x interval (k >= 1, so the first
comes one interval after the match started, not on day one). A sweep opens the check-in of the
latest due date on or before today, never the missed earlier ones: after a long downtime a
volunteer gets one questionnaire, not three. The unique (volunteer, due_on) makes concurrent
sweeps agree; the outbox key (kind, volunteer's user, check-in, "") makes a rerun send nothing.

Per organisation a fixed number of queries: the candidates with their anchor and user, the
check-ins already opened for their current period, the new rows (one bulk insert and one read
back, only when there are new ones) and the messages already sent.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import RiskFlag
from matching.models import Match, MatchVolunteer
from reclass_volunteers.models import Organisation, ReminderPolicy
from reclass_volunteers.sweeps import SweepResult, sweep
from supervision.models import WellbeingCheckIn
from supervision.wellbeing import due_date
from volunteers.models import Volunteer
from volunteers.sweeps import Sender, policy_of, reminder_policies

WELLBEING_KIND = "wellbeing.checkin"


def risk_flags(policy: ReminderPolicy) -> list[str]:
    """The policy's flags that are real risk factors; none means nobody gets check-ins."""
    return [flag for flag in policy.wellbeing_risk_flags or [] if flag in RiskFlag.values]


def candidates(organisation: Organisation, flags: list[str]) -> list[tuple[Volunteer, date]]:
    """Active volunteers with an active account in an active match whose client carries one
    of `flags`, each with its anchor: the earliest start of those matches. One query."""
    if not flags:
        return []
    # JSON lists are matched as text, like the client list's filter, so that SQLite (the
    # quick start) and PostgreSQL agree; the flags are known identifiers, quoted whole.
    flagged = Q()
    for flag in flags:
        flagged |= Q(match__client__risk_flags__icontains=f'"{flag}"')
    earliest = (
        MatchVolunteer.objects.filter(
            flagged,
            volunteer=OuterRef("pk"),
            match__organisation=organisation,
            match__status=Match.Status.ACTIVE,
            match__started_on__isnull=False,
        )
        .order_by("match__started_on")
        .values("match__started_on")[:1]
    )
    volunteers = (
        Volunteer.objects.filter(
            organisation=organisation,
            status=Volunteer.Status.ACTIVE,
            user__isnull=False,
            user__is_active=True,
        )
        .annotate(anchor=Subquery(earliest))
        .filter(anchor__isnull=False)
        .select_related("user")
        .order_by("pk")
    )
    return [(v, v.anchor) for v in volunteers]


def _open_checkins(
    organisation: Organisation, due: dict[int, date]
) -> dict[tuple[int, date], WellbeingCheckIn]:
    """The check-ins of the current periods that exist, opening the missing ones."""
    if not due:
        return {}

    def read() -> dict[tuple[int, date], WellbeingCheckIn]:
        rows = WellbeingCheckIn.objects.filter(
            organisation=organisation,
            volunteer_id__in=list(due),
            due_on__in=set(due.values()),
        )
        # The filter is a cross product of volunteers and dates: keep each one's own period.
        return {
            (row.volunteer_id, row.due_on): row
            for row in rows
            if due.get(row.volunteer_id) == row.due_on
        }

    existing = read()
    missing = [
        WellbeingCheckIn(organisation=organisation, volunteer_id=volunteer_id, due_on=day)
        for volunteer_id, day in due.items()
        if (volunteer_id, day) not in existing
    ]
    if not missing:
        return existing
    # A concurrent sweep may insert the same rows: the unique (volunteer, due_on) keeps one,
    # and reading back gives both sweeps the same rows to send about.
    WellbeingCheckIn.objects.bulk_create(missing, ignore_conflicts=True)
    return read()


@sweep("wellbeing_checkins")
def wellbeing_checkins(now: datetime) -> SweepResult:
    result = SweepResult()
    policies = reminder_policies()
    today = timezone.localdate(now)
    for organisation in Organisation.objects.order_by("pk"):
        policy = policy_of(policies, organisation)
        volunteers = candidates(organisation, risk_flags(policy))
        if not volunteers:
            continue
        interval = timedelta(weeks=policy.wellbeing_interval_weeks)
        due: dict[int, date] = {}
        for volunteer, anchor in volunteers:
            day = due_date(anchor=anchor, today=today, interval=interval)
            if day is not None:
                due[volunteer.pk] = day
        with transaction.atomic():
            checkins = _open_checkins(organisation, due)
            to_ask = [
                (volunteer, checkins[(volunteer.pk, due[volunteer.pk])])
                for volunteer, _anchor in volunteers
                if volunteer.pk in due and (volunteer.pk, due[volunteer.pk]) in checkins
            ]
            # Someone who answered already (the message got lost) is not asked again.
            to_ask = [(v, c) for v, c in to_ask if c.answered_at is None]
            sender = Sender(result, kind=WELLBEING_KIND, subjects=[c for _v, c in to_ask])
            for volunteer, checkin in to_ask:
                assert volunteer.user is not None
                sender.send(
                    recipient=volunteer.user,
                    subject=checkin,
                    occasion="",
                    organisation=organisation,
                    title=_("How are you doing? A short check-in"),
                    body=_(
                        "Four short questions about how your volunteer work is going for you. "
                        "It takes a minute. The coordinators read your answers, the "
                        "professionals do not."
                    ),
                    url=reverse("supervision:wellbeing_answer", kwargs={"pk": checkin.pk}),
                )
    return result
