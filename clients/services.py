"""Client records: create, change, close and reopen, declared conflicts of interest, and the
client list's filters.

Every change is one transaction that locks the client's row first (two staff members editing
the same client are served one after the other), runs the model's validation and writes an
audit row. The audit rows of a conflict of interest are written against the client, so they
show in the client's audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from clients.models import Client, Gender
from matching.models import ConflictOfInterest, Match, Referral
from reclass_volunteers import audit
from reclass_volunteers.dutch_formats import normalise_phone, normalise_postcode
from reclass_volunteers.models import Organisation, Role, User
from volunteers.models import Volunteer

# --- The record ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientDetails:
    """Everything staff may set on a client record. Status, organisation and who recorded the
    consent are not here: the services decide those."""

    code: str
    first_name: str
    last_name: str
    responsible_professional: User
    phone: str = ""
    postcode: str = ""
    region: str = ""
    abroad_country: str = ""
    abroad_prison: str = ""
    languages: list[str] = field(default_factory=list)
    gender: str = Gender.UNKNOWN
    age_band: str = ""
    needs: dict[str, int] = field(default_factory=dict)
    availability: list[str] = field(default_factory=list)
    preferences: list[str] = field(default_factory=list)
    preferences_note: str = ""
    experience_expert_suitable: bool = False
    consent_on: date | None = None
    consent_method: str = ""
    risk_flags: list[str] = field(default_factory=list)
    staff_note: str = ""

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def of(cls, client: Client) -> ClientDetails:
        return cls(**{name: getattr(client, name) for name in cls.field_names()})


def _check_details(
    *, organisation: Organisation, details: ClientDetails, client: Client | None
) -> None:
    errors: dict[str, str] = {}
    code = details.code.strip()
    clash = Client.objects.filter(organisation=organisation, code__iexact=code)
    if client is not None:
        clash = clash.exclude(pk=client.pk)
    if code and clash.exists():
        errors["code"] = _(
            "There is already a client with the code “%(code)s” in your organisation. "
            "Choose another code."
        ) % {"code": code}
    professional = details.responsible_professional
    # A professional who left may stay on a record until someone hands it over.
    unchanged = client is not None and professional.pk == client.responsible_professional_id
    if (
        professional.organisation_id != organisation.pk
        or professional.role != Role.PROFESSIONAL
        or not (professional.is_active or unchanged)
    ):
        errors["responsible_professional"] = _(
            "Choose an active professional of your organisation."
        )
    if details.phone and normalise_phone(details.phone) is None:
        errors["phone"] = _("Enter a Dutch phone number, such as 06-12345678 or 010-1234567.")
    if details.postcode and normalise_postcode(details.postcode) is None:
        errors["postcode"] = _("Enter a Dutch postcode, such as 1234 AB.")
    if errors:
        raise ValidationError(errors)


def _apply(client: Client, details: ClientDetails, *, by: User) -> None:
    had_consent = (client.consent_on, client.consent_method)
    for name in ClientDetails.field_names():
        setattr(client, name, getattr(details, name))
    client.code = details.code.strip()
    # _check_details refused what does not normalise; the form normalised already.
    client.phone = (normalise_phone(details.phone) or "") if details.phone else ""
    client.postcode = (normalise_postcode(details.postcode) or "") if details.postcode else ""
    client.abroad_country = details.abroad_country.strip().upper()
    client.languages = list(details.languages)
    client.needs = dict(details.needs)
    client.availability = list(details.availability)
    client.preferences = list(details.preferences)
    client.risk_flags = list(details.risk_flags)
    # Whoever records (or changes) the consent is named with it; without consent, nobody is.
    if client.consent_on is None:
        client.consent_recorded_by = None
    elif (client.consent_on, client.consent_method) != had_consent:
        client.consent_recorded_by = by


@transaction.atomic
def client_create(*, organisation: Organisation, by: User, details: ClientDetails) -> Client:
    _check_details(organisation=organisation, details=details, client=None)
    client = Client(organisation=organisation, status=Client.Status.WAITING)
    _apply(client, details, by=by)
    client.full_clean()
    client.save()
    audit.record(action="client.create", user=by, obj=client)
    return client


@transaction.atomic
def client_update(*, client: Client, by: User, details: ClientDetails) -> Client:
    locked = Client.objects.select_for_update().get(pk=client.pk)
    _check_details(organisation=locked.organisation, details=details, client=locked)
    previous_professional_id = locked.responsible_professional_id
    _apply(locked, details, by=by)
    locked.full_clean()
    locked.save()
    if locked.responsible_professional_id != previous_professional_id:
        # The client's running matches move along: whoever is responsible for the client ends
        # and evaluates their matches, and is told when they end.
        Match.objects.filter(client=locked, status__in=Match.LIVE_STATUSES).update(
            responsible_professional=locked.responsible_professional
        )
    audit.record(action="client.update", user=by, obj=locked)
    return locked


@transaction.atomic
def client_close(*, client: Client, by: User) -> Client:
    """Close the record: only once nothing runs for the client any more."""
    locked = Client.objects.select_for_update().get(pk=client.pk)
    if locked.status == Client.Status.CLOSED:
        raise ValidationError(_("This client's record is already closed."))
    if Match.objects.filter(client=locked, status__in=Match.LIVE_STATUSES).exists():
        raise ValidationError(
            _("This client still has a match that has not ended. End the match first.")
        )
    if Referral.objects.filter(client=locked, status__in=Referral.OPEN_STATUSES).exists():
        raise ValidationError(
            _("This client still has an open referral. Withdraw or end the referral first.")
        )
    locked.status = Client.Status.CLOSED
    locked.full_clean()
    locked.save(update_fields=["status", "updated_at"])
    audit.record(action="client.close", user=by, obj=locked)
    return locked


@transaction.atomic
def client_reopen(*, client: Client, by: User) -> Client:
    """A closed client goes back on the waiting list."""
    locked = Client.objects.select_for_update().get(pk=client.pk)
    if locked.status != Client.Status.CLOSED:
        raise ValidationError(_("Only a closed client's record can be reopened."))
    locked.status = Client.Status.WAITING
    locked.full_clean()
    locked.save(update_fields=["status", "updated_at"])
    audit.record(action="client.reopen", user=by, obj=locked)
    return locked


# --- Conflicts of interest -------------------------------------------------------------------


@transaction.atomic
def conflict_add(
    *, client: Client, volunteer: Volunteer, by: User, note: str = ""
) -> ConflictOfInterest:
    """Record that a volunteer knows this client: the engine then never suggests them."""
    # The client's row is the lock: two coordinators adding the same pair wait for each other.
    locked = Client.objects.select_for_update().get(pk=client.pk)
    if volunteer.organisation_id != locked.organisation_id:
        raise ValidationError({"volunteer": _("Choose a volunteer of your organisation.")})
    if ConflictOfInterest.objects.filter(client=locked, volunteer=volunteer).exists():
        raise ValidationError(
            {"volunteer": _("A conflict of interest with this volunteer is already recorded.")}
        )
    conflict = ConflictOfInterest(
        client=locked, volunteer=volunteer, note=note.strip(), recorded_by=by
    )
    conflict.full_clean()
    conflict.save()
    audit.record(action="client.conflict.add", user=by, obj=locked)
    return conflict


@transaction.atomic
def conflict_remove(*, conflict: ConflictOfInterest, by: User) -> None:
    client = Client.objects.select_for_update().get(pk=conflict.client_id)
    deleted, _rows = ConflictOfInterest.objects.filter(pk=conflict.pk).delete()
    if not deleted:
        raise ValidationError(_("This conflict of interest was already removed."))
    audit.record(action="client.conflict.remove", user=by, obj=client)


# --- The list --------------------------------------------------------------------------------

ABROAD = "__abroad__"  # the region filter's value for detainees abroad

SORTS: dict[str, tuple[str, ...]] = {
    "code": ("code",),
    "-code": ("-code",),
    # Longest waiting first: the oldest record on top.
    "waiting": ("created_at",),
    "-waiting": ("-created_at",),
}


@dataclass(frozen=True)
class ListFilters:
    query: str = ""
    status: str = ""
    professional: User | None = None
    need: str = ""
    risk_flag: str = ""
    region: str = ""
    consent_missing: bool = False
    sort: str = "code"

    @classmethod
    def from_cleaned(cls, cleaned: dict[str, Any]) -> ListFilters:
        """From a bound filter form's cleaned_data; a field that did not validate is absent
        there, so it is simply not applied."""
        return cls(
            query=cleaned.get("q") or "",
            status=cleaned.get("status") or "",
            professional=cleaned.get("professional") or None,
            need=cleaned.get("need") or "",
            risk_flag=cleaned.get("risk_flag") or "",
            region=cleaned.get("region") or "",
            consent_missing=bool(cleaned.get("consent_missing")),
            sort=cleaned.get("sort") or "code",
        )


def clients_filtered(clients: QuerySet[Client], filters: ListFilters) -> QuerySet[Client]:
    """The clients (already scoped to the user) that match the filters, sorted. One query."""
    qs = clients
    if filters.query:
        qs = qs.filter(
            Q(code__icontains=filters.query)
            | Q(first_name__icontains=filters.query)
            | Q(last_name__icontains=filters.query)
        )
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.professional is not None:
        qs = qs.filter(responsible_professional=filters.professional)
    if filters.need:
        qs = qs.filter(needs__has_key=filters.need)
    if filters.risk_flag:
        # The JSON text contains the quoted key; `contains` on a JSON list is not available on
        # SQLite (the quick start), and the keys are a fixed set none of which holds another.
        qs = qs.filter(risk_flags__icontains=f'"{filters.risk_flag}"')
    if filters.region == ABROAD:
        qs = qs.exclude(abroad_country="")
    elif filters.region:
        qs = qs.filter(region=filters.region, abroad_country="")
    if filters.consent_missing:
        qs = qs.filter(consent_on__isnull=True)
    return qs.order_by(*SORTS.get(filters.sort, SORTS["code"]), "pk")


def regions_of(clients: QuerySet[Client]) -> list[str]:
    """The regions that occur among these clients (one query)."""
    return sorted(r for r in clients.order_by().values_list("region", flat=True).distinct() if r)
