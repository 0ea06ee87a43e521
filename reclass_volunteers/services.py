"""Writes with rules for accounts: invitations and deactivation."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from reclass_volunteers import audit, outbox
from reclass_volunteers.models import Invitation, Role, User


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(
    *, by: User, email: str, full_name: str, role: str, base_url: str
) -> tuple[Invitation, str]:
    """Create an inactive account and send its owner a link to set a password.

    Returns the invitation and the raw token (only the e-mail carries it; we keep its hash).
    """
    if by.role != Role.ADMIN or by.organisation is None:
        raise ValidationError(_("Only an organisation's administrator can invite users."))
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(email=email, organisation=by.organisation)
    else:
        # An account whose invitation expired or was withdrawn before it was ever used may be
        # invited again (the "no longer works" page tells its owner to ask for that); any other
        # existing account, or one of another organisation, may not.
        stale = Invitation.objects.filter(
            user=user, organisation=by.organisation, accepted_at__isnull=True
        ).first()
        if stale is None or stale.is_open or user.has_usable_password():
            raise ValidationError(
                {"email": _("There is already an account with this e-mail address.")}
            )
        stale.delete()
    user.full_name = full_name
    user.role = role
    user.is_active = False
    user.set_unusable_password()
    user.full_clean()
    user.save()
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = Invitation(
        organisation=by.organisation,
        email=email,
        full_name=full_name,
        role=role,
        token_hash=_hash_token(token),
        invited_by=by,
        user=user,
        created_at=now,
        expires_at=now + settings.INVITATION_VALID_FOR,
    )
    invitation.full_clean()
    invitation.save()
    link = base_url.rstrip("/") + reverse("invitation_accept", kwargs={"token": token})
    outbox.notify(
        kind="account.invitation",
        recipient=user,
        subject=invitation,
        title=_("Invitation to %(site)s") % {"site": settings.SITE_NAME},
        body=_(
            "%(inviter)s of %(organisation)s invites you to use %(site)s.\n"
            "Set your password with the link below. The link works once and until %(expires)s."
        )
        % {
            "inviter": by.full_name,
            "organisation": by.organisation.name,
            "site": settings.SITE_NAME,
            "expires": timezone.localtime(invitation.expires_at).strftime("%d-%m-%Y %H:%M"),
        },
        url=link,
        show_in_app=False,
    )
    audit.record(action="user.invite", user=by, obj=invitation)
    return invitation, token


def invitation_for_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("organisation", "user")
        .filter(token_hash=_hash_token(token))
        .first()
    )


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str) -> User:
    """Set the password and activate the account, once; a used or expired link changes nothing."""
    validate_password(password, user=invitation.user)
    now = timezone.now()
    # Conditional update: of two simultaneous acceptances only one touches the row.
    claimed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(accepted_at=now)
    if not claimed:
        raise ValidationError(_("This invitation link has expired or has already been used."))
    user = invitation.user
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    audit.record(action="user.invitation_accept", user=user, obj=invitation)
    return user


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User) -> None:
    if not Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now()):
        raise ValidationError(_("This invitation has already been used or withdrawn."))
    audit.record(action="user.invitation_revoke", user=by, obj=invitation)


@transaction.atomic
def user_set_active(*, user: User, active: bool, by: User) -> User:
    """(De)activate an account. Deactivation takes effect on the user's next request."""
    if user.pk == by.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    if user.is_active == active:
        return user
    if active and not user.has_usable_password():
        # Only the invitation link activates an invited account: it sets the password.
        raise ValidationError(_("This person has not accepted the invitation yet."))
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        user.end_all_sessions()
    audit.record(action="user.activate" if active else "user.deactivate", user=by, obj=user)
    return user


LOGIN_RECORD_RETENTION = timedelta(days=90)


def housekeeping_run() -> dict[str, int]:
    """Remove what only piles up: expired sessions, lock-out counters past their cool-off and
    the lock-out library's own log-in records (our audit log keeps the lasting record)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.sessions.models import Session

    now = timezone.now()
    return {
        "sessions": Session.objects.filter(expire_date__lt=now).delete()[0],
        "lockout_counters": AccessAttempt.objects.filter(
            attempt_time__lt=now - settings.AXES_COOLOFF_TIME
        ).delete()[0],
        "login_records": AccessLog.objects.filter(
            attempt_time__lt=now - LOGIN_RECORD_RETENTION
        ).delete()[0]
        + AccessFailureLog.objects.filter(attempt_time__lt=now - LOGIN_RECORD_RETENTION).delete()[
            0
        ],
    }
