"""The vectorised scorer gives exactly the engine's answer: same eligibility, same totals to the
last bit, same order, same explanations. Plain data, no database."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from typing import Any

import numpy as np
import pytest
from django.utils import translation

from matching import engine
from matching.engine import ClientFacts, VolunteerFacts, Weights
from matching.fast import RULE_KEYS, VolunteerTable, _round6, suggest_fast

ACTIVITIES = ["housing", "social", "practical", "emotional", "administration", "not_a_type"]
LANGUAGES = ["Nederlands", "Engels", "Arabisch", "Turks", "Pools"]
SLOTS = ["mon_evening", "tue_morning", "wed_afternoon", "sat_morning"]
TRAININGS = ["circle", "violence", "addiction"]
# Readable, unreadable, equal, nearby and far postcodes, and odd spellings of them.
POSTCODES = [
    "",
    "1234 AB",
    "1234AB",
    " 1234",
    "1235 CD",
    "1299 ZZ",
    "1900 AA",
    "2000 BB",
    "9999 XX",
    "0123 AB",
    "12",
    "abcd",
    "\u0661\u0662\u0663\u0664",  # Arabic-Indic digits: isdigit() but not the same PC4
]
COUNTRIES = ["NL", "ES", "es ", "DE", ""]
NAMES = ["Anna", "Bram", "Chris", "Anna", "Eva"]  # duplicate names force id tie-breaks


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


def _subset(rng: random.Random, items: list[str], p: float = 0.4) -> frozenset[str]:
    return frozenset(item for item in items if rng.random() < p)


def random_volunteer(rng: random.Random, pk: int, client_ids: list[int]) -> VolunteerFacts:
    max_matches = rng.choice([0, 1, 1, 2, 3])
    return VolunteerFacts(
        id=pk,
        name=rng.choice(NAMES),
        active=rng.random() < 0.85,
        certificate_valid=rng.random() < 0.85,
        completed_trainings=_subset(rng, TRAININGS, 0.5),
        willing_sex_offences=rng.random() < 0.5,
        is_experience_expert=rng.random() < 0.2,
        current_matches=rng.randint(0, 3),
        max_matches=max_matches,
        conflicts_of_interest=frozenset(c for c in client_ids if rng.random() < 0.1),
        postcode=rng.choice(POSTCODES),
        country=rng.choice(COUNTRIES),
        languages=_subset(rng, LANGUAGES),
        availability=_subset(rng, SLOTS),
        activity_preferences=_subset(rng, ACTIVITIES),
    )


def random_client(rng: random.Random, pk: int) -> ClientFacts:
    empty = rng.random() < 0.15  # a client with no data at all
    return ClientFacts(
        id=pk,
        needs={} if empty else {a: rng.randint(1, 3) for a in _subset(rng, ACTIVITIES)},
        flags=frozenset() if empty else _subset(rng, sorted(engine.RISK_FLAGS), 0.25),
        required_trainings=_subset(rng, [*TRAININGS, "never_given"], 0.15),
        experience_expert_suitable=rng.random() < 0.5,
        postcode="" if empty else rng.choice(POSTCODES),
        abroad_country=rng.choice(COUNTRIES) if rng.random() < 0.2 else None,
        languages=frozenset() if empty else _subset(rng, [*LANGUAGES, "Fries"]),
        availability=frozenset() if empty else _subset(rng, SLOTS),
        preferences=frozenset() if empty else _subset(rng, ACTIVITIES),
    )


def random_weights(rng: random.Random) -> Weights:
    names = [f.name for f in dataclasses.fields(Weights)]
    kind = rng.random()
    if kind < 0.3:
        return Weights()
    if kind < 0.7:  # whole numbers, as the policy form stores them; some zero
        values: list[float] = [rng.choice([0, 0, 5, 10, 15, 20, 30, 33, 100]) for _ in names]
        values[-1] = 7  # never all zero
    else:
        values = [rng.random() for _ in names]
    return Weights(**dict(zip(names, values, strict=True)))


def instance(seed: int) -> tuple[ClientFacts, list[VolunteerFacts], Weights]:
    rng = random.Random(seed)
    client_ids = [1, 2, 3]
    client = random_client(rng, rng.choice(client_ids))
    volunteers = [random_volunteer(rng, pk, client_ids) for pk in rng.sample(range(1, 500), 40)]
    return client, volunteers, random_weights(rng)


@pytest.mark.parametrize("seed", range(300))
def test_suggest_fast_equals_engine(seed: int) -> None:
    client, volunteers, weights = instance(seed)
    suggestions, exclusions = engine.suggest(client, volunteers, weights)

    everything = suggest_fast(client, volunteers, weights, limit=1000, excluded_limit=1000)
    assert everything.suggestions == suggestions
    assert everything.exclusions == exclusions
    assert everything.eligible_total == len(suggestions)
    assert everything.excluded_total == len(exclusions)
    expected_by_rule = Counter(key for e in exclusions for key in e.keys)
    assert everything.excluded_by_rule == dict(expected_by_rule)

    limit = seed % 7
    few = suggest_fast(client, volunteers, weights, limit=limit, excluded_limit=3)
    assert few.suggestions == suggestions[:limit]
    assert few.exclusions == exclusions[:3]
    assert few.excluded_by_rule == dict(expected_by_rule)


@pytest.mark.parametrize("seed", range(100))
def test_table_scores_equal_engine_totals(seed: int) -> None:
    client, volunteers, weights = instance(1000 + seed)
    table = VolunteerTable.build(volunteers)
    eligible, totals = table.scores(client, weights)
    for i, volunteer in enumerate(volunteers):
        assert bool(eligible[i]) == (not engine.hard_rule_failures(volunteer, client))
        criteria = engine.score(volunteer, client, weights)
        expected = round(min(sum(c.contribution for c in criteria), 100.0), 6)
        assert totals[i] == expected  # exact, not approximately


def test_the_random_instances_cover_every_rule_and_criterion() -> None:
    """The equality tests above prove something only if the instances exercise everything."""
    rules: Counter[str] = Counter()
    scores: dict[str, set[float]] = {}
    abroad = no_data = ties = 0
    for seed in range(300):
        client, volunteers, weights = instance(seed)
        suggestions, exclusions = engine.suggest(client, volunteers, weights)
        rules.update(key for e in exclusions for key in e.keys)
        abroad += client.abroad_country is not None
        no_data += not client.needs and not client.languages
        totals = [s.total for s in suggestions]
        ties += len(totals) - len(set(totals))
        for s in suggestions:
            for criterion in s.criteria:
                scores.setdefault(criterion.key, set()).add(criterion.score)
    assert set(rules) == set(RULE_KEYS)
    assert min(rules.values()) >= 10
    for key in ("need_overlap", "distance", "language", "availability", "preferences"):
        assert {0.0, 1.0} <= scores[key], key
        assert len(scores[key]) >= 3, key
    assert {0.0, 0.5, 1.0} <= scores["workload"] or len(scores["workload"]) >= 3
    assert abroad >= 20 and no_data >= 20 and ties >= 50


def test_a_large_table_agrees_with_the_engine() -> None:
    rng = random.Random(7)
    client_ids = list(range(1, 30))
    volunteers = [random_volunteer(rng, pk, client_ids) for pk in range(1, 3001)]
    table = VolunteerTable.build(volunteers)
    for client_id in client_ids[:10]:
        client = random_client(rng, client_id)
        weights = random_weights(rng)
        suggestions, exclusions = engine.suggest(client, volunteers, weights)
        result = suggest_fast(client, table, weights, limit=10, excluded_limit=5)
        assert result.suggestions == suggestions[:10]
        assert result.exclusions == exclusions[:5]
        assert result.eligible_total == len(suggestions)


@pytest.mark.parametrize(
    "value",
    [0.0078125, 0.0000005, 0.0000015, 2.675, 12.3456785, 99.9999995, 100.00000000000001, 33.3],
)
def test_round6_rounds_like_python(value: float) -> None:
    rng = np.random.default_rng(0)
    values = np.concatenate([[value], rng.random(10_000) * 100])
    expected = [round(min(float(v), 100.0), 6) for v in values]
    assert _round6(values).tolist() == expected


# --- Loading the table straight from the database ------------------------------------------


@pytest.mark.django_db
def test_load_gives_the_same_facts_as_volunteer_facts() -> None:
    from datetime import timedelta

    from django.db.models import JSONField, Value
    from django.utils import timezone

    from matching import facts
    from matching.models import ConflictOfInterest, FlagTraining
    from tests.factories import ClientFactory, OrganisationFactory, VolunteerFactory, match_with
    from tests.volunteers.factories_pipeline import CertificateFactory
    from tests.volunteers.factories_training import (
        CourseFactory,
        EnrolmentFactory,
        SessionFactory,
    )
    from volunteers.choices import VolunteerRole
    from volunteers.models import Enrolment, Volunteer

    rng = random.Random(11)
    org, other = OrganisationFactory(), OrganisationFactory()
    today = timezone.localdate()
    course = CourseFactory(organisation=org, validity_months=12)
    FlagTraining.objects.create(organisation=org, flag="sex_offence", course=course)
    session = SessionFactory(course=course)
    clients = [ClientFactory(organisation=org) for _ in range(3)]
    statuses = [Volunteer.Status.ACTIVE] * 4 + [Volunteer.Status.PAUSED, Volunteer.Status.TRAINING]
    volunteers = []
    for _ in range(30):
        volunteer = VolunteerFactory(
            organisation=org,
            first_name=rng.choice(["Anna", "Bram", " Eva"]),
            last_name=rng.choice(["", "de Vries", "Jansen "]),
            status=rng.choice(statuses),
            role=rng.choice([VolunteerRole.BUDDY, VolunteerRole.EXPERIENCE_EXPERT, ""]),
            max_matches=rng.choice([0, 1, 2, 3]),
            postcode=rng.choice(["", "7511 AB", "1011", "abc"]),
            abroad_country=rng.choice(["", "es", "DE"]),
            willing_sex_offences=rng.random() < 0.5,
            languages=rng.choice([[], ["nederlands"], ["Nederlands", " engels  "], ["ARABISCH"]]),
            availability=rng.sample(SLOTS, rng.randint(0, 3)),
            activity_preferences=rng.sample(ACTIVITIES[:-1], rng.randint(0, 3)),
        )
        volunteers.append(volunteer)
        kind = rng.random()
        if kind < 0.6:  # current
            CertificateFactory(volunteer=volunteer)
        elif kind < 0.8:  # expired
            CertificateFactory(
                volunteer=volunteer,
                requested_on=today - timedelta(days=2000),
                issued_on=today - timedelta(days=1990),
            )
        if rng.random() < 0.4:
            EnrolmentFactory(
                session=session,
                volunteer=volunteer,
                status=Enrolment.Status.COMPLETED,
                completed_on=today - timedelta(days=rng.choice([10, 400])),  # valid / expired
            )
        if rng.random() < 0.2:
            ConflictOfInterest.objects.create(volunteer=volunteer, client=rng.choice(clients))
        if rng.random() < 0.3:
            match_with(volunteer, ClientFactory(organisation=org))
    VolunteerFactory(organisation=other)  # never loaded
    # JSON null rather than a list.
    Volunteer.objects.filter(pk=volunteers[0].pk).update(
        languages=Value(None, output_field=JSONField())
    )

    expected = facts.volunteer_facts(org)
    table = VolunteerTable.load(org)
    assert [table.volunteer(i) for i in range(len(table))] == expected
    some = [v.pk for v in volunteers[::3]]
    subset = VolunteerTable.load(org, volunteer_ids=some)
    assert [subset.volunteer(i) for i in range(len(subset))] == facts.volunteer_facts(
        org, volunteer_ids=some
    )
    # And the arrays score exactly as a table built from the facts.
    built = VolunteerTable.build(expected)
    weights = Weights()
    for client in facts.clients_facts(clients, org):
        loaded_eligible, loaded_totals = table.scores(client, weights)
        built_eligible, built_totals = built.scores(client, weights)
        assert loaded_eligible.tolist() == built_eligible.tolist()
        assert loaded_totals.tolist() == built_totals.tolist()
        assert suggest_fast(client, table, weights, limit=50) == suggest_fast(
            client, expected, weights, limit=50
        )


@pytest.mark.django_db
def test_load_reuses_the_arrays_only_while_the_volunteers_rows_are_unchanged() -> None:
    from matching import facts
    from tests.factories import ClientFactory, OrganisationFactory, VolunteerFactory, match_with
    from tests.volunteers.factories_pipeline import CertificateFactory
    from volunteers.models import Volunteer

    org = OrganisationFactory()
    anna = VolunteerFactory(organisation=org, first_name="Anna", languages=["Nederlands"])
    bram = VolunteerFactory(organisation=org, first_name="Bram")
    CertificateFactory(volunteer=anna)
    first = VolunteerTable.load(org)
    second = VolunteerTable.load(org)
    assert second._arrays is first._arrays  # nothing changed: kept

    # Other tables are read every time, also when the arrays are kept.
    CertificateFactory(volunteer=bram)
    match_with(anna, ClientFactory(organisation=org))
    third = VolunteerTable.load(org)
    assert third._arrays is first._arrays
    assert [third.volunteer(i) for i in range(len(third))] == facts.volunteer_facts(org)

    # A changed row, even within the same transaction, is read again.
    anna.languages = ["Engels"]
    anna.save()
    fourth = VolunteerTable.load(org)
    assert fourth._arrays is not first._arrays
    assert fourth.volunteer(0).languages == frozenset({"Engels"})
    assert [fourth.volunteer(i) for i in range(len(fourth))] == facts.volunteer_facts(org)

    # A new volunteer, and one leaving the candidates, too.
    VolunteerFactory(organisation=org, first_name="Cas")
    assert len(VolunteerTable.load(org)) == 3
    bram.status = Volunteer.Status.FAREWELL
    bram.save()
    assert [v.id for v in facts.volunteer_facts(org)] == [
        VolunteerTable.load(org).volunteer(i).id for i in range(2)
    ]
