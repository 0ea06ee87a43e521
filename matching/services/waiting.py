"""The waiting list (issue 4, item 4): one volunteer for every waiting client at once, chosen so
that the sum of the engine's totals is as high as it can be.

A read, not a write: it proposes; the coordinator accepts pairs one by one through
`matches.match_create`, which checks every rule again on fresh data.

How the optimum is found. Each waiting client with consent is a row. Each volunteer with free
places (max_matches minus live matches) becomes min(free places, number of clients) columns, so
no volunteer can be given more clients than they have room for. Every client also has an
"unassigned" column worth 0. A pair that breaks a hard rule is forbidden outright (the solver
never picks it), so `scipy.optimize.linear_sum_assignment` returns the assignment with the true
maximum total among those that respect every rule and every capacity. Greedy (best pair first)
is not optimal: taking the best pair can take the only volunteer another client could have.

Only buddy pairs: a circle (3 to 5 volunteers) is composed by hand on the suggestions page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext as _
from scipy.optimize import linear_sum_assignment

from clients.models import Client
from matching import engine, facts
from matching.fast import VolunteerTable
from matching.models import MatchingPolicy
from reclass_volunteers.models import Organisation
from volunteers.models import Volunteer

# Among assignments with the same maximum total, prefer the one that places more clients (only
# matters when a pair scores exactly 0). Far below the totals' resolution of 1e-6, even summed
# over thousands of pairs, so it never trades total score for a pair.
_PLACED_BONUS = 1e-10

NO_ELIGIBLE = "no_eligible"
PLACES_TAKEN = "places_taken"


@dataclass(frozen=True)
class ProposedPair:
    client: Client
    volunteer: engine.VolunteerFacts
    total: float
    criteria: list[engine.Criterion]


@dataclass(frozen=True)
class Unassigned:
    client: Client
    reason: str  # NO_ELIGIBLE or PLACES_TAKEN
    eligible_count: int  # eligible volunteers with a free place

    @property
    def explanation(self) -> str:
        if self.reason == NO_ELIGIBLE:
            return _("No volunteer meets every rule for this client (or none has a free place).")
        return _(
            "Every volunteer who fits this client (%(count)d) is proposed for another client; "
            "together that gives a higher total."
        ) % {"count": self.eligible_count}


@dataclass
class Proposal:
    pairs: list[ProposedPair] = field(default_factory=list)
    unassigned: list[Unassigned] = field(default_factory=list)
    # Waiting clients without recorded consent: they cannot be matched.
    without_consent: list[Client] = field(default_factory=list)
    volunteers_with_room: int = 0
    free_places: int = 0

    @property
    def total(self) -> float:
        return round(sum(pair.total for pair in self.pairs), 6)

    @property
    def waiting_count(self) -> int:
        return len(self.pairs) + len(self.unassigned)


def optimal_assignment(
    eligible: np.ndarray, totals: np.ndarray, free: np.ndarray
) -> dict[int, int]:
    """Row (client) -> column (volunteer) maximising the sum of totals over eligible pairs,
    giving volunteer j at most free[j] clients. Rows left out stay unassigned."""
    n_clients, n_volunteers = eligible.shape
    if n_clients == 0 or n_volunteers == 0:
        return {}
    # A volunteer needs no more copies than clients they are eligible for.
    copies = np.minimum(np.maximum(free, 0), eligible.sum(axis=0))
    volunteer_of_column = np.repeat(np.arange(n_volunteers), copies)
    if volunteer_of_column.size == 0:
        return {}
    gains = np.where(
        eligible[:, volunteer_of_column],
        totals[:, volunteer_of_column] + _PLACED_BONUS,
        -np.inf,
    )
    unassigned = np.zeros((n_clients, n_clients))
    rows, cols = linear_sum_assignment(np.hstack([gains, unassigned]), maximize=True)
    return {
        int(row): int(volunteer_of_column[col])
        for row, col in zip(rows, cols, strict=True)
        if col < volunteer_of_column.size
    }


def waiting_list_proposal(*, organisation: Organisation, today: date | None = None) -> Proposal:
    """The optimal buddy assignment for the organisation's waiting clients, with the engine's
    explanation per pair and, for each client left without a volunteer, why. A fixed number of
    queries, whatever the number of clients and volunteers."""
    today = today or timezone.localdate()
    waiting = list(
        Client.objects.filter(organisation=organisation, status=Client.Status.WAITING).order_by(
            "code"
        )
    )
    proposal = Proposal(without_consent=[c for c in waiting if not c.has_consent])
    clients = [c for c in waiting if c.has_consent]
    if not clients:
        return proposal
    weights = facts.weights_for(MatchingPolicy.for_organisation(organisation))
    client_facts = facts.clients_facts(clients, organisation)
    table = VolunteerTable.load(organisation, today=today)

    n = len(table)
    eligible = np.zeros((len(clients), n), dtype=np.bool_)
    totals = np.zeros((len(clients), n), dtype=np.float64)
    for row, fact in enumerate(client_facts):
        eligible[row], totals[row] = table.scores(fact, weights)
    free = table.free_places
    # Only volunteers who meet every rule for at least one client count as having room.
    useful = eligible.any(axis=0)
    proposal.volunteers_with_room = int(np.count_nonzero(useful & (free > 0)))
    proposal.free_places = int(free[useful].sum())

    chosen = optimal_assignment(eligible, totals, free)
    for row, client in enumerate(clients):
        column = chosen.get(row)
        if column is None:
            count = int(np.count_nonzero(eligible[row]))
            proposal.unassigned.append(
                Unassigned(client, PLACES_TAKEN if count else NO_ELIGIBLE, count)
            )
            continue
        volunteer = table.volunteer(column)
        proposal.pairs.append(
            ProposedPair(
                client=client,
                volunteer=volunteer,
                total=float(totals[row, column]),
                criteria=engine.score(volunteer, client_facts[row], weights),
            )
        )
    proposal.pairs.sort(key=lambda p: (-p.total, p.client.code))
    return proposal


def pair_total(*, client: Client, volunteer: Volunteer) -> float | None:
    """The engine's total for this pair now, as stored on the match when a proposed pair is
    accepted; None when a hard rule breaks (`match_create` then says which)."""
    organisation = client.organisation
    client_fact = facts.client_facts(client)
    weights = facts.weights_for(MatchingPolicy.for_organisation(organisation))
    for volunteer_fact in facts.volunteer_facts(organisation, volunteer_ids=[volunteer.pk]):
        if not engine.hard_rule_failures(volunteer_fact, client_fact):
            criteria = engine.score(volunteer_fact, client_fact, weights)
            return round(min(sum(c.contribution for c in criteria), 100.0), 6)
    return None
