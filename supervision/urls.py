from __future__ import annotations

from supervision.views import (
    expenses,
    guidance,
    intervision,
    policy,
    portal,
    practice,
    reports,
    signals,
    wellbeing,
)

app_name = "supervision"

urlpatterns = [
    *portal.urlpatterns,
    *signals.urlpatterns,
    *reports.urlpatterns,
    *expenses.urlpatterns,
    *guidance.urlpatterns,
    *intervision.urlpatterns,
    *practice.urlpatterns,
    *policy.urlpatterns,
    *wellbeing.urlpatterns,
]
