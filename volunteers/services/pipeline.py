"""Moving a volunteer through the pipeline: every stage change is one of these services.

Each locks the volunteer's row, checks that it is still in the stage the user saw
(`expected_status`: two coordinators acting at once, one wins, the other is told), checks the
transition against volunteers.pipeline.ALLOWED and its own rules, records a StatusChange (who,
when, why) and an audit event, all in one transaction.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from reclass_volunteers import audit, outbox
from reclass_volunteers.models import Organisation, Role, User
from volunteers import pipeline
from volunteers.models import (
    Application,
    Certificate,
    Competency,
    Farewell,
    Intake,
    IntakeScore,
    StatusChange,
    Volunteer,
    VolunteerPolicy,
)
from volunteers.models.screening import _add_months

S = Volunteer.Status

# At most this many applications from one sender per hour (spam protection, no third party).
APPLICATIONS_PER_HOUR = 5


def sender_hash(address: str | None) -> str:
    """A keyed hash of the sender's address: enough to rate-limit, useless to identify."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{address or ''}".encode()).hexdigest()


class StageChanged(ValidationError):
    """The volunteer is no longer in the stage the user saw: someone else moved them first.
    A view tells the user and shows the current stage instead of the form's errors."""


def stage_changed_message(volunteer: Volunteer) -> str:
    return _(
        "Someone else has just moved %(name)s to the stage “%(stage)s”. "
        "Nothing was changed; the page now shows the current stage."
    ) % {"name": volunteer.full_name, "stage": volunteer.get_status_display()}


def _lock(volunteer: Volunteer, expected_status: str | None) -> Volunteer:
    fresh = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if expected_status is not None and fresh.status != expected_status:
        raise StageChanged(stage_changed_message(fresh))
    return fresh


def _refuse_if_left(volunteer: Volunteer) -> None:
    """Screening data and supervision plans are only kept up for people who are still here."""
    if volunteer.status in pipeline.ENDED:
        raise ValidationError(
            _("%(name)s is no longer a volunteer here (%(stage)s).")
            % {"name": volunteer.full_name, "stage": volunteer.get_status_display()}
        )


def _refuse_illegal(volunteer: Volunteer, to: str) -> None:
    if not pipeline.can_move(volunteer.status, to):
        raise ValidationError(
            _("A volunteer in the stage “%(from)s” cannot move to “%(to)s”.")
            % {"from": volunteer.get_status_display(), "to": S(to).label}
        )


def _move(*, volunteer: Volunteer, to: str, by: User | None, reason: str = "") -> Volunteer:
    _refuse_illegal(volunteer, to)
    now = timezone.now()
    StatusChange.objects.create(
        volunteer=volunteer,
        from_status=volunteer.status,
        to_status=to,
        at=now,
        by=by,
        reason=reason,
    )
    volunteer.status = to
    volunteer.status_changed_at = now
    volunteer.save(update_fields=["status", "status_changed_at"])
    audit.record(action=f"volunteer.stage.{to}", user=by, obj=volunteer)
    return volunteer


def _coordinators(organisation: Organisation) -> list[User]:
    return list(User.objects.coordinators_of(organisation))


# --- Application -----------------------------------------------------------------------------


