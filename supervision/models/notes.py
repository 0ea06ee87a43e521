"""Guidance of a volunteer (supervision notes), intervision and shared ways of working."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reclass_volunteers.models import Organisation
from volunteers.choices import SupervisionForm
from volunteers.models import Volunteer


class SupervisionNote(models.Model):
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="supervision_notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    held_on = models.DateField(_("date"))
    form = models.CharField(_("form"), max_length=20, choices=SupervisionForm.choices)
    topics = models.TextField(_("topics"))
    agreements = models.TextField(_("agreements"), blank=True)
    next_on = models.DateField(_("next supervision"), null=True, blank=True)
    shared_with_volunteer = models.BooleanField(
        _("share with the volunteer"),
        default=False,
        help_text=_("Private notes are read by staff only."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-created_at"]
        verbose_name = _("supervision note")
        verbose_name_plural = _("supervision notes")
        constraints = [
            models.CheckConstraint(
                condition=Q(next_on__isnull=True) | Q(next_on__gt=models.F("held_on")),
                name="supervision_next_after_held",
            )
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} {self.held_on}"


class IntervisionGroup(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="intervision_groups"
    )
    name = models.CharField(_("name"), max_length=150)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("facilitator"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    members = models.ManyToManyField(
        Volunteer, related_name="intervision_groups", verbose_name=_("members"), blank=True
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("intervision group")
        verbose_name_plural = _("intervision groups")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="intervision_group_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class IntervisionSession(models.Model):
    group = models.ForeignKey(IntervisionGroup, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=200)
    topic = models.CharField(_("topic"), max_length=300)
    minutes = models.TextField(_("minutes"), blank=True)
    minutes_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("intervision session")
        verbose_name_plural = _("intervision sessions")

    def __str__(self) -> str:
        return f"{self.group} {self.starts_at:%Y-%m-%d}"


class IntervisionInvitation(models.Model):
    class Answer(models.TextChoices):
        PENDING = "pending", _("No answer yet")
        YES = "yes", _("Coming")
        NO = "no", _("Not coming")

    session = models.ForeignKey(
        IntervisionSession, on_delete=models.CASCADE, related_name="invitations"
    )
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="intervision_invitations"
    )
    answer = models.CharField(
        _("answer"), max_length=10, choices=Answer.choices, default=Answer.PENDING
    )
    attended = models.BooleanField(_("attended"), null=True, blank=True)

    class Meta:
        verbose_name = _("intervision invitation")
        verbose_name_plural = _("intervision invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "volunteer"], name="intervision_invited_once"
            ),
            models.CheckConstraint(
                condition=Q(answer__in=["pending", "yes", "no"]), name="intervision_answer_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.session}"


class PracticeNote(models.Model):
    """A professional's "what I do when…": how they work with volunteers, for colleagues."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="practice_notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    title = models.CharField(_("what I do when…"), max_length=200)
    body = models.TextField(_("how I work"))
    roles = models.JSONField(_("volunteer roles"), default=list, blank=True)
    activities = models.JSONField(_("activity types"), default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("way of working")
        verbose_name_plural = _("ways of working")

    def __str__(self) -> str:
        return self.title


class PracticeComment(models.Model):
    note = models.ForeignKey(PracticeNote, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(_("comment or question"))
    is_question = models.BooleanField(_("a question"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return self.text[:40]
