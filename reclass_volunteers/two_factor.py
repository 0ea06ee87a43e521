"""Two-factor log-in (TOTP) for staff: who needs it, setting up an app, checking a code.

Coordinators, professionals and administrators handle client data, so in production every one
of them confirms each log-in with a code; with debug on (the quick start) an organisation turns
it on itself. Volunteers are not asked: they see only the minimum of their own clients.
"""

from __future__ import annotations

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from reclass_volunteers import audit
from reclass_volunteers.models import STAFF_ROLES, AuditEvent, User


def required_for(user: User) -> bool:
    if user.role not in STAFF_ROLES or user.organisation is None:
        return False
    return bool(settings.TWO_FACTOR_REQUIRED or user.organisation.require_two_factor)


def session_verified(user: object) -> bool:
    """Whether this session was confirmed with a code (django-otp's middleware sets otp_device)."""
    return getattr(user, "otp_device", None) is not None


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def device_for_setup(user: User) -> TOTPDevice:
    """The user's unconfirmed device, made once, so reloading the page keeps the same key."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="app", confirmed=False)
    return device


def qr_data_uri(device: TOTPDevice) -> str:
    """The set-up QR code as an SVG data URI for an <img>: made here, no external service,
    nothing marked safe (the CSP allows data: images)."""
    return str(segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2))


def secret_for_manual_entry(device: TOTPDevice) -> str:
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def two_factor_confirm(*, request: HttpRequest, device: TOTPDevice, token: str) -> None:
    """Confirm a new app with its first code; the session counts as verified from then on.

    Not one transaction as a whole: a refused code must leave its audit row and the throttle
    count behind, so only the confirmation itself is atomic."""
    user = device.user
    if not device.verify_token(token):
        audit.record(
            action="auth.two_factor_setup", request=request, result=AuditEvent.Result.FAILURE
        )
        raise ValidationError(
            _("This code is not correct. Check the time on your phone and try again.")
        )
    with transaction.atomic():
        # One confirmed app per person: a new one replaces the old.
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        otp_login(request, device)
        audit.record(action="auth.two_factor_setup", request=request)


def two_factor_verify(*, request: HttpRequest, user: User, token: str) -> None:
    device = confirmed_device(user)
    if device is None or not device.verify_token(token):
        audit.record(action="auth.two_factor", request=request, result=AuditEvent.Result.FAILURE)
        allowed, _details = device.verify_is_allowed() if device else (True, None)
        if not allowed:
            raise ValidationError(_("Too many wrong codes. Wait a moment before you try again."))
        raise ValidationError(
            _("This code is not correct. Check the time on your phone and try again.")
        )
    otp_login(request, device)
    audit.record(action="auth.two_factor", request=request)


@transaction.atomic
def two_factor_reset(*, user: User, by: User) -> int:
    """Remove a user's authenticator (a lost phone); they set up a new one at the next log-in."""
    removed, _details = TOTPDevice.objects.filter(user=user).delete()
    user.end_all_sessions()
    audit.record(action="user.two_factor_reset", user=by, obj=user)
    return removed
