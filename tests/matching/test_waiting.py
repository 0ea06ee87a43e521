"""The waiting-list assignment: optimal (not greedy), within every hard rule and capacity, and
in a fixed number of queries."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from typing import Any

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients.models import Client
from matching import engine, facts
from matching.models import ConflictOfInterest, MatchingPolicy
from matching.services.waiting import (
    NO_ELIGIBLE,
    PLACES_TAKEN,
    optimal_assignment,
    waiting_list_proposal,
)
from reclass_volunteers.models import Organisation
from tests.factories import ClientFactory, OrganisationFactory, VolunteerFactory, match_with
from tests.volunteers.factories_pipeline import CertificateFactory
from volunteers.models import Volunteer


def make_volunteer(organisation: Organisation, **fields: Any) -> Volunteer:
    """An active volunteer with a current certificate of conduct: eligible unless told."""
    fields.setdefault("activity_preferences", ["housing"])
    volunteer = VolunteerFactory(organisation=organisation, **fields)
    CertificateFactory(volunteer=volunteer)
    return volunteer


def make_client(organisation: Organisation, **fields: Any) -> Client:
    fields.setdefault("needs", {"housing": 1})
    fields.setdefault("postcode", "7511 AB")
    return ClientFactory(organisation=organisation, **fields)


# --- The solver on plain arrays ------------------------------------------------------------


def brute_force(eligible: np.ndarray, totals: np.ndarray, free: np.ndarray) -> float:
    """The best total over every assignment of each client to a volunteer or to nobody."""
    n_clients, n_volunteers = eligible.shape
    best = 0.0
    for choice in itertools.product([None, *range(n_volunteers)], repeat=n_clients):
        used = Counter(v for v in choice if v is not None)
        if any(used[v] > free[v] for v in used):
            continue
        if any(v is not None and not eligible[c, v] for c, v in enumerate(choice)):
            continue
        best = max(best, sum(totals[c, v] for c, v in enumerate(choice) if v is not None))
    return best


def check_valid(chosen: dict[int, int], eligible: np.ndarray, free: np.ndarray) -> None:
    for client, volunteer in chosen.items():
        assert eligible[client, volunteer]
    for volunteer, count in Counter(chosen.values()).items():
        assert count <= free[volunteer]


@pytest.mark.parametrize("seed", range(200))
def test_optimal_assignment_equals_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_clients, n_volunteers = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    eligible = rng.random((n_clients, n_volunteers)) < 0.6
    # Coarse scores make ties common, as real totals have.
    totals = np.round(
        rng.choice([0.0, 12.5, 40.0, 55.5, 80.0, 100.0], (n_clients, n_volunteers)), 6
    )
    free = rng.integers(0, 3, n_volunteers)
    chosen = optimal_assignment(eligible, totals, free)
    check_valid(chosen, eligible, free)
    achieved = sum(totals[c, v] for c, v in chosen.items())
    assert achieved == pytest.approx(brute_force(eligible, totals, free), abs=1e-6)
    # A client with an eligible volunteer who still has room is never left out for nothing.
    for c in range(n_clients):
        if c not in chosen:
            used = Counter(chosen.values())
            assert not any(eligible[c, v] and used[v] < free[v] for v in range(n_volunteers))


def test_optimal_beats_greedy() -> None:
    # Greedy takes the best pair first (client 0 with volunteer 0, 90) and leaves client 1,
    # who can only have volunteer 0, without anyone: 90. The optimum is 80 + 85 = 165.
    eligible = np.array([[True, True], [True, False]])
    totals = np.array([[90.0, 80.0], [85.0, 0.0]])
    free = np.array([1, 1])
    assert optimal_assignment(eligible, totals, free) == {0: 1, 1: 0}


def test_capacity_lets_one_volunteer_take_several_clients() -> None:
    eligible = np.ones((3, 2), dtype=bool)
    totals = np.array([[90.0, 10.0], [90.0, 10.0], [90.0, 10.0]])
    chosen = optimal_assignment(eligible, totals, np.array([2, 5]))
    assert Counter(chosen.values()) == {0: 2, 1: 1}


def test_ineligible_pairs_are_never_chosen_even_when_nothing_else_is_left() -> None:
    eligible = np.array([[False, False], [False, True]])
    totals = np.array([[100.0, 100.0], [100.0, 1.0]])
    assert optimal_assignment(eligible, totals, np.array([3, 3])) == {1: 1}


# --- The service on the database ----------------------------------------------------------


@pytest.mark.django_db
def test_proposal_beats_greedy_on_the_database() -> None:
    org = OrganisationFactory()
    # Both clients want housing help in 7511; Anna lives there, Bram far away in 1011.
    anna = make_volunteer(org, first_name="Anna", postcode="7511 AB")
    bram = make_volunteer(org, first_name="Bram", postcode="1011 AB")
    make_client(org, code="A-1")
    second = make_client(org, code="A-2")
    # The second client knows Bram: only Anna may support them. Greedy would give Anna to
    # whichever client it sees first and leave the second one without anyone.
    ConflictOfInterest.objects.create(volunteer=bram, client=second)
    proposal = waiting_list_proposal(organisation=org)
    pairs = {p.client.code: p.volunteer.id for p in proposal.pairs}
    assert pairs == {"A-1": bram.pk, "A-2": anna.pk}
    assert proposal.unassigned == []


@pytest.mark.django_db
def test_proposal_respects_hard_rules_and_capacity() -> None:
    org = OrganisationFactory()
    rng = random.Random(4)
    volunteers = [
        make_volunteer(
            org,
            postcode=rng.choice(["7511 AB", "7522 CD", "1011 AB"]),
            activity_preferences=rng.sample(["housing", "social", "practical"], 2),
            max_matches=rng.choice([1, 2]),
            willing_sex_offences=rng.random() < 0.5,
        )
        for _ in range(8)
    ]
    volunteers.append(make_volunteer(org, status=Volunteer.Status.PAUSED, max_matches=5))
    clients = [
        make_client(
            org,
            needs={rng.choice(["housing", "social", "practical"]): 1},
            risk_flags=["sex_offence"] if rng.random() < 0.3 else [],
        )
        for _ in range(14)
    ]
    # One volunteer already has a live match: one place fewer.
    match_with(volunteers[0], make_client(org, status=Client.Status.MATCHED))
    proposal = waiting_list_proposal(organisation=org)

    client_facts = {f.id: f for f in facts.clients_facts(clients, org)}
    volunteer_facts = {f.id: f for f in facts.volunteer_facts(org)}
    for pair in proposal.pairs:
        assert (
            engine.hard_rule_failures(
                volunteer_facts[pair.volunteer.id], client_facts[pair.client.pk]
            )
            == []
        )
        assert pair.criteria == engine.score(
            volunteer_facts[pair.volunteer.id],
            client_facts[pair.client.pk],
            facts.weights_for(MatchingPolicy.for_organisation(org)),
        )
        assert pair.total == round(sum(c.contribution for c in pair.criteria), 6)
    taken = Counter(pair.volunteer.id for pair in proposal.pairs)
    for volunteer_id, count in taken.items():
        fact = volunteer_facts[volunteer_id]
        assert count <= fact.max_matches - fact.current_matches
    assert volunteers[-1].pk not in taken  # paused
    assert len(proposal.pairs) + len(proposal.unassigned) == len(clients)
    assert proposal.unassigned  # 14 clients, at most 12 places: someone waits


@pytest.mark.django_db
def test_clients_left_out_say_why() -> None:
    org = OrganisationFactory()
    make_volunteer(org, first_name="Anna", max_matches=1)
    make_client(org, code="B-1", needs={"housing": 1})
    make_client(org, code="B-2", needs={"social": 1})
    make_client(org, code="B-3", risk_flags=["sex_offence"])  # Anna is not willing
    proposal = waiting_list_proposal(organisation=org)
    assert [p.client.code for p in proposal.pairs] == ["B-1"]
    reasons = {u.client.code: u.reason for u in proposal.unassigned}
    assert reasons == {"B-2": PLACES_TAKEN, "B-3": NO_ELIGIBLE}
    for item in proposal.unassigned:
        assert item.explanation


@pytest.mark.django_db
def test_clients_without_consent_are_listed_apart_and_never_assigned() -> None:
    org = OrganisationFactory()
    make_volunteer(org)
    without = make_client(org, code="C-1", consent_on=None, consent_method="")
    closed = make_client(org, code="C-2", status=Client.Status.CLOSED)
    proposal = waiting_list_proposal(organisation=org)
    assert proposal.without_consent == [without]
    assert proposal.pairs == [] and proposal.unassigned == []
    assert closed not in proposal.without_consent


@pytest.mark.django_db
def test_another_organisations_volunteers_and_clients_are_ignored() -> None:
    org, other = OrganisationFactory(), OrganisationFactory()
    make_volunteer(other)
    make_client(other)
    mine = make_client(org)
    proposal = waiting_list_proposal(organisation=org)
    assert proposal.pairs == []
    assert [u.client for u in proposal.unassigned] == [mine]


def _queries(size: int) -> int:
    org = OrganisationFactory()
    for i in range(size):
        make_volunteer(org, max_matches=1 + i % 2)
        make_client(org, risk_flags=["violence"] if i % 3 == 0 else [])
    make_client(org, consent_on=None, consent_method="")
    with CaptureQueriesContext(connection) as captured:
        proposal = waiting_list_proposal(organisation=org)
    assert proposal.pairs
    return len(captured)


@pytest.mark.django_db
def test_a_fixed_number_of_queries() -> None:
    assert _queries(3) == _queries(25)
