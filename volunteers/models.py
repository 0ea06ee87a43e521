"""Volunteers. The skeleton holds who they are, where they stand and who supervises them;
the lifecycle (application, intake, screening, training, farewell) arrives with issue 3."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reclass_volunteers.models import Organisation


class VolunteerQuerySet(models.QuerySet["Volunteer"]):
    def active(self) -> VolunteerQuerySet:
        return self.filter(status=Volunteer.Status.ACTIVE)


class Volunteer(models.Model):
    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        INTAKE_PLANNED = "intake_planned", _("Intake planned")
        INTAKE_DONE = "intake_done", _("Intake done")
        SCREENING = "screening", _("Screening")
        TRAINING = "training", _("Training")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        FAREWELL = "farewell", _("Farewell")
        REJECTED = "rejected", _("Rejected")

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="volunteers",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="volunteer_profile",
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("e-mail address"))
    phone = models.CharField(_("phone number"), max_length=30, blank=True)
    postcode = models.CharField(_("postcode"), max_length=7, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.APPLIED
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervising professional"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supervised_volunteers",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = VolunteerQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        constraints = [
            models.UniqueConstraint(
                "organisation", Lower("email"), name="volunteer_email_unique_per_organisation"
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "applied",
                        "intake_planned",
                        "intake_done",
                        "screening",
                        "training",
                        "active",
                        "paused",
                        "farewell",
                        "rejected",
                    ]
                ),
                name="volunteer_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
