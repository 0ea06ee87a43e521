"""Expenses volunteers claim, the coordinator's approval, and the volunteer allowance.

Expenses follow the organisation's SupervisionPolicy: above the hard maximum per item an expense
is refused; above the limit per item, or when it brings the month's total (approved and waiting,
by the calendar month of the expense) above the month limit, a coordinator approves it first;
otherwise it is approved at once. The volunteer's row is locked while deciding, so two claims
sent at the same moment cannot both slip under the month limit.

The volunteer allowance (vrijwilligersvergoeding) is hours per month at the organisation's
rate, within the tax-free limits of AllowanceLimit valid on that month: per hour, per month and
per calendar year.

Nothing is saved half: a receipt is validated before anything is written, stored only after
every rule passed, and deleted again if saving the expense fails.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from matching.models import Match
from reclass_volunteers import access, audit, outbox
from reclass_volunteers.models import Role, User
from supervision import uploads
from supervision.models import AllowanceClaim, AllowanceLimit, Expense, SupervisionPolicy
from supervision.services.policy import euro
from volunteers.models import Volunteer

S = Expense.Status
APPROVERS = (Role.COORDINATOR, Role.ADMIN)
CENT = Decimal("0.01")
# The most hours a month has (31 days); more is a typing error.
MONTH_HOURS_MAX = Decimal(31 * 24)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def month_total(volunteer: Volunteer, day: date) -> Decimal:
    """What the volunteer claimed (approved or waiting) in the calendar month of `day`."""
    total = Expense.objects.filter(
        volunteer=volunteer,
        spent_on__gte=month_start(day),
        spent_on__lt=next_month(day),
        status__in=(S.SUBMITTED, S.APPROVED),
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0")


def _month_label(day: date) -> str:
    return formats.date_format(day, "YEAR_MONTH_FORMAT")


def _volunteer_of(by: User) -> Volunteer:
    """The claimant's own volunteer record, locked for the rest of the transaction."""
    if by.role != Role.VOLUNTEER or by.organisation_id is None:
        raise ValidationError(_("Only volunteers claim expenses, for themselves."))
    volunteer = (
        Volunteer.objects.select_for_update()
        .filter(user=by, organisation_id=by.organisation_id)
        .first()
    )
    if volunteer is None:
        raise ValidationError(
            _("Your account is not linked to a volunteer record; ask your coordinator.")
        )
    return volunteer


def _amount_of(
    *,
    kind: str,
    amount: Decimal | None,
    kilometres: Decimal | None,
    policy: SupervisionPolicy,
    errors: dict[str, list[str]],
) -> Decimal | None:
    if kind == Expense.Kind.TRAVEL:
        if kilometres is None or kilometres <= 0:
            errors["kilometres"] = [_("Enter how many kilometres you travelled.")]
            return None
        # The organisation's rate decides the amount; a typed amount is ignored.
        computed = (kilometres * policy.km_rate).quantize(CENT, rounding=ROUND_HALF_UP)
        if computed <= 0:
            errors["kilometres"] = [
                _("Your organisation pays no travel allowance per kilometre; ask your coordinator.")
            ]
            return None
        return computed
    if kind == Expense.Kind.ITEM:
        if amount is None or amount <= 0:
            errors["amount"] = [_("Enter the amount you spent, more than € 0.")]
            return None
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)
    errors["kind"] = [_("Choose what kind of expense this is.")]
    return None


def _check_match(*, by: User, match: Match | None, errors: dict[str, list[str]]) -> None:
    if match is not None and not access.matches_visible_to(by).filter(pk=match.pk).exists():
        errors["match"] = [_("Choose one of your own matches.")]


def _needs_approval(
    *, volunteer: Volunteer, spent_on: date, amount: Decimal, policy: SupervisionPolicy
) -> str:
    """Why a coordinator must approve this expense, or "" when it is within the limits."""
    if amount > policy.expense_item_limit:
        return _("Above the limit of %(limit)s per expense: a coordinator approves it first.") % {
            "limit": euro(policy.expense_item_limit)
        }
    total = month_total(volunteer, spent_on) + amount
    if total > policy.expense_month_limit:
        return _(
            "With this expense, %(month)s comes to %(total)s, above the limit of %(limit)s a "
            "month: a coordinator approves it first."
        ) % {
            "month": _month_label(spent_on),
            "total": euro(total),
            "limit": euro(policy.expense_month_limit),
        }
    return ""


