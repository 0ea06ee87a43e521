"""Expense pages: a volunteer claims an expense or travel (phone first) and sees their months
against the organisation's limits; coordinators approve or reject what is above the limits;
receipts are downloaded through an access check only. Plus the volunteer allowance: hours per
month within the tax-free limits.

Who sees an expense is decided by access.expenses_visible_to: the volunteer, their supervising
professional, the organisation's coordinators and administrators.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, ExtractYear
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import formats, timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from reclass_volunteers import access, audit
from reclass_volunteers.forms import add_service_errors
from reclass_volunteers.models import Role, User
from supervision import uploads
from supervision.forms_expenses import AllowanceClaimForm, DecisionForm, ExpenseForm
from supervision.models import AllowanceClaim, AllowanceLimit, Expense, SupervisionPolicy
from supervision.services import expenses as service
from supervision.services.policy import euro
from volunteers.models import Volunteer

S = Expense.Status
APPROVERS = (Role.COORDINATOR, Role.ADMIN)
PAGE_SIZE = 25
STATUS_FILTERS = ("submitted", "approved", "rejected", "all")


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _own_volunteer(request: HttpRequest, user: User) -> Volunteer:
    return access.get_or_404(request, access.volunteers_visible_to(user), user=user)


def _policy(user: User) -> SupervisionPolicy:
    # access.role_required lets only members of an organisation through.
    assert user.organisation is not None
    return SupervisionPolicy.for_organisation(user.organisation)


# --- The volunteer's own expenses ------------------------------------------------------------


@dataclass
class Month:
    start: date
    expenses: list[Expense] = field(default_factory=list)
    counted: Decimal = Decimal("0")  # approved + waiting: what the month limit is about
    approved: Decimal = Decimal("0")
    waiting: Decimal = Decimal("0")
    limit: Decimal = Decimal("0")

    @property
    def over_limit(self) -> bool:
        return self.counted > self.limit

    @property
    def percent(self) -> int:
        if self.limit <= 0:
            return 100
        return min(100, int(self.counted * 100 / self.limit))


def months_of(expenses: list[Expense], limit: Decimal) -> list[Month]:
    months: dict[date, Month] = {}
    for expense in expenses:
        start = service.month_start(expense.spent_on)
        month = months.setdefault(start, Month(start=start, limit=limit))
        month.expenses.append(expense)
        if expense.status == S.APPROVED:
            month.approved += expense.amount
        elif expense.status == S.SUBMITTED:
            month.waiting += expense.amount
        if expense.status != S.REJECTED:
            month.counted += expense.amount
    return sorted(months.values(), key=lambda m: m.start, reverse=True)


def _year(request: HttpRequest, default: int) -> int:
    value = request.GET.get("jaar", "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else default


@access.role_required(Role.VOLUNTEER)
def expense_mine(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    volunteer = _own_volunteer(request, user)
    policy = _policy(user)
    today = timezone.localdate()
    mine = access.expenses_visible_to(user).filter(volunteer=volunteer)
    years = sorted(
        {today.year, *mine.annotate(y=ExtractYear("spent_on")).values_list("y", flat=True)},
        reverse=True,
    )
    year = _year(request, today.year)
    expenses = list(mine.filter(spent_on__year=year).order_by("-spent_on", "-created_at"))
    return render(
        request,
        "supervision/expense_list.html",
        {
            "months": months_of(expenses, policy.expense_month_limit),
            "year": year,
            "years": years,
            "policy": policy,
        },
    )


@require_http_methods(["GET", "POST"])
@access.role_required(Role.VOLUNTEER)
def expense_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    volunteer = _own_volunteer(request, user)
    policy = _policy(user)
    form = ExpenseForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        matches=access.matches_visible_to(user),
        km_rate=policy.km_rate,
        initial={"spent_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            expense = service.expense_submit(
                by=user,
                kind=data["kind"],
                spent_on=data["spent_on"],
                description=data["description"],
                amount=data["amount"],
                kilometres=data["kilometres"],
                match=data["match"],
                receipt=data["receipt"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if expense.status == S.APPROVED:
                messages.success(
                    request,
                    _("Your expense of %(amount)s is approved: it is within the limits.")
                    % {"amount": euro(expense.amount)},
                )
            else:
                messages.success(
                    request,
                    _("Your expense of %(amount)s was sent. %(reason)s")
                    % {"amount": euro(expense.amount), "reason": expense.decision_note},
                )
            return redirect("supervision:expense_mine")
    return render(
        request,
        "supervision/expense_form.html",
        {
            "form": form,
            "policy": policy,
            "month_total": service.month_total(volunteer, timezone.localdate()),
        },
    )


# --- One expense, its receipt, the decision --------------------------------------------------


def _visible_expenses(user: User) -> QuerySet[Expense]:
    return access.expenses_visible_to(user).select_related("volunteer", "decided_by")


def _render_detail(
    request: HttpRequest, expense: Expense, form: DecisionForm | None = None, status: int = 200
) -> HttpResponse:
    user = _user(request)
    can_decide = user.role in APPROVERS and expense.status == S.SUBMITTED
    client_name = ""
    if expense.match_id is not None:
        match = access.matches_visible_to(user).select_related("client").filter(pk=expense.match_id)
        client_name = next((m.client.first_name for m in match), "")
    return render(
        request,
        "supervision/expense_detail.html",
        {
            "expense": expense,
            "client_name": client_name,
            "is_own": expense.volunteer.user_id == user.pk,
            "can_decide": can_decide,
            "form": form or (DecisionForm() if can_decide else None),
            "month_total": service.month_total(expense.volunteer, expense.spent_on),
            "policy": _policy(user),
        },
        status=status,
    )


@access.role_required(*access.STAFF, Role.VOLUNTEER)
def expense_detail(request: HttpRequest, pk: int) -> HttpResponse:
    expense = access.get_or_404(request, _visible_expenses(_user(request)), pk=pk)
    return _render_detail(request, expense)


@access.role_required(*access.STAFF, Role.VOLUNTEER)
def expense_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    expense = access.get_or_404(request, access.expenses_visible_to(user), pk=pk)
    name = expense.receipt.name
    if not name or not expense.receipt_content_type:
        raise Http404
    try:
        handle = uploads.open_receipt(name)
    except FileNotFoundError:
        raise Http404 from None
    with handle:
        # Receipts are at most a few MB: read whole, so the response is an ordinary one.
        content = handle.read()
    audit.record(action="expense.receipt.read", request=request, obj=expense)
    response = HttpResponse(content, content_type=expense.receipt_content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True,
        filename=uploads.download_name(expense.pk, expense.receipt_content_type),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response


@require_POST
@access.role_required(*APPROVERS)
def expense_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    expense = access.get_or_404(request, _visible_expenses(user), pk=pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            service.expense_decide(
                expense=expense, by=user, approve=approve, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            expense.refresh_from_db()
            if expense.status != S.SUBMITTED:
                # Decided meanwhile (by a colleague): there is no form left to correct.
                messages.error(request, " ".join(error.messages))
                return redirect("supervision:expense_detail", pk=expense.pk)
            add_service_errors(form, error)
        else:
            if approve:
                messages.success(request, _("The expense was approved."))
            else:
                messages.success(request, _("The expense was not approved."))
            return redirect("supervision:expense_approval_list")
    return _render_detail(request, expense, form)


# --- Coordinators: expenses to approve -------------------------------------------------------


def with_month_totals(qs: QuerySet[Expense]) -> QuerySet[Expense]:
    """Each expense with its volunteer's total (approved and waiting) of the same month."""
    same_month = (
        Expense.objects.filter(
            volunteer=OuterRef("volunteer"),
            spent_on__year=OuterRef("spent_on__year"),
            spent_on__month=OuterRef("spent_on__month"),
            status__in=(S.SUBMITTED, S.APPROVED),
        )
        .order_by()
        .values("volunteer")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return qs.annotate(
        month_total=Coalesce(
            Subquery(same_month, output_field=DecimalField(max_digits=10, decimal_places=2)),
            Decimal("0"),
        )
    )


@access.role_required(*APPROVERS)
def expense_approval_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    status = request.GET.get("status", "submitted")
    if status not in STATUS_FILTERS:
        status = "submitted"
    qs = with_month_totals(_visible_expenses(user))
    if status == "submitted":
        qs = qs.filter(status=S.SUBMITTED).order_by("created_at", "pk")
    else:
        if status != "all":
            qs = qs.filter(status=status)
        qs = qs.order_by("-spent_on", "-created_at", "-pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/expense_approval_list.html",
        {
            "page": page,
            "status": status,
            "statuses": [
                ("submitted", _("Waiting for approval")),
                ("approved", _("Approved")),
                ("rejected", _("Not approved")),
                ("all", _("All")),
            ],
            "policy": _policy(user),
        },
    )


# --- Volunteer allowance ---------------------------------------------------------------------


def _claims_visible_to(user: User) -> QuerySet[AllowanceClaim]:
    return AllowanceClaim.objects.filter(
        volunteer__in=access.volunteers_visible_to(user).values("pk")
    )


def _limit_for_year(year: int, today: date) -> AllowanceLimit | None:
    return AllowanceLimit.on(today if year == today.year else date(year, 12, 31))


@access.role_required(Role.VOLUNTEER, *APPROVERS)
def allowance_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    year = _year(request, today.year)
    claims = _claims_visible_to(user).filter(month__year=year).select_related("volunteer")
    is_volunteer = user.role == Role.VOLUNTEER
    if is_volunteer:
        claims = claims.filter(volunteer=_own_volunteer(request, user))
    year_totals = (
        AllowanceClaim.objects.filter(volunteer=OuterRef("volunteer"), month__year=year)
        .order_by()
        .values("volunteer")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    claims = claims.annotate(
        year_total=Subquery(year_totals, output_field=DecimalField(max_digits=10, decimal_places=2))
    ).order_by("volunteer__first_name", "volunteer__last_name", "volunteer_id", "-month")
    page = Paginator(claims, 50).get_page(request.GET.get("page"))
    total = claims.aggregate(total=Sum("amount"))["total"] if is_volunteer else None
    limit = _limit_for_year(year, today)
    context: dict[str, Any] = {
        "page": page,
        "year": year,
        "years": list(range(today.year, today.year - 5, -1)),
        "is_volunteer": is_volunteer,
        "total": total or Decimal("0"),
        "remaining": (limit.per_year - (total or Decimal("0"))) if limit else None,
        "limit": limit,
        "policy": _policy(user),
    }
    return render(request, "supervision/expense_allowance_list.html", context)


@require_http_methods(["GET", "POST"])
@access.role_required(Role.VOLUNTEER, *APPROVERS)
def allowance_claim(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    policy = _policy(user)
    is_volunteer = user.role == Role.VOLUNTEER
    own = _own_volunteer(request, user) if is_volunteer else None
    form = AllowanceClaimForm(
        request.POST if request.method == "POST" else None,
        volunteers=None if is_volunteer else access.volunteers_visible_to(user),
    )
    if request.method == "POST" and form.is_valid():
        volunteer = own or form.cleaned_data["volunteer"]
        try:
            claim = service.allowance_claim_record(
                by=user,
                volunteer=volunteer,
                month=form.cleaned_data["month"],
                hours=form.cleaned_data["hours"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(hours)s hours recorded: an allowance of %(amount)s.")
                % {
                    "hours": formats.number_format(claim.hours, 1, use_l10n=True),
                    "amount": euro(claim.amount),
                },
            )
            return redirect("supervision:allowance_list")
    today = timezone.localdate()
    return render(
        request,
        "supervision/expense_allowance_form.html",
        {"form": form, "policy": policy, "limit": AllowanceLimit.on(today)},
    )


urlpatterns: list[URLPattern] = [
    path("onkosten/", expense_mine, name="expense_mine"),
    path("onkosten/nieuw/", expense_create, name="expense_create"),
    path("onkosten/goedkeuren/", expense_approval_list, name="expense_approval_list"),
    path("onkosten/<int:pk>/", expense_detail, name="expense_detail"),
    path("onkosten/<int:pk>/bon/", expense_receipt, name="expense_receipt"),
    path("onkosten/<int:pk>/besluit/", expense_decide, name="expense_decide"),
    path("vrijwilligersvergoeding/", allowance_list, name="allowance_list"),
    path("vrijwilligersvergoeding/uren/", allowance_claim, name="allowance_claim"),
]
