"""Matches between volunteers and clients: one volunteer for a buddy, several for a circle.
The skeleton holds the shape the access rules need; suggestions and the lifecycle services
arrive with issue 4."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from reclass_volunteers.models import Organisation
from volunteers.models import Volunteer


class Match(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        INTRODUCTION = "introduction", _("Introduction")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    # Statuses in which the professionals around a match keep seeing its volunteers.
    LIVE_STATUSES = (Status.PROPOSED, Status.INTRODUCTION, Status.ACTIVE)

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="matches",
    )
    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="matches"
    )
    volunteers = models.ManyToManyField(
        Volunteer, through="MatchVolunteer", related_name="matches", verbose_name=_("volunteers")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    started_on = models.DateField(_("start date"), null=True, blank=True)
    ended_on = models.DateField(_("end date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["proposed", "introduction", "active", "ended"]),
                name="match_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(ended_on__gte=models.F("started_on")),
                name="match_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} ({self.get_status_display()})"


class MatchVolunteer(models.Model):
    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="memberships")
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="match_memberships"
    )
    is_lead = models.BooleanField(_("lead volunteer"), default=False)

    class Meta:
        verbose_name = _("match volunteer")
        verbose_name_plural = _("match volunteers")
        constraints = [
            models.UniqueConstraint(fields=["match", "volunteer"], name="match_volunteer_once"),
            models.UniqueConstraint(
                fields=["match"], condition=Q(is_lead=True), name="match_one_lead"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} — {self.match}"
