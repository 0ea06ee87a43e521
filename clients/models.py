"""Probation clients: who they are, who is responsible for them, what they need, whether they
consented to volunteer support, and the staff-only risk flags that the matching rules use.

Volunteers never see `risk_flags`, `staff_note` or anything about the offence: the volunteer's
client page is a separate template with the few fields a volunteer needs to meet the client.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reclass_volunteers.models import Organisation
from volunteers.choices import AVAILABILITY_SLOTS, ActivityType


class RiskFlag(models.TextChoices):
    SEX_OFFENCE = "sex_offence", _("Sex offence")
    VIOLENCE = "violence", _("Violence")
    ADDICTION = "addiction", _("Addiction")
    OTHER = "other", _("Other risk")


class NeedPriority(models.IntegerChoices):
    HIGH = 1, _("Urgent")
    MEDIUM = 2, _("Important")
    LOW = 3, _("Nice to have")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Not recorded")


class AgeBand(models.TextChoices):
    UNDER_23 = "18-23", _("18 to 23")
    FROM_24 = "24-34", _("24 to 34")
    FROM_35 = "35-49", _("35 to 49")
    FROM_50 = "50-64", _("50 to 64")
    FROM_65 = "65+", _("65 or older")


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", _("Signed form")
    VERBAL = "verbal", _("Verbally, noted by the professional")
    DIGITAL = "digital", _("Digitally")


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
    region = models.CharField(_("region"), max_length=100, blank=True)
    # A Dutch detainee abroad: the country (ISO 3166 two-letter code) and the prison.
    abroad_country = models.CharField(
        _("country of detention"),
        max_length=2,
        blank=True,
        help_text=_("Two-letter country code, e.g. ES, only for a detainee abroad."),
    )
    abroad_prison = models.CharField(_("prison"), max_length=200, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    gender = models.CharField(
        _("gender"), max_length=10, choices=Gender.choices, default=Gender.UNKNOWN
    )
    age_band = models.CharField(_("age"), max_length=5, choices=AgeBand.choices, blank=True)
    # Activity type key -> priority (1 urgent .. 3 nice to have).
    needs = models.JSONField(_("needs"), default=dict, blank=True)
    availability = models.JSONField(_("availability"), default=list, blank=True)
    # Activities the client would like to do with the volunteer (activity type keys).
    preferences = models.JSONField(_("preferred activities"), default=list, blank=True)
    preferences_note = models.TextField(
        _("wishes about the volunteer"),
        blank=True,
        help_text=_("For example: an older volunteer, someone who knows the neighbourhood."),
    )
    experience_expert_suitable = models.BooleanField(
        _("an experience expert fits"),
        default=False,
        help_text=_("The client's needs fit support by someone with own detention experience."),
    )
    consent_on = models.DateField(_("consent to volunteer support given on"), null=True, blank=True)
    consent_method = models.CharField(
        _("how consent was recorded"), max_length=10, choices=ConsentMethod.choices, blank=True
    )
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consent recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
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
    risk_flags = models.JSONField(_("risk flags"), default=list, blank=True)
    staff_note = models.TextField(_("staff-only note"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

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
            models.CheckConstraint(
                condition=Q(consent_on__isnull=True, consent_method="")
                | (Q(consent_on__isnull=False) & ~Q(consent_method="")),
                name="client_consent_complete",
            ),
            models.CheckConstraint(
                condition=Q(abroad_prison="") | ~Q(abroad_country=""),
                name="client_prison_needs_country",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status"], name="client_org_status")]

    def __str__(self) -> str:
        return self.code

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def has_consent(self) -> bool:
        return self.consent_on is not None

    @property
    def is_abroad(self) -> bool:
        return bool(self.abroad_country)

    def needs_by_priority(self) -> list[tuple[str, str, int]]:
        """(key, label, priority), most urgent first."""
        labels = dict(ActivityType.choices)
        items = sorted(self.needs.items(), key=lambda item: (item[1], item[0]))
        return [(key, str(labels.get(key, key)), priority) for key, priority in items]

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if not isinstance(self.needs, dict) or any(
            key not in ActivityType.values or priority not in NeedPriority.values
            for key, priority in (self.needs.items() if isinstance(self.needs, dict) else [])
        ):
            errors["needs"] = _("Each need is one of the ten activity types with priority 1-3.")
        if any(slot not in AVAILABILITY_SLOTS for slot in self.availability or []):
            errors["availability"] = _("Unknown time slot.")
        if any(key not in ActivityType.values for key in self.preferences or []):
            errors["preferences"] = _("Unknown activity type.")
        if any(flag not in RiskFlag.values for flag in self.risk_flags or []):
            errors["risk_flags"] = _("Unknown risk flag.")
        if self.abroad_country and not (
            len(self.abroad_country) == 2 and self.abroad_country.isalpha()
        ):
            errors["abroad_country"] = _("Enter a two-letter country code, e.g. ES.")
        if self.abroad_prison and not self.abroad_country:
            errors["abroad_country"] = _("Enter the country of the prison.")
        if bool(self.consent_on) != bool(self.consent_method):
            errors["consent_method" if self.consent_on else "consent_on"] = _(
                "Enter both the date of consent and how it was recorded."
            )
        if self.consent_on and self.consent_on > timezone.localdate():
            errors["consent_on"] = _("The date of consent cannot be in the future.")
        if errors:
            raise ValidationError(errors)
