"""A user's private calendar feed (issue 6): which dates belong in it, and iCalendar written by
hand (RFC 5545).

The feed leaves the application for whatever calendar app its owner uses, so it carries the
minimum: what, when and where; clients only by their code, volunteers by first name.
Each reader runs a fixed number of queries, however many events there are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from reclass_volunteers.models import Role, User

if TYPE_CHECKING:
    from supervision.models import IntervisionSession

PRODID = "-//reclass_volunteers//agenda//NL"
UID_DOMAIN = "reclass-volunteers"
# Calendar apps show a little history; older dates only weigh down every refresh.
HISTORY = timedelta(days=90)
MAX_OCTETS = 75


@dataclass(frozen=True)
class Event:
    uid: str
    summary: str
    start: datetime | date  # a datetime is a moment (aware); a date an all-day event
    location: str = ""
    description: str = ""


# --- Writing iCalendar ----------------------------------------------------------------------------


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11): backslash, semicolon, comma and newlines."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1): CRLF and one space before each
    continuation. A UTF-8 character is never split."""
    parts: list[str] = []
    current = ""
    size = 0
    limit = MAX_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            parts.append(current)
            current, size = " ", 1  # the leading space counts towards the next line's 75
        current += char
        size += width
    parts.append(current)
    return "\r\n".join(parts)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _start_line(start: datetime | date) -> str:
    if isinstance(start, datetime):
        return f"DTSTART:{_utc(start)}"
    return f"DTSTART;VALUE=DATE:{start:%Y%m%d}"


def build_calendar(*, name: str, events: Iterable[Event], now: datetime) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    stamp = _utc(now)
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}@{UID_DOMAIN}",
            f"DTSTAMP:{stamp}",
            _start_line(event.start),
            f"SUMMARY:{escape_text(event.summary)}",
        ]
        if event.location:
            lines.append(f"LOCATION:{escape_text(event.location)}")
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


# --- What goes in a user's feed -------------------------------------------------------------------


def _training_sessions(user: User, since: datetime) -> list[Event]:
    from volunteers.models import Enrolment

    enrolments = (
        Enrolment.objects.filter(
            volunteer__user=user,
            volunteer__organisation=user.organisation_id,
            status__in=Enrolment.SEATED,
            session__starts_at__gte=since,
        )
        .select_related("session__course")
        .order_by("session__starts_at")
    )
    return [
        Event(
            uid=f"training-{e.session_id}",
            summary=_("Training: %(course)s") % {"course": e.session.course.name},
            start=e.session.starts_at,
            location=e.session.location,
        )
        for e in enrolments
    ]


def _organisation_training_sessions(user: User, since: datetime) -> list[Event]:
    from volunteers.models import TrainingSession

    sessions = (
        TrainingSession.objects.filter(
            course__organisation=user.organisation_id, starts_at__gte=since
        )
        .select_related("course")
        .order_by("starts_at")
    )
    return [
        Event(
            uid=f"training-{s.pk}",
            summary=_("Training: %(course)s") % {"course": s.course.name},
            start=s.starts_at,
            location=s.location,
        )
        for s in sessions
    ]


def _intervision(sessions: Iterable[IntervisionSession]) -> list[Event]:
    return [
        Event(
            uid=f"intervision-{s.pk}",
            summary=_("Intervision: %(group)s") % {"group": s.group.name},
            start=s.starts_at,
            location=s.place,
            description=s.topic,
        )
        for s in sessions
    ]


def _volunteer_intervision(user: User, since: datetime) -> list[Event]:
    from supervision.models import IntervisionInvitation

    invitations = (
        IntervisionInvitation.objects.filter(
            volunteer__user=user,
            volunteer__organisation=user.organisation_id,
            session__group__organisation=user.organisation_id,
            session__starts_at__gte=since,
        )
        .exclude(answer=IntervisionInvitation.Answer.NO)
        .select_related("session__group")
        .order_by("session__starts_at")
    )
    return _intervision(i.session for i in invitations)


