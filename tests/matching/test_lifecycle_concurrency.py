"""Two users acting on one match at the same moment, on real PostgreSQL row locks: exactly one
succeeds, the other is told the match changed, and nothing happens twice."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clients.models import Client
from matching.models import Match
from matching.services import lifecycle
from reclass_volunteers.models import AuditEvent, Notification, Role
from tests.concurrency import race
from tests.factories import OrganisationFactory, UserFactory, VolunteerFactory
from tests.matching.matrix_matches import match_of

S = Match.Status


_race = race


def _only_one_succeeded(results: list[Any], errors: list[BaseException]) -> None:
    assert len(results) == 1
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    assert "Someone else changed this match" in " ".join(errors[0].messages)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_advancing_one_proposal_at_once_move_it_one_step() -> None:
    organisation = OrganisationFactory()
    coordinators = UserFactory.create_batch(2, organisation=organisation, role=Role.COORDINATOR)
    match = match_of(organisation, status=S.PROPOSED)

    results, errors = _race(
        coordinators,
        lambda by: lifecycle.match_advance(match=match, by=by, expected_status=S.PROPOSED).status,
    )

    _only_one_succeeded(results, errors)
    assert Match.objects.get(pk=match.pk).status == S.INTRODUCTION
    assert AuditEvent.objects.filter(action="match.introduce").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_coordinator_and_the_professional_ending_one_match_at_once_end_it_once() -> None:
    organisation = OrganisationFactory()
    coordinator = UserFactory(organisation=organisation, role=Role.COORDINATOR)
    professional = UserFactory(organisation=organisation, role=Role.PROFESSIONAL)
    volunteer_user = UserFactory(organisation=organisation, role=Role.VOLUNTEER)
    volunteer = VolunteerFactory.create(organisation=organisation, user=volunteer_user)
    match = match_of(organisation, professional=professional, volunteers=[volunteer])
    choices = {coordinator.pk: Client.Status.CLOSED, professional.pk: Client.Status.WAITING}

    results, errors = _race(
        [coordinator, professional],
        lambda by: lifecycle.match_end(
            match=match,
            by=by,
            expected_status=S.ACTIVE,
            ended_on=timezone.localdate(),
            reason=Match.EndReason.GOALS_REACHED,
            note=by.full_name,
            client_status=choices[by.pk],
        ),
    )

    _only_one_succeeded(results, errors)
    match.refresh_from_db()
    assert match.status == S.ENDED
    winner = results[0].end_note
    expected_client = (
        Client.Status.CLOSED if winner == coordinator.full_name else Client.Status.WAITING
    )
    # The winner's choice for the client stands; the loser changed nothing.
    assert Client.objects.get(pk=match.client_id).status == expected_client
    assert AuditEvent.objects.filter(action="match.end").count() == 1
    assert Notification.objects.filter(kind="match.ended").count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_activating_while_another_ends_the_match_gives_one_outcome() -> None:
    organisation = OrganisationFactory()
    first, second = UserFactory.create_batch(2, organisation=organisation, role=Role.COORDINATOR)
    match = match_of(organisation, status=S.INTRODUCTION)
    today: date = timezone.localdate()

    def act(by: Any) -> str:
        if by == first:
            return lifecycle.match_advance(
                match=match, by=by, expected_status=S.INTRODUCTION, started_on=today
            ).status
        return lifecycle.match_end(
            match=match,
            by=by,
            expected_status=S.INTRODUCTION,
            ended_on=today,
            reason=Match.EndReason.NO_CLICK,
        ).status

    results, errors = _race([first, second], act)

    _only_one_succeeded(results, errors)
    assert Match.objects.get(pk=match.pk).status == results[0]
