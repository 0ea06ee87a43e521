"""What volunteers report and raise: contacts with their client, the professional's replies,
"something I want to discuss", and the minutes of circle meetings."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matching.models import Match
from volunteers.models import Volunteer


class ContactKind(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    PHONE = "phone", _("Phone call")
    MESSAGE = "message", _("Message")
    ACCOMPANYING = "accompanying", _("Accompanying to an agency")


class ContactReport(models.Model):
    match = models.ForeignKey(Match, on_delete=models.PROTECT, related_name="contact_reports")
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="contact_reports"
    )
    happened_on = models.DateField(_("date"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    kind = models.CharField(_("kind of contact"), max_length=20, choices=ContactKind.choices)
    activities = models.JSONField(_("what it served"), default=list, blank=True)
    how_it_went = models.PositiveSmallIntegerField(
        _("how it went (1-5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-happened_on", "-created_at"]
        verbose_name = _("contact report")
        verbose_name_plural = _("contact reports")
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1) & Q(duration_minutes__lte=24 * 60),
                name="contact_duration_range",
            ),
            models.CheckConstraint(
                condition=Q(how_it_went__gte=1) & Q(how_it_went__lte=5),
                name="contact_how_it_went_range",
            ),
        ]
        indexes = [models.Index(fields=["match", "-happened_on"], name="contact_match_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.happened_on}"


class ReportReply(models.Model):
    """A professional's reply or follow-up question on a contact report, and the answers."""

    report = models.ForeignKey(ContactReport, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(_("reply"))
    is_question = models.BooleanField(_("a question for the volunteer"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("reply")
        verbose_name_plural = _("replies")

    def __str__(self) -> str:
        return self.text[:40]


class DiscussionTopic(models.TextChoices):
    GIFT = "gift", _("A gift")
    PAYMENT = "payment", _("A payment or a loan")
    RULE_BENT = "rule_bent", _("A rule I bent for the client")
    DOUBT = "doubt", _("A doubt")
    OTHER = "other", _("Something else")


class DiscussionPoint(models.Model):
    """ "Something I want to discuss": goes to the volunteer's supervisor, without blame, and
    is never shown to the client."""

    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="discussion_points"
    )
    match = models.ForeignKey(
        Match, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    topic = models.CharField(_("topic"), max_length=20, choices=DiscussionTopic.choices)
    text = models.TextField(_("what happened"))
    created_at = models.DateTimeField(default=timezone.now)
    addressed_at = models.DateTimeField(null=True, blank=True)
    addressed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    response = models.TextField(_("response"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("discussion point")
        verbose_name_plural = _("discussion points")
        constraints = [
            models.CheckConstraint(
                condition=Q(addressed_at__isnull=True) | ~Q(response=""),
                name="discussion_addressed_with_response",
            )
        ]

    def __str__(self) -> str:
        return self.get_topic_display()


class CircleMinutes(models.Model):
    """Minutes of a circle meeting, filed by the lead volunteer within 48 hours; they reach the
    professionals of the outer circle."""

    match = models.ForeignKey(Match, on_delete=models.PROTECT, related_name="circle_minutes")
    held_on = models.DateField(_("meeting date"))
    text = models.TextField(_("minutes"))
    filed_by = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="+", verbose_name=_("filed by")
    )
    filed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on"]
        verbose_name = _("circle meeting minutes")
        verbose_name_plural = _("circle meeting minutes")
        constraints = [
            models.UniqueConstraint(fields=["match", "held_on"], name="circle_minutes_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.match} {self.held_on}"
