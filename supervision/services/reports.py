"""What volunteers report and raise, and how staff acknowledge it: contact reports with the
professional's replies and the volunteer's answers, "something I want to discuss", the minutes
of circle meetings, and the weekly digest for supervisors and responsible professionals.

Who may acknowledge a contact report (mark it read, reply, ask a question): the professional
responsible for the client, the volunteer's supervisor, and the organisation's coordinators.
Administrators may read reports but do not answer volunteers.

A discussion point goes to the volunteer's supervisor (or, without one, to the coordinators)
and never to the client or the responsible professional as such
(access.discussion_points_visible_to).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from matching.models import Match, MatchVolunteer
from reclass_volunteers import audit, outbox
from reclass_volunteers.models import Notification, Role, User
from supervision.models import (
    CircleMinutes,
    ContactReport,
    DiscussionPoint,
    ReportReply,
)
from volunteers.choices import ActivityType
from volunteers.models import Volunteer

# Minutes are filed within this time after the day of the meeting; later ones go to the
# coordinator by hand, so that a late summary is never mistaken for a fresh one.
MINUTES_WINDOW = timedelta(hours=48)
DIGEST_DAYS = 7
# How many reports the digest lists by name; the count covers all of them.
DIGEST_LISTED = 10


def _same_organisation(a: int | None, b: int | None) -> None:
    if a is None or a != b:
        raise ValidationError(_("This is not part of your organisation."))


def _active_member(*, volunteer: Volunteer, match: Match) -> MatchVolunteer:
    """The volunteer's membership of an active match, or a refusal."""
    membership = MatchVolunteer.objects.filter(match=match, volunteer=volunteer).first()
    if membership is None or match.status != Match.Status.ACTIVE:
        raise ValidationError(_("You can only report about your own active matches."))
    return membership


def _not_in_future(day: date, field_name: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field_name: _("The date cannot be in the future.")})


# --- Contact reports -------------------------------------------------------------------------


@transaction.atomic
def contact_report_create(
    *,
    volunteer: Volunteer,
    match: Match,
    by: User,
    happened_on: date,
    duration_minutes: int,
    kind: str,
    how_it_went: int,
    activities: Iterable[str] = (),
    notes: str = "",
) -> ContactReport:
    if volunteer.user_id != by.pk:
        raise ValidationError(_("You can only report your own contacts."))
    _same_organisation(volunteer.organisation_id, match.organisation_id)
    _active_member(volunteer=volunteer, match=match)
    _not_in_future(happened_on, "happened_on")
    if match.started_on is not None and happened_on < match.started_on:
        raise ValidationError(
            {
                "happened_on": _("The match started on %(date)s: enter a date from then on.")
                % {"date": formats.date_format(match.started_on, "j F Y")}
            }
        )
    chosen = list(dict.fromkeys(activities))
    unknown = [value for value in chosen if value not in ActivityType.values]
    if unknown:
        raise ValidationError({"activities": _("Choose from the listed activities.")})
    report = ContactReport(
        match=match,
        volunteer=volunteer,
        happened_on=happened_on,
        duration_minutes=duration_minutes,
        kind=kind,
        activities=chosen,
        how_it_went=how_it_went,
        notes=notes.strip(),
    )
    report.full_clean()
    report.save()
    audit.record(action="report.create", user=by, obj=report)
    return report


def activity_labels(report: ContactReport) -> list[str]:
    labels = dict(ActivityType.choices)
    return [str(labels.get(value, value)) for value in report.activities]


def may_acknowledge(user: User, report: ContactReport) -> bool:
    """The responsible professional, the volunteer's supervisor, or a coordinator of the
    organisation. `report` needs match__client and volunteer loaded to avoid extra queries."""
    if not user.is_active or user.organisation_id != report.match.organisation_id:
        return False
    if user.role == Role.COORDINATOR:
        return True
    if user.role != Role.PROFESSIONAL:
        return False
    return user.pk in (
        report.match.client.responsible_professional_id,
        report.volunteer.supervisor_id,
    )


def _lock_report(report: ContactReport) -> ContactReport:
    return ContactReport.objects.select_for_update().get(pk=report.pk)


