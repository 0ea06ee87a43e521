"""The security baseline of the skeleton (SECURITY.md): deny by default, authentication and
sessions, headers, error pages, CSRF, mass assignment, field-level visibility, revocation.

Everything goes through the test client against the real middleware, views and database.
Production settings are checked in `tests/test_production_settings.py`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RoutePattern
from django.utils import translation
from django.utils.dateparse import parse_datetime

from matching.models import Match
from reclass_volunteers import settings as project_settings
from reclass_volunteers.models import AuditEvent, Invitation, Role, User
from tests.conftest import World, client_for
from tests.factories import PASSWORD, UserFactory
from tests.security_urls import FAILURE_DETAIL
from tests.test_role_matrix import MATRIX, PUBLIC, _route_names

LOGIN_PATHS = ("/inloggen/", "/operations/login/")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _dutch(msgid: str) -> str:
    """The Dutch text of one of our strings; it must really be translated."""
    with translation.override("nl"):
        text = translation.gettext(msgid)
    assert text != msgid, f"No Dutch translation for {msgid!r}"
    return text


def _log_in(http: HttpClient, user: User, password: str = PASSWORD, **extra: Any) -> Any:
    return http.post(reverse("login"), {"username": user.email, "password": password}, **extra)


def _is_logged_in(http: HttpClient) -> bool:
    return "_auth_user_id" in http.session


def _sent_to_login(response: Any) -> bool:
    return response.status_code == 302 and urlsplit(response["Location"]).path in LOGIN_PATHS


# --- Deny by default: walk the resolver anonymously -------------------------------------------

_DUMMIES = {
    "pk": "1",
    "token": "x",
    "uidb64": "x",
    "object_id": "1",
    "content_type_id": "1",
    "url": "x",
}
_ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^)]*)\)")


def _concrete(segment: Any) -> str:
    """One segment of a route with its parameters filled in with dummy values."""
    text = str(segment)
    if isinstance(segment, RoutePattern):
        return _ROUTE_PARAMETER.sub(
            lambda m: _DUMMIES.get(m["name"], "1" if m["converter"] == "int" else "x"), text
        )

    def fill(m: re.Match[str]) -> str:
        body = m["body"]
        if re.fullmatch(r"[\w|]+", body):  # an alternation such as app_label: take the first
            return body.split("|")[0]
        return _DUMMIES.get(m["name"], "x")

    return _REGEX_GROUP.sub(fill, text).removeprefix("^").removesuffix("$")


def _every_route() -> list[tuple[str, str | None, Any]]:
    """(concrete url, full name or None, callback) for every pattern in the resolver."""
    routes: list[tuple[str, str | None, Any]] = []

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, prefix + _concrete(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                name = namespace + pattern.name if pattern.name else None
                routes.append(("/" + prefix + _concrete(pattern.pattern), name, pattern.callback))

    walk(get_resolver().url_patterns, "", "")
    return routes


def _ends_at_login(http: HttpClient, response: Any) -> bool:
    """A redirect that leads, within a few hops, to a log-in page."""
    for _hop in range(3):
        if response.status_code not in (301, 302, 303, 307, 308):
            return False
        if urlsplit(response["Location"]).path in LOGIN_PATHS:
            return True
        response = http.get(response["Location"])
    return False


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_gets_only_the_allow_list(method: str) -> None:
    http = HttpClient()
    routes = _every_route()
    leaks = []
    for url, name, callback in routes:
        assert resolve(url).func is callback, f"dummy url {url} does not reach route {name}"
        response = getattr(http, method)(url)
        if name in PUBLIC:
            if _sent_to_login(response):
                leaks.append(f"{name} ({url}) is on the allow-list but asks for a log-in")
        elif not _ends_at_login(http, response):
            leaks.append(f"{name or 'unnamed'} {url} answered {response.status_code}")
    assert not leaks, "\n".join(leaks)
    # The walk saw every named route, and the allow-list names only routes that exist.
    assert {name for _url, name, _cb in routes if name} == _route_names()
    assert set(PUBLIC) <= _route_names()


# --- Passwords ----------------------------------------------------------------------------------


def test_argon2id_is_the_password_hasher(settings: Any) -> None:
    # conftest switches the tests to MD5 for speed; the project's own list is in the module.
    assert project_settings.PASSWORD_HASHERS[0] == (
        "django.contrib.auth.hashers.Argon2PasswordHasher"
    )
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    encoded = make_password("paars-fiets-onder-de-brug")
    assert encoded.startswith("argon2$argon2id$")
    assert check_password("paars-fiets-onder-de-brug", encoded)


@pytest.mark.parametrize(
    ("password", "dutch_fragment"),
    [
        ("kort-wachtw", "te kort"),  # 11 characters
        ("password1234", "te algemeen"),  # 12 characters, on Django's common list
    ],
)
def test_weak_passwords_are_refused_in_dutch(password: str, dutch_fragment: str) -> None:
    assert settings.LANGUAGE_CODE == "nl"
    translation.deactivate()  # no language chosen: the default applies
    with pytest.raises(ValidationError) as refused:
        validate_password(password)
    assert any(dutch_fragment in message for message in refused.value.messages), (
        refused.value.messages
    )


def test_long_passphrase_needs_no_composition_rules() -> None:
    validate_password("paars-fiets-onder-de-brug")  # lower case only, no digits: fine


def test_password_change_form_refuses_short_password_in_dutch(world: World) -> None:
    http = client_for(world.volunteer_user)
    response = http.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "kort-wachtw", "new_password2": "kort-wachtw"},
    )
    assert response.status_code == 200
    assert "te kort" in response.content.decode()
    world.volunteer_user.refresh_from_db()
    assert world.volunteer_user.check_password(PASSWORD)


# --- Log-in failures and lock-out ---------------------------------------------------------------


def test_failed_login_message_is_the_same_whether_the_account_exists(world: World) -> None:
    inactive = UserFactory(organisation=world.org_a, role=Role.VOLUNTEER, is_active=False)
    errors = []
    for username, password in [
        (world.coordinator.email, "wrong-password-123"),  # existing account, wrong password
        ("nobody-here@example.org", "wrong-password-123"),  # no such account
        (inactive.email, PASSWORD),  # deactivated account, right password
    ]:
        response = HttpClient().post(reverse("login"), {"username": username, "password": password})
        assert response.status_code == 200
        errors.append(list(response.context["form"].non_field_errors()))
    assert errors[0] == errors[1] == errors[2]
    assert errors[0] == [
        _dutch("This combination of e-mail address and password is not correct. Please try again.")
    ]
    failures = AuditEvent.objects.filter(action="auth.login", result=AuditEvent.Result.FAILURE)
    assert set(failures.values_list("attempted_username", flat=True)) == {
        world.coordinator.email,
        "nobody-here@example.org",
        inactive.email,
    }
    assert not AuditEvent.objects.filter(attempted_username__contains="wrong-password").exists()


def test_lockout_after_the_failure_limit_and_release_after_the_cool_off(
    world: World, time_machine: Any
) -> None:
    time_machine.move_to(START, tick=False)
    user = world.coordinator
    http = HttpClient()
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _log_in(http, user, "wrong-password-123").status_code == 200
    _log_in(http, user, "wrong-password-123")

    # Now even the right password is refused, with the lock-out page in Dutch.
    locked = _log_in(http, user)
    assert locked.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in locked.templates]
    assert _dutch("Too many attempts") in locked.content.decode()
    assert '<html lang="nl">' in locked.content.decode()
    assert not _is_logged_in(http)
    # A forged X-Forwarded-For does not give a fresh address.
    forged = _log_in(http, user, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert forged.status_code == 429

    # The lock is on the user name from this address, not on the address or the account.
    assert _log_in(HttpClient(), world.professional).status_code == 302
    assert _log_in(HttpClient(), user, REMOTE_ADDR="192.0.2.44").status_code == 302

    # Still locked just before the cool-off ends. Axes counts this try as another failure
    # during the lock-out, which starts the cool-off again (AXES_RESET_COOL_OFF_ON_FAILURE_...).
    time_machine.shift(settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert _log_in(HttpClient(), user).status_code == 429
    time_machine.shift(settings.AXES_COOLOFF_TIME + timedelta(seconds=1))
    after = HttpClient()
    response = _log_in(after, user)
    assert response.status_code == 302
    assert _is_logged_in(after)


# --- Sessions -----------------------------------------------------------------------------------


def test_login_gives_a_new_session_key_and_safe_cookie_flags(world: World) -> None:
    from django.contrib.sessions.models import Session

    http = HttpClient()
    session = http.session
    session["before-login"] = True
    session.save()
    before = http.cookies[settings.SESSION_COOKIE_NAME].value

    response = _log_in(http, world.coordinator)
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value != before
    assert not Session.objects.filter(session_key=before).exists()
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_idle_timeout_is_thirty_minutes_renewed_by_activity(
    world: World, time_machine: Any
) -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    time_machine.move_to(START, tick=False)
    http = HttpClient()
    _log_in(http, world.coordinator)
    for _step in range(3):  # 87 minutes in all, never 30 idle
        time_machine.shift(timedelta(minutes=29))
        assert http.get(reverse("home")).status_code == 200
    time_machine.shift(timedelta(minutes=31))
    assert _sent_to_login(http.get(reverse("home")))


def test_absolute_timeout_after_twelve_hours_however_active(
    world: World, time_machine: Any
) -> None:
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 60 * 60
    time_machine.move_to(START, tick=False)
    http = HttpClient()
    _log_in(http, world.coordinator)
    for _step in range(28):  # 11 h 40 min of activity, a request every 25 minutes
        time_machine.shift(timedelta(minutes=25))
        assert http.get(reverse("home")).status_code == 200
    time_machine.shift(timedelta(minutes=21))  # 12 h 1 min after log-in
    response = http.get(reverse("notification_list"))
    assert _sent_to_login(response)
    assert not _is_logged_in(http)
    login_page = http.get(response["Location"])
    assert _dutch("Your session has ended. Please log in again.") in login_page.content.decode()
    assert _sent_to_login(http.get(reverse("home")))


def test_logout_ends_the_users_other_sessions(world: World) -> None:
    laptop, phone, colleague = HttpClient(), HttpClient(), HttpClient()
    for http, user in [
        (laptop, world.coordinator),
        (phone, world.coordinator),
        (colleague, world.professional),
    ]:
        assert _log_in(http, user).status_code == 302
    assert phone.get(reverse("home")).status_code == 200

    assert laptop.post(reverse("logout")).status_code == 302
    assert _sent_to_login(phone.get(reverse("home")))
    assert _sent_to_login(laptop.get(reverse("home")))
    assert colleague.get(reverse("home")).status_code == 200


def test_password_change_keeps_this_session_and_ends_the_others(world: World) -> None:
    laptop, phone = HttpClient(), HttpClient()
    _log_in(laptop, world.volunteer_user)
    _log_in(phone, world.volunteer_user)
    new = "een-nieuwe-lange-wachtzin-91"
    response = laptop.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert laptop.get(reverse("home")).status_code == 200
    assert _sent_to_login(phone.get(reverse("home")))


@pytest.mark.parametrize("how", ["by the admin", "in the database"])
def test_deactivated_user_is_logged_out_on_the_next_request(world: World, how: str) -> None:
    http = HttpClient()
    _log_in(http, world.volunteer_user)
    client_url = reverse("clients:client_detail", kwargs={"pk": world.client.pk})
    assert http.get(client_url).status_code == 200
    if how == "by the admin":
        response = client_for(world.admin).post(
            reverse("user_set_active", kwargs={"pk": world.volunteer_user.pk}), {"active": "0"}
        )
        assert response.status_code == 302
    else:
        User.objects.filter(pk=world.volunteer_user.pk).update(is_active=False)
    assert _sent_to_login(http.get(client_url))
    assert _sent_to_login(http.get(reverse("home")))


@pytest.mark.parametrize(
    "evil", ["https://evil.example/", "//evil.example/", "https:evil.example", "\\\\evil.example"]
)
def test_next_never_leaves_the_site(world: World, evil: str) -> None:
    response = HttpClient().post(
        reverse("login"),
        {"username": world.coordinator.email, "password": PASSWORD, "next": evil},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_next_within_the_site_is_followed(world: World) -> None:
    response = HttpClient().post(
        reverse("login"),
        {"username": world.coordinator.email, "password": PASSWORD, "next": "/meldingen/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/meldingen/"


# --- Headers ------------------------------------------------------------------------------------


def _assert_security_headers(response: Any) -> None:
    csp = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp
    assert "'unsafe-eval'" not in csp
    directives = {d.strip().split()[0]: d.strip().split()[1:] for d in csp.split(";") if d.strip()}
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_pages_behind_login_have_security_headers_and_no_store(world: World) -> None:
    http = client_for(world.coordinator)
    for url in [
        reverse("home"),
        reverse("clients:client_detail", kwargs={"pk": world.client.pk}),
    ]:
        response = http.get(url)
        assert response.status_code == 200
        _assert_security_headers(response)
        assert "no-store" in response["Cache-Control"]


def test_login_page_has_security_headers_and_works_under_the_csp(db: Any) -> None:
    response = HttpClient().get(reverse("login"))
    assert response.status_code == 200
    _assert_security_headers(response)
    html = response.content.decode()
    assert 'name="username"' in html
    assert 'name="password"' in html
    # Nothing the CSP would block: no inline scripts, styles or event handlers.
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html)
    assert not re.search(r"<style[\s>]", html)
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


# --- security.txt and error pages ---------------------------------------------------------------


def test_security_txt_answers_anonymously(db: Any) -> None:
    response = HttpClient().get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    fields = dict(
        line.split(": ", 1) for line in response.content.decode().splitlines() if ": " in line
    )
    assert fields["Contact"].startswith(("mailto:", "https://"))
    expires = parse_datetime(fields["Expires"])
    assert expires is not None
    now = datetime.now(UTC)
    assert now < expires < now + timedelta(days=366)


@pytest.mark.urls("tests.security_urls")
def test_unexpected_error_shows_the_generic_dutch_page(world: World) -> None:
    http = client_for(world.volunteer_user)
    http.raise_request_exception = False
    response = http.get("/test-fout/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Er ging iets mis" in html
    for leak in (
        "Traceback",
        FAILURE_DETAIL,
        "MARKER-LOCAL-VARIABLE",
        "RuntimeError",
        "failing_view",
    ):
        assert leak not in html


# --- CSRF ---------------------------------------------------------------------------------------


def test_post_without_csrf_token_is_refused_and_recorded(world: World) -> None:
    from reclass_volunteers.models import Notification
    from reclass_volunteers.outbox import notify

    notify(kind="t", recipient=world.coordinator, title="x")
    http = HttpClient(enforce_csrf_checks=True)
    http.force_login(world.coordinator)
    url = reverse("notifications_read_all")

    response = http.post(url)
    assert response.status_code == 403
    assert "403_csrf.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert _dutch("Form expired") in html
    assert "CSRF verification failed" not in html
    assert Notification.objects.filter(recipient=world.coordinator, read_at=None).exists()
    assert AuditEvent.objects.filter(
        action="request.denied",
        result=AuditEvent.Result.DENIED,
        actor=world.coordinator,
        path=url,
    ).exists()

    # The same request with the token goes through: it was the token that was missing.
    http.get(reverse("home"))
    token = http.cookies[settings.CSRF_COOKIE_NAME].value
    assert http.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    assert not Notification.objects.filter(recipient=world.coordinator, read_at=None).exists()


def test_login_without_csrf_token_is_refused(world: World) -> None:
    http = HttpClient(enforce_csrf_checks=True)
    response = _log_in(http, world.coordinator)
    assert response.status_code == 403
    assert not _is_logged_in(http)


# --- Mass assignment ----------------------------------------------------------------------------


def test_invite_ignores_extra_fields(world: World) -> None:
    response = client_for(world.admin).post(
        reverse("user_invite"),
        {
            "full_name": "Nina Nieuw",
            "email": "nina@example.org",
            "role": Role.COORDINATOR,
            "organisation": str(world.org_b.pk),
            "is_staff": "on",
            "is_superuser": "on",
            "is_active": "on",
            "session_epoch": "0" * 32,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="nina@example.org")
    assert user.organisation_id == world.org_a.pk
    assert user.role == Role.COORDINATOR
    assert not user.is_staff
    assert not user.is_superuser
    assert not user.is_active  # active only once the invitation is accepted
    assert user.session_epoch != "0" * 32
    assert Invitation.objects.get(user=user).organisation_id == world.org_a.pk


def test_invite_with_an_unknown_role_writes_nothing(world: World) -> None:
    response = client_for(world.admin).post(
        reverse("user_invite"),
        {"full_name": "Sam Super", "email": "sam@example.org", "role": "superuser"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="sam@example.org").exists()


# --- Field level and revocation -----------------------------------------------------------------

MARKERS = ("MARKER-OFFENCE-123", "MARKER-LASTNAME", "MRK-PC1")


def _seed_markers(world: World) -> None:
    world.client.staff_note = MARKERS[0]
    world.client.last_name = MARKERS[1]
    world.client.postcode = MARKERS[2]
    world.client.save()


def test_volunteer_pages_never_show_staff_only_fields(world: World) -> None:
    _seed_markers(world)
    http = client_for(world.volunteer_user)
    volunteer_pages = [
        reverse(name, kwargs=row.own(world) if row.own else None)
        for name, row in MATRIX.items()
        if row.method == "get" and row.expect_own["volunteer"] == 200
    ]
    client_url = reverse("clients:client_detail", kwargs={"pk": world.client.pk})
    assert client_url in volunteer_pages
    assert reverse("volunteers:volunteer_detail", kwargs={"pk": world.volunteer.pk}) in (
        volunteer_pages
    )
    hits = []
    for url in volunteer_pages:
        response = http.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        hits += [f"{marker} on {url}" for marker in MARKERS if marker in html]
    assert not hits, hits
    # The client page does show the volunteer who they are meeting.
    assert world.client.first_name in http.get(client_url).content.decode()


def test_coordinator_sees_the_staff_only_fields(world: World) -> None:
    _seed_markers(world)
    response = client_for(world.coordinator).get(
        reverse("clients:client_detail", kwargs={"pk": world.client.pk})
    )
    html = response.content.decode()
    assert all(marker in html for marker in MARKERS)


def test_ended_match_revokes_the_volunteers_access_at_once(world: World) -> None:
    http = client_for(world.volunteer_user)
    client_url = reverse("clients:client_detail", kwargs={"pk": world.client.pk})
    assert http.get(client_url).status_code == 200
    assert client_url in http.get(reverse("home")).content.decode()

    Match.objects.filter(pk=world.match.pk).update(
        status=Match.Status.ENDED, ended_on=date.today(), end_reason="other"
    )
    assert http.get(client_url).status_code == 404
    assert client_url not in http.get(reverse("home")).content.decode()
    assert AuditEvent.objects.filter(
        action="access.denied", object_id=str(world.client.pk), actor=world.volunteer_user
    ).exists()
