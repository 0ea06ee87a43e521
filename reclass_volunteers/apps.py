from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReclassVolunteersConfig(AppConfig):
    name = "reclass_volunteers"
    verbose_name = _("Accounts and audit")

    def ready(self) -> None:
        # Log-in outcomes are only observable through Django's auth signals.
        from reclass_volunteers import signals  # noqa: F401