@transaction.atomic
def volunteer_apply(
    *, organisation: Organisation, answers: dict[str, Any], sender: str | None
) -> tuple[Volunteer, bool]:
    """Register an application from the public form. A second application with an e-mail that
    is already known is added to that volunteer instead of creating a duplicate.

    Returns the volunteer and whether it is new."""
    policy = VolunteerPolicy.for_organisation(organisation)
    if not policy.applications_open:
        raise ValidationError(_("This organisation does not accept applications at the moment."))
    fingerprint = sender_hash(sender)
    recent = Application.objects.filter(
        sender_hash=fingerprint, submitted_at__gte=timezone.now() - timedelta(hours=1)
    ).count()
    if recent >= APPLICATIONS_PER_HOUR:
        raise ValidationError(
            _("Too many applications were sent from this connection. Please try again later.")
        )
    born = answers.get("date_of_birth")
    if isinstance(born, date):
        age = Volunteer(date_of_birth=born).age_on(timezone.localdate())
        if age is not None and age < policy.minimum_age:
            raise ValidationError(
                {
                    "date_of_birth": _("Volunteers here must be at least %(age)d years old.")
                    % {"age": policy.minimum_age}
                }
            )
    email = str(answers["email"]).strip().lower()
    stored = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in answers.items()}
    existing = (
        Volunteer.objects.select_for_update()
        .filter(organisation=organisation, email__iexact=email)
        .first()
    )
    if existing is not None:
        application = Application.objects.create(
            volunteer=existing, answers=stored, sender_hash=fingerprint
        )
        audit.record(action="volunteer.apply_again", obj=existing, organisation=organisation)
        _tell_coordinators_of(existing, application, again=True)
        return existing, False

    fields = {
        name: answers[name]
        for name in (
            "first_name",
            "last_name",
            "phone",
            "postcode",
            "city",
            "date_of_birth",
            "languages",
            "motives",
            "motivation_text",
            "availability",
            "activity_preferences",
            "roles_of_interest",
            "willing_sex_offences",
        )
        if name in answers
    }
    volunteer = Volunteer(
        organisation=organisation,
        email=email,
        privacy_consent_version=policy.privacy_statement_version,
        privacy_consent_at=timezone.now(),
        **fields,
    )
    volunteer.full_clean()
    volunteer.save()
    StatusChange.objects.create(volunteer=volunteer, from_status="", to_status=S.APPLIED)
    application = Application.objects.create(
        volunteer=volunteer, answers=stored, sender_hash=fingerprint
    )
    audit.record(action="volunteer.apply", obj=volunteer, organisation=organisation)
    outbox.notify(
        kind="volunteer.application_received",
        to_email=volunteer.email,
        subject=volunteer,
        title=_("Thank you for your application to %(organisation)s")
        % {"organisation": organisation.name},
        body=_(
            "Dear %(name)s,\n\nThank you for wanting to volunteer with %(organisation)s. "
            "A coordinator will contact you within two weeks to plan an introductory meeting."
        )
        % {"name": volunteer.first_name, "organisation": organisation.name},
    )
    _tell_coordinators_of(volunteer, application, again=False)
    return volunteer, True


def _tell_coordinators_of(volunteer: Volunteer, application: Application, *, again: bool) -> None:
    url = reverse("volunteers:volunteer_detail", kwargs={"pk": volunteer.pk})
    for coordinator in _coordinators(volunteer.organisation):
        outbox.notify(
            kind="volunteer.applied_again" if again else "volunteer.applied",
            recipient=coordinator,
            subject=application,
            title=(_("%(name)s applied again") if again else _("New application: %(name)s"))
            % {"name": volunteer.full_name},
            url=url,
        )


# --- Intake ----------------------------------------------------------------------------------


@transaction.atomic
def intake_plan(
    *,
    volunteer: Volunteer,
    by: User,
    planned_at: datetime,
    location: str = "",
    expected_status: str | None = None,
) -> Intake:
    volunteer = _lock(volunteer, expected_status)
    intake = Intake(volunteer=volunteer, planned_at=planned_at, location=location, conducted_by=by)
    intake.full_clean()
    intake.save()
    _move(volunteer=volunteer, to=S.INTAKE_PLANNED, by=by)
    return intake


@transaction.atomic
def intake_record(
    *,
    volunteer: Volunteer,
    by: User,
    held_on: date,
    scores: dict[Competency, int],
    impression: str,
    decision: str,
    decision_reason: str = "",
    expected_status: str | None = None,
) -> Intake:
    """Record the intake: scores *and* own impression, and the decision. Rejecting needs a
    reason, and moves the volunteer to rejected; proceeding moves them to intake done."""
    volunteer = _lock(volunteer, expected_status)
    # Only a planned intake can be held; rejecting is allowed from more stages than this.
    _refuse_illegal(volunteer, S.INTAKE_DONE)
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": _("The intake cannot be in the future.")})
    if decision == "reject" and not decision_reason.strip():
        raise ValidationError({"decision_reason": _("Give a reason when you do not proceed.")})
    foreign = [c for c in scores if c.organisation_id != volunteer.organisation_id]
    if foreign:
        raise ValidationError(_("Choose competencies of your own organisation."))
    intake = volunteer.intakes.filter(held_on__isnull=True).first() or Intake(
        volunteer=volunteer, planned_at=timezone.now()
    )
    intake.held_on = held_on
    intake.conducted_by = by
    intake.impression = impression
    intake.decision = decision
    intake.decision_reason = decision_reason
    intake.full_clean()
    intake.save()
    for competency, level in scores.items():
        score = IntakeScore(intake=intake, competency=competency, level=level)
        score.full_clean(exclude=["intake"])
        score.save()
    if decision == "reject":
        volunteer.rejection_reason = decision_reason
        volunteer.save(update_fields=["rejection_reason"])
        _move(volunteer=volunteer, to=S.REJECTED, by=by, reason=decision_reason)
    else:
        _move(volunteer=volunteer, to=S.INTAKE_DONE, by=by, reason=decision_reason)
    return intake


# --- Screening -------------------------------------------------------------------------------


@transaction.atomic
def screening_start(
    *, volunteer: Volunteer, by: User, expected_status: str | None = None
) -> Volunteer:
    volunteer = _lock(volunteer, expected_status)
    return _move(volunteer=volunteer, to=S.SCREENING, by=by)


