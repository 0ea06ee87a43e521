"""Referrals of a client to a partner volunteer organisation.

The sending organisation chooses what the partner may know: `referral_send` copies only the
chosen fields of the client record, with readable labels, into `shared_data`. That snapshot is
all the partner ever sees; the client record itself stays out of its reach, and the responsible
professional keeps final responsibility throughout.

Lifecycle: sent → accepted → matched → ended, or sent → declined, or (sender side, while sent or
accepted) withdrawn. Every step locks the referral's row and checks the status it expects, so of
two people answering at once exactly one succeeds and the other is told what happened.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.models import Client, NeedPriority
from matching.models import Referral
from reclass_volunteers import audit, outbox
from reclass_volunteers.models import Organisation, Role, User
from volunteers.choices import AVAILABILITY_SLOTS, slot_label

R = Referral.Status
MANAGERS = (Role.COORDINATOR, Role.ADMIN)

# What a referrer may share, in the order the partner reads it. Phone is off by default:
# the partner contacts the client through the professional unless the referrer decides so.
SHARE_CHOICES: list[tuple[str, Promise]] = [
    ("first_name", gettext_lazy("First name")),
    ("age_band", gettext_lazy("Age band")),
    ("gender", gettext_lazy("Gender")),
    ("region", gettext_lazy("Region and the 4 digits of the postcode")),
    ("languages", gettext_lazy("Languages")),
    ("needs", gettext_lazy("Needs, with their priority")),
    ("availability", gettext_lazy("Availability")),
    ("preferences_note", gettext_lazy("Wishes about the volunteer")),
    ("phone", gettext_lazy("Phone number")),
]
SHARE_KEYS = [key for key, _label in SHARE_CHOICES]
SHARE_DEFAULTS = [key for key in SHARE_KEYS if key != "phone"]

# The labels stored with the snapshot (the partner reads these, not the form's wording).
_SHARED_LABELS: dict[str, Promise] = {
    "first_name": gettext_lazy("First name"),
    "age_band": gettext_lazy("Age band"),
    "gender": gettext_lazy("Gender"),
    "region": gettext_lazy("Region"),
    "languages": gettext_lazy("Languages"),
    "needs": gettext_lazy("Needs"),
    "availability": gettext_lazy("Availability"),
    "preferences_note": gettext_lazy("Wishes about the volunteer"),
    "phone": gettext_lazy("Phone number"),
}


# --- Who may do what -------------------------------------------------------------------------


def is_partner_side(user: User, referral: Referral) -> bool:
    """A coordinator or administrator of the organisation the referral was sent to."""
    return bool(
        user.is_active and user.organisation_id == referral.partner_id and user.role in MANAGERS
    )


def is_sender_side(user: User, referral: Referral) -> bool:
    """A coordinator or administrator of the sending organisation, or the responsible
    professional (of the referral or, since, of the client)."""
    if not user.is_active or user.organisation_id != referral.organisation_id:
        return False
    if user.role in MANAGERS:
        return True
    return user.role == Role.PROFESSIONAL and user.pk in (
        referral.responsible_professional_id,
        referral.client.responsible_professional_id,
    )


def may_refer(user: User, client: Client) -> bool:
    if not user.is_active or user.organisation_id != client.organisation_id:
        return False
    if user.role in MANAGERS:
        return True
    return user.role == Role.PROFESSIONAL and client.responsible_professional_id == user.pk


def partner_choices(organisation: Organisation | None) -> QuerySet[Organisation]:
    """The organisations a client of `organisation` can be referred to."""
    qs = Organisation.objects.filter(kind=Organisation.Kind.PARTNER).order_by("name")
    if organisation is not None:
        qs = qs.exclude(pk=organisation.pk)
    return qs


def open_referral_of(client: Client) -> Referral | None:
    return (
        Referral.objects.filter(client=client, status__in=Referral.OPEN_STATUSES)
        .select_related("partner")
        .first()
    )


# --- The snapshot ----------------------------------------------------------------------------


def _postcode_digits(postcode: str) -> str:
    found = re.match(r"\s*(\d{4})", postcode or "")
    return found.group(1) if found else ""


def _shared_value(client: Client, key: str) -> str | list[str]:
    if key == "first_name":
        return client.first_name
    if key == "age_band":
        return client.get_age_band_display() if client.age_band else ""
    if key == "gender":
        return str(client.get_gender_display())
    if key == "region":
        digits = _postcode_digits(client.postcode)
        if client.region and digits:
            return f"{client.region} ({digits})"
        return client.region or digits
    if key == "languages":
        return [str(language) for language in client.languages or []]
    if key == "needs":
        priorities = dict(NeedPriority.choices)
        return [
            _("%(need)s (%(priority)s)")
            % {"need": label, "priority": str(priorities.get(priority, priority)).lower()}
            for _key, label, priority in client.needs_by_priority()
        ]
    if key == "availability":
        chosen = set(client.availability or [])
        return [slot_label(slot) for slot in AVAILABILITY_SLOTS if slot in chosen]
    if key == "preferences_note":
        return client.preferences_note
    if key == "phone":
        return client.phone
    raise KeyError(key)


def share_snapshot(*, client: Client, share: Iterable[str]) -> dict[str, Any]:
    """Only the chosen fields, each with its label in the sender's language, in a fixed order.
    A list, because PostgreSQL's jsonb does not keep the order of an object's keys."""
    chosen = set(share)
    return {
        "items": [
            {"key": key, "label": str(_SHARED_LABELS[key]), "value": _shared_value(client, key)}
            for key in SHARE_KEYS
            if key in chosen
        ]
    }


def share_preview(client: Client) -> dict[str, str | list[str]]:
    """What each choice would share, for the form that asks what to share."""
    return {key: _shared_value(client, key) for key in SHARE_KEYS}


# --- Helpers ---------------------------------------------------------------------------------


def _lock(referral: Referral) -> Referral:
    return Referral.objects.select_for_update(of=("self",)).get(pk=referral.pk)


def _lock_client(client_id: int) -> Client:
    return Client.objects.select_for_update().get(pk=client_id)


def _expect(referral: Referral, statuses: Sequence[str], message: str) -> None:
    if referral.status not in statuses:
        raise ValidationError(message % {"status": referral.get_status_display()})


def _clean(referral: Referral) -> None:
    # The user links are SET_NULL: a deleted account leaves them empty, which must not block
    # the referral's next step.
    referral.full_clean(exclude=["sent_by", "answered_by"])


def _set_client_status(*, client_id: int, status: str, by: User, only_from: str) -> None:
    """Move the client on, but only from `only_from`: a client closed or matched meanwhile by
    their own organisation keeps that status."""
    client = _lock_client(client_id)
    if client.status != only_from:
        return
    client.status = status
    client.save(update_fields=["status", "updated_at"])
    audit.record(action=f"client.status.{status}", user=by, obj=client)


def _url(referral: Referral) -> str:
    return reverse("matching:referral_detail", kwargs={"pk": referral.pk})


def _partner_recipients(referral: Referral) -> list[User]:
    return list(User.objects.coordinators_of(referral.partner_id))


def _sender_recipients(referral: Referral) -> list[User]:
    ids = {referral.responsible_professional_id}
    if referral.sent_by_id is not None:
        ids.add(referral.sent_by_id)
    return list(
        User.objects.filter(
            pk__in=ids, organisation_id=referral.organisation_id, is_active=True
        ).order_by("pk")
    )


def _notify(*, kind: str, recipients: list[User], referral: Referral, title: str) -> None:
    # Titles and bodies name organisations only, never the client: e-mail leaves the system.
    for recipient in recipients:
        outbox.notify(
            kind=kind, recipient=recipient, subject=referral, title=title, url=_url(referral)
        )


def _partner_only(referral: Referral, by: User) -> None:
    if not is_partner_side(by, referral):
        raise ValidationError(
            _("Only the coordinators of the partner organisation can answer this referral.")
        )


def _today() -> date:
    return timezone.localdate()


# --- Sending ---------------------------------------------------------------------------------


@transaction.atomic
def referral_send(
    *,
    by: User,
    client: Client,
    partner: Organisation,
    question: str,
    share: Sequence[str],
    consent_confirmed: bool,
) -> Referral:
    """Refer a waiting client, with their consent, to a partner organisation."""
    if not may_refer(by, client):
        raise ValidationError(
            _("Only a coordinator or the responsible professional can refer this client.")
        )
    client = _lock_client(client.pk)
    if not client.has_consent:
        raise ValidationError(
            _(
                "The client's consent to volunteer support is not recorded, so the client "
                "cannot be referred. Record the consent on the client's page first."
            )
        )
    if client.status != Client.Status.WAITING:
        raise ValidationError(
            _("Only a waiting client can be referred; this client's status is “%(status)s”.")
            % {"status": client.get_status_display()}
        )
    existing = open_referral_of(client)
    if existing is not None:
        raise ValidationError(
            _("This client already has an open referral to %(partner)s.")
            % {"partner": existing.partner}
        )
    errors: dict[str, str] = {}
    if not consent_confirmed:
        errors["consent_confirmed"] = _(
            "Confirm that the client consented to this referral and to sharing these data."
        )
    if partner.kind != Organisation.Kind.PARTNER:
        errors["partner"] = _("Choose a partner volunteer organisation.")
    elif partner.pk == client.organisation_id:
        errors["partner"] = _("A client cannot be referred to your own organisation.")
    unknown = [key for key in share if key not in SHARE_KEYS]
    if unknown:
        errors["share"] = _("Choose only from the data listed.")
    elif not share:
        errors["share"] = _("Choose at least one thing the partner needs to know.")
    if not question.strip():
        errors["question"] = _("Describe what you ask of the partner organisation.")
    if errors:
        raise ValidationError(errors)
    referral = Referral(
        organisation_id=client.organisation_id,
        partner=partner,
        client=client,
        responsible_professional_id=client.responsible_professional_id,
        status=R.SENT,
        question=question.strip(),
        shared_data=share_snapshot(client=client, share=share),
        consent_confirmed=True,
        sent_by=by,
        sent_at=timezone.now(),
    )
    _clean(referral)
    referral.save()
    audit.record(action="referral.send", user=by, obj=referral)
    client.status = Client.Status.REFERRED
    client.save(update_fields=["status", "updated_at"])
    audit.record(action="client.status.referred", user=by, obj=client)
    _notify(
        kind="referral.received",
        recipients=_partner_recipients(referral),
        referral=referral,
        title=_("New referral from %(organisation)s") % {"organisation": client.organisation},
    )
    return referral


@transaction.atomic
def referral_withdraw(*, referral: Referral, by: User) -> Referral:
    """The sender takes the referral back while the partner has not yet found a volunteer."""
    referral = _lock(referral)
    if not is_sender_side(by, referral):
        raise ValidationError(
            _("Only the sending organisation or the responsible professional can withdraw it.")
        )
    _expect(
        referral,
        (R.SENT, R.ACCEPTED),
        _("This referral cannot be withdrawn any more: it is “%(status)s” now."),
    )
    referral.status = R.WITHDRAWN
    _clean(referral)
    referral.save(update_fields=["status"])
    audit.record(action="referral.withdraw", user=by, obj=referral)
    _set_client_status(
        client_id=referral.client_id, status=Client.Status.WAITING, by=by, only_from="referred"
    )
    _notify(
        kind="referral.withdrawn",
        recipients=_partner_recipients(referral),
        referral=referral,
        title=_("%(organisation)s withdrew a referral") % {"organisation": referral.organisation},
    )
    return referral


# --- The partner's answers -------------------------------------------------------------------


@transaction.atomic
def referral_accept(*, referral: Referral, by: User) -> Referral:
    referral = _lock(referral)
    _partner_only(referral, by)
    _expect(
        referral,
        (R.SENT,),
        _("This referral cannot be accepted any more: it is “%(status)s” now."),
    )
    referral.status = R.ACCEPTED
    referral.answered_by = by
    referral.answered_at = timezone.now()
    _clean(referral)
    referral.save(update_fields=["status", "answered_by", "answered_at"])
    audit.record(action="referral.accept", user=by, obj=referral)
    _notify(
        kind="referral.accepted",
        recipients=_sender_recipients(referral),
        referral=referral,
        title=_("%(partner)s accepted your referral") % {"partner": referral.partner},
    )
    return referral


@transaction.atomic
def referral_decline(*, referral: Referral, by: User, reason: str) -> Referral:
    referral = _lock(referral)
    _partner_only(referral, by)
    _expect(
        referral,
        (R.SENT,),
        _("This referral cannot be declined any more: it is “%(status)s” now."),
    )
    if not reason.strip():
        raise ValidationError(
            {"reason": _("Give the reason for declining, so the sender can look for another way.")}
        )
    referral.status = R.DECLINED
    referral.decline_reason = reason.strip()
    referral.answered_by = by
    referral.answered_at = timezone.now()
    _clean(referral)
    referral.save(update_fields=["status", "decline_reason", "answered_by", "answered_at"])
    audit.record(action="referral.decline", user=by, obj=referral)
    _set_client_status(
        client_id=referral.client_id, status=Client.Status.WAITING, by=by, only_from="referred"
    )
    _notify(
        kind="referral.declined",
        recipients=_sender_recipients(referral),
        referral=referral,
        title=_("%(partner)s declined your referral") % {"partner": referral.partner},
    )
    return referral


@transaction.atomic
def referral_report_match(
    *, referral: Referral, by: User, partner_volunteer: str, matched_on: date
) -> Referral:
    """The partner found a volunteer for the client."""
    referral = _lock(referral)
    _partner_only(referral, by)
    _expect(
        referral,
        (R.ACCEPTED,),
        _(
            "A volunteer can only be reported for an accepted referral; this one is "
            "“%(status)s” now."
        ),
    )
    errors: dict[str, str] = {}
    if not partner_volunteer.strip():
        errors["partner_volunteer"] = _("Enter the name of the volunteer.")
    if matched_on > _today():
        errors["matched_on"] = _("The date cannot be in the future.")
    elif matched_on < timezone.localdate(referral.sent_at):
        errors["matched_on"] = _("The date cannot be before the referral was sent.")
    if errors:
        raise ValidationError(errors)
    referral.status = R.MATCHED
    referral.partner_volunteer = partner_volunteer.strip()
    referral.matched_on = matched_on
    _clean(referral)
    referral.save(update_fields=["status", "partner_volunteer", "matched_on"])
    audit.record(action="referral.match", user=by, obj=referral)
    _notify(
        kind="referral.matched",
        recipients=_sender_recipients(referral),
        referral=referral,
        title=_("%(partner)s found a volunteer for your referral") % {"partner": referral.partner},
    )
    return referral


@transaction.atomic
def referral_end(
    *,
    referral: Referral,
    by: User,
    ended_on: date,
    end_note: str = "",
    client_needs_more_support: bool,
) -> Referral:
    """The partner reports the end: of the match, or of the search when no volunteer was found.
    A client who needs more support goes back on the sender's waiting list; otherwise the
    client's file with volunteer support is closed."""
    referral = _lock(referral)
    _partner_only(referral, by)
    _expect(
        referral,
        (R.ACCEPTED, R.MATCHED),
        _("Only an accepted referral can be ended; this one is “%(status)s” now."),
    )
    earliest = referral.matched_on or timezone.localdate(referral.sent_at)
    if ended_on > _today():
        raise ValidationError({"ended_on": _("The date cannot be in the future.")})
    if ended_on < earliest:
        raise ValidationError(
            {
                "ended_on": _("The end cannot be before %(day)s.")
                % {"day": formats.date_format(earliest, "j F Y")}
            }
        )
    referral.status = R.ENDED
    referral.ended_on = ended_on
    referral.end_note = end_note.strip()
    _clean(referral)
    referral.save(update_fields=["status", "ended_on", "end_note"])
    audit.record(action="referral.end", user=by, obj=referral)
    _set_client_status(
        client_id=referral.client_id,
        status=Client.Status.WAITING if client_needs_more_support else Client.Status.CLOSED,
        by=by,
        only_from="referred",
    )
    _notify(
        kind="referral.ended",
        recipients=_sender_recipients(referral),
        referral=referral,
        title=_("%(partner)s reported the end of a referral") % {"partner": referral.partner},
    )
    return referral
