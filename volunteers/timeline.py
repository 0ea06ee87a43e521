"""Everything that happened to a volunteer, newest first, for the volunteer's page.

Built from one query per kind of record (stage changes, applications, intakes, certificates,
enrolments, assessments, farewell, matches, the reference check's checker), so the page's
query count does not grow with a long history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reclass_volunteers import access
from reclass_volunteers.models import User
from volunteers.models import Enrolment, Farewell, Volunteer

KIND_LABELS = {
    "application": gettext_lazy("Application"),
    "stage": gettext_lazy("Stage"),
    "intake": gettext_lazy("Intake"),
    "certificate": gettext_lazy("Screening"),
    "references": gettext_lazy("Screening"),
    "training": gettext_lazy("Training"),
    "assessment": gettext_lazy("Competency"),
    "farewell": gettext_lazy("Farewell"),
    "match": gettext_lazy("Match"),
}


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str  # stage, application, intake, certificate, references, training, assessment,
    # farewell, match: the template's badge
    title: str
    detail: str = ""
    by: str = ""
    # Only a date is known (a certificate's issue date, a completed training): show no time.
    whole_day: bool = False

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self.kind])


def _on(day: date) -> datetime:
    # Only the day is known: sort it after everything timed on that day, so that "training
    # completed" or "exit conversation" never appear to precede that day's stage moves.
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def _name(user: User | None) -> str:
    return str(user) if user is not None else ""


def volunteer_timeline(volunteer: Volunteer, *, user: User) -> list[Event]:
    """The volunteer's history as seen by `user` (matches only as far as they may see them)."""
    events: list[Event] = []

    applications = list(volunteer.applications.order_by("submitted_at", "pk"))
    for number, application in enumerate(applications):
        events.append(
            Event(
                at=application.submitted_at,
                kind="application",
                title=_("Applied") if number == 0 else _("Applied again"),
                detail=(
                    ""
                    if number == 0
                    else _("Application %(number)d; the existing record was kept.")
                    % {"number": number + 1}
                ),
            )
        )

    for change in volunteer.status_changes.select_related("by"):
        if not change.from_status:
            if applications:
                continue  # the first application above already says it
            title = _("Registered in the stage “%(stage)s”") % {
                "stage": change.get_to_status_display()
            }
        else:
            title = _("Stage: %(from)s → %(to)s") % {
                "from": change.get_from_status_display(),
                "to": change.get_to_status_display(),
            }
        events.append(
            Event(
                at=change.at, kind="stage", title=title, detail=change.reason, by=_name(change.by)
            )
        )

    for intake in volunteer.intakes.select_related("conducted_by"):
        if intake.held_on is None:
            events.append(
                Event(
                    at=intake.planned_at,
                    kind="intake",
                    title=_("Intake planned"),
                    detail=intake.location,
                    by=_name(intake.conducted_by),
                )
            )
        else:
            events.append(
                Event(
                    at=_on(intake.held_on),
                    kind="intake",
                    title=_("Intake held: %(decision)s")
                    % {"decision": intake.get_decision_display()},
                    detail=intake.decision_reason,
                    by=_name(intake.conducted_by),
                    whole_day=True,
                )
            )

    for certificate in volunteer.certificates.select_related("checked_by"):
        profile = ", ".join(
            part
            for part in (
                _("screening areas %(areas)s") % {"areas": certificate.screening_areas}
                if certificate.screening_areas
                else "",
                _("function aspects %(aspects)s") % {"aspects": certificate.function_aspects}
                if certificate.function_aspects
                else "",
            )
            if part
        )
        events.append(
            Event(
                at=_on(certificate.requested_on),
                kind="certificate",
                title=_("Certificate of conduct requested"),
                whole_day=True,
            )
        )
        if certificate.issued_on is not None:
            events.append(
                Event(
                    at=_on(certificate.issued_on),
                    kind="certificate",
                    title=_("Certificate of conduct issued and checked"),
                    detail=profile,
                    by=_name(certificate.checked_by),
                    whole_day=True,
                )
            )

    if volunteer.references_checked_on is not None:
        checker = (
            User.objects.filter(pk=volunteer.references_checked_by_id).first()
            if volunteer.references_checked_by_id
            else None
        )
        events.append(
            Event(
                at=_on(volunteer.references_checked_on),
                kind="references",
                title=_("References checked"),
                detail=volunteer.references_note,
                by=_name(checker),
                whole_day=True,
            )
        )

    for enrolment in volunteer.enrolments.select_related("session__course"):
        course = enrolment.session.course
        session_day = timezone.localtime(enrolment.session.starts_at).date()
        if enrolment.status == Enrolment.Status.WAITING:
            title = _("On the waiting list for %(course)s") % {"course": course}
        else:
            title = _("Enrolled for %(course)s") % {"course": course}
        detail = _("Session of %(day)s, %(place)s") % {
            "day": formats.date_format(session_day, "SHORT_DATE_FORMAT"),
            "place": enrolment.session.location,
        }
        if enrolment.status in (
            Enrolment.Status.ATTENDED,
            Enrolment.Status.ABSENT,
            Enrolment.Status.CANCELLED,
        ):
            detail = f"{detail} · {enrolment.get_status_display()}"
        events.append(Event(at=enrolment.enrolled_at, kind="training", title=title, detail=detail))
        if enrolment.status == Enrolment.Status.COMPLETED and enrolment.completed_on:
            events.append(
                Event(
                    at=_on(enrolment.completed_on),
                    kind="training",
                    title=_("Completed %(course)s") % {"course": course},
                    whole_day=True,
                )
            )

    for assessment in volunteer.assessments.select_related("competency", "assessed_by"):
        events.append(
            Event(
                at=_on(assessment.assessed_on),
                kind="assessment",
                title=_("Assessed %(competency)s: level %(level)d of 5")
                % {"competency": assessment.competency, "level": assessment.level},
                detail=assessment.evidence,
                by=_name(assessment.assessed_by),
                whole_day=True,
            )
        )

    farewell = Farewell.objects.filter(volunteer=volunteer).select_related("conducted_by").first()
    if farewell is not None:
        events.append(
            Event(
                at=_on(farewell.held_on),
                kind="farewell",
                title=_("Exit conversation: %(reason)s")
                % {"reason": farewell.get_reason_display()},
                detail=farewell.reason_text,
                by=_name(farewell.conducted_by),
                whole_day=True,
            )
        )

    matches = (
        access.matches_visible_to(user)
        .filter(memberships__volunteer=volunteer)
        .select_related("client")
    )
    for match in matches:
        if match.started_on:
            events.append(
                Event(
                    at=_on(match.started_on),
                    kind="match",
                    title=_("Match started with %(client)s") % {"client": match.client.code},
                    whole_day=True,
                )
            )
        if match.ended_on:
            events.append(
                Event(
                    at=_on(match.ended_on),
                    kind="match",
                    title=_("Match ended with %(client)s") % {"client": match.client.code},
                    whole_day=True,
                )
            )

    # Newest first. On a tie the order above is kept (the sort is stable even reversed).
    return sorted(events, key=lambda e: e.at, reverse=True)
