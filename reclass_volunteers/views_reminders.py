"""Issue 6 pages: the organisation's reminder settings, and each user's private calendar feed
(the settings page behind log-in, and the feed itself, public but for its secret URL)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reclass_volunteers import access, calendar, services_reminders
from reclass_volunteers.forms import add_service_errors
from reclass_volunteers.forms_reminders import ReminderPolicyForm
from reclass_volunteers.models import ReminderPolicy, Role, User
from reclass_volunteers.models_calendar import CalendarToken

MEMBERS = (Role.COORDINATOR, Role.PROFESSIONAL, Role.VOLUNTEER, Role.ADMIN)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@access.role_required(Role.COORDINATOR, Role.ADMIN)
def reminder_policy(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    organisation = user.organisation
    assert organisation is not None  # role_required admits members of an organisation only
    policy = ReminderPolicy.for_organisation(organisation)
    form = ReminderPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            services_reminders.reminder_policy_update(
                by=user, organisation=organisation, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The reminder settings were saved."))
            return redirect("reminder_policy")
    return render(
        request,
        "reclass_volunteers/reminder_policy.html",
        {"form": form, "saved": policy.pk is not None},
    )


def _calendar_page(request: HttpRequest, *, feed_url: str = "") -> HttpResponse:
    user = _user(request)
    token = CalendarToken.objects.filter(user=user).first()
    return render(
        request,
        "reclass_volunteers/calendar_settings.html",
        {
            "token": token,
            "feed_url": feed_url,
            "webcal_url": feed_url.replace("https://", "webcal://", 1).replace(
                "http://", "webcal://", 1
            ),
        },
    )


@access.role_required(*MEMBERS)
@require_GET
def calendar_settings(request: HttpRequest) -> HttpResponse:
    return _calendar_page(request)


@access.role_required(*MEMBERS)
@require_POST
def calendar_reset(request: HttpRequest) -> HttpResponse:
    """Make a new secret and show its URL on this response only: we keep just the hash, so
    the URL cannot be shown again (no redirect that would have to carry it)."""
    token = services_reminders.calendar_token_reset(user=_user(request))
    feed_url = request.build_absolute_uri(reverse("calendar_feed", kwargs={"token": token}))
    messages.success(
        request,
        _("Your calendar link was made. Copy it now: it is shown only this once."),
    )
    return _calendar_page(request, feed_url=feed_url)


@login_not_required
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed, for calendar apps that cannot log in: the secret in the URL is the key."""
    owner = services_reminders.calendar_user_for_token(token)
    if owner is None:
        raise Http404
    now = timezone.now()
    body = calendar.build_calendar(
        name=f"{settings.SITE_NAME} · {owner.get_short_name()}",
        events=calendar.events_for(owner, now=now),
        now=now,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="agenda.ics"'
    # A private agenda: no shared cache keeps it, and search engines never list its URL.
    response["Cache-Control"] = "private, no-store, max-age=0"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


urlpatterns: list[URLPattern] = [
    path("beheer/herinneringen/", reminder_policy, name="reminder_policy"),
    path("agenda/", calendar_settings, name="calendar_settings"),
    path("agenda/nieuwe-link/", calendar_reset, name="calendar_reset"),
    path("agenda/<str:token>.ics", calendar_feed, name="calendar_feed"),
]
