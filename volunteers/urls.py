from __future__ import annotations

from volunteers.views import (
    application,
    attention,
    competencies,
    groups,
    pipeline,
    profiles,
    training,
)

app_name = "volunteers"

urlpatterns = [
    *profiles.urlpatterns,
    *application.urlpatterns,
    *pipeline.urlpatterns,
    *training.urlpatterns,
    *competencies.urlpatterns,
    *groups.urlpatterns,
    *attention.urlpatterns,
]
