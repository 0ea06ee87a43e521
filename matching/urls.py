from __future__ import annotations

from matching.views import matches, policy, referrals, suggestions, waiting

app_name = "matching"

urlpatterns = [
    *matches.urlpatterns,
    *suggestions.urlpatterns,
    *waiting.urlpatterns,
    *referrals.urlpatterns,
    *policy.urlpatterns,
]
