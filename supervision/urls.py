from __future__ import annotations

from django.urls import URLPattern

app_name = "supervision"

# Contact reports, relapse signals, supervision notes and intervision arrive with issue 5.
urlpatterns: list[URLPattern] = []