def _check_acknowledger(user: User, report: ContactReport) -> None:
    if not may_acknowledge(user, report):
        raise ValidationError(
            _(
                "Only the responsible professional, the volunteer's supervisor or a coordinator "
                "can do this."
            )
        )


def _mark_read(locked: ContactReport, by: User) -> bool:
    if locked.read_at is not None:
        return False
    locked.read_at = timezone.now()
    locked.read_by = by
    locked.save(update_fields=["read_at", "read_by"])
    audit.record(action="report.read", user=by, obj=locked)
    return True


@transaction.atomic
def report_mark_read(*, report: ContactReport, by: User) -> ContactReport:
    """Mark the report read. Idempotent: the first reader stays recorded."""
    _check_acknowledger(by, report)
    locked = _lock_report(report)
    _mark_read(locked, by)
    report.read_at, report.read_by_id = locked.read_at, locked.read_by_id
    return report


def _report_url_for_volunteer(report: ContactReport) -> str:
    return reverse("supervision:portal_report", args=[report.pk])


def _report_url_for_staff(report: ContactReport) -> str:
    return reverse("supervision:report_detail", args=[report.pk])


@transaction.atomic
def report_reply(
    *, report: ContactReport, by: User, text: str, is_question: bool = False
) -> ReportReply:
    """A reply or a follow-up question from staff. Replying counts as having read it."""
    _check_acknowledger(by, report)
    locked = _lock_report(report)
    reply = ReportReply(report=locked, author=by, text=text.strip(), is_question=is_question)
    reply.full_clean()
    reply.save()
    _mark_read(locked, by)
    audit.record(action="report.question" if is_question else "report.reply", user=by, obj=reply)
    volunteer_user = report.volunteer.user
    if volunteer_user is not None and volunteer_user.is_active:
        outbox.notify(
            kind="report.question" if is_question else "report.reply",
            recipient=volunteer_user,
            title=(
                _("%(name)s asked you a question about your contact report.")
                if is_question
                else _("%(name)s replied to your contact report.")
            )
            % {"name": by.get_short_name()},
            url=_report_url_for_volunteer(report),
            subject=reply,
        )
    return reply


def open_question(report: ContactReport) -> ReportReply | None:
    """The latest question from staff that the volunteer has not answered after it."""
    replies = list(report.replies.all())
    for reply in reversed(replies):
        if reply.is_question:
            return reply
        if reply.author_id is not None and reply.author_id == report.volunteer.user_id:
            return None
    return None


@transaction.atomic
def report_answer(*, report: ContactReport, by: User, text: str) -> ReportReply:
    """The volunteer answers the open question on their report."""
    if report.volunteer.user_id != by.pk:
        raise ValidationError(_("You can only answer questions about your own reports."))
    locked = _lock_report(report)
    question = open_question(locked)
    if question is None:
        raise ValidationError(_("There is no open question on this report."))
    answer = ReportReply(report=locked, author=by, text=text.strip(), is_question=False)
    answer.full_clean()
    answer.save()
    audit.record(action="report.answer", user=by, obj=answer)
    asker = question.author
    if asker is None or not asker.is_active:
        asker = report.match.client.responsible_professional
    if asker is not None and asker.is_active:
        outbox.notify(
            kind="report.answer",
            recipient=asker,
            title=_("%(name)s answered your question about a contact report.")
            % {"name": report.volunteer.first_name},
            url=_report_url_for_staff(report),
            subject=answer,
        )
    return answer


# --- Something I want to discuss -------------------------------------------------------------


def discussion_recipients(volunteer: Volunteer) -> list[User]:
    """The volunteer's supervisor, or without one (or an inactive one) the coordinators."""
    supervisor = volunteer.supervisor
    if supervisor is not None and supervisor.is_active:
        return [supervisor]
    return list(User.objects.coordinators_of(volunteer.organisation_id))


