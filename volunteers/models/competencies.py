"""Competency catalogue, role profiles, intake and assessments over time."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reclass_volunteers.models import Organisation
from volunteers.choices import IntakeDecision, VolunteerRole
from volunteers.models.volunteer import Volunteer

LEVELS = [MinValueValidator(1), MaxValueValidator(5)]
LEVEL_RANGE = Q(level__gte=1, level__lte=5)


class Competency(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="competencies"
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("competency")
        verbose_name_plural = _("competencies")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="competency_name_unique_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return self.name


class RoleProfile(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="role_profiles"
    )
    role = models.CharField(_("role"), max_length=30, choices=VolunteerRole.choices)
    description = models.TextField(_("description"), blank=True)
    required_courses = models.ManyToManyField(
        "volunteers.Course",
        blank=True,
        related_name="required_by",
        verbose_name=_("required trainings"),
    )

    class Meta:
        ordering = ["role"]
        verbose_name = _("role profile")
        verbose_name_plural = _("role profiles")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "role"], name="role_profile_unique_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return self.get_role_display()


class RoleCompetency(models.Model):
    profile = models.ForeignKey(RoleProfile, on_delete=models.CASCADE, related_name="requirements")
    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="+")
    minimum_level = models.PositiveSmallIntegerField(_("minimum level"), validators=LEVELS)

    class Meta:
        verbose_name = _("required competency")
        verbose_name_plural = _("required competencies")
        constraints = [
            models.UniqueConstraint(fields=["profile", "competency"], name="role_competency_once"),
            models.CheckConstraint(
                condition=Q(minimum_level__gte=1, minimum_level__lte=5),
                name="role_competency_level_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.competency} ≥ {self.minimum_level}"


class Intake(models.Model):
    """Both sides of dilemma 1: structured scores *and* the coordinator's own impression."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="intakes")
    planned_at = models.DateTimeField(_("planned for"))
    location = models.CharField(_("place"), max_length=200, blank=True)
    held_on = models.DateField(_("held on"), null=True, blank=True)
    conducted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("conducted by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    impression = models.TextField(_("own impression"), blank=True)
    decision = models.CharField(
        _("decision"), max_length=10, choices=IntakeDecision.choices, blank=True
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    class Meta:
        ordering = ["-planned_at"]
        verbose_name = _("intake")
        verbose_name_plural = _("intakes")
        constraints = [
            models.CheckConstraint(
                condition=Q(held_on__isnull=True) | ~Q(decision=""),
                name="intake_held_has_decision",
            )
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} {self.planned_at:%Y-%m-%d}"


class IntakeScore(models.Model):
    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="scores")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(_("score"), validators=LEVELS)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["intake", "competency"], name="intake_score_once"),
            models.CheckConstraint(condition=LEVEL_RANGE, name="intake_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.competency}: {self.level}"


class Assessment(models.Model):
    """A volunteer's level on a competency at a moment; the history shows growth over time."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="assessments")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(_("level"), validators=LEVELS)
    evidence = models.TextField(_("evidence"), blank=True)
    assessed_on = models.DateField(_("date"), default=timezone.localdate)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessed by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [models.CheckConstraint(condition=LEVEL_RANGE, name="assessment_range")]

    def __str__(self) -> str:
        return f"{self.volunteer} {self.competency}: {self.level}"
