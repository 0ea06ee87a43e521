"""Unit tests of the suggestion engine: plain data in, no database."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from django.utils import translation

from matching.engine import (
    ClientFacts,
    VolunteerFacts,
    Weights,
    hard_rule_failures,
    postcode_distance_km,
    score,
    suggest,
)


@pytest.fixture(autouse=True)
def _english() -> Any:
    # Explanations are asserted on their English msgids; the site default is Dutch.
    with translation.override("en"):
        yield


def volunteer(**overrides: Any) -> VolunteerFacts:
    """An eligible volunteer who fits `client()` well unless told otherwise."""
    defaults: dict[str, Any] = {
        "id": 1,
        "name": "Anna",
        "active": True,
        "certificate_valid": True,
        "completed_trainings": frozenset({"basic"}),
        "willing_sex_offences": False,
        "is_experience_expert": False,
        "current_matches": 0,
        "max_matches": 2,
        "conflicts_of_interest": frozenset(),
        "postcode": "3011 AB",
        "languages": frozenset({"nl"}),
        "availability": frozenset({"mon_evening"}),
        "activity_preferences": frozenset({"housing"}),
    }
    return VolunteerFacts(**(defaults | overrides))


def client(**overrides: Any) -> ClientFacts:
    defaults: dict[str, Any] = {
        "id": 100,
        "needs": {"housing": 1},
        "postcode": "3011 CD",
        "languages": frozenset({"nl"}),
        "availability": frozenset({"mon_evening"}),
    }
    return ClientFacts(**(defaults | overrides))


WEIGHTS = Weights()


# --- Hard rules ----------------------------------------------------------------------------

RULE_CASES = [
    ("inactive", {"active": False}, {}),
    ("no_certificate", {"certificate_valid": False}, {}),
    (
        "missing_training",
        {"willing_sex_offences": True},
        {"flags": frozenset({"sex_offence"}), "required_trainings": frozenset({"circle"})},
    ),
    ("not_willing", {}, {"flags": frozenset({"sex_offence"})}),
    ("at_capacity", {"current_matches": 2, "max_matches": 2}, {}),
    ("conflict_of_interest", {"conflicts_of_interest": frozenset({100})}, {}),
    ("experience_expert_unsuitable", {"is_experience_expert": True}, {}),
]


def test_the_baseline_pair_breaks_no_rule() -> None:
    # Guards the parametrised cases below: each breaks exactly the rule it names.
    assert hard_rule_failures(volunteer(), client()) == []


@pytest.mark.parametrize(("key", "v_over", "c_over"), RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_each_hard_rule_excludes_and_names_its_reason(
    key: str, v_over: dict[str, Any], c_over: dict[str, Any]
) -> None:
    vol, cli = volunteer(**v_over), client(**c_over)

    failures = hard_rule_failures(vol, cli)
    suggestions, exclusions = suggest(cli, [vol], WEIGHTS)

    assert [f.key for f in failures] == [key]
    assert failures[0].text
    assert suggestions == []
    assert [e.volunteer for e in exclusions] == [vol]
    assert exclusions[0].keys == [key]


def test_missing_training_names_the_missing_course() -> None:
    cli = client(required_trainings=frozenset({"circle", "basic"}))

    [failure] = hard_rule_failures(volunteer(), cli)

    assert "circle" in failure.text
    assert "basic" not in failure.text


def test_a_willing_trained_volunteer_may_take_a_sex_offence_client() -> None:
    cli = client(flags=frozenset({"sex_offence"}), required_trainings=frozenset({"circle"}))
    vol = volunteer(willing_sex_offences=True, completed_trainings=frozenset({"circle"}))

    assert hard_rule_failures(vol, cli) == []


def test_willingness_only_matters_for_sex_offence_clients() -> None:
    assert hard_rule_failures(volunteer(), client(flags=frozenset({"violence"}))) == []


def test_an_experience_expert_fits_a_suitable_client() -> None:
    vol = volunteer(is_experience_expert=True)

    assert hard_rule_failures(vol, client(experience_expert_suitable=True)) == []


def test_one_below_the_maximum_is_still_eligible() -> None:
    assert hard_rule_failures(volunteer(current_matches=1, max_matches=2), client()) == []


def test_all_broken_rules_are_listed_not_only_the_first() -> None:
    vol = volunteer(active=False, certificate_valid=False, conflicts_of_interest=frozenset({100}))

    keys = [f.key for f in hard_rule_failures(vol, client())]

    assert keys == ["inactive", "no_certificate", "conflict_of_interest"]


def test_a_rule_breaker_is_never_suggested_however_well_they_score() -> None:
    # The excluded volunteer would outscore the other on every criterion.
    best_but_inactive = volunteer(id=1, name="Anna", active=False)
    weaker = volunteer(
        id=2, name="Bram", postcode="9999", languages=frozenset(), activity_preferences=frozenset()
    )

    suggestions, exclusions = suggest(client(), [best_but_inactive, weaker], WEIGHTS)

    assert [s.volunteer.id for s in suggestions] == [2]
    assert [e.volunteer.id for e in exclusions] == [1]


# --- Weights -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"distance": -0.1},
        {"language": float("nan")},
        {"workload": float("inf")},
        {"need_overlap": "0.3"},
        {"preferences": True},
    ],
)
def test_invalid_weights_raise(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Weights(**bad)


def test_all_zero_weights_raise() -> None:
    with pytest.raises(ValueError, match="above zero"):
        Weights(0, 0, 0, 0, 0, 0)


def test_default_weights_sum_to_one_and_zero_weights_are_allowed() -> None:
    assert sum(Weights().normalised().values()) == pytest.approx(1.0)
    assert Weights(
        need_overlap=0, distance=1, language=0, availability=0, preferences=0, workload=0
    )


def test_weights_change_the_ranking() -> None:
    cli = client(needs={"housing": 1}, postcode="3011")
    helper_far = volunteer(
        id=1, name="Anna", postcode="9700", activity_preferences=frozenset({"housing"})
    )
    neighbour = volunteer(id=2, name="Bram", postcode="3011", activity_preferences=frozenset())

    by_needs, _ = suggest(cli, [helper_far, neighbour], Weights(need_overlap=1, distance=0.1))
    by_distance, _ = suggest(cli, [helper_far, neighbour], Weights(need_overlap=0.1, distance=1))

    assert [s.volunteer.id for s in by_needs] == [1, 2]
    assert [s.volunteer.id for s in by_distance] == [2, 1]


def test_total_is_the_sum_of_contributions_on_a_0_to_100_scale() -> None:
    [perfect], _ = suggest(client(), [volunteer(postcode="3011 CD")], WEIGHTS)
    [partial], _ = suggest(client(), [volunteer(current_matches=1)], WEIGHTS)

    assert perfect.total == pytest.approx(100.0)
    assert partial.total == pytest.approx(sum(c.contribution for c in partial.criteria))
    assert 0 < partial.total < 100
    for c in partial.criteria:
        assert c.contribution == pytest.approx(100 * c.score * c.weight)


# --- Criteria ------------------------------------------------------------------------------


def by_key(vol: VolunteerFacts, cli: ClientFacts, **kwargs: Any) -> dict[str, Any]:
    return {c.key: c for c in score(vol, cli, WEIGHTS, **kwargs)}


def test_need_overlap_weighs_urgent_needs_more_and_explains_which() -> None:
    cli = client(needs={"housing": 1, "administration": 3, "social": 2})
    urgent = by_key(volunteer(activity_preferences=frozenset({"housing"})), cli)["need_overlap"]
    minor = by_key(volunteer(activity_preferences=frozenset({"administration"})), cli)[
        "need_overlap"
    ]
    two = by_key(volunteer(activity_preferences=frozenset({"housing", "administration"})), cli)

    assert urgent.score == pytest.approx(3 / 6)
    assert minor.score == pytest.approx(1 / 6)
    assert two["need_overlap"].explanation == (
        "Helps with 2 of the 3 needs: Finding housing, Administration help"
    )


def test_need_overlap_is_zero_without_shared_activities() -> None:
    crit = by_key(volunteer(activity_preferences=frozenset({"social"})), client())["need_overlap"]

    assert crit.score == 0.0
    assert crit.explanation == "Helps with none of the client's needs."


def test_client_priorities_outside_1_to_3_raise() -> None:
    with pytest.raises(ValueError):
        client(needs={"housing": 4})


def test_unknown_risk_flag_raises() -> None:
    with pytest.raises(ValueError):
        client(flags=frozenset({"arson"}))


def test_language_availability_and_preference_overlap() -> None:
    cli = client(
        languages=frozenset({"nl", "ar"}),
        availability=frozenset({"mon_evening", "sat_morning"}),
        preferences=frozenset({"social", "practical"}),
    )
    vol = volunteer(
        languages=frozenset({"ar", "en"}),
        availability=frozenset({"tue_morning"}),
        activity_preferences=frozenset({"housing", "social"}),
    )

    crit = by_key(vol, cli)

    assert crit["language"].score == pytest.approx(0.5)
    assert crit["language"].explanation == "Speaks 1 of the client's 2 languages: ar."
    assert crit["availability"].score == 0.0
    assert crit["preferences"].score == pytest.approx(0.5)
    assert "Social activities" in crit["preferences"].explanation


def test_shared_times_are_named_in_week_order_as_people_say_them() -> None:
    slots = frozenset({"thu_evening", "tue_afternoon", "sat_morning"})
    cli = client(availability=slots)

    crit = by_key(volunteer(availability=slots), cli)
    assert crit["availability"].explanation == (
        "Available at 3 of the client's 3 times: "
        "Tuesday afternoon, Thursday evening, Saturday morning."
    )
    with translation.override("nl"):
        dutch = by_key(volunteer(availability=slots), cli)["availability"].explanation
    assert dutch.endswith("dinsdagmiddag, donderdagavond, zaterdagochtend.")


def test_criteria_the_client_gave_no_data_for_do_not_separate_volunteers() -> None:
    cli = client(languages=frozenset(), availability=frozenset(), preferences=frozenset())

    crit = by_key(volunteer(languages=frozenset(), availability=frozenset()), cli)

    assert crit["language"].score == 1.0
    assert crit["availability"].score == 1.0
    assert crit["preferences"].score == 1.0


def test_workload_falls_with_current_matches() -> None:
    free = by_key(volunteer(current_matches=0, max_matches=4), client())["workload"]
    busy = by_key(volunteer(current_matches=3, max_matches=4), client())["workload"]

    assert free.score == 1.0
    assert busy.score == pytest.approx(0.25)
    assert busy.explanation == "Has 3 of at most 4 matches."


def test_every_criterion_has_a_label_weight_and_explanation() -> None:
    for cli in (client(), client(abroad_country="ES"), client(needs={}, postcode="")):
        criteria = score(volunteer(), cli, WEIGHTS)

        assert [c.key for c in criteria] == [
            "need_overlap",
            "distance",
            "language",
            "availability",
            "preferences",
            "workload",
        ]
        for c in criteria:
            assert c.label
            assert c.explanation
            assert 0.0 <= c.score <= 1.0
            assert c.weight == pytest.approx(getattr(WEIGHTS, c.key))


def test_explanations_are_translatable() -> None:
    with translation.override("nl"):
        dutch = [c.label for c in score(volunteer(), client(), WEIGHTS)]
    english = [c.label for c in score(volunteer(), client(), WEIGHTS)]

    # Only the shape is asserted: the Dutch catalogue may not translate these msgids yet.
    assert len(dutch) == len(english) == 6


# --- Distance ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [
        ("3011 AB", "3011CD", 0.0),
        ("3011", "3015", 10.0),
        ("3011", "3511", 40.0),
        ("3011", "9711", 120.0),
        (" 1012ab ", "1012", 0.0),
        ("", "3011", None),
        ("3011", "abcd", None),
        ("0123", "0123", None),
        ("301", "3011", None),
    ],
)
def test_postcode_distance_approximation(a: str, b: str, km: float | None) -> None:
    assert postcode_distance_km(a, b) == km
    assert postcode_distance_km(b, a) == km


def test_distance_score_falls_from_1_at_0_km_to_0_at_100_km() -> None:
    def crit(km: float | None) -> float:
        return by_key(volunteer(), client(), distance=lambda a, b: km)["distance"].score

    assert crit(0) == 1.0
    assert crit(10) == pytest.approx(0.9)
    assert crit(40) == pytest.approx(0.6)
    assert crit(100) == 0.0
    assert crit(250) == 0.0
    assert crit(None) == 0.0


def test_the_distance_function_is_injectable() -> None:
    calls: list[tuple[str, str]] = []

    def table(a: str, b: str) -> float:
        calls.append((a, b))
        return 25.0

    [s], _ = suggest(client(), [volunteer()], WEIGHTS, distance=table)

    assert calls == [("3011 AB", "3011 CD")]
    distance = next(c for c in s.criteria if c.key == "distance")
    assert distance.score == pytest.approx(0.75)
    assert distance.explanation == "About 25 km away."


def test_unknown_postcode_is_explained() -> None:
    crit = by_key(volunteer(postcode=""), client())["distance"]

    assert crit.score == 0.0
    assert "unknown" in crit.explanation


# --- Abroad --------------------------------------------------------------------------------


def test_abroad_client_scores_on_the_country_the_volunteer_visits() -> None:
    cli = client(abroad_country="es", postcode="")
    visitor = volunteer(id=1, name="Zoë", country="ES", postcode="9999")
    at_home = volunteer(id=2, name="Anna", country="NL", postcode="3011 CD")

    suggestions, _ = suggest(cli, [at_home, visitor], WEIGHTS)
    crit = {s.volunteer.id: by_key(s.volunteer, cli)["distance"] for s in suggestions}

    assert [s.volunteer.id for s in suggestions] == [1, 2]
    assert crit[1].score == 1.0
    assert crit[1].label == "Country"
    assert crit[1].explanation == "Visits detainees in ES."
    assert crit[2].score == 0.0


def test_abroad_client_ignores_postcodes() -> None:
    def refuse(a: str, b: str) -> float:
        raise AssertionError("postcode distance asked for a detainee abroad")

    criteria = score(volunteer(country="BE"), client(abroad_country="BE"), WEIGHTS, refuse)

    assert next(c for c in criteria if c.key == "distance").score == 1.0


# --- Ordering ------------------------------------------------------------------------------


def test_ties_are_broken_by_name_then_id_whatever_the_input_order() -> None:
    twins = [
        volunteer(id=3, name="Bram"),
        volunteer(id=1, name="Cas"),
        volunteer(id=2, name="Bram"),
        volunteer(id=4, name="Anna"),
    ]

    first, _ = suggest(client(), twins, WEIGHTS)
    second, _ = suggest(client(), list(reversed(twins)), WEIGHTS)

    assert [s.volunteer.id for s in first] == [4, 2, 3, 1]
    assert [s.volunteer.id for s in second] == [4, 2, 3, 1]


def test_higher_scores_come_first_before_names() -> None:
    best = volunteer(id=1, name="Zoë")
    worse = volunteer(id=2, name="Anna", languages=frozenset())

    suggestions, _ = suggest(client(), [worse, best], WEIGHTS)

    assert [s.volunteer.id for s in suggestions] == [1, 2]
    assert suggestions[0].total > suggestions[1].total


def test_exclusions_are_in_name_order() -> None:
    vols = [volunteer(id=1, name="Cas", active=False), volunteer(id=2, name="Anna", active=False)]

    _, exclusions = suggest(client(), vols, WEIGHTS)

    assert [e.volunteer.name for e in exclusions] == ["Anna", "Cas"]


def test_facts_are_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        volunteer().active = False
