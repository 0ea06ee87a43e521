"""Relapse signals: what a volunteer sees that the professional must know in time."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from matching.models import Match
from reclass_volunteers.models import Organisation
from volunteers.models import Volunteer


class SignalCategory(models.TextChoices):
    SUBSTANCE_USE = "substance_use", _("Substance use")
    MISSED_APPOINTMENTS = "missed_appointments", _("Missed appointments")
    OLD_NETWORK = "old_network", _("Contact with the old network")
    HOUSING_INCOME = "housing_income", _("Losing housing or income")
    MOOD_THREATS = "mood_threats", _("Mood or threats")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    ACUTE = "acute", _("Acute")


class RelapseSignal(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="relapse_signals"
    )
    match = models.ForeignKey(Match, on_delete=models.PROTECT, related_name="signals")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="signals")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="signals")
    # The professional responsible when the signal came in: escalation follows them.
    professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signals_to_handle"
    )
    category = models.CharField(
        _("what kind of signal"), max_length=30, choices=SignalCategory.choices
    )
    severity = models.CharField(_("how serious"), max_length=10, choices=Severity.choices)
    observed_at = models.DateTimeField(_("when you noticed it"))
    observation = models.TextField(_("what you noticed"))
    reported_at = models.DateTimeField(default=timezone.now, db_index=True)
    # When the organisation's time for this severity runs out (set on submit).
    due_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action_taken = models.TextField(_("action taken"), blank=True)
    # How many times the sweep escalated it, and when it is due to escalate again.
    escalation_level = models.PositiveSmallIntegerField(default=0)
    next_escalation_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-reported_at"]
        verbose_name = _("relapse signal")
        verbose_name_plural = _("relapse signals")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    category__in=[
                        "substance_use",
                        "missed_appointments",
                        "old_network",
                        "housing_income",
                        "mood_threats",
                        "other",
                    ]
                ),
                name="signal_category_valid",
            ),
            models.CheckConstraint(
                condition=Q(severity__in=["low", "medium", "high", "acute"]),
                name="signal_severity_valid",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | ~Q(action_taken=""),
                name="signal_acknowledged_with_action",
            ),
            models.CheckConstraint(
                condition=Q(observed_at__lte=models.F("reported_at")),
                name="signal_observed_before_reported",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_escalation_at"],
                condition=Q(acknowledged_at__isnull=True),
                name="signal_open_escalation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_severity_display()} · {self.get_category_display()}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None
