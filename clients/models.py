"""Probation clients. The skeleton holds who they are and who is responsible for them; needs,
risk flags and consent arrive with issue 4."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reclass_volunteers.models import Organisation


class Client(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        MATCHED = "matched", _("Matched")
        REFERRED = "referred", _("Referred")
        CLOSED = "closed", _("Closed")

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="clients",
    )
    code = models.CharField(
        _("code"), max_length=20, help_text=_("Pseudonymous code used in reports.")
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    phone = models.CharField(_("phone number"), max_length=30, blank=True)
    postcode = models.CharField(_("postcode"), max_length=7, blank=True)
    responsible_professional = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible professional"),
        on_delete=models.PROTECT,
        related_name="clients_responsible_for",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.WAITING
    )
    # Offence and risk details: staff only, never shown to volunteers.
    staff_note = models.TextField(_("staff-only note"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"], name="client_code_unique_per_organisation"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["waiting", "matched", "referred", "closed"]),
                name="client_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.code