def expense_submit(
    *,
    by: User,
    kind: str,
    spent_on: date,
    description: str,
    amount: Decimal | None = None,
    kilometres: Decimal | None = None,
    match: Match | None = None,
    receipt: File[bytes] | None = None,
) -> Expense:
    """A volunteer claims an expense, or travel by the kilometre at the organisation's rate.

    Refused (ValidationError, nothing written, no file kept) for a date in the future, a
    missing or non-positive amount or distance, a match that is not the volunteer's, a receipt
    that is not a JPEG, PNG, HEIC or PDF or is too large, or an amount above the organisation's
    hard maximum. Otherwise saved as approved, or as waiting for a coordinator when above the
    limit per item or per month."""
    receipt_type = uploads.validate_receipt(receipt) if receipt is not None else ""
    stored = ""
    try:
        with transaction.atomic():
            volunteer = _volunteer_of(by)
            policy = SupervisionPolicy.for_organisation(volunteer.organisation)
            errors: dict[str, list[str]] = {}
            if spent_on > timezone.localdate():
                errors["spent_on"] = [_("The date cannot be in the future.")]
            description = description.strip()
            if not description:
                errors["description"] = [_("Say briefly what the expense was for.")]
            _check_match(by=by, match=match, errors=errors)
            value = _amount_of(
                kind=kind, amount=amount, kilometres=kilometres, policy=policy, errors=errors
            )
            if value is not None and value > policy.expense_hard_maximum:
                field = "kilometres" if kind == Expense.Kind.TRAVEL else "amount"
                errors[field] = [
                    _(
                        "%(amount)s is more than the highest expense your organisation allows "
                        "(%(maximum)s). Discuss it with your coordinator before you spend it."
                    )
                    % {"amount": euro(value), "maximum": euro(policy.expense_hard_maximum)}
                ]
            if errors or value is None:
                raise ValidationError(errors)

            reason = _needs_approval(
                volunteer=volunteer, spent_on=spent_on, amount=value, policy=policy
            )
            now = timezone.now()
            expense = Expense(
                volunteer=volunteer,
                match=match,
                kind=kind,
                spent_on=spent_on,
                description=description,
                kilometres=kilometres if kind == Expense.Kind.TRAVEL else None,
                amount=value,
                status=S.SUBMITTED if reason else S.APPROVED,
                decided_at=None if reason else now,
                decision_note=reason
                or _("Approved automatically: within the organisation's limits."),
                created_at=now,
            )
            if receipt is not None:
                stored = uploads.store_receipt(
                    receipt, content_type=receipt_type, today=timezone.localdate()
                )
                expense.receipt.name = stored
                expense.receipt_content_type = receipt_type
            expense.full_clean()
            expense.save()
            audit.record(action=f"expense.submit.{expense.status}", user=by, obj=expense)
            if expense.status == S.SUBMITTED:
                _tell_approvers(expense, by=by)
    except BaseException:
        uploads.delete_receipt(stored)
        raise
    return expense


def _tell_approvers(expense: Expense, *, by: User) -> None:
    approvers = User.objects.coordinators_of(expense.volunteer.organisation_id)
    url = reverse("supervision:expense_approval_list")
    for approver in approvers:
        outbox.notify(
            kind="expense.to_approve",
            recipient=approver,
            title=_("An expense to approve"),
            body=_("%(volunteer)s claimed %(amount)s; it is above the organisation's limits.")
            % {"volunteer": expense.volunteer.full_name, "amount": euro(expense.amount)},
            url=url,
            subject=expense,
            occasion="submitted",
        )


@transaction.atomic
def expense_decide(*, expense: Expense, by: User, approve: bool, note: str = "") -> Expense:
    """A coordinator approves or rejects an expense that waits for approval. Rejecting needs a
    note for the volunteer. A decided expense stays decided: the second of two coordinators
    deciding at once is refused."""
    if by.role not in APPROVERS or by.organisation_id is None:
        raise ValidationError(_("Only coordinators and administrators approve expenses."))
    locked = (
        Expense.objects.select_for_update(of=("self",))
        .select_related("volunteer__user")
        .filter(pk=expense.pk, volunteer__organisation=by.organisation_id)
        .first()
    )
    if locked is None:
        raise ValidationError(_("This expense is not of your organisation."))
    if locked.status != S.SUBMITTED:
        raise ValidationError(
            _("This expense was already decided (%(status)s); nothing was changed.")
            % {"status": locked.get_status_display().lower()}
        )
    note = note.strip()
    if not approve and not note:
        raise ValidationError({"note": [_("Explain to the volunteer why it is not approved.")]})
    locked.status = S.APPROVED if approve else S.REJECTED
    locked.decided_at = timezone.now()
    locked.decided_by = by
    locked.decision_note = note
    locked.full_clean()
    locked.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    audit.record(action=f"expense.{'approve' if approve else 'reject'}", user=by, obj=locked)
    user = locked.volunteer.user
    if user is not None:
        outbox.notify(
            kind="expense.decided",
            recipient=user,
            title=(
                _("Your expense was approved") if approve else _("Your expense was not approved")
            ),
            body=_("%(description)s, %(amount)s.")
            % {"description": locked.description, "amount": euro(locked.amount)}
            + (f"\n\n{note}" if note else ""),
            url=reverse("supervision:expense_detail", args=[locked.pk]),
            subject=locked,
            occasion="decided",
        )
    return locked