@transaction.atomic
def certificate_record(
    *,
    volunteer: Volunteer,
    by: User,
    requested_on: date,
    issued_on: date | None = None,
    screening_areas: str = "",
    function_aspects: str = "",
) -> Certificate:
    """Record a certificate of conduct: its dates and profile, never the document."""
    volunteer = _lock(volunteer, None)
    _refuse_if_left(volunteer)
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if requested_on > today:
        errors["requested_on"] = _("The request date cannot be in the future.")
    if issued_on is not None and issued_on > today:
        errors["issued_on"] = _("The issue date cannot be in the future.")
    if issued_on is not None and issued_on < requested_on:
        errors["issued_on"] = _("The certificate cannot be issued before it was requested.")
    if errors:
        raise ValidationError(errors)
    certificate = Certificate(
        volunteer=volunteer,
        requested_on=requested_on,
        issued_on=issued_on,
        screening_areas=screening_areas,
        function_aspects=function_aspects,
        checked_by=by if issued_on else None,
        checked_at=timezone.now() if issued_on else None,
    )
    certificate.full_clean()
    certificate.save()
    audit.record(action="volunteer.certificate", user=by, obj=volunteer)
    return certificate


@transaction.atomic
def references_record(*, volunteer: Volunteer, by: User, checked_on: date, note: str) -> None:
    volunteer = _lock(volunteer, None)
    _refuse_if_left(volunteer)
    if checked_on > timezone.localdate():
        raise ValidationError({"checked_on": _("This date cannot be in the future.")})
    Volunteer.objects.filter(pk=volunteer.pk).update(
        references_checked_on=checked_on, references_checked_by=by, references_note=note
    )
    audit.record(action="volunteer.references", user=by, obj=volunteer)


@transaction.atomic
def training_start(
    *, volunteer: Volunteer, by: User, role: str, expected_status: str | None = None
) -> Volunteer:
    """Screening is complete: choose the role and start the training it requires."""
    volunteer = _lock(volunteer, expected_status)
    _refuse_illegal(volunteer, S.TRAINING)
    missing = pipeline.screening_blockers(volunteer)
    if missing:
        raise ValidationError(missing)
    volunteer.role = role
    volunteer.full_clean(exclude=["user", "supervisor", "references_checked_by"])
    volunteer.save(update_fields=["role"])
    return _move(volunteer=volunteer, to=S.TRAINING, by=by)


# --- Active, paused, rejected, farewell ------------------------------------------------------


@transaction.atomic
def volunteer_activate(
    *, volunteer: Volunteer, by: User, expected_status: str | None = None
) -> Volunteer:
    """Start (from training) or resume (from a pause). Refused, with what is missing, while the
    certificate of conduct or a required training is not in order."""
    volunteer = _lock(volunteer, expected_status)
    # Before the blockers, which would otherwise hide why this step is impossible.
    _refuse_illegal(volunteer, S.ACTIVE)
    if volunteer.status == S.TRAINING:
        missing = pipeline.activation_blockers(volunteer)
    else:
        missing = pipeline.resume_blockers(volunteer)
    if missing:
        raise ValidationError(missing)
    volunteer.pause_reason = ""
    volunteer.expected_return_on = None
    volunteer.save(update_fields=["pause_reason", "expected_return_on"])
    return _move(volunteer=volunteer, to=S.ACTIVE, by=by)


@transaction.atomic
def volunteer_pause(
    *,
    volunteer: Volunteer,
    by: User,
    reason: str,
    expected_return_on: date | None = None,
    expected_status: str | None = None,
) -> Volunteer:
    volunteer = _lock(volunteer, expected_status)
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for the pause.")})
    if expected_return_on is not None and expected_return_on <= timezone.localdate():
        raise ValidationError(
            {"expected_return_on": _("The expected return must be in the future.")}
        )
    volunteer.pause_reason = reason
    volunteer.expected_return_on = expected_return_on
    volunteer.save(update_fields=["pause_reason", "expected_return_on"])
    return _move(volunteer=volunteer, to=S.PAUSED, by=by, reason=reason)


@transaction.atomic
def volunteer_reject(
    *, volunteer: Volunteer, by: User, reason: str, expected_status: str | None = None
) -> Volunteer:
    volunteer = _lock(volunteer, expected_status)
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for the rejection.")})
    if volunteer.status not in pipeline.BEFORE_ACTIVE:
        raise ValidationError(_("Only a volunteer who has not started yet can be rejected."))
    volunteer.rejection_reason = reason
    volunteer.save(update_fields=["rejection_reason"])
    return _move(volunteer=volunteer, to=S.REJECTED, by=by, reason=reason)


