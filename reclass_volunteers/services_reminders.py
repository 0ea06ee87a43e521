"""Writes with rules for issue 6: the organisation's reminder policy and the secret of a user's
private calendar feed."""

from __future__ import annotations

import hashlib
import secrets
from datetime import time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import RiskFlag
from reclass_volunteers import audit
from reclass_volunteers.models import Organisation, ReminderPolicy, User
from reclass_volunteers.models_calendar import CalendarToken

DAY_FIELDS = (
    "session_first_days",
    "session_second_days",
    "expiry_first_days",
    "expiry_second_days",
    "contact_nudge_volunteer_days",
    "contact_nudge_professional_days",
    "attention_lead_days",
)
WEEK_FIELDS = ("wellbeing_interval_weeks",)
TIME_FIELDS = ("quiet_from", "quiet_until")
FLAG_FIELDS = ("wellbeing_risk_flags",)
POLICY_FIELDS = (*DAY_FIELDS, *WEEK_FIELDS, *FLAG_FIELDS, *TIME_FIELDS)
MAX_DAYS = 365
MAX_WEEKS = 52


def _policy_errors(values: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name in DAY_FIELDS:
        value = values[name]
        if value is None or value < 1:
            errors[name] = _("Enter at least 1 day.")
        elif value > MAX_DAYS:
            errors[name] = _("Enter at most %(max)d days (one year).") % {"max": MAX_DAYS}
    for name in WEEK_FIELDS:
        value = values[name]
        if value is None or value < 1:
            errors[name] = _("Enter at least 1 week.")
        elif value > MAX_WEEKS:
            errors[name] = _("Enter at most %(max)d weeks (one year).") % {"max": MAX_WEEKS}
    flags = values["wellbeing_risk_flags"]
    if not isinstance(flags, list | tuple) or not set(flags) <= set(RiskFlag.values):
        errors["wellbeing_risk_flags"] = _("Choose from the risk factors in the list.")
    if (
        "contact_nudge_volunteer_days" not in errors
        and "contact_nudge_professional_days" not in errors
        and values["contact_nudge_professional_days"] <= values["contact_nudge_volunteer_days"]
    ):
        errors["contact_nudge_professional_days"] = _(
            "The professional is told after the volunteer was reminded: enter more days than "
            "for the volunteer (%(days)d)."
        ) % {"days": values["contact_nudge_volunteer_days"]}
    for first, second in (
        ("session_first_days", "session_second_days"),
        ("expiry_first_days", "expiry_second_days"),
    ):
        if first in errors or second in errors:
            continue
        if values[second] >= values[first]:
            errors[second] = _(
                "The second reminder comes closer to the date than the first: enter fewer days "
                "than for the first reminder (%(first)d)."
            ) % {"first": values[first]}
    quiet_from, quiet_until = values["quiet_from"], values["quiet_until"]
    if not isinstance(quiet_from, time) or not isinstance(quiet_until, time):
        errors.setdefault("quiet_from", _("Enter a time."))
    elif quiet_from == quiet_until:
        errors["quiet_until"] = _(
            "The quiet hours would last the whole day, so no e-mail would ever be sent. "
            "Choose a different end time."
        )
    return errors


@transaction.atomic
def reminder_policy_update(
    *, by: User, organisation: Organisation, **fields: Any
) -> ReminderPolicy:
    """Save the organisation's reminder settings; refused as a whole when one is not sensible."""
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"Unknown reminder policy fields: {sorted(unknown)}")
    if by.organisation_id != organisation.pk or not (by.is_coordinator or by.is_org_admin):
        raise ValidationError(
            _("Only a coordinator or administrator of this organisation can change reminders.")
        )
    # Lock the saved row (if any) so two coordinators saving at once do not interleave.
    policy = ReminderPolicy.objects.select_for_update().filter(
        organisation=organisation
    ).first() or ReminderPolicy(organisation=organisation)
    values = {name: fields.get(name, getattr(policy, name)) for name in POLICY_FIELDS}
    errors = _policy_errors(values)
    if errors:
        raise ValidationError(errors)
    created = policy.pk is None
    values["wellbeing_risk_flags"] = sorted(set(values["wellbeing_risk_flags"]))
    for name, value in values.items():
        setattr(policy, name, value)
    policy.full_clean()
    policy.save()
    audit.record(
        action="reminder_policy.create" if created else "reminder_policy.update",
        user=by,
        obj=policy,
    )
    return policy


# --- Calendar feed ------------------------------------------------------------------------------


def hash_calendar_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_token_reset(*, user: User) -> str:
    """Make a new secret for the user's feed and return it; the old feed URL stops working.

    Only its hash is kept, so the caller shows the URL once."""
    if user.organisation_id is None or not user.is_active:
        raise ValidationError(_("Only members of an organisation have a calendar feed."))
    token = secrets.token_urlsafe(32)
    row, created = CalendarToken.objects.select_for_update().get_or_create(
        user=user, defaults={"token_hash": hash_calendar_token(token)}
    )
    if not created:
        row.token_hash = hash_calendar_token(token)
        row.created_at = timezone.now()
        row.save(update_fields=["token_hash", "created_at"])
    audit.record(action="calendar.create" if created else "calendar.reset", user=user, obj=row)
    return token


def calendar_user_for_token(token: str) -> User | None:
    """The active member whose feed this token opens, or None. The lookup is by hash, so how
    far a guess matches says nothing about the real token."""
    row = (
        CalendarToken.objects.select_related("user")
        .filter(
            token_hash=hash_calendar_token(token),
            user__is_active=True,
            user__organisation__isnull=False,
        )
        .first()
    )
    return row.user if row is not None else None
