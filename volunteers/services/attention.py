"""Personal attention (issue 6): a coordinator sends the (edited) suggested message, notes
that they did it in person, or skips the moment. Each write locks the item and compares the
status the coordinator saw, so two coordinators cannot both handle one moment."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reclass_volunteers import audit, outbox
from reclass_volunteers.models import Role, User
from volunteers.models import AttentionItem, Volunteer

KIND = "appreciation.message"
Status = AttentionItem.Status
# Where a message for everyone (the National Volunteer Day) puts each volunteer's first name.
FIRST_NAME = "{first_name}"


def _may_handle(by: User, item: AttentionItem) -> None:
    if (
        not by.is_active
        or by.role not in (Role.COORDINATOR, Role.ADMIN)
        or by.organisation_id != item.organisation_id
    ):
        raise PermissionDenied


def _lock(item: AttentionItem, seen_status: str) -> AttentionItem:
    fresh = (
        AttentionItem.objects.select_for_update(of=("self",))
        .select_related("volunteer__user", "handled_by", "organisation")
        .get(pk=item.pk)
    )
    if fresh.status != Status.OPEN or fresh.status != seen_status:
        raise ValidationError(already_handled(fresh))
    return fresh


def already_handled(item: AttentionItem) -> str:
    who = item.handled_by.full_name if item.handled_by is not None else _("someone else")
    return _("This moment was already handled by %(name)s (%(status)s). Nothing was changed.") % {
        "name": who,
        "status": item.get_status_display(),
    }


def has_account(item: AttentionItem) -> bool:
    user = item.volunteer.user
    return user is not None and user.is_active


def _title(by: User) -> str:
    return _("A personal message from %(name)s") % {"name": by.full_name}


def _close(item: AttentionItem, *, by: User, status: str, message: str) -> None:
    item.status = status
    item.message = message
    item.handled_by = by
    item.handled_at = timezone.now()
    item.full_clean(exclude=["volunteer", "organisation", "match", "handled_by"])
    item.save(update_fields=["status", "message", "handled_by", "handled_at"])
    audit.record(action=f"attention.{status}", user=by, obj=item)


@transaction.atomic
def attention_send(
    *, by: User, item: AttentionItem, message: str, seen_status: str = Status.OPEN
) -> AttentionItem:
    """Send the coordinator's message to the volunteer (in the app, and by e-mail unless they
    opted out of appreciation messages) and close the item."""
    _may_handle(by, item)
    message = message.strip()
    if not message:
        raise ValidationError({"message": _("Write a message before sending it.")})
    fresh = _lock(item, seen_status)
    if not has_account(fresh):
        raise ValidationError(
            _(
                "%(name)s has no active account, so the message cannot be sent from here. "
                "Give it by card, phone or in person, and choose “Done in person”."
            )
            % {"name": fresh.volunteer.full_name}
        )
    user = fresh.volunteer.user
    assert user is not None
    outbox.notify(
        kind=KIND,
        recipient=user,
        subject=fresh,
        title=_title(by),
        body=message,
        reminder=True,
        organisation=fresh.organisation,
    )
    _close(fresh, by=by, status=Status.SENT, message=message)
    return fresh


@transaction.atomic
def attention_done(
    *, by: User, item: AttentionItem, note: str = "", seen_status: str = Status.OPEN
) -> AttentionItem:
    """The coordinator paid attention in person (a card, a call, flowers); the note says how."""
    _may_handle(by, item)
    fresh = _lock(item, seen_status)
    _close(fresh, by=by, status=Status.DONE, message=note.strip())
    return fresh


@transaction.atomic
def attention_skip(
    *, by: User, item: AttentionItem, seen_status: str = Status.OPEN
) -> AttentionItem:
    _may_handle(by, item)
    fresh = _lock(item, seen_status)
    _close(fresh, by=by, status=Status.SKIPPED, message="")
    return fresh


@dataclass
class SentToMany:
    sent: list[AttentionItem] = field(default_factory=list)
    # Open items of volunteers without an active account: left open, to do in person.
    without_account: list[AttentionItem] = field(default_factory=list)


def with_first_name(message: str, volunteer: Volunteer) -> str:
    """`message` with FIRST_NAME replaced by the volunteer's first name."""
    return message.replace(FIRST_NAME, volunteer.first_name)


def personalise(message: str, item: AttentionItem) -> str:
    return with_first_name(message, item.volunteer)


@transaction.atomic
def attention_send_many(*, by: User, items: Iterable[AttentionItem], message: str) -> SentToMany:
    """One message to many open items at once (the National Volunteer Day), `{first_name}`
    replaced by each volunteer's first name. Items handled meanwhile are left alone; those of
    volunteers without an account stay open and are reported back."""
    message = message.strip()
    if not message:
        raise ValidationError({"message": _("Write a message before sending it.")})
    ids = [item.pk for item in items]
    locked = list(
        AttentionItem.objects.select_for_update(of=("self",))
        .filter(pk__in=ids, status=Status.OPEN)
        .select_related("volunteer__user", "organisation")
        .order_by("volunteer__first_name", "pk")
    )
    for item in locked:
        _may_handle(by, item)
    if not locked:
        raise ValidationError(_("These moments were already handled. Nothing was sent."))
    outcome = SentToMany()
    title = _title(by)
    for item in locked:
        if not has_account(item):
            outcome.without_account.append(item)
            continue
        text = personalise(message, item)
        assert item.volunteer.user is not None
        outbox.notify(
            kind=KIND,
            recipient=item.volunteer.user,
            subject=item,
            title=title,
            body=text,
            reminder=True,
            organisation=item.organisation,
        )
        _close(item, by=by, status=Status.SENT, message=text)
        outcome.sent.append(item)
    return outcome
