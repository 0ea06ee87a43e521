"""Reminder sweeps for volunteers (issue 6): training sessions coming up, and certificates of
conduct and trainings about to expire.

Each sweep works organisation by organisation with a fixed number of queries each (the
organisation's policies, the candidates with everything a message needs, the messages already
sent), so a round does not grow in queries per volunteer; only a message that is new costs the
outbox's own queries. The outbox key (kind, recipient, subject, occasion) makes a rerun a no-op.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import models
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from reclass_volunteers import outbox
from reclass_volunteers.models import Notification, Organisation, ReminderPolicy, User
from reclass_volunteers.sweeps import SweepResult, sweep
from volunteers.models import Certificate, Enrolment, Volunteer, VolunteerPolicy
from volunteers.models.screening import _add_months

ENDED = (Volunteer.Status.FAREWELL, Volunteer.Status.REJECTED)
# Whose certificates and trainings are watched: those who volunteer now or will come back.
WORKING = (Volunteer.Status.ACTIVE, Volunteer.Status.PAUSED)

SESSION_KIND = "training.session_reminder"
CERTIFICATE_KIND = "volunteer.certificate_expiry"
TRAINING_KIND = "training.expiry"


def reminder_due(
    *, now: date, moment: date, first_days: int, second_days: int
) -> tuple[str, int] | None:
    """Which reminder before `moment` is due at `now`: ("first", lead) or ("second", lead).

    Never at or after the moment itself (a late sweep sends no "see you tomorrow" after the
    session), and only one at a time: once the second is due the first is not sent any more.
    Works on datetimes (sessions) and on dates (expiry) alike, as long as both are the same."""
    if now >= moment:
        return None
    if now >= moment - timedelta(days=second_days):
        return ("second", second_days)
    if now >= moment - timedelta(days=first_days):
        return ("first", first_days)
    return None


def reminder_policies() -> dict[int, ReminderPolicy]:
    """Every saved policy by organisation id, in one query; `policy_of` gives the defaults."""
    return {policy.organisation_id: policy for policy in ReminderPolicy.objects.all()}


def policy_of(policies: dict[int, ReminderPolicy], organisation: Organisation) -> ReminderPolicy:
    return policies.get(organisation.pk) or ReminderPolicy(organisation=organisation)


def usable(user: User | None) -> bool:
    return user is not None and user.is_active


class Sender:
    """Sends one kind of message about a batch of subjects, counting what was new.

    The keys already used are read in one query for the whole batch, so a rerun costs no query
    per message; notify() still checks the key itself, so a concurrent sweep sends nothing twice.
    """

    def __init__(self, result: SweepResult, *, kind: str, subjects: Iterable[models.Model]) -> None:
        self.result = result
        self.kind = kind
        ids = {str(subject.pk): subject for subject in subjects}
        self.sent: set[tuple[int | None, str, str]] = set()
        if ids:
            label = next(iter(ids.values()))._meta.label_lower
            self.sent = set(
                Notification.objects.filter(
                    kind=kind, subject_type=label, subject_id__in=list(ids)
                ).values_list("recipient_id", "subject_id", "occasion")
            )

    def send(
        self,
        *,
        recipient: User,
        subject: models.Model,
        occasion: str,
        organisation: Organisation,
        **message: Any,
    ) -> None:
        if (recipient.pk, str(subject.pk), occasion) in self.sent:
            self.result.skip(organisation)
            return
        _notification, created = outbox.notify(
            kind=self.kind,
            recipient=recipient,
            subject=subject,
            occasion=occasion,
            reminder=True,
            organisation=organisation,
            **message,
        )
        self.result.count(created, organisation)


def moment_text(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "l j F Y, H:i")


def _day(day: date) -> str:
    return formats.date_format(day, "j F Y")


@sweep("session_reminders")
def session_reminders(now: datetime) -> SweepResult:
    """Remind enrolled volunteers of a training session, `session_first_days` and
    `session_second_days` before it starts (the organisation's reminder policy)."""
    result = SweepResult()
    policies = reminder_policies()
    url = reverse("volunteers:own_profile")
    for organisation in Organisation.objects.order_by("pk"):
        policy = policy_of(policies, organisation)
        first, second = policy.session_first_days, policy.session_second_days
        horizon = now + timedelta(days=max(first, second))
        enrolments = list(
            Enrolment.objects.filter(
                session__course__organisation=organisation,
                status=Enrolment.Status.ENROLLED,
                session__starts_at__gt=now,
                session__starts_at__lte=horizon,
                volunteer__user__isnull=False,
                volunteer__user__is_active=True,
            )
            .exclude(volunteer__status__in=ENDED)
            .select_related("session__course", "volunteer__user")
            .order_by("session__starts_at", "pk")
        )
        sender = Sender(result, kind=SESSION_KIND, subjects=[e.session for e in enrolments])
        for enrolment in enrolments:
            session, user = enrolment.session, enrolment.volunteer.user
            due = reminder_due(
                now=now, moment=session.starts_at, first_days=first, second_days=second
            )
            if due is None or user is None:
                continue
            which, lead = due
            sender.send(
                recipient=user,
                subject=session,
                occasion=f"{which}:{lead}d",
                organisation=organisation,
                title=_("Reminder: %(course)s on %(when)s")
                % {"course": session.course.name, "when": moment_text(session.starts_at)},
                body=_("You are enrolled for %(course)s on %(when)s at %(place)s.")
                % {
                    "course": session.course.name,
                    "when": moment_text(session.starts_at),
                    "place": session.location,
                },
                url=url,
            )
    return result


def _latest_certificates(organisation: Organisation) -> list[Certificate]:
    """The latest issued certificate of each working volunteer: a renewal replaces the old one
    (a request not issued yet does not, so the old one is still warned about)."""
    latest: dict[int, Certificate] = {}
    for certificate in (
        Certificate.objects.filter(
            volunteer__organisation=organisation,
            volunteer__status__in=WORKING,
            issued_on__isnull=False,
        )
        .select_related("volunteer__user")
        .order_by("volunteer_id", "-issued_on", "-requested_on", "-pk")
    ):
        latest.setdefault(certificate.volunteer_id, certificate)
    return list(latest.values())


def _latest_completions(organisation: Organisation) -> list[Enrolment]:
    """Per working volunteer and expiring course, the latest completion: doing a training
    again replaces the earlier one."""
    latest: dict[tuple[int, int], Enrolment] = {}
    for enrolment in (
        Enrolment.objects.filter(
            volunteer__organisation=organisation,
            volunteer__status__in=WORKING,
            status=Enrolment.Status.COMPLETED,
            completed_on__isnull=False,
            session__course__validity_months__isnull=False,
        )
        .select_related("session__course", "volunteer__user")
        .order_by("volunteer_id", "session__course_id", "-completed_on", "-pk")
    ):
        latest.setdefault((enrolment.volunteer_id, enrolment.session.course_id), enrolment)
    return list(latest.values())


def _expiry_recipients(volunteer: Volunteer, coordinators: list[User]) -> list[tuple[User, bool]]:
    """The volunteer (when they have an account) and the coordinators, each with whether
    they are the volunteer."""
    recipients: list[tuple[User, bool]] = []
    if volunteer.user is not None and usable(volunteer.user):
        recipients.append((volunteer.user, True))
    recipients += [(c, False) for c in coordinators if c.pk != volunteer.user_id]
    return recipients


@sweep("expiry_warnings")
def expiry_warnings(now: datetime) -> SweepResult:
    """Warn the volunteer and the coordinators `expiry_first_days` and `expiry_second_days`
    before a certificate of conduct or a training with a validity expires."""
    result = SweepResult()
    policies = reminder_policies()
    today = timezone.localdate(now)
    own_url = reverse("volunteers:own_profile")
    for organisation in Organisation.objects.order_by("pk"):
        policy = policy_of(policies, organisation)
        first, second = policy.expiry_first_days, policy.expiry_second_days
        certificates = _latest_certificates(organisation)
        completions = _latest_completions(organisation)
        if not certificates and not completions:
            continue
        coordinators = list(User.objects.coordinators_of(organisation))
        volunteer_policy = VolunteerPolicy.for_organisation(organisation)

        sender = Sender(result, kind=CERTIFICATE_KIND, subjects=certificates)
        for certificate in certificates:
            expires = certificate.expires_on(volunteer_policy)
            due = (
                reminder_due(now=today, moment=expires, first_days=first, second_days=second)
                if expires is not None
                else None
            )
            if due is None or expires is None:
                continue
            which, lead = due
            volunteer = certificate.volunteer
            for recipient, is_volunteer in _expiry_recipients(volunteer, coordinators):
                sender.send(
                    recipient=recipient,
                    subject=certificate,
                    occasion=f"{which}:{lead}d:{expires.isoformat()}",
                    organisation=organisation,
                    title=(
                        _("Your certificate of conduct expires on %(day)s") % {"day": _day(expires)}
                        if is_volunteer
                        else _("Certificate of conduct of %(name)s expires on %(day)s")
                        % {"name": volunteer.full_name, "day": _day(expires)}
                    ),
                    body=(
                        _("Please request a new certificate of conduct in time.")
                        if is_volunteer
                        else _("Ask %(name)s to request a new certificate of conduct in time.")
                        % {"name": volunteer.full_name}
                    ),
                    url=(
                        own_url
                        if is_volunteer
                        else reverse("volunteers:volunteer_detail", args=[volunteer.pk])
                    ),
                )

        sender = Sender(result, kind=TRAINING_KIND, subjects=completions)
        for enrolment in completions:
            course = enrolment.session.course
            assert enrolment.completed_on is not None and course.validity_months is not None
            expires = _add_months(enrolment.completed_on, course.validity_months)
            due = reminder_due(now=today, moment=expires, first_days=first, second_days=second)
            if due is None:
                continue
            which, lead = due
            volunteer = enrolment.volunteer
            for recipient, is_volunteer in _expiry_recipients(volunteer, coordinators):
                sender.send(
                    recipient=recipient,
                    subject=enrolment,
                    occasion=f"{which}:{lead}d:{expires.isoformat()}",
                    organisation=organisation,
                    title=(
                        _("Your training %(course)s expires on %(day)s")
                        % {"course": course.name, "day": _day(expires)}
                        if is_volunteer
                        else _("Training %(course)s of %(name)s expires on %(day)s")
                        % {"course": course.name, "name": volunteer.full_name, "day": _day(expires)}
                    ),
                    body=_("Plan a refresher session before that date."),
                    url=(
                        own_url
                        if is_volunteer
                        else reverse("volunteers:volunteer_detail", args=[volunteer.pk])
                    ),
                )
    return result


# Personal attention lives in its own module; importing it registers it. At the end: it
# imports this module's helpers.
from volunteers import sweeps_attention  # noqa: E402, F401
