"""Personal attention (issue 6): moments a coordinator should not forget — a birthday, an
anniversary of starting, a milestone of a match or of contact hours, the National Volunteer
Day. The appreciation sweep creates one item per moment (unique per volunteer, kind and
occasion, so a rerun creates nothing); the coordinator edits the suggested message and sends
it, notes that they did it in person, or skips it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reclass_volunteers.models import Organisation
from volunteers.models.volunteer import Volunteer


class AttentionItem(models.Model):
    class Kind(models.TextChoices):
        BIRTHDAY = "birthday", _("Birthday")
        ANNIVERSARY = "anniversary", _("Anniversary of starting")
        MATCH_MILESTONE = "match_milestone", _("Milestone of a match")
        CONTACT_HOURS = "contact_hours", _("Contact hours")
        VOLUNTEER_DAY = "volunteer_day", _("National Volunteer Day")

    class Status(models.TextChoices):
        OPEN = "open", _("To do")
        SENT = "sent", _("Message sent")
        DONE = "done", _("Done in person")
        SKIPPED = "skipped", _("Skipped")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="attention_items"
    )
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="attention_items"
    )
    # Only for match milestones: which match (a volunteer may have more than one).
    match = models.ForeignKey(
        "matching.Match", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("occasion"), max_length=20, choices=Kind.choices)
    # What makes the moment unique for this volunteer and kind, e.g. "2026" for a birthday,
    # "5y" for an anniversary, "<match id>:6m" for a match milestone, "100h" for contact hours.
    occasion = models.CharField(max_length=60)
    due_on = models.DateField(_("date"))
    title = models.CharField(_("what"), max_length=200)
    suggested_message = models.TextField(_("suggested message"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    # The message as the coordinator sent it (edited or not), or their note of what they did.
    message = models.TextField(_("message"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("personal attention item")
        verbose_name_plural = _("personal attention items")
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "kind", "occasion"], name="attention_once_per_occasion"
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "birthday",
                        "anniversary",
                        "match_milestone",
                        "contact_hours",
                        "volunteer_day",
                    ]
                ),
                name="attention_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "sent", "done", "skipped"]),
                name="attention_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="open", handled_at__isnull=True)
                | (~Q(status="open") & Q(handled_at__isnull=False)),
                name="attention_handled_when_closed",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | ~Q(message=""),
                name="attention_sent_has_message",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "due_on"], name="attention_org_open")
        ]

    def __str__(self) -> str:
        return f"{self.volunteer}: {self.title}"