def _facilitated_intervision(user: User, since: datetime) -> list[Event]:
    from supervision.models import IntervisionSession

    sessions = (
        IntervisionSession.objects.filter(
            group__organisation=user.organisation_id,
            group__facilitator=user,
            starts_at__gte=since,
        )
        .select_related("group")
        .order_by("starts_at")
    )
    return _intervision(sessions)


def _shared_supervision_dates(user: User, since: date) -> list[Event]:
    from supervision.models import SupervisionNote

    notes = SupervisionNote.objects.filter(
        volunteer__user=user,
        volunteer__organisation=user.organisation_id,
        shared_with_volunteer=True,
        next_on__gte=since,
    ).order_by("next_on", "pk")
    return [
        Event(uid=f"supervision-note-{n.pk}", summary=_("Supervision meeting"), start=n.next_on)
        for n in notes
        if n.next_on is not None
    ]


def _supervised_volunteer_dates(user: User, since: date) -> list[Event]:
    """The next supervision of each volunteer this professional supervises: the date agreed in
    that volunteer's latest note."""
    from supervision.models import SupervisionNote
    from volunteers.models import Volunteer

    latest = SupervisionNote.objects.filter(volunteer=OuterRef("pk")).order_by(
        "-held_on", "-created_at", "-pk"
    )
    volunteers = (
        Volunteer.objects.filter(supervisor=user, organisation=user.organisation_id)
        .annotate(
            next_on=Subquery(latest.values("next_on")[:1]),
            note_id=Subquery(latest.values("pk")[:1]),
        )
        .filter(next_on__gte=since)
        .order_by("next_on", "pk")
    )
    return [
        Event(
            uid=f"supervision-note-{v.note_id}",
            summary=_("Supervision with %(name)s") % {"name": v.first_name},
            start=v.next_on,
        )
        for v in volunteers
    ]


def _match_dates(user: User, since: date) -> list[Event]:
    """Planned ends and next circle reviews of the live matches of this professional's
    clients."""
    from matching.models import CircleReview, Match

    latest_review = CircleReview.objects.filter(match=OuterRef("pk")).order_by("-held_on", "-pk")
    matches = (
        Match.objects.filter(
            organisation=user.organisation_id,
            client__responsible_professional=user,
            status__in=Match.LIVE_STATUSES,
        )
        .annotate(next_review_on=Subquery(latest_review.values("next_review_on")[:1]))
        .filter(Q(planned_end_on__gte=since) | Q(next_review_on__gte=since))
        .select_related("client")
        .order_by("pk")
    )
    events = []
    for m in matches:
        code = m.client.code
        if m.next_review_on is not None and m.next_review_on >= since:
            events.append(
                Event(
                    uid=f"circle-review-{m.pk}-{m.next_review_on:%Y%m%d}",
                    summary=_("Circle review: %(code)s") % {"code": code},
                    start=m.next_review_on,
                )
            )
        if m.planned_end_on is not None and m.planned_end_on >= since:
            events.append(
                Event(
                    uid=f"match-end-{m.pk}",
                    summary=_("Planned end of the match: %(code)s") % {"code": code},
                    start=m.planned_end_on,
                )
            )
    return events


def events_for(user: User, *, now: datetime) -> list[Event]:
    """Everything in this user's feed, sorted by start. Empty for anyone outside an
    organisation or inactive."""
    if not user.is_active or user.organisation_id is None:
        return []
    since = now - HISTORY
    since_day = since.date()
    events: list[Event] = []
    if user.role == Role.VOLUNTEER:
        events += _training_sessions(user, since)
        events += _volunteer_intervision(user, since)
        events += _shared_supervision_dates(user, since_day)
    else:
        events += _facilitated_intervision(user, since)
    if user.role == Role.PROFESSIONAL:
        events += _supervised_volunteer_dates(user, since_day)
        events += _match_dates(user, since_day)
    if user.role == Role.COORDINATOR:
        events += _organisation_training_sessions(user, since)
    return sorted(events, key=_sort_key)


def _sort_key(event: Event) -> tuple[str, str]:
    start = event.start
    key = _utc(start) if isinstance(start, datetime) else f"{start:%Y%m%d}"
    return key, event.uid
