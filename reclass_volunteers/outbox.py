"""The message outbox: how every feature tells a user something.

`notify()` stores the message in the caller's transaction and dispatches the e-mail on commit.
The unique key (kind, recipient, subject, occasion) makes a second call a no-op. Delivery claims
a row with a conditional UPDATE, so two workers, a retry and the sweep never send one message
twice; if the broker is down the row simply waits for `sweep()`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import Truncator
from kombu.exceptions import OperationalError as KombuOperationalError

from reclass_volunteers.models import Notification

if TYPE_CHECKING:
    from reclass_volunteers.models import Organisation, User

logger = logging.getLogger(__name__)

TITLE_LENGTH = 200  # Notification.title


class DeliveryError(Exception):
    """Sending failed; the notification was put back for a later attempt (or marked failed)."""


def recipient_key(*, recipient: User | None, email: str) -> str:
    if recipient is not None:
        return f"user:{recipient.pk}"
    return f"email:{email.strip().lower()}"


def notify(
    *,
    kind: str,
    title: str,
    recipient: User | None = None,
    to_email: str = "",
    body: str = "",
    url: str = "",
    subject: models.Model | None = None,
    occasion: str = "",
    email: bool = True,
    show_in_app: bool = True,
    reminder: bool = False,
    organisation: Organisation | None = None,
) -> tuple[Notification, bool]:
    """Tell `recipient` (a user) or `to_email` (someone without an account) something once.
    Returns the notification and whether it is new.

    `reminder=True` marks a non-essential message (reminders, appreciation): its e-mail waits
    until the end of the organisation's quiet hours (`organisation`, default the recipient's),
    and is not sent at all to a recipient who opted out of such messages (they still see it in
    the app). Signals and safety messages are never reminders."""
    if (recipient is None) == (not to_email):
        raise ValueError("notify() needs exactly one of recipient and to_email.")
    # Titles are built from names, courses and dates; a long one is shortened, never refused
    # (a database error here would stop a whole sweep or a coordinator's action).
    title = Truncator(title).chars(TITLE_LENGTH)
    key = {
        "kind": kind,
        "recipient_key": recipient_key(recipient=recipient, email=to_email),
        "subject_type": subject._meta.label_lower if subject is not None else "",
        "subject_id": str(subject.pk) if subject is not None else "",
        "occasion": occasion,
    }
    existing = Notification.objects.filter(**key).first()
    if existing is not None:
        return existing, False
    address = recipient.email if recipient is not None else to_email.strip()
    wants_email = email and bool(address)
    send_from = timezone.now()
    if reminder and wants_email:
        if recipient is not None and recipient.reminders_opt_out:
            wants_email = False
        else:
            organisation = organisation or (recipient.organisation if recipient else None)
            if organisation is not None:
                send_from = after_quiet_hours(organisation, send_from)
    try:
        # A savepoint, so that losing a race to a concurrent caller leaves the outer
        # transaction usable.
        with transaction.atomic():
            notification = Notification.objects.create(
                **{k: v for k, v in key.items() if k != "recipient_key"},
                recipient=recipient,
                email=address,
                title=title,
                body=body,
                url=url,
                show_in_app=show_in_app and recipient is not None,
                is_reminder=reminder,
                email_status=(
                    Notification.EmailStatus.PENDING
                    if wants_email
                    else Notification.EmailStatus.NONE
                ),
                next_attempt_at=send_from,
            )
    except IntegrityError:
        return Notification.objects.get(**key), False
    if wants_email and send_from <= timezone.now():
        transaction.on_commit(lambda: enqueue_delivery(notification.pk))
    # A message held for the morning is sent by the outbox sweep once it is due.
    return notification, True


def after_quiet_hours(organisation: Organisation, moment: datetime) -> datetime:
    """`moment`, or the end of the organisation's quiet hours when it falls inside them
    (quiet hours may run past midnight, e.g. 21:00-07:00)."""
    from reclass_volunteers.models import ReminderPolicy

    policy = ReminderPolicy.for_organisation(organisation)
    local = timezone.localtime(moment)
    start, end, now = policy.quiet_from, policy.quiet_until, local.time()
    inside = start <= now < end if start < end else now >= start or now < end
    if not inside:
        return moment
    wake = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if wake <= local:
        wake += timedelta(days=1)
    return wake


def enqueue_delivery(notification_id: int) -> None:
    """Queue the e-mail. A broker that is down must not fail the request: the sweep catches up."""
    from reclass_volunteers.tasks import deliver_notification_task

    try:
        deliver_notification_task.delay(notification_id)
    except (KombuOperationalError, OSError):
        logger.warning("Broker unavailable; notification %s waits for the sweep.", notification_id)
    except Exception:
        # Eagerly run tasks (tests, CELERY_TASK_ALWAYS_EAGER) raise their failures here; the
        # row already records them and waits for its next attempt.
        logger.warning("Notification %s not sent now; the sweep retries it.", notification_id)


def _backoff(attempt: int) -> timedelta:
    return timedelta(minutes=min(2**attempt, 240))


def deliver(*, notification_id: int) -> bool:
    """Send one notification's e-mail if it is still due. Returns whether this call sent it."""
    now = timezone.now()
    stale_claim = now - settings.OUTBOX_CLAIM_TIMEOUT
    claimed = Notification.objects.filter(
        models.Q(email_status=Notification.EmailStatus.PENDING, next_attempt_at__lte=now)
        | models.Q(email_status=Notification.EmailStatus.SENDING, claimed_at__lt=stale_claim),
        pk=notification_id,
    ).update(email_status=Notification.EmailStatus.SENDING, claimed_at=now)
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    body = notification.body
    if notification.url:
        body = f"{body}\n\n{notification.url}" if body else notification.url
    try:
        send_mail(
            subject=notification.title,
            message=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[
                notification.recipient.email if notification.recipient else notification.email
            ],
        )
    except Exception as exc:
        attempts = notification.email_attempts + 1
        failed = attempts >= settings.OUTBOX_MAX_ATTEMPTS
        Notification.objects.filter(pk=notification_id).update(
            email_status=(
                Notification.EmailStatus.FAILED if failed else Notification.EmailStatus.PENDING
            ),
            email_attempts=attempts,
            next_attempt_at=timezone.now() + _backoff(attempts),
            claimed_at=None,
            last_error=f"{type(exc).__name__}: {exc}"[:500],
        )
        logger.warning("E-mail for notification %s failed (attempt %s).", notification_id, attempts)
        raise DeliveryError(str(exc)) from exc
    Notification.objects.filter(pk=notification_id).update(
        email_status=Notification.EmailStatus.SENT,
        email_attempts=notification.email_attempts + 1,
        sent_at=timezone.now(),
        claimed_at=None,
        last_error="",
    )
    return True


def sweep(*, limit: int = 500) -> dict[str, int]:
    """Send what is due and was not sent: queued while the broker was down, or retried later."""
    ids = list(
        Notification.objects.due_for_email()
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = failed = 0
    for notification_id in ids:
        try:
            if deliver(notification_id=notification_id):
                sent += 1
        except DeliveryError:
            failed += 1
    return {"due": len(ids), "sent": sent, "failed": failed}


def mark_read(*, user: User, notification_ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when no ids are given)."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())
