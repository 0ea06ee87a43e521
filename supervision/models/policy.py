"""Per organisation: how fast signals must be acknowledged, what volunteers may spend, and the
tax-free volunteer allowance limits (dated, because the Tax Administration changes them)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from reclass_volunteers.models import Organisation

MINUTES_PER_DAY = 24 * 60


def _minutes(label: StrOrPromise, default: int) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(
        label,
        default=default,
        validators=[MinValueValidator(5), MaxValueValidator(14 * MINUTES_PER_DAY)],
    )


class SupervisionPolicy(models.Model):
    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="supervision_policy"
    )
    # Minutes within which a professional acknowledges a signal, by severity.
    acute_minutes = _minutes(_("acute signal: acknowledge within (minutes)"), 60)
    high_minutes = _minutes(_("high signal: acknowledge within (minutes)"), 4 * 60)
    medium_minutes = _minutes(_("medium signal: acknowledge within (minutes)"), MINUTES_PER_DAY)
    low_minutes = _minutes(_("low signal: acknowledge within (minutes)"), 3 * MINUTES_PER_DAY)
    emergency_number = models.CharField(_("emergency number"), max_length=20, default="112")
    # Expenses: above the item or month limit a coordinator approves; above the hard maximum
    # an expense is refused.
    expense_item_limit = models.DecimalField(
        _("approval needed above (per item, EUR)"),
        max_digits=7,
        decimal_places=2,
        default=Decimal("25.00"),
    )
    expense_month_limit = models.DecimalField(
        _("approval needed above (per month, EUR)"),
        max_digits=7,
        decimal_places=2,
        default=Decimal("75.00"),
    )
    expense_hard_maximum = models.DecimalField(
        _("highest expense possible (per item, EUR)"),
        max_digits=7,
        decimal_places=2,
        default=Decimal("250.00"),
    )
    km_rate = models.DecimalField(
        _("travel allowance per km (EUR)"), max_digits=4, decimal_places=2, default=Decimal("0.23")
    )
    pays_allowance = models.BooleanField(_("pays a volunteer allowance"), default=False)
    allowance_hourly_rate = models.DecimalField(
        _("allowance per hour (EUR)"), max_digits=5, decimal_places=2, default=Decimal("0.00")
    )
    # Contact nudges and the well-being check-ins of issue 6 will read their settings here too.

    class Meta:
        verbose_name = _("supervision policy")
        verbose_name_plural = _("supervision policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(acute_minutes__lte=models.F("high_minutes"))
                & Q(high_minutes__lte=models.F("medium_minutes"))
                & Q(medium_minutes__lte=models.F("low_minutes")),
                name="supervision_policy_deadlines_by_severity",
            ),
            models.CheckConstraint(
                condition=Q(expense_item_limit__lte=models.F("expense_hard_maximum")),
                name="supervision_policy_item_limit_below_maximum",
            ),
        ]

    def __str__(self) -> str:
        return str(self.organisation)

    @classmethod
    def for_organisation(cls, organisation: Organisation) -> SupervisionPolicy:
        """The saved policy, or the defaults (unsaved: reading never writes)."""
        return cls.objects.filter(organisation=organisation).first() or cls(
            organisation=organisation
        )

    def deadline_minutes(self, severity: str) -> int:
        return int(getattr(self, f"{severity}_minutes"))


class AllowanceLimit(models.Model):
    """The tax-free volunteer allowance (vrijwilligersvergoeding) limits from a date on, for
    every organisation: 2025 EUR 5.60 an hour, 210 a month, 2,100 a year."""

    valid_from = models.DateField(_("valid from"), unique=True)
    per_hour = models.DecimalField(_("per hour (EUR)"), max_digits=6, decimal_places=2)
    per_month = models.DecimalField(_("per month (EUR)"), max_digits=7, decimal_places=2)
    per_year = models.DecimalField(_("per year (EUR)"), max_digits=8, decimal_places=2)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("allowance limit")
        verbose_name_plural = _("allowance limits")
        constraints = [
            models.CheckConstraint(
                condition=Q(per_hour__gt=0) & Q(per_month__gt=0) & Q(per_year__gt=0),
                name="allowance_limit_positive",
            )
        ]

    def __str__(self) -> str:
        return f"{self.valid_from}: {self.per_hour}/{self.per_month}/{self.per_year}"

    @classmethod
    def on(cls, day: date) -> AllowanceLimit | None:
        return cls.objects.filter(valid_from__lte=day).order_by("-valid_from").first()
