"""The organisation's supervision policy: how fast signals must be acknowledged, what
volunteers may spend, and the volunteer allowance.

`SupervisionPolicy.for_organisation` hands out unsaved defaults while an organisation has no
row; `policy_update` creates the row on the first save. Saves of one organisation's policy are
serialised on the organisation's row, so two coordinators saving at once never both create one.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from reclass_volunteers import audit
from reclass_volunteers.models import Organisation, Role, User
from supervision.models import AllowanceLimit, Severity, SupervisionPolicy
from supervision.models.policy import MINUTES_PER_DAY

EMERGENCY_NUMBER = re.compile(r"\+?[0-9][0-9 -]{1,18}")

POLICY_EDITORS = (Role.COORDINATOR, Role.ADMIN)
DEADLINE_MIN = 5
DEADLINE_MAX = 14 * MINUTES_PER_DAY
# From the fastest to the slowest: each deadline is at most the next one.
SEVERITY_ORDER = ("acute", "high", "medium", "low")


def hours_and_minutes(minutes: int) -> str:
    """A deadline for people: "1 h", "4 h 30 min", "72 h" (in Dutch "1 uur", ...)."""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return _("%(minutes)d min") % {"minutes": rest}
    if not rest:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": rest}


def severity_label(severity: str) -> str:
    return str(Severity(severity).label)


def _check_deadlines(deadlines: dict[str, int], errors: dict[str, list[str]]) -> None:
    for severity, minutes in deadlines.items():
        if not DEADLINE_MIN <= minutes <= DEADLINE_MAX:
            errors.setdefault(f"{severity}_minutes", []).append(
                _("Choose a time from %(min)s to %(max)s.")
                % {
                    "min": hours_and_minutes(DEADLINE_MIN),
                    "max": hours_and_minutes(DEADLINE_MAX),
                }
            )
    if errors:
        return
    for faster, slower in pairwise(SEVERITY_ORDER):
        if deadlines[faster] > deadlines[slower]:
            errors.setdefault(f"{slower}_minutes", []).append(
                _(
                    "A %(slower)s signal cannot have to be acknowledged sooner than a "
                    "%(faster)s one (%(time)s): more severe signals come first."
                )
                % {
                    "slower": severity_label(slower).lower(),
                    "faster": severity_label(faster).lower(),
                    "time": hours_and_minutes(deadlines[faster]),
                }
            )


def euro(value: Decimal) -> str:
    """An amount as people read it in the active language: "€ 2.100,00" in Dutch."""
    return "€ " + formats.number_format(value, 2, use_l10n=True, force_grouping=True)


def _check_money(
    *,
    expense_item_limit: Decimal,
    expense_month_limit: Decimal,
    expense_hard_maximum: Decimal,
    km_rate: Decimal,
    pays_allowance: bool,
    allowance_hourly_rate: Decimal,
    today: date,
    errors: dict[str, list[str]],
) -> None:
    for name, value in (
        ("expense_item_limit", expense_item_limit),
        ("expense_month_limit", expense_month_limit),
        ("km_rate", km_rate),
        ("allowance_hourly_rate", allowance_hourly_rate),
    ):
        if value < 0:
            errors.setdefault(name, []).append(_("Enter an amount of 0 or more."))
    if expense_hard_maximum <= 0:
        errors.setdefault("expense_hard_maximum", []).append(_("Enter an amount above 0."))
    if "expense_item_limit" not in errors and expense_item_limit > expense_hard_maximum:
        errors.setdefault("expense_item_limit", []).append(
            _(
                "The amount above which a coordinator approves cannot be higher than the "
                "highest expense possible (%(maximum)s)."
            )
            % {"maximum": euro(expense_hard_maximum)}
        )
    if pays_allowance and allowance_hourly_rate <= 0:
        errors.setdefault("allowance_hourly_rate", []).append(
            _("Enter the allowance per hour your organisation pays.")
        )
    if allowance_hourly_rate > 0:
        limit = AllowanceLimit.on(today)
        if limit is None:
            errors.setdefault("allowance_hourly_rate", []).append(
                _(
                    "The tax-free allowance limits for %(year)d are not recorded; an "
                    "administrator adds them first."
                )
                % {"year": today.year}
            )
        elif allowance_hourly_rate > limit.per_hour:
            errors.setdefault("allowance_hourly_rate", []).append(
                _(
                    "The allowance per hour cannot be above the tax-free limit of %(limit)s an "
                    "hour (valid from %(valid_from)s)."
                )
                % {
                    "limit": euro(limit.per_hour),
                    "valid_from": formats.date_format(limit.valid_from, "SHORT_DATE_FORMAT"),
                }
            )


@transaction.atomic
def policy_update(
    *,
    by: User,
    organisation: Organisation,
    acute_minutes: int,
    high_minutes: int,
    medium_minutes: int,
    low_minutes: int,
    emergency_number: str,
    expense_item_limit: Decimal,
    expense_month_limit: Decimal,
    expense_hard_maximum: Decimal,
    km_rate: Decimal,
    pays_allowance: bool,
    allowance_hourly_rate: Decimal,
) -> SupervisionPolicy:
    """Save the organisation's supervision policy. Refused (ValidationError, nothing written)
    when the user may not change it, the deadlines are out of range or not ordered by severity
    (acute <= high <= medium <= low), the approval limit per item is above the hard maximum, an
    amount is negative, or the allowance per hour is above the tax-free limit of today."""
    if by.role not in POLICY_EDITORS or by.organisation_id != organisation.pk:
        raise ValidationError(
            _("Only the organisation's coordinators and administrators change the policy.")
        )
    errors: dict[str, list[str]] = {}
    _check_deadlines(
        {
            "acute": acute_minutes,
            "high": high_minutes,
            "medium": medium_minutes,
            "low": low_minutes,
        },
        errors,
    )
    emergency_number = emergency_number.strip()
    if not emergency_number:
        errors["emergency_number"] = [_("Enter the emergency number volunteers must call.")]
    elif not EMERGENCY_NUMBER.fullmatch(emergency_number):
        # It becomes a call button in the acute-signal advice: text there would be a dead link.
        errors["emergency_number"] = [
            _("Enter a telephone number: digits, with spaces or dashes if you like, e.g. 112.")
        ]
    _check_money(
        expense_item_limit=expense_item_limit,
        expense_month_limit=expense_month_limit,
        expense_hard_maximum=expense_hard_maximum,
        km_rate=km_rate,
        pays_allowance=pays_allowance,
        allowance_hourly_rate=allowance_hourly_rate,
        today=timezone.localdate(),
        errors=errors,
    )
    if errors:
        raise ValidationError(errors)

    Organisation.objects.select_for_update().only("pk").get(pk=organisation.pk)
    policy = SupervisionPolicy.objects.filter(organisation=organisation).first()
    if policy is None:
        policy = SupervisionPolicy(organisation=organisation)
    policy.acute_minutes = acute_minutes
    policy.high_minutes = high_minutes
    policy.medium_minutes = medium_minutes
    policy.low_minutes = low_minutes
    policy.emergency_number = emergency_number
    policy.expense_item_limit = expense_item_limit
    policy.expense_month_limit = expense_month_limit
    policy.expense_hard_maximum = expense_hard_maximum
    policy.km_rate = km_rate
    policy.pays_allowance = pays_allowance
    policy.allowance_hourly_rate = allowance_hourly_rate
    policy.full_clean()
    policy.save()
    audit.record(action="supervision_policy.update", user=by, obj=policy)
    return policy