@transaction.atomic
def discussion_point_create(
    *,
    volunteer: Volunteer,
    by: User,
    topic: str,
    text: str,
    match: Match | None = None,
) -> DiscussionPoint:
    if volunteer.user_id != by.pk:
        raise ValidationError(_("You can only raise points for yourself."))
    if match is not None:
        _same_organisation(volunteer.organisation_id, match.organisation_id)
        _active_member(volunteer=volunteer, match=match)
    point = DiscussionPoint(volunteer=volunteer, match=match, topic=topic, text=text.strip())
    point.full_clean()
    point.save()
    audit.record(action="discussion.create", user=by, obj=point)
    url = reverse("supervision:discussion_detail", args=[point.pk])
    for recipient in discussion_recipients(volunteer):
        outbox.notify(
            kind="discussion.raised",
            recipient=recipient,
            title=_("%(name)s would like to talk something over with you: %(topic)s")
            % {"name": volunteer.full_name, "topic": point.get_topic_display().lower()},
            body=_(
                "Volunteers raise small things so that they can be talked about openly. "
                "Thank them for telling you; this is not a complaint about them."
            ),
            url=url,
            subject=point,
        )
    return point


def may_address(user: User, point: DiscussionPoint) -> bool:
    """The volunteer's supervisor or a coordinator of the organisation (the page offers the
    form on the same rule as the service checks)."""
    volunteer = point.volunteer
    return user.organisation_id == volunteer.organisation_id and (
        user.role == Role.COORDINATOR
        or (user.role == Role.PROFESSIONAL and volunteer.supervisor_id == user.pk)
    )


@transaction.atomic
def discussion_address(*, point: DiscussionPoint, by: User, response: str) -> DiscussionPoint:
    """Record the response and close the point, once."""
    volunteer = point.volunteer
    if not may_address(by, point):
        raise ValidationError(_("Only the volunteer's supervisor or a coordinator can do this."))
    locked = DiscussionPoint.objects.select_for_update().get(pk=point.pk)
    if locked.addressed_at is not None:
        raise ValidationError(_("This point has already been discussed."))
    response = response.strip()
    if not response:
        raise ValidationError({"response": _("Write your response to the volunteer.")})
    locked.addressed_at = timezone.now()
    locked.addressed_by = by
    locked.response = response
    locked.full_clean()
    locked.save(update_fields=["addressed_at", "addressed_by", "response"])
    audit.record(action="discussion.address", user=by, obj=locked)
    if volunteer.user is not None and volunteer.user.is_active:
        outbox.notify(
            kind="discussion.addressed",
            recipient=volunteer.user,
            title=_("%(name)s responded to what you wanted to discuss.")
            % {"name": by.get_short_name()},
            url=reverse("supervision:portal"),
            subject=locked,
        )
    return locked


# --- Circle minutes --------------------------------------------------------------------------


def minutes_deadline(held_on: date) -> datetime:
    """The end of the meeting day plus 48 hours, in the organisation's time zone."""
    end_of_day = datetime.combine(held_on + timedelta(days=1), datetime.min.time())
    return timezone.make_aware(end_of_day) + MINUTES_WINDOW


def lead_membership(*, volunteer: Volunteer, match: Match) -> MatchVolunteer | None:
    if not match.is_circle or match.status != Match.Status.ACTIVE:
        return None
    return MatchVolunteer.objects.filter(match=match, volunteer=volunteer, is_lead=True).first()


@transaction.atomic
def circle_minutes_create(
    *, match: Match, volunteer: Volunteer, by: User, held_on: date, text: str
) -> CircleMinutes:
    if volunteer.user_id != by.pk:
        raise ValidationError(_("You can only file minutes yourself."))
    _same_organisation(volunteer.organisation_id, match.organisation_id)
    if lead_membership(volunteer=volunteer, match=match) is None:
        raise ValidationError(_("Only the lead volunteer of an active circle files its minutes."))
    _not_in_future(held_on, "held_on")
    if timezone.now() > minutes_deadline(held_on):
        raise ValidationError(
            {
                "held_on": _(
                    "Minutes are filed within 48 hours of the meeting. For this meeting that "
                    "time has passed: please send your minutes to the coordinator."
                )
            }
        )
    already = _("Minutes of the meeting on this date have already been filed.")
    if CircleMinutes.objects.filter(match=match, held_on=held_on).exists():
        raise ValidationError({"held_on": already})
    minutes = CircleMinutes(match=match, held_on=held_on, text=text.strip(), filed_by=volunteer)
    minutes.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            minutes.save()
    except IntegrityError:
        # Two submissions of the same meeting at once: the constraint lets one through.
        raise ValidationError({"held_on": already}) from None
    audit.record(action="circle_minutes.create", user=by, obj=minutes)
    _send_minutes(minutes, match)
    return minutes


