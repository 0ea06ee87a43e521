"""Referral services: sending with only the chosen data, the partner's answers, the sender's
withdrawal; who may take each step; every refusal changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client
from matching.models import Referral
from matching.services import referrals
from reclass_volunteers.models import AuditEvent, Notification, Organisation, Role, User
from tests.conftest import World
from tests.factories import ClientFactory, UserFactory
from tests.matching.factories_referrals import PartnerFactory, referral_for

S = Referral.Status
TODAY = date.today


@dataclass
class Partners:
    partner: Organisation
    coordinator: User
    second_coordinator: User
    admin: User
    professional: User
    other_partner: Organisation
    other_coordinator: User


@pytest.fixture
def partners(world: World) -> Partners:
    partner = PartnerFactory(name="Humanitas Oost")
    other = PartnerFactory(name="Stichting Present")
    return Partners(
        partner=partner,
        coordinator=UserFactory(organisation=partner, role=Role.COORDINATOR),
        second_coordinator=UserFactory(organisation=partner, role=Role.COORDINATOR),
        admin=UserFactory(organisation=partner, role=Role.ADMIN),
        professional=UserFactory(organisation=partner, role=Role.PROFESSIONAL),
        other_partner=other,
        other_coordinator=UserFactory(organisation=other, role=Role.COORDINATOR),
    )


def _rich_client(world: World, **extra: Any) -> Client:
    fields: dict[str, Any] = {
        "organisation": world.org_a,
        "responsible_professional": world.professional,
        "first_name": "Jan",
        "last_name": "MARKER-ACHTERNAAM",
        "phone": "06 12345678",
        "postcode": "7511 AB",
        "region": "Enschede",
        "languages": ["Nederlands", "Turks"],
        "gender": "male",
        "age_band": "24-34",
        "needs": {"housing": 1, "social": 3},
        "availability": ["tue_evening", "mon_morning"],
        "preferences_note": "Iemand die de buurt kent.",
        "risk_flags": ["violence"],
        "staff_note": "MARKER-STAFFNOTE",
        **extra,
    }
    return ClientFactory(**fields)


def _send(by: User, client: Client, partner: Organisation, **extra: Any) -> Referral:
    args: dict[str, Any] = {
        "question": "Een maatje voor sociale activiteiten.",
        "share": ["first_name", "needs"],
        "consent_confirmed": True,
        **extra,
    }
    return referrals.referral_send(by=by, client=client, partner=partner, **args)


def _state() -> tuple[Any, ...]:
    return (
        list(Referral.objects.order_by("pk").values()),
        list(Client.objects.order_by("pk").values_list("pk", "status")),
        AuditEvent.objects.filter(action__startswith="referral.").count(),
        AuditEvent.objects.filter(action__startswith="client.status").count(),
        Notification.objects.count(),
    )


# --- Sending ---------------------------------------------------------------------------------


def test_send_snapshots_only_the_chosen_fields_with_readable_labels(
    world: World, partners: Partners
) -> None:
    client = _rich_client(world)
    referral = _send(
        world.coordinator,
        client,
        partners.partner,
        share=["needs", "first_name", "region", "availability", "age_band"],
    )
    items = referral.shared_data["items"]
    assert [item["key"] for item in items] == [
        "first_name",
        "age_band",
        "region",
        "needs",
        "availability",
    ]
    by_key = {item["key"]: item for item in items}
    assert by_key["first_name"] == {"key": "first_name", "label": _("First name"), "value": "Jan"}
    assert by_key["region"] == {"key": "region", "label": _("Region"), "value": "Enschede (7511)"}
    assert by_key["age_band"]["value"] == _("24 to 34")
    assert by_key["needs"]["value"] == [
        _("%(need)s (%(priority)s)")
        % {"need": _("Finding housing"), "priority": _("Urgent").lower()},
        _("%(need)s (%(priority)s)")
        % {"need": _("Social activities"), "priority": _("Nice to have").lower()},
    ]
    slot = _("%(day)s %(part)s")
    assert by_key["availability"]["value"] == [
        slot % {"day": _("Monday"), "part": _("morning")},
        slot % {"day": _("Tuesday"), "part": _("evening")},
    ]
    stored = str(referral.shared_data)
    for secret in ("MARKER-ACHTERNAAM", "MARKER-STAFFNOTE", "violence", "06 12345678", "AB"):
        assert secret not in stored


def test_send_refers_the_client_and_tells_the_partners_active_coordinators(
    world: World, partners: Partners
) -> None:
    client = _rich_client(world)
    UserFactory(organisation=partners.partner, role=Role.COORDINATOR, is_active=False)
    referral = _send(world.coordinator, client, partners.partner, share=["phone"])

    assert referral.shared_data["items"][0]["value"] == "06 12345678"
    assert (referral.organisation, referral.partner, referral.status) == (
        world.org_a,
        partners.partner,
        S.SENT,
    )
    assert referral.responsible_professional == world.professional
    assert referral.sent_by == world.coordinator
    client.refresh_from_db()
    assert client.status == Client.Status.REFERRED
    assert AuditEvent.objects.filter(
        action="referral.send", object_id=str(referral.pk), actor=world.coordinator
    ).exists()
    assert AuditEvent.objects.filter(action="client.status.referred", object_id=str(client.pk))
    told = Notification.objects.filter(kind="referral.received")
    assert set(told.values_list("recipient", flat=True)) == {
        partners.coordinator.pk,
        partners.second_coordinator.pk,
    }
    # The message names the sending organisation, never the client.
    assert all(
        n.title == _("New referral from %(organisation)s") % {"organisation": "Reclassering A"}
        for n in told
    )


def test_the_responsible_professional_may_refer(world: World, partners: Partners) -> None:
    referral = _send(world.professional, _rich_client(world), partners.partner)
    assert referral.sent_by == world.professional


def _no_consent(world: World, partners: Partners) -> dict[str, Any]:
    return {"client": _rich_client(world, consent_on=None, consent_method="")}


def _not_confirmed(world: World, partners: Partners) -> dict[str, Any]:
    return {"consent_confirmed": False}


def _not_waiting(world: World, partners: Partners) -> dict[str, Any]:
    return {"client": _rich_client(world, status=Client.Status.MATCHED)}


def _probation_partner(world: World, partners: Partners) -> dict[str, Any]:
    return {"partner": world.org_b}


def _own_organisation(world: World, partners: Partners) -> dict[str, Any]:
    world.org_a.kind = Organisation.Kind.PARTNER
    world.org_a.save()
    return {"partner": world.org_a}


def _open_referral(world: World, partners: Partners) -> dict[str, Any]:
    client = _rich_client(world)
    referral_for(client, partners.other_partner, status=S.ACCEPTED)
    client.status = Client.Status.WAITING  # even if its status says otherwise
    client.save()
    return {"client": client}


def _unknown_share(world: World, partners: Partners) -> dict[str, Any]:
    return {"share": ["first_name", "staff_note"]}


def _nothing_shared(world: World, partners: Partners) -> dict[str, Any]:
    return {"share": []}


def _no_question(world: World, partners: Partners) -> dict[str, Any]:
    return {"question": "   "}


def _not_responsible(world: World, partners: Partners) -> dict[str, Any]:
    return {"by": UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)}


def _volunteer(world: World, partners: Partners) -> dict[str, Any]:
    return {"by": world.volunteer_user}


def _outsider(world: World, partners: Partners) -> dict[str, Any]:
    return {"by": world.outsider}


NO_CONSENT = (
    "The client's consent to volunteer support is not recorded, so the client cannot be "
    "referred. Record the consent on the client's page first."
)
NOT_ALLOWED = "Only a coordinator or the responsible professional can refer this client."


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (_no_consent, lambda: _(NO_CONSENT)),
        (_not_confirmed, "consent_confirmed"),
        (
            _not_waiting,
            lambda: (
                _("Only a waiting client can be referred; this client's status is “%(status)s”.")
                % {"status": _("Matched")}
            ),
        ),
        (_probation_partner, "partner"),
        (_own_organisation, "partner"),
        (
            _open_referral,
            lambda: (
                _("This client already has an open referral to %(partner)s.")
                % {"partner": "Stichting Present"}
            ),
        ),
        (_unknown_share, "share"),
        (_nothing_shared, "share"),
        (_no_question, "question"),
        (_not_responsible, lambda: _(NOT_ALLOWED)),
        (_volunteer, lambda: _(NOT_ALLOWED)),
        (_outsider, lambda: _(NOT_ALLOWED)),
    ],
)
def test_a_refused_referral_changes_nothing(
    world: World,
    partners: Partners,
    case: Callable[[World, Partners], dict[str, Any]],
    expected: str | Callable[[], str],
) -> None:
    args: dict[str, Any] = {
        "by": world.coordinator,
        "client": _rich_client(world),
        "partner": partners.partner,
        **case(world, partners),
    }
    before = _state()
    with pytest.raises(ValidationError) as error:
        _send(**args)
    if isinstance(expected, str):
        assert list(error.value.message_dict) == [expected]
    else:
        assert error.value.messages == [expected()]
    assert _state() == before


def test_field_refusals_are_reported_per_field(world: World, partners: Partners) -> None:
    with pytest.raises(ValidationError) as error:
        _send(
            world.coordinator,
            _rich_client(world),
            world.org_b,
            consent_confirmed=False,
            share=[],
            question="",
        )
    assert set(error.value.message_dict) == {"consent_confirmed", "partner", "share", "question"}


def test_a_client_can_be_referred_again_after_a_closed_referral(
    world: World, partners: Partners
) -> None:
    client = _rich_client(world)
    referral_for(client, partners.partner, status=S.DECLINED)
    client.status = Client.Status.WAITING
    client.save()
    assert _send(world.coordinator, client, partners.partner).status == S.SENT


# --- The partner's answers -------------------------------------------------------------------


@pytest.fixture
def sent(world: World, partners: Partners) -> Referral:
    return _send(world.coordinator, _rich_client(world), partners.partner)


def _sender_told(kind: str) -> set[int]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient", flat=True))


def test_partner_coordinator_accepts_and_the_sender_is_told(
    world: World, partners: Partners, sent: Referral
) -> None:
    referral = referrals.referral_accept(referral=sent, by=partners.coordinator)
    referral.refresh_from_db()
    assert (referral.status, referral.answered_by) == (S.ACCEPTED, partners.coordinator)
    assert referral.answered_at is not None
    assert AuditEvent.objects.filter(action="referral.accept", actor=partners.coordinator)
    # The responsible professional and whoever sent it.
    assert _sender_told("referral.accepted") == {world.professional.pk, world.coordinator.pk}


def test_partner_admin_may_answer(partners: Partners, sent: Referral) -> None:
    assert referrals.referral_accept(referral=sent, by=partners.admin).status == S.ACCEPTED


def test_decline_needs_a_reason_and_puts_the_client_back_on_the_waiting_list(
    world: World, partners: Partners, sent: Referral
) -> None:
    before = _state()
    with pytest.raises(ValidationError) as error:
        referrals.referral_decline(referral=sent, by=partners.coordinator, reason="  ")
    assert "reason" in error.value.message_dict
    assert _state() == before

    referrals.referral_decline(referral=sent, by=partners.coordinator, reason="Geen plek.")
    sent.refresh_from_db()
    assert (sent.status, sent.decline_reason) == (S.DECLINED, "Geen plek.")
    assert Client.objects.get(pk=sent.client_id).status == Client.Status.WAITING
    assert _sender_told("referral.declined") == {world.professional.pk, world.coordinator.pk}
    assert AuditEvent.objects.filter(action="client.status.waiting").exists()


@pytest.mark.parametrize(
    "who", ["sender_coordinator", "professional", "partner_professional", "other"]
)
def test_only_the_partners_coordinators_may_answer(
    world: World, partners: Partners, sent: Referral, who: str
) -> None:
    by = {
        "sender_coordinator": world.coordinator,
        "professional": world.professional,
        "partner_professional": partners.professional,
        "other": partners.other_coordinator,
    }[who]
    before = _state()
    for step in (
        lambda: referrals.referral_accept(referral=sent, by=by),
        lambda: referrals.referral_decline(referral=sent, by=by, reason="Nee"),
    ):
        with pytest.raises(ValidationError) as error:
            step()
        assert error.value.messages == [
            _("Only the coordinators of the partner organisation can answer this referral.")
        ]
    assert _state() == before


def test_an_answer_to_a_referral_that_moved_on_is_refused(
    partners: Partners, sent: Referral
) -> None:
    referrals.referral_accept(referral=sent, by=partners.coordinator)
    before = _state()
    with pytest.raises(ValidationError) as error:
        referrals.referral_accept(referral=sent, by=partners.second_coordinator)
    assert error.value.messages == [
        _("This referral cannot be accepted any more: it is “%(status)s” now.")
        % {"status": _("Accepted")}
    ]
    with pytest.raises(ValidationError) as error:
        referrals.referral_decline(referral=sent, by=partners.second_coordinator, reason="x")
    assert error.value.messages == [
        _("This referral cannot be declined any more: it is “%(status)s” now.")
        % {"status": _("Accepted")}
    ]
    assert _state() == before


def test_report_the_partners_volunteer(world: World, partners: Partners, sent: Referral) -> None:
    with pytest.raises(ValidationError) as error:
        referrals.referral_report_match(
            referral=sent, by=partners.coordinator, partner_volunteer="Henk", matched_on=TODAY()
        )
    assert error.value.messages == [
        _(
            "A volunteer can only be reported for an accepted referral; this one is "
            "“%(status)s” now."
        )
        % {"status": _("Sent")}
    ]
    referrals.referral_accept(referral=sent, by=partners.coordinator)
    referrals.referral_report_match(
        referral=sent, by=partners.coordinator, partner_volunteer=" Henk ", matched_on=TODAY()
    )
    sent.refresh_from_db()
    assert (sent.status, sent.partner_volunteer, sent.matched_on) == (S.MATCHED, "Henk", TODAY())
    assert Client.objects.get(pk=sent.client_id).status == Client.Status.REFERRED
    assert _sender_told("referral.matched") == {world.professional.pk, world.coordinator.pk}


@pytest.mark.parametrize(
    ("name", "day", "field"),
    [
        ("", 0, "partner_volunteer"),
        ("Henk", 1, "matched_on"),
        ("Henk", -400, "matched_on"),
    ],
)
def test_bad_volunteer_reports_change_nothing(
    partners: Partners, sent: Referral, name: str, day: int, field: str
) -> None:
    referrals.referral_accept(referral=sent, by=partners.coordinator)
    before = _state()
    with pytest.raises(ValidationError) as error:
        referrals.referral_report_match(
            referral=sent,
            by=partners.coordinator,
            partner_volunteer=name,
            matched_on=TODAY() + timedelta(days=day),
        )
    assert field in error.value.message_dict
    assert _state() == before


@pytest.mark.parametrize(
    ("more_support", "client_status"),
    [(True, Client.Status.WAITING), (False, Client.Status.CLOSED)],
)
def test_ending_sends_the_client_back_or_closes(
    world: World, partners: Partners, sent: Referral, more_support: bool, client_status: str
) -> None:
    referrals.referral_accept(referral=sent, by=partners.coordinator)
    referrals.referral_report_match(
        referral=sent, by=partners.coordinator, partner_volunteer="Henk", matched_on=TODAY()
    )
    referrals.referral_end(
        referral=sent,
        by=partners.coordinator,
        ended_on=TODAY(),
        end_note="Doelen bereikt.",
        client_needs_more_support=more_support,
    )
    sent.refresh_from_db()
    assert (sent.status, sent.ended_on, sent.end_note) == (S.ENDED, TODAY(), "Doelen bereikt.")
    assert Client.objects.get(pk=sent.client_id).status == client_status
    assert _sender_told("referral.ended") == {world.professional.pk, world.coordinator.pk}


def test_an_accepted_referral_without_a_volunteer_can_be_ended(
    partners: Partners, sent: Referral
) -> None:
    referrals.referral_accept(referral=sent, by=partners.coordinator)
    referrals.referral_end(
        referral=sent, by=partners.coordinator, ended_on=TODAY(), client_needs_more_support=True
    )
    assert Referral.objects.get(pk=sent.pk).status == S.ENDED


def test_a_client_closed_meanwhile_keeps_that_status(partners: Partners, sent: Referral) -> None:
    referrals.referral_accept(referral=sent, by=partners.coordinator)
    Client.objects.filter(pk=sent.client_id).update(status=Client.Status.CLOSED)
    referrals.referral_end(
        referral=sent, by=partners.coordinator, ended_on=TODAY(), client_needs_more_support=True
    )
    assert Client.objects.get(pk=sent.client_id).status == Client.Status.CLOSED


def test_bad_ends_change_nothing(partners: Partners, sent: Referral) -> None:
    with pytest.raises(ValidationError) as error:
        referrals.referral_end(
            referral=sent, by=partners.coordinator, ended_on=TODAY(), client_needs_more_support=True
        )
    assert error.value.messages == [
        _("Only an accepted referral can be ended; this one is “%(status)s” now.")
        % {"status": _("Sent")}
    ]
    referrals.referral_accept(referral=sent, by=partners.coordinator)
    referrals.referral_report_match(
        referral=sent, by=partners.coordinator, partner_volunteer="Henk", matched_on=TODAY()
    )
    before = _state()
    for day in (TODAY() + timedelta(days=1), TODAY() - timedelta(days=1)):
        with pytest.raises(ValidationError) as error:
            referrals.referral_end(
                referral=sent,
                by=partners.coordinator,
                ended_on=day,
                client_needs_more_support=False,
            )
        assert "ended_on" in error.value.message_dict
    assert _state() == before


# --- Withdrawing -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.SENT, S.ACCEPTED])
def test_the_sender_withdraws_and_the_partner_is_told(
    world: World, partners: Partners, sent: Referral, status: str
) -> None:
    if status == S.ACCEPTED:
        referrals.referral_accept(referral=sent, by=partners.coordinator)
    referrals.referral_withdraw(referral=sent, by=world.professional)
    sent.refresh_from_db()
    assert sent.status == S.WITHDRAWN
    assert Client.objects.get(pk=sent.client_id).status == Client.Status.WAITING
    assert set(
        Notification.objects.filter(kind="referral.withdrawn").values_list("recipient", flat=True)
    ) == {partners.coordinator.pk, partners.second_coordinator.pk}
    assert AuditEvent.objects.filter(action="referral.withdraw", actor=world.professional)


def test_withdrawing_is_for_the_sender_only_and_not_after_a_match(
    world: World, partners: Partners, sent: Referral
) -> None:
    before = _state()
    for by in (partners.coordinator, world.volunteer_user, world.outsider):
        with pytest.raises(ValidationError) as error:
            referrals.referral_withdraw(referral=sent, by=by)
        assert error.value.messages == [
            _("Only the sending organisation or the responsible professional can withdraw it.")
        ]
    assert _state() == before
    referrals.referral_accept(referral=sent, by=partners.coordinator)
    referrals.referral_report_match(
        referral=sent, by=partners.coordinator, partner_volunteer="Henk", matched_on=TODAY()
    )
    before = _state()
    with pytest.raises(ValidationError) as error:
        referrals.referral_withdraw(referral=sent, by=world.coordinator)
    assert error.value.messages == [
        _("This referral cannot be withdrawn any more: it is “%(status)s” now.")
        % {"status": _("Volunteer found")}
    ]
    assert _state() == before


def test_sent_referral_keeps_its_snapshot_when_the_client_changes(
    world: World, partners: Partners, sent: Referral
) -> None:
    Client.objects.filter(pk=sent.client_id).update(first_name="Piet", updated_at=timezone.now())
    sent.refresh_from_db()
    assert sent.shared_data["items"][0]["value"] == "Jan"
