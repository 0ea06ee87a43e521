"""Expenses a volunteer claims, travel by the kilometre, and the volunteer allowance."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matching.models import Match
from volunteers.models import Volunteer


class Expense(models.Model):
    class Kind(models.TextChoices):
        ITEM = "item", _("Expense")
        TRAVEL = "travel", _("Travel by car or bicycle (per km)")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Not approved")

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="expenses")
    match = models.ForeignKey(
        Match, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    spent_on = models.DateField(_("date"))
    description = models.CharField(_("what for"), max_length=200)
    kilometres = models.DecimalField(
        _("kilometres"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    amount = models.DecimalField(_("amount (EUR)"), max_digits=8, decimal_places=2)
    # The receipt's stored name under the private upload folder (never a public /media/ URL).
    receipt = models.FileField(_("receipt"), upload_to="receipts/", blank=True)
    receipt_content_type = models.CharField(max_length=50, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_note = models.CharField(_("explanation"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-spent_on", "-created_at"]
        verbose_name = _("expense")
        verbose_name_plural = _("expenses")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="expense_amount_positive"),
            models.CheckConstraint(
                condition=~Q(kind="travel") | Q(kilometres__gt=0),
                name="expense_travel_has_kilometres",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "approved", "rejected"]),
                name="expense_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.description} {self.amount}"


class AllowanceClaim(models.Model):
    """Hours of volunteer work claimed at the organisation's allowance rate, per month."""

    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="allowance_claims"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    amount = models.DecimalField(_("amount (EUR)"), max_digits=8, decimal_places=2)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("allowance claim")
        verbose_name_plural = _("allowance claims")
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "month"], name="allowance_once_a_month"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="allowance_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} {self.month:%Y-%m}"
