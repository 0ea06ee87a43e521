"""Personal attention (issue 6): the coordinators' list of moments (birthdays, anniversaries,
milestones, the National Volunteer Day), each with its suggested message to edit and send, to
mark as done in person, or to skip; and the same open moments on the coordinator's home page.

Coordinators and administrators both read and act: the administrator is a coordinator of the
organisation too (as on the group-message page). A refused action shows the item again with
the error and the message as the coordinator edited it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, F, Min, Q, QuerySet, Value, When, Window
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from reclass_volunteers import access, audit
from reclass_volunteers.forms import add_service_errors
from reclass_volunteers.models import AuditEvent, ReminderPolicy, Role, User
from volunteers.forms_attention import AttentionDayForm, AttentionFilterForm, AttentionItemForm
from volunteers.models import AttentionItem
from volunteers.services import attention as service
from volunteers.sweeps_attention import volunteer_day_message

PAGE_SIZE = 25
HOME_SHOWN = 8
Kind, Status = AttentionItem.Kind, AttentionItem.Status


@dataclass(frozen=True)
class DayGroup:
    """The open National Volunteer Day items of one year, handled with one message."""

    occasion: str
    due_on: date
    total: int
    reachable: int
    form: AttentionDayForm

    @property
    def unreachable(self) -> int:
        return self.total - self.reachable


def _rows(items: Sequence[AttentionItem], next_url: str) -> list[AttentionItemForm]:
    return [AttentionItemForm(item=item, initial=_initial(item, next_url)) for item in items]


def _initial(item: AttentionItem, next_url: str) -> dict[str, Any]:
    return {"message": item.suggested_message, "seen_status": item.status, "next": next_url}


def _day_groups(items: QuerySet[AttentionItem], next_url: str) -> list[DayGroup]:
    """One query: per year the number of open items and how many can receive a message."""
    rows = (
        items.filter(kind=Kind.VOLUNTEER_DAY, status=Status.OPEN)
        .order_by()
        .values("occasion")
        .annotate(
            first_due=Min("due_on"),
            total=Count("pk"),
            reachable=Count("pk", filter=Q(volunteer__user__is_active=True)),
        )
        .order_by("first_due")
    )
    return [
        DayGroup(
            occasion=row["occasion"],
            due_on=row["first_due"],
            total=row["total"],
            reachable=row["reachable"],
            form=AttentionDayForm(
                occasion=row["occasion"],
                initial={"message": volunteer_day_message(), "next": next_url},
            ),
        )
        for row in rows
    ]


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("volunteers:attention_list")


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@access.role_required(Role.COORDINATOR, Role.ADMIN)
def attention_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    filters = AttentionFilterForm(request.GET or None)
    kind = status = ""
    if filters.is_valid():
        kind, status = filters.cleaned_data["kind"], filters.cleaned_data["status"]
    visible = access.attention_items_visible_to(user)
    next_url = request.get_full_path()
    groups: list[DayGroup] = []
    if kind in ("", Kind.VOLUNTEER_DAY) and status in ("", Status.OPEN):
        groups = _day_groups(visible, next_url)
    items = visible.exclude(kind=Kind.VOLUNTEER_DAY, status=Status.OPEN)
    if kind:
        items = items.filter(kind=kind)
    if status:
        items = items.filter(status=status)
    items = (
        items.select_related("volunteer__user", "handled_by")
        .annotate(
            handled=Case(When(status=Status.OPEN, then=Value(0)), default=Value(1)),
            open_due=Case(When(status=Status.OPEN, then=F("due_on"))),
        )
        # Open moments first, soonest first; then what was handled, the latest first.
        .order_by("handled", F("open_due").asc(nulls_last=True), "-due_on", "pk")
    )
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/attention_list.html",
        {
            "filters": filters,
            "page": page,
            "forms": _rows(list(page.object_list), next_url),
            "groups": groups,
        },
    )


def home_attention(user: User, next_url: str) -> dict[str, Any]:
    """The coordinator's home: open moments due within the lead days (at most HOME_SHOWN, the
    National Volunteer Day as one card) and how many there are. Three queries."""
    today = timezone.localdate()
    policy = ReminderPolicy.for_organisation(user.organisation) if user.organisation else None
    lead = policy.attention_lead_days if policy else ReminderPolicy().attention_lead_days
    due = access.attention_items_visible_to(user).filter(
        status=Status.OPEN, due_on__lte=today + timedelta(days=lead)
    )
    items = list(
        due.exclude(kind=Kind.VOLUNTEER_DAY)
        .select_related("volunteer__user")
        .annotate(total=Window(Count("pk")))
        .order_by("due_on", "pk")[:HOME_SHOWN]
    )
    groups = _day_groups(due, next_url)
    # The window count is the number of due items before the slice.
    listed = int(getattr(items[0], "total", 0)) if items else 0
    return {
        "attention_forms": _rows(items, next_url),
        "attention_groups": groups,
        "attention_total": listed + sum(group.total for group in groups),
        "attention_more": listed > len(items),
        "attention_lead_days": lead,
    }


def _item(request: HttpRequest, pk: int) -> AttentionItem:
    return access.get_or_404(
        request,
        access.attention_items_visible_to(_user(request)).select_related(
            "volunteer__user", "handled_by"
        ),
        pk=pk,
    )


def _refused(request: HttpRequest, form: AttentionItemForm) -> HttpResponse:
    """The item again, with the error and what the coordinator typed."""
    return render(
        request,
        "volunteers/attention_item.html",
        {"form": form, "back": _next(request)},
    )


def _act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = _user(request)
    item = _item(request, pk)
    form = AttentionItemForm(request.POST, item=item)
    if not form.is_valid():
        return _refused(request, form)
    data = form.cleaned_data
    try:
        if action == "send":
            service.attention_send(
                by=user, item=item, message=data["message"], seen_status=data["seen_status"]
            )
            done = _("Your message to %(name)s is on its way.")
        elif action == "done":
            service.attention_done(
                by=user, item=item, note=data["note"], seen_status=data["seen_status"]
            )
            done = _("Noted: you gave %(name)s attention in person.")
        else:
            service.attention_skip(by=user, item=item, seen_status=data["seen_status"])
            done = _("Skipped: %(name)s.")
    except ValidationError as error:
        add_service_errors(form, error)
        return _refused(request, form)
    messages.success(request, done % {"name": item.volunteer.full_name})
    return redirect(_next(request))


@require_POST
@access.role_required(Role.COORDINATOR, Role.ADMIN)
def attention_send(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "send")


@require_POST
@access.role_required(Role.COORDINATOR, Role.ADMIN)
def attention_done(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "done")


@require_POST
@access.role_required(Role.COORDINATOR, Role.ADMIN)
def attention_skip(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "skip")


@require_POST
@access.role_required(Role.COORDINATOR, Role.ADMIN)
def attention_send_day(request: HttpRequest, occasion: str) -> HttpResponse:
    """One message to everyone with an open National Volunteer Day item of that year."""
    user = _user(request)
    items = access.attention_items_visible_to(user).filter(
        kind=Kind.VOLUNTEER_DAY, occasion=occasion
    )
    if not items.exists():
        audit.record(
            action="access.denied",
            request=request,
            object_type=AttentionItem._meta.label_lower,
            object_id=f"{Kind.VOLUNTEER_DAY}:{occasion}",
            result=AuditEvent.Result.DENIED,
        )
        raise Http404
    form = AttentionDayForm(request.POST, occasion=occasion)
    if form.is_valid():
        try:
            outcome = service.attention_send_many(
                by=user,
                items=items.filter(status=Status.OPEN),
                message=form.cleaned_data["message"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if outcome.sent:
                messages.success(
                    request,
                    ngettext(
                        "Your message is on its way to %(count)d volunteer.",
                        "Your message is on its way to %(count)d volunteers.",
                        len(outcome.sent),
                    )
                    % {"count": len(outcome.sent)},
                )
            if outcome.without_account:
                messages.warning(
                    request,
                    _(
                        "Not sent to %(names)s: no active account. Thank them another way "
                        "and choose “Done in person”; their items stay open."
                    )
                    % {"names": ", ".join(i.volunteer.full_name for i in outcome.without_account)},
                )
            return redirect(_next(request))
    groups = _day_groups(items, _next(request))
    return render(
        request,
        "volunteers/attention_day.html",
        {"form": form, "group": groups[0] if groups else None, "back": _next(request)},
    )


urlpatterns = [
    path("aandacht/", attention_list, name="attention_list"),
    path("aandacht/<int:pk>/versturen/", attention_send, name="attention_send"),
    path("aandacht/<int:pk>/persoonlijk/", attention_done, name="attention_done"),
    path("aandacht/<int:pk>/overslaan/", attention_skip, name="attention_skip"),
    path(
        "aandacht/vrijwilligersdag/<str:occasion>/versturen/",
        attention_send_day,
        name="attention_send_day",
    ),
]
