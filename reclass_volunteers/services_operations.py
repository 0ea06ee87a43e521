"""Writes for the operations page (issue 6): an organisation's administrator sends failed
e-mails again, one at a time or all at once.

A failed message goes back to the outbox as new (pending, due now, attempt count reset, so it
gets the full series of retries with back-off again); its delivery is queued on commit, and if
the broker is down the outbox sweep sends it anyway. Delivery claims the row with a conditional
UPDATE, so a retry never sends a message twice."""

from __future__ import annotations

from functools import partial

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reclass_volunteers import access, audit, outbox
from reclass_volunteers.models import Notification, User


def _failed_visible_to(by: User) -> models.QuerySet[Notification]:
    """The failed messages of the administrator's organisation (access.outbox_visible_to);
    anyone else is refused."""
    if not (by.is_active and by.is_org_admin):
        raise ValidationError(_("Only an administrator of the organisation can do this."))
    return access.outbox_visible_to(by).filter(email_status=Notification.EmailStatus.FAILED)


def _reset(notification_ids: list[int], *, by: User) -> None:
    Notification.objects.filter(pk__in=notification_ids).update(
        email_status=Notification.EmailStatus.PENDING,
        next_attempt_at=timezone.now(),
        email_attempts=0,
        claimed_at=None,
    )
    for notification_id in notification_ids:
        audit.record(
            action="notification.retry",
            user=by,
            object_type=Notification._meta.label_lower,
            object_id=notification_id,
        )
        transaction.on_commit(partial(outbox.enqueue_delivery, notification_id))


@transaction.atomic
def notification_retry(*, by: User, notification: Notification) -> Notification:
    """Send one failed e-mail again. Refused when it is no longer failed (someone else already
    retried it, or it was sent meanwhile): what the administrator saw has changed."""
    _failed_visible_to(by)  # refuses anyone but an administrator
    locked = (
        access.outbox_visible_to(by)
        .select_for_update(of=("self",))
        .filter(pk=notification.pk)
        .first()
    )
    if locked is None:
        raise ValidationError(_("Only an administrator of the organisation can do this."))
    if locked.email_status != Notification.EmailStatus.FAILED:
        raise ValidationError(
            _("This message has not failed (any more): someone may have tried it again already.")
        )
    _reset([locked.pk], by=by)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def notifications_retry_failed(*, by: User) -> int:
    """Send every failed e-mail of the administrator's organisation again; returns how many.

    The rows are locked first, so two administrators clicking at once retry each message
    once: the second finds nothing failed any more and retries 0."""
    ids = list(
        _failed_visible_to(by)
        .select_for_update(of=("self",))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    _reset(ids, by=by)
    return len(ids)
