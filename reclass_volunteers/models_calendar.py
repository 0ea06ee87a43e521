"""The secret of a user's private calendar feed (issue 6). Imported at the bottom of
reclass_volunteers/models.py so the app registers it.

Only a hash of the token is stored, like an invitation's: the feed URL is shown once, right after
it is made, and a leaked database does not give anyone's agenda away.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CalendarToken(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_token"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects: ClassVar[models.Manager[CalendarToken]] = models.Manager()

    class Meta:
        app_label = "reclass_volunteers"
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)
