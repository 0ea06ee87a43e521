"""Certificates of conduct (VOG). The document itself is never stored: who saw it, when, its
screening profile and its dates (SECURITY.md, Privacy)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from volunteers.models.volunteer import Volunteer, VolunteerPolicy


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    from calendar import monthrange

    return date(year, month, min(day.day, monthrange(year, month)[1]))


class Certificate(models.Model):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="certificates")
    requested_on = models.DateField(_("requested on"))
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    # e.g. the free-VOG scheme asks for screening area 08 and function aspects 84 and 85.
    screening_areas = models.CharField(_("screening areas"), max_length=100, blank=True)
    function_aspects = models.CharField(_("function aspects"), max_length=100, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-issued_on", "-requested_on"]
        verbose_name = _("certificate of conduct")
        verbose_name_plural = _("certificates of conduct")
        constraints = [
            models.CheckConstraint(
                condition=Q(issued_on__isnull=True) | Q(issued_on__gte=F("requested_on")),
                name="certificate_issued_after_request",
            ),
        ]

    def __str__(self) -> str:
        return f"VOG {self.volunteer} {self.issued_on or self.requested_on}"

    def expires_on(self, policy: VolunteerPolicy) -> date | None:
        if self.issued_on is None:
            return None
        return _add_months(self.issued_on, 12 * policy.certificate_renew_years)

    def valid_for_start(self, policy: VolunteerPolicy, today: date) -> bool:
        """Issued, not older than the organisation allows at the start, and not expired."""
        if self.issued_on is None or self.issued_on > today:
            return False
        fresh_enough = _add_months(self.issued_on, policy.certificate_max_age_months) >= today
        return fresh_enough and self.is_current(policy, today)

    def is_current(self, policy: VolunteerPolicy, today: date) -> bool:
        expires = self.expires_on(policy)
        return (
            expires is not None and self.issued_on is not None and expires > today >= self.issued_on
        )
