"""Competency profiles: the organisation's catalogue, a profile per role (required competencies
with a minimum level, required trainings) and assessments of a volunteer over time.

A competency that has been used (in an assessment, an intake score or a role profile) is never
deleted: it is retired, so the history it is part of stays readable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reclass_volunteers import access, audit
from reclass_volunteers.models import Organisation, User
from volunteers import pipeline
from volunteers.models import (
    Assessment,
    Competency,
    Course,
    IntakeScore,
    RoleCompetency,
    RoleProfile,
    Volunteer,
)

# --- Catalogue -------------------------------------------------------------------------------


def _check_competency_name(
    *, organisation: Organisation, name: str, competency: Competency | None
) -> None:
    clash = Competency.objects.filter(organisation=organisation, name__iexact=name.strip())
    if competency is not None:
        clash = clash.exclude(pk=competency.pk)
    if clash.exists():
        raise ValidationError({"name": _("There is already a competency with this name.")})


@transaction.atomic
def competency_create(
    *, organisation: Organisation, by: User, name: str, description: str = ""
) -> Competency:
    _check_competency_name(organisation=organisation, name=name, competency=None)
    competency = Competency(organisation=organisation, name=name.strip(), description=description)
    competency.full_clean()
    competency.save()
    audit.record(action="competency.create", user=by, obj=competency)
    return competency


@transaction.atomic
def competency_update(
    *, competency: Competency, by: User, name: str, description: str = ""
) -> Competency:
    _check_competency_name(organisation=competency.organisation, name=name, competency=competency)
    competency.name = name.strip()
    competency.description = description
    competency.full_clean()
    competency.save(update_fields=["name", "description"])
    audit.record(action="competency.update", user=by, obj=competency)
    return competency


def competency_is_used(competency: Competency) -> bool:
    return (
        Assessment.objects.filter(competency=competency).exists()
        or IntakeScore.objects.filter(competency=competency).exists()
        or RoleCompetency.objects.filter(competency=competency).exists()
    )


@transaction.atomic
def competency_retire(*, competency: Competency, by: User) -> Competency:
    """Take a competency out of use: it is no longer offered for new assessments and profiles,
    and its history stays."""
    competency.is_active = False
    competency.save(update_fields=["is_active"])
    audit.record(action="competency.retire", user=by, obj=competency)
    return competency


@transaction.atomic
def competency_reinstate(*, competency: Competency, by: User) -> Competency:
    competency.is_active = True
    competency.save(update_fields=["is_active"])
    audit.record(action="competency.reinstate", user=by, obj=competency)
    return competency


@transaction.atomic
def competency_delete(*, competency: Competency, by: User) -> None:
    """Delete a competency that was never used (a typo, say); a used one can only be retired."""
    competency = Competency.objects.select_for_update().get(pk=competency.pk)
    if competency_is_used(competency):
        raise ValidationError(
            _("“%(name)s” has been used already and cannot be deleted; retire it instead.")
            % {"name": competency.name}
        )
    audit.record(action="competency.delete", user=by, obj=competency)
    competency.delete()


# --- Role profiles ---------------------------------------------------------------------------


@transaction.atomic
def role_profile_save(
    *,
    organisation: Organisation,
    role: str,
    by: User,
    description: str,
    required_courses: Iterable[Course],
    minimum_levels: Mapping[Competency, int | None],
) -> RoleProfile:
    """Create or replace the profile of a role: its description, the trainings it requires and
    the minimum level per competency (None: not required). Competencies left out of
    `minimum_levels` keep their requirement (retired ones, which the form does not show)."""
    courses = list(required_courses)
    if any(course.organisation_id != organisation.pk for course in courses):
        raise ValidationError({"required_courses": _("Choose trainings of your own organisation.")})
    for competency, level in minimum_levels.items():
        if competency.organisation_id != organisation.pk:
            raise ValidationError(_("Choose competencies of your own organisation."))
        if level is not None and not competency.is_active:
            raise ValidationError(
                _("“%(name)s” is no longer in use and cannot be required.")
                % {"name": competency.name}
            )
    profile, _created = RoleProfile.objects.select_for_update().get_or_create(
        organisation=organisation, role=role
    )
    profile.description = description
    profile.full_clean()
    profile.save()
    profile.required_courses.set(courses)
    for competency, level in minimum_levels.items():
        if level is None:
            RoleCompetency.objects.filter(profile=profile, competency=competency).delete()
            continue
        requirement = RoleCompetency.objects.filter(profile=profile, competency=competency).first()
        requirement = requirement or RoleCompetency(profile=profile, competency=competency)
        requirement.minimum_level = level
        requirement.full_clean()
        requirement.save()
    audit.record(action="competency.role_profile.save", user=by, obj=profile)
    return profile


# --- Assessments -----------------------------------------------------------------------------


@transaction.atomic
def assessment_record(
    *,
    volunteer: Volunteer,
    by: User,
    competency: Competency,
    level: int,
    assessed_on: date,
    evidence: str = "",
) -> Assessment:
    """Record a volunteer's level on a competency, by a staff member who may see them."""
    if not access.volunteers_visible_to(by).filter(pk=volunteer.pk).exists() or (
        by.role not in access.STAFF
    ):
        raise ValidationError(_("You may not assess this volunteer."))
    if volunteer.status in pipeline.ENDED:
        raise ValidationError(_("This volunteer has left; their assessments are closed."))
    if competency.organisation_id != volunteer.organisation_id or not competency.is_active:
        raise ValidationError({"competency": _("Choose a competency that is in use here.")})
    if assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": _("The date cannot be in the future.")})
    assessment = Assessment(
        volunteer=volunteer,
        competency=competency,
        level=level,
        assessed_on=assessed_on,
        evidence=evidence,
        assessed_by=by,
    )
    assessment.full_clean()
    assessment.save()
    audit.record(action="competency.assess", user=by, obj=volunteer)
    return assessment
