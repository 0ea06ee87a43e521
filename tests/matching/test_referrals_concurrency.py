"""Two people acting on one referral at the same moment, on real PostgreSQL row locks: exactly
one of them succeeds, the other is told, and the referral and the client end consistent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from clients.models import Client
from matching.models import Referral
from matching.services import referrals
from reclass_volunteers.models import Notification, Role, User
from tests.concurrency import race
from tests.factories import ClientFactory, OrganisationFactory, UserFactory
from tests.matching.factories_referrals import PartnerFactory, referral_for

S = Referral.Status


def _race(steps: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Run every step in its own thread, all released at once."""
    return race(steps, lambda step: step())


def _setup() -> tuple[Client, User, list[User], User]:
    sender = OrganisationFactory()
    partner = PartnerFactory()
    coordinator = UserFactory(organisation=sender, role=Role.COORDINATOR)
    client = ClientFactory(organisation=sender)
    answerers = UserFactory.create_batch(2, organisation=partner, role=Role.COORDINATOR)
    return client, coordinator, answerers, client.responsible_professional


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_accept_and_decline_at_once_one_answer_wins() -> None:
    client, _coordinator, (first, second), _professional = _setup()
    referral = referral_for(client, first.organisation)

    results, errors = _race(
        [
            lambda: referrals.referral_accept(referral=referral, by=first).status,
            lambda: referrals.referral_decline(referral=referral, by=second, reason="Vol").status,
        ]
    )

    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], ValidationError)
    referral.refresh_from_db()
    assert referral.status == results[0]
    client.refresh_from_db()
    expected_client = Client.Status.WAITING if results[0] == S.DECLINED else Client.Status.REFERRED
    assert client.status == expected_client
    assert Notification.objects.filter(kind__in=["referral.accepted", "referral.declined"]).count()
    assert set(
        Notification.objects.filter(kind__startswith="referral.").values_list("kind", flat=True)
    ) == {f"referral.{results[0]}"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_accepting_at_once_accept_once() -> None:
    client, _coordinator, (first, second), _professional = _setup()
    referral = referral_for(client, first.organisation)

    results, errors = _race(
        [
            lambda by=by: referrals.referral_accept(referral=referral, by=by)
            for by in (first, second)
        ]
    )

    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], ValidationError)
    referral.refresh_from_db()
    assert referral.answered_by == results[0].answered_by


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_withdrawing_while_the_partner_declines_leaves_one_outcome() -> None:
    client, coordinator, (partner_coordinator, _second), _professional = _setup()
    referral = referral_for(client, partner_coordinator.organisation)

    results, errors = _race(
        [
            lambda: referrals.referral_withdraw(referral=referral, by=coordinator).status,
            lambda: (
                referrals.referral_decline(
                    referral=referral, by=partner_coordinator, reason="Vol"
                ).status
            ),
        ]
    )

    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], ValidationError)
    referral.refresh_from_db()
    assert referral.status == results[0]
    client.refresh_from_db()
    assert client.status == Client.Status.WAITING


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_client_referred_twice_at_once_gets_one_referral() -> None:
    client, coordinator, _answerers, professional = _setup()
    partners = [PartnerFactory(), PartnerFactory()]

    def send(by: User, partner: Any) -> Callable[[], Referral]:
        return lambda: referrals.referral_send(
            by=by,
            client=client,
            partner=partner,
            question="Een maatje.",
            share=["first_name"],
            consent_confirmed=True,
        )

    results, errors = _race([send(coordinator, partners[0]), send(professional, partners[1])])

    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], ValidationError)
    assert Referral.objects.filter(client=client).count() == 1
