"""Session and response policies that apply to every page."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from reclass_volunteers import audit
from reclass_volunteers.models import AuditEvent, User

SESSION_STARTED_KEY = "reclass_session_started"


def mark_session_start(request: HttpRequest) -> None:
    request.session[SESSION_STARTED_KEY] = int(time.time())


class LanguageMiddleware:
    """Dutch unless the user picked another language with the switch (a cookie).

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language: the
    organisations work in Dutch, and a colleague's English browser should not change that.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if code not in dict(settings.LANGUAGES):
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = code
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", code)
        return response


class AbsoluteSessionTimeoutMiddleware:
    """Ends a session 12 hours after log-in, however active it was (the idle timeout is the
    cookie age, renewed on every request)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED_KEY)
            if started is None or time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                messages.info(request, _("Your session has ended. Please log in again."))
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class PrivatePageMiddleware:
    """Pages behind log-in must not be kept by browsers or proxies."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated and not request.path.startswith(settings.STATIC_URL):
            add_never_cache_headers(response)
            response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
        return response


class AuditDeniedMiddleware:
    """Records refused requests (403). Out-of-scope objects are recorded by access.get_or_404."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 403:
            audit.record(action="request.denied", request=request, result=AuditEvent.Result.DENIED)
        return response


class TwoFactorMiddleware:
    """Staff who must use two-factor log-in reach no page until this session is verified with a
    code; without an app yet they are sent to set one up first."""

    EXEMPT = frozenset({"two_factor_setup", "two_factor_verify", "logout", "set_language"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., HttpResponse], *args: object
    ) -> HttpResponse | None:
        from reclass_volunteers import two_factor

        user = request.user
        if not isinstance(user, User) or two_factor.session_verified(user):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in self.EXEMPT:
            return None
        if getattr(view_func, "login_required", True) is False:
            return None  # public pages (security.txt, health, invitation) stay reachable
        if not two_factor.required_for(user):
            return None
        target = (
            "two_factor_verify"
            if two_factor.confirmed_device(user) is not None
            else "two_factor_setup"
        )
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
