from __future__ import annotations

from typing import Any

from django.urls import URLPattern

from reclass_volunteers.models import User
from volunteers.models import Volunteer


def panel_context(*, volunteer: Volunteer, user: User) -> dict[str, Any]:
    """What templates/volunteers/partials/pipeline_panel.html needs on the volunteer's page."""
    return {}


urlpatterns: list[URLPattern] = []
