"""The volunteer, the organisation's rules for volunteers, applications and the stage history."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reclass_volunteers.models import Organisation
from volunteers.choices import FarewellReason, SupervisionForm, VolunteerRole


class VolunteerPolicy(models.Model):
    """What an organisation decides for its volunteers (no law sets these)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="volunteer_policy"
    )
    minimum_age = models.PositiveSmallIntegerField(
        _("minimum age of volunteers"),
        default=18,
        validators=[MinValueValidator(16), MaxValueValidator(99)],
    )
    certificate_max_age_months = models.PositiveSmallIntegerField(
        _("maximum age of a certificate of conduct at the start (months)"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    certificate_renew_years = models.PositiveSmallIntegerField(
        _("renew the certificate of conduct after (years)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    retention_months_after_farewell = models.PositiveSmallIntegerField(
        _("remove personal data after farewell (months)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    privacy_statement_version = models.CharField(
        _("version of the privacy statement"), max_length=20, default="2026-1"
    )
    applications_open = models.BooleanField(_("accept applications"), default=True)

    class Meta:
        verbose_name = _("volunteer policy")
        verbose_name_plural = _("volunteer policies")
        constraints = [
            models.CheckConstraint(condition=Q(minimum_age__gte=16), name="policy_minimum_age"),
            models.CheckConstraint(
                condition=Q(certificate_max_age_months__gte=1)
                & Q(certificate_renew_years__gte=1)
                & Q(retention_months_after_farewell__gte=1),
                name="policy_periods_positive",
            ),
        ]

    def __str__(self) -> str:
        return str(self.organisation)

    @classmethod
    def for_organisation(cls, organisation: Organisation) -> VolunteerPolicy:
        """The organisation's policy, or (unsaved) the defaults it would get: reading a page
        must not write, and saving the returned object creates the row."""
        policy = cls.objects.filter(organisation=organisation).first()
        return policy or cls(organisation=organisation)


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
    city = models.CharField(_("place of residence"), max_length=100, blank=True)
    # Visitors of Dutch detainees abroad: the country (ISO two-letter code) they visit.
    abroad_country = models.CharField(
        _("country visited"),
        max_length=2,
        blank=True,
        help_text=_("Only for visitors of detainees abroad: two-letter country code, e.g. ES."),
    )
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    motives = models.JSONField(_("motivation"), default=list, blank=True)
    motivation_text = models.TextField(_("motivation in your own words"), blank=True)
    availability = models.JSONField(_("availability"), default=list, blank=True)
    activity_preferences = models.JSONField(_("preferred activities"), default=list, blank=True)
    roles_of_interest = models.JSONField(_("roles of interest"), default=list, blank=True)
    willing_sex_offences = models.BooleanField(
        _("willing to work with clients convicted of sex offences"), default=False
    )
    privacy_consent_version = models.CharField(max_length=20, blank=True)
    privacy_consent_at = models.DateTimeField(null=True, blank=True)

    status = models.CharField(
        _("stage"), max_length=20, choices=Status.choices, default=Status.APPLIED
    )
    status_changed_at = models.DateTimeField(_("in this stage since"), default=timezone.now)
    role = models.CharField(_("role"), max_length=30, choices=VolunteerRole.choices, blank=True)
    max_matches = models.PositiveSmallIntegerField(
        _("maximum number of matches"), default=1, validators=[MaxValueValidator(10)]
    )

    # The tailored supervision plan: who, in what form and how often, chosen per person.
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervising professional"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supervised_volunteers",
    )
    supervision_form = models.CharField(
        _("form of supervision"), max_length=20, choices=SupervisionForm.choices, blank=True
    )
    supervision_interval_weeks = models.PositiveSmallIntegerField(
        _("supervision every (weeks)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(26)],
    )

    references_checked_on = models.DateField(_("references checked on"), null=True, blank=True)
    references_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("references checked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    references_note = models.TextField(_("references"), blank=True)

    pause_reason = models.CharField(_("reason for the pause"), max_length=300, blank=True)
    expected_return_on = models.DateField(_("expected return"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    personal_data_removal_on = models.DateField(
        _("personal data will be removed on"), null=True, blank=True
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
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="volunteer_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(supervision_interval_weeks__isnull=True)
                | Q(supervision_interval_weeks__gte=1, supervision_interval_weeks__lte=26),
                name="volunteer_supervision_interval_range",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status"], name="volunteer_org_status")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def age_on(self, day: date) -> int | None:
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class Application(models.Model):
    """One submission of the public form. A second application with the same e-mail is kept
    here, on the existing volunteer, instead of creating a duplicate."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="applications")
    submitted_at = models.DateTimeField(default=timezone.now)
    answers = models.JSONField(default=dict)
    # A keyed hash of the sender's address, for the rate limit; never the address itself.
    sender_hash = models.CharField(max_length=64, db_index=True)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")

    def __str__(self) -> str:
        return f"{self.volunteer} {self.submitted_at:%Y-%m-%d}"


class StatusChange(models.Model):
    """Who moved a volunteer from one stage to another, when and why (the timeline's spine)."""

    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=20, choices=Volunteer.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Volunteer.Status.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")

    def __str__(self) -> str:
        return f"{self.volunteer}: {self.from_status} → {self.to_status}"


class Farewell(models.Model):
    """The exit conversation, kept so the organisation learns why people leave."""

    volunteer = models.OneToOneField(Volunteer, on_delete=models.CASCADE, related_name="farewell")
    held_on = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=20, choices=FarewellReason.choices)
    reason_text = models.TextField(_("explanation"), blank=True)
    went_well = models.TextField(_("what went well"), blank=True)
    should_change = models.TextField(_("what should change"), blank=True)
    would_recommend = models.BooleanField(
        _("would recommend volunteering here"), null=True, blank=True
    )
    conducted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("farewell")
        verbose_name_plural = _("farewells")

    def __str__(self) -> str:
        return f"{self.volunteer} ({self.held_on})"
