"""Courses, their sessions, and who enrolled, attended and completed them."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reclass_volunteers.models import Organisation
from volunteers.choices import CourseKind
from volunteers.models.volunteer import Volunteer


class Course(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="courses")
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=CourseKind.choices)
    description = models.TextField(_("description"), blank=True)
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"),
        null=True,
        blank=True,
        help_text=_("Leave empty when the training does not expire."),
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="course_name_unique_per_organisation"
            ),
            models.CheckConstraint(
                condition=Q(validity_months__isnull=True) | Q(validity_months__gte=1),
                name="course_validity_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TrainingSession(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("starts at"))
    location = models.CharField(_("place"), max_length=200)
    capacity = models.PositiveSmallIntegerField(
        _("places"), validators=[MinValueValidator(1), MaxValueValidator(500)]
    )

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_capacity_positive")
        ]

    def __str__(self) -> str:
        return f"{self.course} {timezone.localtime(self.starts_at):%d-%m-%Y %H:%M}"


class Enrolment(models.Model):
    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        WAITING = "waiting", _("On the waiting list")
        ATTENDED = "attended", _("Attended")
        ABSENT = "absent", _("Absent")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    # Statuses that take a place in the session.
    SEATED = (Status.ENROLLED, Status.ATTENDED, Status.COMPLETED, Status.ABSENT)

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="enrolments"
    )
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="enrolments")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    enrolled_at = models.DateTimeField(default=timezone.now)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)

    class Meta:
        ordering = ["enrolled_at", "id"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["session", "volunteer"], name="enrolment_once"),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_on__isnull=False),
                name="enrolment_completed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} — {self.session}"
