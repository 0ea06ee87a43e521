"""Well-being check-ins (issue 6): volunteers whose clients carry stigma (a sex offence, by
default) are asked every few weeks how they are doing. The sweep opens one check-in per
volunteer per period (unique per volunteer and due date); the volunteer answers four questions
on a 1-5 scale, where 1 is always the worst; an answer of LOW or lower, or asking to be called,
alerts the coordinators."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reclass_volunteers.models import Organisation
from volunteers.models import Volunteer

SCALE = [MinValueValidator(1), MaxValueValidator(5)]
ANSWERS = ("overall", "burden", "support", "surroundings")


class WellbeingCheckIn(models.Model):
    # An answer at or below this is "low" and alerts the coordinators.
    LOW = 2

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="wellbeing_checkins"
    )
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="wellbeing_checkins"
    )
    due_on = models.DateField(_("asked on"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    overall = models.PositiveSmallIntegerField(
        _("How are you doing, all in all?"), null=True, blank=True, validators=SCALE
    )
    burden = models.PositiveSmallIntegerField(
        _("How heavy does the volunteer work weigh on you?"),
        null=True,
        blank=True,
        validators=SCALE,
        help_text=_("1 = very heavy, 5 = not heavy at all"),
    )
    support = models.PositiveSmallIntegerField(
        _("Do you feel supported by your coordinator and supervisor?"),
        null=True,
        blank=True,
        validators=SCALE,
    )
    surroundings = models.PositiveSmallIntegerField(
        _("How do the people around you react to this work?"),
        null=True,
        blank=True,
        validators=SCALE,
    )
    wants_contact = models.BooleanField(_("I would like someone to contact me"), default=False)
    comment = models.TextField(_("Anything else you want to tell us?"), blank=True)
    # When the coordinators were alerted about a low answer, and who followed it up and how.
    alerted_at = models.DateTimeField(null=True, blank=True)
    followed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    followed_up_at = models.DateTimeField(null=True, blank=True)
    follow_up_note = models.TextField(_("what was done"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-due_on", "-pk"]
        verbose_name = _("well-being check-in")
        verbose_name_plural = _("well-being check-ins")
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "due_on"], name="wellbeing_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True)
                | Q(
                    overall__isnull=False,
                    burden__isnull=False,
                    support__isnull=False,
                    surroundings__isnull=False,
                ),
                name="wellbeing_answered_complete",
            ),
            models.CheckConstraint(
                condition=(Q(overall__isnull=True) | Q(overall__gte=1, overall__lte=5))
                & (Q(burden__isnull=True) | Q(burden__gte=1, burden__lte=5))
                & (Q(support__isnull=True) | Q(support__gte=1, support__lte=5))
                & (Q(surroundings__isnull=True) | Q(surroundings__gte=1, surroundings__lte=5)),
                name="wellbeing_scale",
            ),
            models.CheckConstraint(
                condition=Q(followed_up_at__isnull=True) | Q(answered_at__isnull=False),
                name="wellbeing_follow_up_after_answer",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "answered_at"], name="wellbeing_org_answered")
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} {self.due_on}"

    @property
    def is_low(self) -> bool:
        """Whether the answers call for a coordinator: a low score or a wish to be contacted."""
        if self.answered_at is None:
            return False
        scores = [getattr(self, name) for name in ANSWERS]
        return self.wants_contact or any(s is not None and s <= self.LOW for s in scores)