@transaction.atomic
def volunteer_farewell(
    *,
    volunteer: Volunteer,
    by: User,
    held_on: date,
    reason: str,
    reason_text: str = "",
    went_well: str = "",
    should_change: str = "",
    would_recommend: bool | None = None,
    expected_status: str | None = None,
) -> Farewell:
    """Say goodbye: record the exit conversation, end every running match, close the account
    and set the date after which the personal data will be removed."""
    from clients.models import Client
    from matching.models import Match
    from matching.services.lifecycle import record_end

    volunteer = _lock(volunteer, expected_status)
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": _("The farewell cannot be in the future.")})
    if not pipeline.can_move(volunteer.status, S.FAREWELL):
        raise ValidationError(_("This volunteer has already left."))
    farewell = Farewell(
        volunteer=volunteer,
        held_on=held_on,
        reason=reason,
        reason_text=reason_text,
        went_well=went_well,
        should_change=should_change,
        would_recommend=would_recommend,
        conducted_by=by,
    )
    farewell.full_clean()
    farewell.save()
    live = Match.objects.filter(memberships__volunteer=volunteer, status__in=Match.LIVE_STATUSES)
    # Clients before matches: the order in which matching locks them.
    clients = {
        client.pk: client
        for client in Client.objects.select_for_update()
        .filter(pk__in=live.values("client_id"))
        .order_by("pk")
    }
    for match in live.select_for_update(of=("self",)).order_by("pk"):
        if match.is_circle and match.memberships.exclude(volunteer=volunteer).exists():
            # A circle goes on without the one who left; the coordinator sees the gap.
            match.memberships.filter(volunteer=volunteer).delete()
            audit.record(action="match.member_left", user=by, obj=match)
            continue
        # Like a coordinator ending it: the client waits for a new volunteer.
        record_end(
            match,
            clients[match.client_id],
            by=by,
            ended_on=max(held_on, match.started_on) if match.started_on else held_on,
            reason=Match.EndReason.VOLUNTEER_STOPPED,
        )
    policy = VolunteerPolicy.for_organisation(volunteer.organisation)
    volunteer.personal_data_removal_on = _add_months(
        held_on, policy.retention_months_after_farewell
    )
    volunteer.save(update_fields=["personal_data_removal_on"])
    if volunteer.user is not None and volunteer.user.is_active:
        volunteer.user.is_active = False
        volunteer.user.save(update_fields=["is_active"])
        volunteer.user.end_all_sessions()
    _move(volunteer=volunteer, to=S.FAREWELL, by=by, reason=farewell.get_reason_display())
    return farewell


@transaction.atomic
def supervision_plan_set(
    *,
    volunteer: Volunteer,
    by: User,
    supervisor: User | None,
    form: str,
    interval_weeks: int | None,
) -> Volunteer:
    """The tailored supervision plan: who supervises, in what form, how often."""
    volunteer = _lock(volunteer, None)
    _refuse_if_left(volunteer)
    if supervisor is not None and (
        supervisor.organisation_id != volunteer.organisation_id
        or supervisor.role != Role.PROFESSIONAL
        or not supervisor.is_active
    ):
        raise ValidationError({"supervisor": _("Choose a professional of your own organisation.")})
    volunteer.supervisor = supervisor
    volunteer.supervision_form = form
    volunteer.supervision_interval_weeks = interval_weeks
    volunteer.full_clean(exclude=["user", "references_checked_by"])
    volunteer.save(update_fields=["supervisor", "supervision_form", "supervision_interval_weeks"])
    audit.record(action="volunteer.supervision_plan", user=by, obj=volunteer)
    return volunteer


@transaction.atomic
def volunteer_matching_set(
    *,
    volunteer: Volunteer,
    by: User,
    max_matches: int,
    willing_sex_offences: bool,
    abroad_country: str,
) -> Volunteer:
    """What the suggestion engine needs to know of a volunteer beyond their profile: how many
    matches they take, whether they work with clients convicted of a sex offence (their own
    choice, recorded by staff), and the country where they visit detainees."""
    volunteer = _lock(volunteer, None)
    _refuse_if_left(volunteer)
    abroad_country = abroad_country.strip().upper()
    if abroad_country and not (
        len(abroad_country) == 2 and abroad_country.isascii() and abroad_country.isalpha()
    ):
        raise ValidationError({"abroad_country": _("Enter a two-letter country code, e.g. ES.")})
    volunteer.max_matches = max_matches
    volunteer.willing_sex_offences = willing_sex_offences
    volunteer.abroad_country = abroad_country
    volunteer.full_clean(exclude=["user", "references_checked_by", "supervisor"])
    volunteer.save(update_fields=["max_matches", "willing_sex_offences", "abroad_country"])
    audit.record(action="volunteer.matching_settings", user=by, obj=volunteer)
    return volunteer
