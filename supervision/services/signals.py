"""Relapse signals: a volunteer reports what they saw, the responsible professional is told at
once and acknowledges it with the action taken; a signal left open past the organisation's
time for its severity escalates to the coordinators and the professional's team lead.

Escalation is found by a periodic sweep (never by one timed task per signal), so nothing is lost
while a worker or the broker is down. Each step is claimed with a conditional UPDATE on
(pk, escalation_level): of two sweeps running at once exactly one moves a signal up a level, and
the outbox's unique key (kind, recipient, signal, "level-N") means a step is never told twice.

A sweep that runs late (the worker was down for hours) escalates each overdue signal ONE level
per run and starts the next period from that run, not from the missed due time. The alternative,
jumping straight to the level the signal "should" have reached, would send a burst of messages
for steps nobody could act on; one step that says "this is overdue" is what reaches people, and
the next run after another full period escalates again if it is still open.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from matching.models import Match, MatchVolunteer
from reclass_volunteers import access, audit, outbox
from reclass_volunteers.models import Role, User
from supervision.models import RelapseSignal, Severity, SignalCategory, SupervisionPolicy
from volunteers.models import Volunteer

# Who acknowledges signals. Administrators manage the application, they do not handle cases.
HANDLERS = (Role.COORDINATOR, Role.PROFESSIONAL)
# Who can be a professional's team lead.
TEAM_LEAD_ROLES = (Role.PROFESSIONAL, Role.COORDINATOR)
SWEEP_LIMIT = 500


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _url(signal: RelapseSignal) -> str:
    return reverse("supervision:signal_detail", kwargs={"pk": signal.pk})


def deadline(*, policy: SupervisionPolicy, severity: str) -> timedelta:
    return timedelta(minutes=policy.deadline_minutes(severity))


# --- Reporting -------------------------------------------------------------------------------


def _own_volunteer_record(*, by: User, match: Match) -> Volunteer:
    """The reporter's volunteer record, if they are a volunteer in this ACTIVE match of their
    own organisation; otherwise the signal is about a client who is not theirs."""
    not_yours = ValidationError(
        {"match": _("You can only report a signal about a client you support in an active match.")}
    )
    if (
        by.role != Role.VOLUNTEER
        or not by.is_active
        or match.organisation_id != by.organisation_id
        or match.status != Match.Status.ACTIVE
    ):
        raise not_yours
    volunteer = Volunteer.objects.filter(user=by, organisation_id=by.organisation_id).first()
    if (
        volunteer is None
        or not MatchVolunteer.objects.filter(match=match, volunteer=volunteer).exists()
    ):
        raise not_yours
    return volunteer


@transaction.atomic
def signal_report(
    *,
    by: User,
    match: Match,
    category: str,
    severity: str,
    observed_at: datetime,
    observation: str,
) -> RelapseSignal:
    """A volunteer reports a signal about the client of their own active match. The client's
    responsible professional is told at once; the clock for the severity starts now."""
    volunteer = _own_volunteer_record(by=by, match=match)
    now = timezone.now()
    errors: dict[str, str] = {}
    if category not in SignalCategory.values:
        errors["category"] = _("Choose what kind of signal it is.")
    if severity not in Severity.values:
        errors["severity"] = _("Choose how serious it is.")
    if observed_at > now:
        errors["observed_at"] = _("The moment you noticed it cannot be in the future.")
    if not observation.strip():
        errors["observation"] = _("Describe what you noticed.")
    if errors:
        raise ValidationError(errors)
    client = match.client
    policy = SupervisionPolicy.for_organisation(match.organisation)
    due_at = now + deadline(policy=policy, severity=severity)
    signal = RelapseSignal(
        organisation_id=match.organisation_id,
        match=match,
        client=client,
        volunteer=volunteer,
        professional_id=client.responsible_professional_id,
        category=category,
        severity=severity,
        observed_at=observed_at,
        observation=observation.strip(),
        reported_at=now,
        due_at=due_at,
        next_escalation_at=due_at,
    )
    signal.full_clean()
    signal.save()
    audit.record(action="signal.report", user=by, obj=signal)
    facts = {
        "severity": signal.get_severity_display(),
        "code": client.code,
        "volunteer": volunteer.full_name,
        "due": _when(due_at),
    }
    # E-mail leaves the system: the client's code and the severity, never what was seen.
    outbox.notify(
        kind="signal.reported",
        recipient=client.responsible_professional,
        subject=signal,
        title=_("New relapse signal (%(severity)s) for client %(code)s") % facts,
        body=_(
            "%(volunteer)s reported a relapse signal for client %(code)s. Please open it and "
            "record what you do before %(due)s."
        )
        % facts,
        url=_url(signal),
    )
    return signal


# --- Acknowledging ---------------------------------------------------------------------------


@transaction.atomic
def signal_acknowledge(*, signal: RelapseSignal, by: User, action_taken: str) -> RelapseSignal:
    """A professional or coordinator takes the signal up and records the action. The row is
    locked, so of two people acknowledging at once one succeeds and the other is told."""
    if by.role not in HANDLERS or not access.signals_visible_to(by).filter(pk=signal.pk).exists():
        raise ValidationError(_("You cannot acknowledge this signal."))
    signal = (
        RelapseSignal.objects.select_for_update(of=("self",))
        .select_related("volunteer__user", "client")
        .get(pk=signal.pk)
    )
    if signal.acknowledged_at is not None:
        raise ValidationError(
            _("This signal was already acknowledged on %(when)s.")
            % {"when": _when(signal.acknowledged_at)}
        )
    if not action_taken.strip():
        raise ValidationError({"action_taken": _("Write down what you did or are going to do.")})
    signal.acknowledged_at = timezone.now()
    signal.acknowledged_by = by
    signal.action_taken = action_taken.strip()
    signal.next_escalation_at = None
    signal.full_clean()
    signal.save(
        update_fields=["acknowledged_at", "acknowledged_by", "action_taken", "next_escalation_at"]
    )
    audit.record(action="signal.acknowledge", user=by, obj=signal)
    reporter = signal.volunteer.user
    if reporter is not None and reporter.is_active:
        # The volunteer hears that it is handled, not how: the action stays with the staff.
        outbox.notify(
            kind="signal.acknowledged",
            recipient=reporter,
            subject=signal,
            title=_("Your signal is being handled"),
            body=_(
                "The signal you reported on %(when)s has been taken up. Thank you for passing "
                "it on."
            )
            % {"when": _when(signal.reported_at)},
            url=_url(signal),
        )
    return signal


# --- Escalation ------------------------------------------------------------------------------


def _escalation_recipients(signal: RelapseSignal) -> list[User]:
    recipients = {user.pk: user for user in User.objects.coordinators_of(signal.organisation_id)}
    lead = signal.professional.team_lead
    if lead is not None and lead.is_active and lead.organisation_id == signal.organisation_id:
        recipients.setdefault(lead.pk, lead)
    return list(recipients.values())


def _escalate_one(*, pk: int, level: int, now: datetime, next_at: datetime) -> int:
    """Move one signal from `level` to the next and tell people. Returns the number of
    notifications made, or -1 when another sweep (or an acknowledgement) got there first."""
    claimed = RelapseSignal.objects.filter(
        pk=pk,
        escalation_level=level,
        acknowledged_at__isnull=True,
        next_escalation_at__lte=now,
    ).update(escalation_level=F("escalation_level") + 1, next_escalation_at=next_at)
    if not claimed:
        return -1
    signal = RelapseSignal.objects.select_related(
        "organisation", "client", "professional__team_lead"
    ).get(pk=pk)
    step = signal.escalation_level
    facts = {
        "severity": signal.get_severity_display(),
        "code": signal.client.code,
        "professional": signal.professional.full_name,
        "reported": _when(signal.reported_at),
        "due": _when(signal.due_at),
        "step": step,
    }
    occasion = f"level-{step}"
    made = 0
    for recipient in _escalation_recipients(signal):
        _notification, created = outbox.notify(
            kind="signal.escalated",
            recipient=recipient,
            subject=signal,
            occasion=occasion,
            title=_("Relapse signal not acknowledged in time (%(severity)s, client %(code)s)")
            % facts,
            body=_(
                "The signal reported on %(reported)s for client %(code)s has not been "
                "acknowledged by %(professional)s. It was due on %(due)s. Escalation step "
                "%(step)s."
            )
            % facts,
            url=_url(signal),
        )
        made += int(created)
    if signal.professional.is_active:
        _notification, created = outbox.notify(
            kind="signal.overdue",
            recipient=signal.professional,
            subject=signal,
            occasion=occasion,
            title=_("Reminder: relapse signal for client %(code)s is waiting for you") % facts,
            body=_(
                "The signal reported on %(reported)s was due on %(due)s and has now been "
                "escalated to the coordinators and your team lead."
            )
            % facts,
            url=_url(signal),
        )
        made += int(created)
    audit.record(
        action="signal.escalate", obj=signal, organisation=signal.organisation, object_id=pk
    )
    return made


def _policy(organisation_id: int) -> SupervisionPolicy:
    return SupervisionPolicy.objects.filter(
        organisation_id=organisation_id
    ).first() or SupervisionPolicy(organisation_id=organisation_id)


def signal_escalation_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Escalate every open signal whose next escalation is due, one level each. Safe to run
    twice and at the same time as another sweep. Returns counts."""
    now = now or timezone.now()
    due = list(
        RelapseSignal.objects.filter(acknowledged_at__isnull=True, next_escalation_at__lte=now)
        .order_by("next_escalation_at")
        .values_list("pk", "escalation_level", "organisation_id", "severity")[:SWEEP_LIMIT]
    )
    policies: dict[int, SupervisionPolicy] = {}
    escalated = skipped = notified = 0
    for pk, level, organisation_id, severity in due:
        if organisation_id not in policies:
            policies[organisation_id] = _policy(organisation_id)
        next_at = now + deadline(policy=policies[organisation_id], severity=severity)
        # One transaction per signal: its claim, its messages and its audit row stand or fall
        # together, and one failing signal does not hold back the others.
        with transaction.atomic():
            made = _escalate_one(pk=pk, level=level, now=now, next_at=next_at)
        if made < 0:
            skipped += 1
        else:
            escalated += 1
            notified += made
    return {"due": len(due), "escalated": escalated, "skipped": skipped, "notified": notified}