# --- Volunteer allowance ---------------------------------------------------------------------


def allowance_year_total(volunteer: Volunteer, year: int, *, except_month: date | None) -> Decimal:
    qs = AllowanceClaim.objects.filter(volunteer=volunteer, month__year=year)
    if except_month is not None:
        qs = qs.exclude(month=except_month)
    return qs.aggregate(total=Sum("amount"))["total"] or Decimal("0")


def _may_claim_for(by: User, volunteer: Volunteer) -> bool:
    if by.organisation_id is None or by.organisation_id != volunteer.organisation_id:
        return False
    if by.role == Role.VOLUNTEER:
        return volunteer.user_id == by.pk
    return by.role in APPROVERS


@transaction.atomic
def allowance_claim_record(
    *, by: User, volunteer: Volunteer, month: date, hours: Decimal
) -> AllowanceClaim:
    """Record a volunteer's hours for a month (again: the new hours replace that month's).

    The amount is hours x the organisation's rate. Refused, with the limit and its year named,
    when the organisation pays no allowance, the month has not started, no tax-free limits are
    recorded for it, or the rate per hour, the month's amount or the calendar year's total would
    be above the tax-free limit valid on that month."""
    if not _may_claim_for(by, volunteer):
        raise ValidationError(
            _("Volunteers record their own hours; coordinators may record them for a volunteer.")
        )
    policy = SupervisionPolicy.for_organisation(volunteer.organisation)
    if not policy.pays_allowance:
        raise ValidationError(_("Your organisation does not pay a volunteer allowance."))
    month = month_start(month)
    if month > month_start(timezone.localdate()):
        raise ValidationError({"month": [_("This month has not started yet.")]})
    if hours <= 0 or hours > MONTH_HOURS_MAX:
        raise ValidationError(
            {
                "hours": [
                    _("Enter a number of hours above 0 and at most %(max)d.")
                    % {"max": MONTH_HOURS_MAX}
                ]
            }
        )
    limit = AllowanceLimit.on(month)
    if limit is None:
        raise ValidationError(
            {
                "month": [
                    _(
                        "The tax-free allowance limits for %(year)d are not recorded, so no "
                        "allowance can be paid for that year. Ask your coordinator."
                    )
                    % {"year": month.year}
                ]
            }
        )
    year = month.year
    rate = policy.allowance_hourly_rate
    if rate <= 0:
        raise ValidationError(_("Your organisation has not set its allowance per hour yet."))
    if rate > limit.per_hour:
        raise ValidationError(
            _(
                "The allowance of %(rate)s an hour is above the tax-free limit of %(limit)s an "
                "hour for %(year)d. Your coordinator must lower it first."
            )
            % {"rate": euro(rate), "limit": euro(limit.per_hour), "year": year}
        )
    amount = (hours * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    if amount > limit.per_month:
        raise ValidationError(
            {
                "hours": [
                    _(
                        "%(hours)s hours at %(rate)s come to %(amount)s, above the tax-free "
                        "limit of %(limit)s a month for %(year)d."
                    )
                    % {
                        "hours": formats.number_format(hours, 1, use_l10n=True),
                        "rate": euro(rate),
                        "amount": euro(amount),
                        "limit": euro(limit.per_month),
                        "year": year,
                    }
                ]
            }
        )
    Volunteer.objects.select_for_update().only("pk").get(pk=volunteer.pk)
    earlier = allowance_year_total(volunteer, year, except_month=month)
    if earlier + amount > limit.per_year:
        raise ValidationError(
            {
                "hours": [
                    _(
                        "With %(amount)s for this month the allowance for %(year)d comes to "
                        "%(total)s, above the tax-free limit of %(limit)s a year for %(year)d "
                        "(already recorded: %(earlier)s)."
                    )
                    % {
                        "amount": euro(amount),
                        "total": euro(earlier + amount),
                        "limit": euro(limit.per_year),
                        "year": year,
                        "earlier": euro(earlier),
                    }
                ]
            }
        )
    claim = AllowanceClaim.objects.filter(volunteer=volunteer, month=month).first()
    action = "allowance.claim.update"
    if claim is None:
        claim = AllowanceClaim(volunteer=volunteer, month=month)
        action = "allowance.claim.create"
    claim.hours = hours
    claim.amount = amount
    claim.full_clean()
    claim.save()
    audit.record(action=action, user=by, obj=claim)
    return claim
