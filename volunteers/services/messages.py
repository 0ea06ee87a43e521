"""A coordinator's message to a group of volunteers (a filtered list), through the outbox."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from reclass_volunteers import audit, outbox
from reclass_volunteers.models import User
from volunteers import pipeline
from volunteers.models import Volunteer

KIND = "volunteer.group_message"


def group_recipients(volunteers: QuerySet[Volunteer]) -> QuerySet[Volunteer]:
    """Who on a filtered list receives a group message: not those who left or were rejected
    (they are no longer ours to write to)."""
    return volunteers.exclude(status__in=pipeline.ENDED)


def occasion_for(*, by: User, token: str) -> str:
    """The outbox key of one message: the sender and the token of the form they filled in.
    The same form submitted twice has the same key, so the outbox sends it once."""
    return f"group:{by.pk}:{token}"


@transaction.atomic
def group_message_send(
    *, by: User, volunteers: QuerySet[Volunteer], title: str, body: str, token: str
) -> tuple[int, int]:
    """Send one message to every recipient among `volunteers` (already scoped to `by`): to their
    account when they have an active one, else to their e-mail address.

    Returns (recipients, newly sent). A repeated submit finds every message already in the
    outbox and sends nothing again."""
    recipients = list(group_recipients(volunteers).select_related("user"))
    if not recipients:
        raise ValidationError(_("Nobody on this list can receive a message."))
    occasion = occasion_for(by=by, token=token)
    sent = 0
    for volunteer in recipients:
        account = (
            volunteer.user if volunteer.user is not None and volunteer.user.is_active else None
        )
        _notification, created = outbox.notify(
            kind=KIND,
            recipient=account,
            to_email="" if account is not None else volunteer.email,
            subject=volunteer,
            occasion=occasion,
            title=title,
            body=body,
        )
        sent += created
    if sent:
        audit.record(
            action="volunteer.group_message",
            user=by,
            object_type="volunteers.group_message",
            object_id=occasion,
        )
    return len(recipients), sent
