"""Referral pages: refer a client to a partner organisation, the lists of referrals sent and
received, a referral's page and the answers on it.

Two sides see one referral. The sending side (coordinators and admins of the sending
organisation, and the responsible professional) sees the client it is about. The partner side
(coordinators and admins of the partner organisation) sees only the question, the shared data,
the sending organisation and the professional who keeps final responsibility; never the client
record. Which referrals a user sees is decided by access.referrals_visible_to.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from matching.forms_referrals import DeclineForm, EndForm, ReferralForm, ReportMatchForm
from matching.models import Referral
from matching.services import referrals
from reclass_volunteers import access, audit
from reclass_volunteers.forms import add_service_errors
from reclass_volunteers.models import Role, User

R = Referral.Status
MANAGERS = (Role.COORDINATOR, Role.ADMIN)
PAGE_SIZE = 25


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


# --- Refer a client --------------------------------------------------------------------------


@access.role_required(*access.STAFF)
def referral_create(request: HttpRequest, client_pk: int) -> HttpResponse:
    user = _user(request)
    client = access.get_or_404(
        request,
        access.clients_visible_to(user).select_related("responsible_professional"),
        pk=client_pk,
    )
    if not referrals.may_refer(user, client):
        raise PermissionDenied
    form = ReferralForm(request.POST or None, organisation=user.organisation)
    if request.method == "POST" and form.is_valid():
        try:
            referral = referrals.referral_send(
                by=user,
                client=client,
                partner=form.cleaned_data["partner"],
                question=form.cleaned_data["question"],
                share=form.cleaned_data["share"],
                consent_confirmed=form.cleaned_data["consent_confirmed"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The referral was sent to %(partner)s.") % {"partner": referral.partner},
            )
            return redirect("matching:referral_detail", pk=referral.pk)
        client.refresh_from_db()
    # The page shows what each choice would share: a read of the client record.
    audit.record(action="client.read", request=request, obj=client)
    preview = referrals.share_preview(client)
    share_options = [
        {"widget": option, "value": _as_text(preview[str(option.data["value"])])}
        for option in form["share"].subwidgets
    ]
    return render(
        request,
        "matching/referral_create.html",
        {
            "client": client,
            "form": form,
            "share_options": share_options,
            "open_referral": referrals.open_referral_of(client),
            "is_waiting": client.status == client.Status.WAITING,
            "has_partners": referrals.partner_choices(user.organisation).exists(),
        },
    )


def _as_text(value: str | list[str]) -> str:
    return ", ".join(value) if isinstance(value, list) else value


def _shared_items(referral: Referral) -> list[dict[str, Any]]:
    """The snapshot for the template: each item with its text, or its list of texts."""
    items = referral.shared_data.get("items", []) if isinstance(referral.shared_data, dict) else []
    return [
        {
            "label": item.get("label", ""),
            "values": item["value"] if isinstance(item.get("value"), list) else None,
            "text": item.get("value") if isinstance(item.get("value"), str) else "",
        }
        for item in items
        if isinstance(item, dict)
    ]


# --- Lists -----------------------------------------------------------------------------------


@access.role_required(*access.STAFF)
def referral_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    organisation = user.organisation
    assert organisation is not None  # access.role_required lets only members through
    visible = access.referrals_visible_to(user)
    box = request.GET.get("box", "")
    if box not in ("sent", "received"):
        box = "received" if organisation.kind == organisation.Kind.PARTNER else "sent"
    qs: QuerySet[Referral]
    if box == "received":
        qs = visible.filter(partner=organisation).select_related(
            "organisation", "responsible_professional"
        )
    else:
        qs = visible.filter(organisation=organisation).select_related(
            "client", "partner", "responsible_professional"
        )
    status = request.GET.get("status", "")
    if status in R.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-sent_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "matching/referral_list.html",
        {
            "page": page,
            "box": box,
            "status": status,
            "statuses": R.choices,
            "can_receive": user.role in MANAGERS,
        },
    )


# --- One referral ----------------------------------------------------------------------------


def _visible_referral(request: HttpRequest, pk: int) -> Referral:
    return access.get_or_404(
        request,
        access.referrals_visible_to(_user(request)).select_related(
            "organisation",
            "partner",
            "client",
            "responsible_professional",
            "answered_by",
            "sent_by",
        ),
        pk=pk,
    )


@access.role_required(*access.STAFF)
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _visible_referral(request, pk)
    audit.record(action="referral.read", request=request, obj=referral)
    return _render_detail(request, referral)


def _render_detail(request: HttpRequest, referral: Referral, **bound: forms.Form) -> HttpResponse:
    user = _user(request)
    partner_side = referrals.is_partner_side(user, referral)
    sender_side = referrals.is_sender_side(user, referral)
    today = timezone.localdate()
    context: dict[str, Any] = {
        "referral": referral,
        "professional": referral.responsible_professional,
        # The sending side sees the client; everyone else only what was shared.
        "sender_view": user.organisation_id == referral.organisation_id,
        "shared_items": _shared_items(referral),
        "can_accept": partner_side and referral.status == R.SENT,
        "can_report_match": partner_side and referral.status == R.ACCEPTED,
        "can_end": partner_side and referral.status in (R.ACCEPTED, R.MATCHED),
        "can_withdraw": sender_side and referral.status in (R.SENT, R.ACCEPTED),
        "decline_form": bound.get("decline_form") or DeclineForm(auto_id="id_decline_%s"),
        "match_form": bound.get("match_form")
        or ReportMatchForm(auto_id="id_match_%s", initial={"matched_on": today}),
        "end_form": bound.get("end_form")
        or EndForm(auto_id="id_end_%s", initial={"ended_on": today}),
    }
    return render(request, "matching/referral_detail.html", context)


def _partner_referral(request: HttpRequest, pk: int) -> Referral:
    """A referral the user may see, and may answer as the partner (otherwise 403: the user
    sees it, so refusing reveals nothing)."""
    referral = _visible_referral(request, pk)
    if not referrals.is_partner_side(_user(request), referral):
        raise PermissionDenied
    return referral


def _done(request: HttpRequest, referral: Referral, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("matching:referral_detail", pk=referral.pk)


@require_POST
@access.role_required(*MANAGERS)
def referral_accept(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _partner_referral(request, pk)
    try:
        referrals.referral_accept(referral=referral, by=_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("matching:referral_detail", pk=referral.pk)
    return _done(request, referral, _("You accepted the referral. The sender was told."))


@require_POST
@access.role_required(*MANAGERS)
def referral_decline(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _partner_referral(request, pk)
    form = DeclineForm(request.POST, auto_id="id_decline_%s")
    if form.is_valid():
        try:
            referrals.referral_decline(
                referral=referral, by=_user(request), reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _done(request, referral, _("You declined the referral. The sender was told."))
    referral.refresh_from_db()
    return _render_detail(request, referral, decline_form=form)


@require_POST
@access.role_required(*MANAGERS)
def referral_report_match(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _partner_referral(request, pk)
    form = ReportMatchForm(request.POST, auto_id="id_match_%s")
    if form.is_valid():
        try:
            referrals.referral_report_match(
                referral=referral, by=_user(request), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _done(request, referral, _("The volunteer was recorded. The sender was told."))
    referral.refresh_from_db()
    return _render_detail(request, referral, match_form=form)


@require_POST
@access.role_required(*MANAGERS)
def referral_end(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _partner_referral(request, pk)
    form = EndForm(request.POST, auto_id="id_end_%s")
    if form.is_valid():
        try:
            referrals.referral_end(referral=referral, by=_user(request), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _done(request, referral, _("The end was recorded. The sender was told."))
    referral.refresh_from_db()
    return _render_detail(request, referral, end_form=form)


@require_POST
@access.role_required(*access.STAFF)
def referral_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    referral = _visible_referral(request, pk)
    if not referrals.is_sender_side(user, referral):
        raise PermissionDenied
    try:
        referrals.referral_withdraw(referral=referral, by=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("matching:referral_detail", pk=referral.pk)
    return _done(
        request, referral, _("You withdrew the referral. The partner organisation was told.")
    )


urlpatterns: list[URLPattern] = [
    path("clienten/<int:client_pk>/verwijzen/", referral_create, name="referral_create"),
    path("verwijzingen/", referral_list, name="referral_list"),
    path("verwijzingen/<int:pk>/", referral_detail, name="referral_detail"),
    path("verwijzingen/<int:pk>/accepteren/", referral_accept, name="referral_accept"),
    path("verwijzingen/<int:pk>/afwijzen/", referral_decline, name="referral_decline"),
    path(
        "verwijzingen/<int:pk>/vrijwilliger/", referral_report_match, name="referral_report_match"
    ),
    path("verwijzingen/<int:pk>/beeindigen/", referral_end, name="referral_end"),
    path("verwijzingen/<int:pk>/intrekken/", referral_withdraw, name="referral_withdraw"),
]
