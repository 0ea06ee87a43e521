from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from reclass_volunteers import access, audit, outbox, services, two_factor
from reclass_volunteers.forms import (
    InvitationForm,
    OrganisationSettingsForm,
    SetPasswordForm,
    TokenForm,
    add_service_errors,
)
from reclass_volunteers.models import Invitation, Role, User
from supervision.services.signals import team_lead_candidates

PAGE_SIZE = 25


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    context: dict[str, object] = {
        "unread_notifications": list(
            access.notifications_visible_to(user).filter(read_at__isnull=True)[:5]
        ),
    }
    if user.role in (Role.COORDINATOR, Role.ADMIN):
        from volunteers.models import Volunteer

        counts = dict(
            access.volunteers_visible_to(user)
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        context["volunteer_counts"] = [
            (label, counts.get(value, 0)) for value, label in Volunteer.Status.choices
        ]
        from clients.models import Client

        context["waiting_clients"] = (
            access.clients_visible_to(user).filter(status=Client.Status.WAITING).count()
        )
        from matching.models import Match

        context["live_matches"] = (
            access.matches_visible_to(user).filter(status__in=Match.LIVE_STATUSES).count()
        )
    if user.role == Role.ADMIN:
        context["users_by_role"] = (
            access.users_visible_to(user).values("role").annotate(n=Count("pk")).order_by("role")
        )
        context["open_invitations"] = Invitation.objects.filter(
            organisation=user.organisation, accepted_at__isnull=True, revoked_at__isnull=True
        ).count()
    if user.role == Role.PROFESSIONAL:
        context["my_clients"] = access.clients_visible_to(user).order_by("code")[:10]
        context["my_volunteers"] = access.volunteers_visible_to(user).filter(supervisor=user)[:10]
    if user.role == Role.VOLUNTEER:
        context["my_matches"] = (
            access.matches_visible_to(user).select_related("client").order_by("-started_on")
        )
    if user.role in (Role.COORDINATOR, Role.PROFESSIONAL, Role.ADMIN):
        # The admin's home extends the coordinator's, so it needs the same dashboard.
        from supervision.dashboard import dashboard

        context.update(dashboard(user))
    if user.role in (Role.COORDINATOR, Role.ADMIN):
        # The admin's home extends the coordinator's, with personal attention and well-being.
        from supervision.wellbeing import coordinator_summary
        from volunteers.views.attention import home_attention

        context.update(home_attention(user, request.get_full_path()))
        context.update(coordinator_summary(user))
    if user.role == Role.VOLUNTEER:
        from supervision.wellbeing import volunteer_open_checkin

        context["wellbeing_open_checkin"] = volunteer_open_checkin(user)
    template = f"home/{user.role or 'operations'}.html"
    return render(request, template, context)


def notification_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    qs = access.notifications_visible_to(user).order_by(
        F("read_at").desc(nulls_first=True), "-created_at"
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reclass_volunteers/notification_list.html", {"page": page})


@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    notification = access.get_or_404(request, access.notifications_visible_to(user), pk=pk)
    outbox.mark_read(user=user, notification_ids=[notification.pk])
    if request.htmx:  # type: ignore[attr-defined]
        notification.refresh_from_db()
        return render(
            request, "reclass_volunteers/partials/notification_item.html", {"n": notification}
        )
    if notification.url and notification.url.startswith("/"):
        return redirect(notification.url)
    return redirect("notification_list")


@require_POST
def reminder_emails_set(request: HttpRequest) -> HttpResponse:
    """Opt out of (or back into) reminder and appreciation e-mails; signals and safety
    messages are always e-mailed."""
    user = request.user
    assert isinstance(user, User)
    opt_out = request.POST.get("reminder_emails") != "on"
    if user.reminders_opt_out != opt_out:
        user.reminders_opt_out = opt_out
        user.save(update_fields=["reminders_opt_out"])
        audit.record(action="user.reminder_emails", request=request, obj=user)
    messages.success(
        request,
        _("You no longer receive reminder e-mails.")
        if opt_out
        else _("You receive reminder e-mails again."),
    )
    return redirect("notification_list")


@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    count = outbox.mark_read(user=user)
    messages.success(
        request,
        ngettext(
            "%(count)d notification marked as read.",
            "%(count)d notifications marked as read.",
            count,
        )
        % {"count": count},
    )
    return redirect("notification_list")


# --- Two-factor log-in ----------------------------------------------------------------------


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return str(settings.LOGIN_REDIRECT_URL)


def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Link an authenticator app: scan the QR code (or type the key), confirm with a code."""
    user = request.user
    assert isinstance(user, User)
    if two_factor.confirmed_device(user) is not None and not two_factor.session_verified(user):
        # Replacing an app requires the current one (or an administrator's reset).
        return redirect(f"{reverse('two_factor_verify')}?next={reverse('two_factor_setup')}")
    device = two_factor.device_for_setup(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            two_factor.two_factor_confirm(
                request=request, device=device, token=form.cleaned_data["token"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Two-factor log-in is set up."))
            return redirect(_next_url(request))
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "qr": two_factor.qr_data_uri(device),
            "secret": two_factor.secret_for_manual_entry(device),
            "next": _next_url(request),
        },
    )


def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if two_factor.confirmed_device(user) is None:
        return redirect(f"{reverse('two_factor_setup')}?next={_next_url(request)}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            two_factor.two_factor_verify(
                request=request, user=user, token=form.cleaned_data["token"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(_next_url(request))
    return render(
        request, "registration/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


# --- Organisation administration ------------------------------------------------------------


@access.role_required(Role.ADMIN)
def user_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    qs = access.users_visible_to(user).order_by("full_name")
    query = request.GET.get("q", "").strip()
    if query:
        qs = qs.filter(Q(full_name__icontains=query) | Q(email__icontains=query))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    invitations = Invitation.objects.filter(
        organisation=user.organisation, accepted_at__isnull=True, revoked_at__isnull=True
    ).select_related("invited_by")[:50]
    return render(
        request,
        "reclass_volunteers/user_list.html",
        {
            "page": page,
            "query": query,
            "invitations": invitations,
            # Professionals' team leads, to whom unacknowledged relapse signals escalate.
            "team_leads": team_lead_candidates(by=user),
        },
    )


@access.role_required(Role.ADMIN)
def user_invite(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_create(
                by=user, base_url=request.build_absolute_uri("/"), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("An invitation has been sent to %(email)s.")
                % {"email": form.cleaned_data["email"]},
            )
            return redirect("user_list")
    return render(request, "reclass_volunteers/user_invite.html", {"form": form})


@require_POST
@access.role_required(Role.ADMIN)
def user_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    admin = request.user
    assert isinstance(admin, User)
    target = access.get_or_404(request, access.users_visible_to(admin), pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(user=target, active=active, by=admin)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            (_("%(name)s can log in again.") if active else _("%(name)s can no longer log in."))
            % {"name": target.full_name},
        )
    return redirect("user_list")


@require_POST
@access.role_required(Role.ADMIN)
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    admin = request.user
    assert isinstance(admin, User)
    invitation = access.get_or_404(
        request, Invitation.objects.filter(organisation=admin.organisation), pk=pk
    )
    try:
        services.invitation_revoke(invitation=invitation, by=admin)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The invitation has been withdrawn."))
    return redirect("user_list")


@require_POST
@access.role_required(Role.ADMIN)
def user_two_factor_reset(request: HttpRequest, pk: int) -> HttpResponse:
    admin = request.user
    assert isinstance(admin, User)
    target = access.get_or_404(request, access.users_visible_to(admin), pk=pk)
    two_factor.two_factor_reset(user=target, by=admin)
    messages.success(
        request,
        _("%(name)s sets up a new authenticator app at the next log-in.")
        % {"name": target.full_name},
    )
    return redirect("user_list")


@access.role_required(Role.ADMIN)
def organisation_settings(request: HttpRequest) -> HttpResponse:
    admin = request.user
    assert isinstance(admin, User)
    organisation = admin.organisation
    form = OrganisationSettingsForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        form.save()
        audit.record(action="organisation.settings", request=request, obj=organisation)
        messages.success(request, _("The settings have been saved."))
        return redirect("organisation_settings")
    return render(
        request,
        "reclass_volunteers/organisation_settings.html",
        {"form": form, "enforced": settings.TWO_FACTOR_REQUIRED},
    )


@access.role_required(Role.ADMIN)
def audit_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    qs = access.audit_events_visible_to(user).select_related("actor", "on_behalf_of")
    action = request.GET.get("action", "").strip()
    if action:
        qs = qs.filter(action__startswith=action)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "reclass_volunteers/audit_list.html", {"page": page, "action": action})


# --- Public pages ---------------------------------------------------------------------------


@login_not_required
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    if invitation is None or not invitation.is_open:
        return render(
            request,
            "registration/invitation_invalid.html",
            {"invitation": invitation},
            status=410 if invitation is not None else 404,
        )
    form = SetPasswordForm(request.POST or None, user=invitation.user)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation, password=form.cleaned_data["password1"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your password has been set."))
            return redirect("home")
    return render(
        request, "registration/invitation_accept.html", {"form": form, "invitation": invitation}
    )


@login_not_required
@require_GET
def security_txt(request: HttpRequest) -> HttpResponse:
    from datetime import timedelta

    from django.utils import timezone

    expires = (timezone.now() + timedelta(days=180)).strftime("%Y-%m-%dT00:00:00Z")
    body = (
        f"Contact: {settings.SECURITY_CONTACT}\n"
        f"Expires: {expires}\n"
        "Preferred-Languages: nl, en\n"
        f"Canonical: {request.build_absolute_uri(request.path)}\n"
    )
    return HttpResponse(body, content_type="text/plain; charset=utf-8")


@login_not_required
@require_GET
def health(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
