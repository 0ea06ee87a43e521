"""Client services: a record is created and changed only whole and valid, consent names who
recorded it, closing waits for live matches and open referrals, conflicts of interest are
recorded once; every change writes an audit row and bad input changes nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from clients import services
from clients.models import Client
from clients.services import ClientDetails
from matching.models import ConflictOfInterest, Match, Referral
from matching.services.lifecycle import can_end
from reclass_volunteers.models import AuditEvent, Role
from tests.conftest import World
from tests.factories import (
    ClientFactory,
    OrganisationFactory,
    UserFactory,
    VolunteerFactory,
    match_with,
)


def _details(world: World, **changes: object) -> ClientDetails:
    details = ClientDetails(
        code="NW-001",
        first_name="Kees",
        last_name="Jansen",
        responsible_professional=world.professional,
        phone="06-12345678",
        postcode="7511ab",
        region="Twente",
        languages=["Nederlands", "Engels"],
        needs={"housing": 1, "social": 3},
        availability=["mon_morning", "fri_evening"],
        preferences=["social"],
        consent_on=date.today() - timedelta(days=2),
        consent_method="written",
        risk_flags=["violence"],
        staff_note="Geweldsdelict 2019.",
    )
    return replace(details, **changes)


def _audit(action: str, client: Client) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, object_id=str(client.pk)))


# --- Create and update -----------------------------------------------------------------------


def test_create_saves_a_whole_record_and_audits(world: World) -> None:
    client = services.client_create(
        organisation=world.org_a, by=world.coordinator, details=_details(world)
    )
    client.refresh_from_db()
    assert client.organisation == world.org_a
    assert client.status == Client.Status.WAITING
    assert (client.phone, client.postcode) == ("06 12345678", "7511 AB")
    assert client.needs == {"housing": 1, "social": 3}
    assert client.risk_flags == ["violence"]
    # Who recorded the consent is whoever entered it.
    assert client.consent_recorded_by == world.coordinator
    [event] = _audit("client.create", client)
    assert event.actor == world.coordinator
    assert event.object_type == "clients.client"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"needs": {"housing": 4}}, "needs"),
        ({"needs": {"flying": 1}}, "needs"),
        ({"availability": ["mon_night"]}, "availability"),
        ({"preferences": ["flying"]}, "preferences"),
        ({"risk_flags": ["arson"]}, "risk_flags"),
        ({"consent_method": ""}, "consent_method"),
        ({"consent_on": None}, "consent_on"),
        ({"consent_on": date.today() + timedelta(days=1)}, "consent_on"),
        ({"abroad_prison": "La Modelo", "abroad_country": ""}, "abroad_country"),
        ({"phone": "12345"}, "phone"),
        ({"postcode": "0123 AB"}, "postcode"),
        ({"code": ""}, "code"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(
    world: World, changes: dict[str, object], field: str
) -> None:
    before = Client.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.client_create(
            organisation=world.org_a, by=world.coordinator, details=_details(world, **changes)
        )
    assert field in caught.value.message_dict
    assert Client.objects.count() == before
    assert not AuditEvent.objects.filter(action="client.create").exists()


def test_code_is_unique_per_organisation_whatever_the_case(world: World) -> None:
    ClientFactory(organisation=world.org_a, code="NW-001")
    with pytest.raises(ValidationError) as caught:
        services.client_create(
            organisation=world.org_a, by=world.coordinator, details=_details(world, code="nw-001")
        )
    assert "code" in caught.value.message_dict
    # Another organisation may use the same code.
    ClientFactory(organisation=world.org_b, code="ZZ-9")
    services.client_create(
        organisation=world.org_a, by=world.coordinator, details=_details(world, code="ZZ-9")
    )


@pytest.mark.parametrize("who", ["foreign", "coordinator", "inactive"])
def test_the_responsible_professional_is_an_active_professional_of_the_organisation(
    world: World, who: str
) -> None:
    professional = {
        "foreign": lambda: UserFactory(organisation=world.org_b, role=Role.PROFESSIONAL),
        "coordinator": lambda: world.coordinator,
        "inactive": lambda: UserFactory(
            organisation=world.org_a, role=Role.PROFESSIONAL, is_active=False
        ),
    }[who]()
    with pytest.raises(ValidationError) as caught:
        services.client_create(
            organisation=world.org_a,
            by=world.coordinator,
            details=_details(world, responsible_professional=professional),
        )
    assert "responsible_professional" in caught.value.message_dict
    assert not Client.objects.filter(code="NW-001").exists()


def test_update_changes_the_record_and_audits(world: World) -> None:
    client = world.client
    details = replace(ClientDetails.of(client), region="Salland", needs={"recovery": 2})
    services.client_update(client=client, by=world.professional, details=details)
    client.refresh_from_db()
    assert (client.region, client.needs) == ("Salland", {"recovery": 2})
    assert [e.actor for e in _audit("client.update", client)] == [world.professional]


def test_a_failed_update_changes_nothing(world: World) -> None:
    client = world.client
    ClientFactory(organisation=world.org_a, code="TAKEN")
    original_code = client.code
    with pytest.raises(ValidationError):
        services.client_update(
            client=client,
            by=world.coordinator,
            details=replace(ClientDetails.of(client), code="TAKEN", region="Salland"),
        )
    client.refresh_from_db()
    assert (client.code, client.region) == (original_code, "")
    assert not _audit("client.update", client)


def test_consent_names_who_recorded_it_only_when_it_changes(world: World) -> None:
    client = ClientFactory(
        organisation=world.org_a,
        responsible_professional=world.professional,
        consent_on=None,
        consent_method="",
    )
    given = date.today() - timedelta(days=1)
    details = replace(ClientDetails.of(client), consent_on=given, consent_method="verbal")
    services.client_update(client=client, by=world.professional, details=details)
    client.refresh_from_db()
    assert client.consent_recorded_by == world.professional

    # Someone else changes another field: the consent stays recorded by the professional.
    services.client_update(
        client=client,
        by=world.coordinator,
        details=replace(ClientDetails.of(client), region="Twente"),
    )
    client.refresh_from_db()
    assert client.consent_recorded_by == world.professional

    # Taking the consent away leaves nobody named.
    services.client_update(
        client=client,
        by=world.coordinator,
        details=replace(ClientDetails.of(client), consent_on=None, consent_method=""),
    )
    client.refresh_from_db()
    assert (client.consent_on, client.consent_recorded_by) == (None, None)


def test_an_inactive_professional_may_stay_on_an_existing_record(world: World) -> None:
    world.professional.is_active = False
    world.professional.save()
    client = services.client_update(
        client=world.client,
        by=world.coordinator,
        details=replace(ClientDetails.of(world.client), region="Twente"),
    )
    assert client.responsible_professional == world.professional


def test_a_new_professional_takes_over_the_clients_running_matches(world: World) -> None:
    """Whoever is responsible for the client ends and evaluates the matches: not the one
    who was responsible when the match was made (who no longer sees it)."""
    successor = UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)
    ended = match_with(world.volunteer, world.client, status=Match.Status.ENDED)
    Match.objects.filter(pk__in=[world.match.pk, ended.pk]).update(
        responsible_professional=world.professional
    )
    services.client_update(
        client=world.client,
        by=world.coordinator,
        details=replace(ClientDetails.of(world.client), responsible_professional=successor),
    )
    world.match.refresh_from_db()
    ended.refresh_from_db()
    assert world.match.responsible_professional == successor
    assert ended.responsible_professional == world.professional  # history stays as it was
    assert can_end(world.match, successor) and not can_end(world.match, world.professional)


# --- Close and reopen ------------------------------------------------------------------------


def test_close_waits_for_a_live_match(world: World) -> None:
    with pytest.raises(ValidationError):
        services.client_close(client=world.client, by=world.coordinator)
    world.client.refresh_from_db()
    assert world.client.status == Client.Status.WAITING
    assert not _audit("client.close", world.client)


def _referral(client: Client, status: str = Referral.Status.SENT) -> Referral:
    partner = OrganisationFactory(kind="partner")
    return Referral.objects.create(
        organisation=client.organisation,
        partner=partner,
        client=client,
        responsible_professional=client.responsible_professional,
        question="Een maatje voor wekelijkse wandelingen.",
        consent_confirmed=True,
        status=status,
    )


def test_close_waits_for_an_open_referral(world: World) -> None:
    client = ClientFactory(organisation=world.org_a)
    _referral(client)
    with pytest.raises(ValidationError):
        services.client_close(client=client, by=world.coordinator)
    client.refresh_from_db()
    assert client.status == Client.Status.WAITING


def test_close_and_reopen(world: World) -> None:
    client = ClientFactory(organisation=world.org_a, status=Client.Status.MATCHED)
    match_with(VolunteerFactory(organisation=world.org_a), client, status=Match.Status.ENDED)
    _referral(client, status=Referral.Status.WITHDRAWN)

    services.client_close(client=client, by=world.coordinator)
    client.refresh_from_db()
    assert client.status == Client.Status.CLOSED
    with pytest.raises(ValidationError):
        services.client_close(client=client, by=world.coordinator)

    services.client_reopen(client=client, by=world.admin)
    client.refresh_from_db()
    assert client.status == Client.Status.WAITING
    with pytest.raises(ValidationError):
        services.client_reopen(client=client, by=world.admin)
    assert len(_audit("client.close", client)) == 1
    assert len(_audit("client.reopen", client)) == 1


# --- Conflicts of interest -------------------------------------------------------------------


def test_conflict_add_and_remove_are_audited_on_the_client(world: World) -> None:
    volunteer = VolunteerFactory(organisation=world.org_a)
    conflict = services.conflict_add(
        client=world.client, volunteer=volunteer, by=world.coordinator, note=" Buurman. "
    )
    assert (conflict.note, conflict.recorded_by) == ("Buurman.", world.coordinator)
    assert len(_audit("client.conflict.add", world.client)) == 1

    services.conflict_remove(conflict=conflict, by=world.coordinator)
    assert not ConflictOfInterest.objects.exists()
    assert len(_audit("client.conflict.remove", world.client)) == 1


def test_a_conflict_is_recorded_once(world: World) -> None:
    volunteer = VolunteerFactory(organisation=world.org_a)
    services.conflict_add(client=world.client, volunteer=volunteer, by=world.coordinator)
    with pytest.raises(ValidationError) as caught:
        services.conflict_add(client=world.client, volunteer=volunteer, by=world.coordinator)
    assert "volunteer" in caught.value.message_dict
    assert ConflictOfInterest.objects.count() == 1


def test_a_conflict_with_another_organisations_volunteer_is_refused(world: World) -> None:
    with pytest.raises(ValidationError):
        services.conflict_add(
            client=world.client, volunteer=world.foreign_volunteer, by=world.coordinator
        )
    assert not ConflictOfInterest.objects.exists()
    assert not _audit("client.conflict.add", world.client)