# --- Team lead -------------------------------------------------------------------------------


def team_lead_candidates(*, by: User) -> QuerySet[User]:
    """Colleagues an administrator can make a professional's team lead."""
    if by.organisation_id is None:
        return User.objects.none()
    return User.objects.filter(
        organisation_id=by.organisation_id, role__in=TEAM_LEAD_ROLES, is_active=True
    ).order_by("full_name")


@transaction.atomic
def team_lead_set(*, professional: User, team_lead: User | None, by: User) -> User:
    """Set (or clear) whom a professional's unacknowledged signals escalate to."""
    if by.role != Role.ADMIN or professional.organisation_id != by.organisation_id:
        raise ValidationError(_("Only an administrator of the organisation can set a team lead."))
    if professional.role != Role.PROFESSIONAL:
        raise ValidationError(_("Only professionals have a team lead."))
    if team_lead is not None:
        if not team_lead_candidates(by=by).filter(pk=team_lead.pk).exists():
            raise ValidationError(
                {"team_lead": _("Choose an active professional or coordinator as team lead.")}
            )
        if team_lead.pk == professional.pk:
            raise ValidationError({"team_lead": _("A professional cannot be their own team lead.")})
    professional.team_lead = team_lead
    professional.save(update_fields=["team_lead"])
    audit.record(action="user.team_lead", user=by, obj=professional)
    return professional
