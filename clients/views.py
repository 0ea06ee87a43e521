"""Client pages: the list (search, filters, pagination), the record's page, adding and changing a
record, closing and reopening it, and declared conflicts of interest.

Staff (coordinators, professionals, admins) keep client records; a professional sees only the
clients they are responsible for (access.clients_visible_to). A volunteer sees the clients of
their own active matches on a separate page with the minimum needed to meet them: never the
last name, risk flags, staff note or anything about the offence. Every read and every change of
a record is written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from clients import services
from clients.forms import ClientFilterForm, ClientForm, ConflictForm
from clients.models import Client, NeedPriority, RiskFlag
from matching.models import ConflictOfInterest
from reclass_volunteers import access, audit
from reclass_volunteers.forms import add_service_errors
from reclass_volunteers.models import AuditEvent, Organisation, Role, User
from volunteers.choices import ActivityType, DayPart, Weekday
from volunteers.models import Volunteer

PAGE_SIZE = 25
MANAGERS = (Role.COORDINATOR, Role.ADMIN)
# The client page shows the latest audit rows; the administrator's audit page has them all.
AUDIT_TRAIL_ROWS = 50


# How an audit row of a client reads on the client's page; other actions show as written.
ACTION_LABELS = {
    "client.read": gettext_lazy("Viewed the record"),
    "client.create": gettext_lazy("Added the record"),
    "client.update": gettext_lazy("Changed the record"),
    "client.close": gettext_lazy("Closed the record"),
    "client.reopen": gettext_lazy("Reopened the record"),
    "client.conflict.add": gettext_lazy("Recorded a conflict of interest"),
    "client.conflict.remove": gettext_lazy("Removed a conflict of interest"),
    "access.denied": gettext_lazy("Tried to open the record"),
}


@dataclass(frozen=True)
class TrailRow:
    at: datetime
    who: str
    what: str
    refused: bool

    @classmethod
    def of(cls, event: AuditEvent) -> TrailRow:
        actor = event.actor
        return cls(
            at=event.at,
            who=(actor.full_name or actor.email) if actor is not None else "",
            what=str(ACTION_LABELS.get(event.action, event.action)),
            refused=event.result != AuditEvent.Result.SUCCESS,
        )


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _organisation(user: User) -> Organisation:
    # access.role_required lets only members of an organisation through.
    assert user.organisation is not None
    return user.organisation


def availability_grid(slots: list[str]) -> list[tuple[str, list[tuple[str, bool]]]]:
    """Days by parts of the day, each part ticked or not, for a read-only table."""
    chosen = set(slots or [])
    return [
        (
            str(day_label),
            [(str(part_label), f"{day}_{part}" in chosen) for part, part_label in DayPart.choices],
        )
        for day, day_label in Weekday.choices
    ]


# --- The list --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientRow:
    client: Client
    most_urgent_need: str
    most_urgent_priority: int | None
    days_waiting: int | None


def _row(client: Client, today: date) -> ClientRow:
    needs = client.needs_by_priority()
    waiting = client.status == Client.Status.WAITING
    return ClientRow(
        client=client,
        most_urgent_need=needs[0][1] if needs else "",
        most_urgent_priority=needs[0][2] if needs else None,
        days_waiting=(today - timezone.localtime(client.created_at).date()).days
        if waiting
        else None,
    )


@access.role_required(*access.STAFF)
def client_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    visible = access.clients_visible_to(user)
    form = ClientFilterForm(
        request.GET,
        regions=services.regions_of(visible),
        professionals=access.professionals_of(user) if user.role in MANAGERS else None,
    )
    form.is_valid()  # a value that does not validate is simply not applied
    filters = services.ListFilters.from_cleaned(getattr(form, "cleaned_data", {}))
    clients = services.clients_filtered(visible, filters).select_related("responsible_professional")
    page = Paginator(clients, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(
        request,
        "clients/client_list.html",
        {
            "page": page,
            "rows": [_row(client, today) for client in page],
            "form": form,
            "priorities": dict(NeedPriority.choices),
        },
    )


# --- The record ------------------------------------------------------------------------------


def _conflict_candidates(user: User, client: Client) -> QuerySet[Volunteer]:
    return (
        access.volunteers_visible_to(user)
        .exclude(status=Volunteer.Status.REJECTED)
        .exclude(conflicts_of_interest__client=client)
    )


def _render_detail(
    request: HttpRequest,
    user: User,
    client: Client,
    *,
    conflict_form: ConflictForm | None = None,
) -> HttpResponse:
    audit.record(action="client.read", request=request, obj=client)
    is_manager = user.role in MANAGERS
    matches = (
        access.matches_visible_to(user)
        .filter(client=client)
        .prefetch_related("memberships__volunteer")
        .order_by("-created_at", "-pk")
    )
    referrals = (
        access.referrals_visible_to(user)
        .filter(client=client)
        .select_related("partner")
        .order_by("-sent_at", "-pk")
    )
    # A professional reads the names of the volunteers they may see; the others stay anonymous.
    conflicts = (
        ConflictOfInterest.objects.filter(client=client)
        .select_related("volunteer", "recorded_by")
        .annotate(
            volunteer_visible=Exists(
                access.volunteers_visible_to(user).filter(pk=OuterRef("volunteer_id"))
            )
        )
        .order_by("recorded_at", "pk")
    )
    show_audit = is_manager or client.responsible_professional_id == user.pk
    trail: list[TrailRow] = []
    if show_audit:
        trail = [
            TrailRow.of(event)
            for event in AuditEvent.objects.filter(
                object_type=Client._meta.label_lower,
                object_id=str(client.pk),
                # Denied attempts by other organisations' users are theirs to see.
                organisation=client.organisation_id,
            )
            .select_related("actor")
            .order_by("-at", "-pk")[:AUDIT_TRAIL_ROWS]
        ]
    if conflict_form is None and is_manager:
        conflict_form = ConflictForm(volunteers=_conflict_candidates(user, client))
    labels = dict(ActivityType.choices)
    priorities = dict(NeedPriority.choices)
    flag_labels = dict(RiskFlag.choices)
    return render(
        request,
        "clients/client_detail.html",
        {
            "client": client,
            "needs": [
                (label, priority, priorities.get(priority, priority))
                for _key, label, priority in client.needs_by_priority()
            ],
            "preferences": [labels.get(key, key) for key in client.preferences or []],
            "risk_flags": [flag_labels.get(flag, flag) for flag in client.risk_flags or []],
            "availability": availability_grid(client.availability),
            "day_parts": DayPart.choices,
            "matches": matches,
            "referrals": referrals,
            "conflicts": conflicts,
            "conflict_form": conflict_form,
            "trail": trail,
            "days_waiting": _row(client, timezone.localdate()).days_waiting,
            "show_audit": show_audit,
            "can_manage_conflicts": is_manager,
            "can_match": client.status == Client.Status.WAITING and client.has_consent,
            "audit_trail_rows": AUDIT_TRAIL_ROWS,
        },
    )


def _client_of(request: HttpRequest, user: User, pk: int) -> Client:
    return access.get_or_404(
        request,
        access.clients_visible_to(user).select_related(
            "responsible_professional", "consent_recorded_by"
        ),
        pk=pk,
    )


def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    client = _client_of(request, user, pk)
    if user.role != Role.VOLUNTEER:
        return _render_detail(request, user, client)
    audit.record(action="client.read", request=request, obj=client)
    # The minimum a volunteer needs to meet the client: never offence or risk details.
    return render(
        request,
        "clients/client_detail_volunteer.html",
        {
            "client": client,
            "needs": [label for _key, label, _priority in client.needs_by_priority()],
            "availability": availability_grid(client.availability),
            "day_parts": DayPart.choices,
        },
    )


def _after_save(request: HttpRequest, user: User, client: Client) -> HttpResponse:
    """To the record, unless it was handed to another professional and so left the user's
    view."""
    if access.clients_visible_to(user).filter(pk=client.pk).exists():
        return redirect("clients:client_detail", pk=client.pk)
    messages.info(
        request,
        _("%(code)s is now with another professional, so it no longer shows in your list.")
        % {"code": client.code},
    )
    return redirect("clients:client_list")


@access.role_required(*access.STAFF)
def client_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    initial = {"responsible_professional": user.pk} if user.role == Role.PROFESSIONAL else {}
    form = ClientForm(
        request.POST or None, professionals=access.professionals_of(user), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            client = services.client_create(
                organisation=_organisation(user), by=user, details=form.details()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Client %(code)s was added.") % {"code": client.code})
            return _after_save(request, user, client)
    return render(request, "clients/client_form.html", {"form": form, "client": None})


@access.role_required(*access.STAFF)
def client_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    client = _client_of(request, user, pk)
    # The current professional stays a choice, also when they have left the organisation.
    professionals = access.professionals_of(user) | User.objects.filter(
        pk=client.responsible_professional_id, organisation=client.organisation_id
    )
    if request.method != "POST":
        audit.record(action="client.read", request=request, obj=client)
    form = ClientForm(
        request.POST or None,
        professionals=professionals,
        initial=ClientForm.initial_for(client),
    )
    if request.method == "POST" and form.is_valid():
        try:
            client = services.client_update(client=client, by=user, details=form.details())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Client %(code)s was saved.") % {"code": client.code})
            return _after_save(request, user, client)
    return render(request, "clients/client_form.html", {"form": form, "client": client})


@require_POST
@access.role_required(*access.STAFF)
def client_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    client = _client_of(request, user, pk)
    try:
        services.client_close(client=client, by=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The record of %(code)s was closed.") % {"code": client.code})
    return redirect("clients:client_detail", pk=client.pk)


@require_POST
@access.role_required(*access.STAFF)
def client_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    client = _client_of(request, user, pk)
    try:
        services.client_reopen(client=client, by=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The record of %(code)s was reopened; the client is waiting again.")
            % {"code": client.code},
        )
    return redirect("clients:client_detail", pk=client.pk)


# --- Conflicts of interest -------------------------------------------------------------------


@require_POST
@access.role_required(*MANAGERS)
def conflict_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    client = _client_of(request, user, pk)
    form = ConflictForm(request.POST, volunteers=_conflict_candidates(user, client))
    if form.is_valid():
        try:
            services.conflict_add(
                client=client,
                volunteer=form.cleaned_data["volunteer"],
                by=user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The conflict of interest was recorded."))
            return redirect(reverse("clients:client_detail", args=[client.pk]) + "#conflicts")
    return _render_detail(request, user, client, conflict_form=form)


@require_POST
@access.role_required(*MANAGERS)
def conflict_remove(request: HttpRequest, pk: int, conflict_pk: int) -> HttpResponse:
    user = _user(request)
    client = _client_of(request, user, pk)
    conflict = access.get_or_404(
        request, ConflictOfInterest.objects.filter(client=client), pk=conflict_pk
    )
    try:
        services.conflict_remove(conflict=conflict, by=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The conflict of interest was removed."))
    return redirect(reverse("clients:client_detail", args=[client.pk]) + "#conflicts")
