"""URLconf for tests/test_security.py: the project's routes plus one view that fails, to see
what a visitor gets from an unexpected error."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from reclass_volunteers.urls import urlpatterns as project_urlpatterns

FAILURE_DETAIL = "MARKER-EXCEPTION-DETAIL"


def failing_view(request: HttpRequest) -> HttpResponse:
    secret_local = "MARKER-LOCAL-VARIABLE"  # would show in a technical 500 page
    raise RuntimeError(f"{FAILURE_DETAIL} {secret_local}")


urlpatterns = [*project_urlpatterns, path("test-fout/", failing_view, name="test_failure")]