def _send_minutes(minutes: CircleMinutes, match: Match) -> None:
    day = formats.date_format(minutes.held_on, "DATE_FORMAT")
    title = _("Minutes of the circle meeting of %(date)s") % {"date": day}
    body = _("Circle of %(client)s, filed by %(volunteer)s.\n\n%(text)s") % {
        "client": match.client.first_name,
        "volunteer": minutes.filed_by.full_name,
        "text": minutes.text,
    }
    sent_to: set[str] = set()
    for professional in (match.client.responsible_professional, match.responsible_professional):
        if professional is None or not professional.is_active:
            continue
        if professional.email.strip().lower() in sent_to:
            continue
        sent_to.add(professional.email.strip().lower())
        outbox.notify(
            kind="circle.minutes",
            recipient=professional,
            title=title,
            url=reverse("supervision:minutes_list", args=[match.pk]),
            subject=minutes,
        )
    for member in match.outer_circle.exclude(email=""):
        address = member.email.strip().lower()
        if address in sent_to:
            continue
        sent_to.add(address)
        outbox.notify(
            kind="circle.minutes",
            to_email=member.email,
            title=title,
            body=body,
            subject=minutes,
        )


# --- Weekly digest ---------------------------------------------------------------------------


@dataclass
class _Digest:
    user: User
    reports: dict[int, ContactReport] = field(default_factory=dict)


def _iso_week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def _digest_line(report: ContactReport) -> str:
    return _("%(date)s · %(volunteer)s with %(client)s · %(kind)s, %(minutes)s min.") % {
        "date": formats.date_format(report.happened_on, "SHORT_DATE_FORMAT"),
        "volunteer": report.volunteer.full_name,
        "client": report.match.client.first_name,
        "kind": report.get_kind_display(),
        "minutes": report.duration_minutes,
    }


def weekly_digest_run(*, now: datetime | None = None) -> dict[str, int]:
    """One notification per supervisor and per responsible professional with their volunteers'
    reports of the past seven days. The occasion is the ISO week, so a second run in the same
    week sends nothing; people with nothing to report get nothing."""
    now = now or timezone.now()
    reports = (
        ContactReport.objects.filter(created_at__gt=now - timedelta(days=DIGEST_DAYS))
        .filter(created_at__lte=now)
        .select_related(
            "volunteer__supervisor", "match__client__responsible_professional", "match__client"
        )
        .order_by("-happened_on", "-created_at")
    )
    digests: dict[int, _Digest] = {}
    for report in reports:
        for person in (report.volunteer.supervisor, report.match.client.responsible_professional):
            if person is None or not person.is_active:
                continue
            if person.organisation_id != report.match.organisation_id:
                continue
            digest = digests.setdefault(person.pk, _Digest(user=person))
            digest.reports[report.pk] = report
    occasion = _iso_week(timezone.localdate(now))
    sent = 0
    for digest in digests.values():
        _notification, created = _send_digest(digest, occasion)
        sent += int(created)
    return {"reports": len({pk for d in digests.values() for pk in d.reports}), "sent": sent}


@transaction.atomic
def _send_digest(digest: _Digest, occasion: str) -> tuple[Notification, bool]:
    items = list(digest.reports.values())
    count = len(items)
    lines = [_digest_line(report) for report in items[:DIGEST_LISTED]]
    if count > DIGEST_LISTED:
        lines.append(_("… and %(count)s more.") % {"count": count - DIGEST_LISTED})
    unread = sum(1 for report in items if report.read_at is None)
    title = ngettext(
        "This week: %(count)s contact report of your volunteers",
        "This week: %(count)s contact reports of your volunteers",
        count,
    ) % {"count": count}
    if unread:
        summary = ngettext(
            "%(count)s of them is not read yet.", "%(count)s of them are not read yet.", unread
        ) % {"count": unread}
    else:
        summary = _("All of them have been read.")
    return outbox.notify(
        kind="report.weekly_digest",
        recipient=digest.user,
        title=title,
        body="\n".join([*lines, "", summary]),
        url=reverse("supervision:report_list") + "?unread=1",
        occasion=occasion,
    )
