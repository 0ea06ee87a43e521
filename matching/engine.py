"""The suggestion engine (issue 4, item 2): which volunteers fit a client, and why.

Plain functions over plain data. Nothing here touches the ORM or the database: the caller turns
volunteers and clients into the frozen `VolunteerFacts` and `ClientFacts` below (one query per
page, not one per volunteer) and hands them in. That keeps the engine fast enough for the
10,000-volunteer benchmark and testable without a database.

Two stages:

1. Hard rules (`hard_rule_failures`). A volunteer who breaks any of them is never suggested; the
   coordinator sees them under `Exclusion` with every rule they broke, not only the first.
2. Weighted criteria (`score`). Each criterion scores 0..1 and explains itself in plain words;
   the weights are the organisation's (`Weights`), normalised so the total is 0..100.

Choices someone might otherwise undo:

- Need priority 1 is the most urgent, 3 the least. A covered need counts `4 - priority`, so a
  volunteer who helps with the one urgent need beats one who helps with one minor need.
- Client preferences are a `frozenset[str]` of activity keys the client would like to do with
  the volunteer (e.g. "social"), matched against the volunteer's `activity_preferences`. The
  preferred gender and similar personal preferences are out of scope for the engine.
- A criterion the client gave no data for (no languages, no availability, no preferences)
  scores 1 for every volunteer: it cannot separate them, and it must not punish anyone.
- An unknown distance scores 0: a volunteer whose postcode we cannot place never outranks one we
  know lives nearby.
- Postcode distance is an approximation (see `postcode_distance_km`); pass a real table through
  the `distance` parameter of `score` and `suggest` when one is available.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields

from django.utils.translation import gettext, ngettext

from volunteers.choices import AVAILABILITY_SLOTS, ActivityType, slot_label

DistanceFn = Callable[[str, str], float | None]

RISK_FLAGS = frozenset({"sex_offence", "violence", "addiction", "other"})

# Distance at which the distance criterion reaches 0.
MAX_DISTANCE_KM = 100.0


# --- Input facts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class VolunteerFacts:
    id: int
    name: str
    active: bool = True
    certificate_valid: bool = True
    completed_trainings: frozenset[str] = frozenset()
    willing_sex_offences: bool = False
    is_experience_expert: bool = False
    current_matches: int = 0
    max_matches: int = 1
    conflicts_of_interest: frozenset[int] = frozenset()
    postcode: str = ""
    # The country the volunteer visits detainees in; "NL" for everyone who works at home.
    country: str = "NL"
    languages: frozenset[str] = frozenset()
    availability: frozenset[str] = frozenset()
    activity_preferences: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ClientFacts:
    id: int
    # Activity type key -> priority, 1 (most urgent) .. 3 (least).
    needs: Mapping[str, int] = field(default_factory=dict)
    flags: frozenset[str] = frozenset()
    # The trainings the client's flags require (circle training for a sex offence, ...), as
    # course keys; the caller derives them from the organisation's policy.
    required_trainings: frozenset[str] = frozenset()
    experience_expert_suitable: bool = False
    postcode: str = ""
    # Set for a detainee abroad; distance then becomes "does the volunteer visit this country".
    abroad_country: str | None = None
    languages: frozenset[str] = frozenset()
    availability: frozenset[str] = frozenset()
    # Activity keys the client would like to do with the volunteer (see the module docstring).
    preferences: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        for need, priority in self.needs.items():
            if priority not in (1, 2, 3):
                raise ValueError(f"Priority of need {need!r} must be 1, 2 or 3, not {priority!r}.")
        unknown = self.flags - RISK_FLAGS
        if unknown:
            raise ValueError(f"Unknown risk flags: {sorted(unknown)}.")


@dataclass(frozen=True)
class Weights:
    """The organisation's weights. Only their proportions matter: they are normalised."""

    need_overlap: float = 0.30
    distance: float = 0.20
    language: float = 0.15
    availability: float = 0.15
    preferences: float = 0.10
    workload: float = 0.10

    def __post_init__(self) -> None:
        values = [getattr(self, f.name) for f in fields(self)]
        for f, value in zip(fields(self), values, strict=True):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"Weight {f.name!r} must be a number, not {value!r}.")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"Weight {f.name!r} must be a finite number >= 0, not {value!r}.")
        if sum(values) <= 0:
            raise ValueError("At least one weight must be above zero.")

    def normalised(self) -> dict[str, float]:
        total = sum(getattr(self, f.name) for f in fields(self))
        return {f.name: getattr(self, f.name) / total for f in fields(self)}


# --- Results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleFailure:
    key: str
    text: str


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    score: float  # 0..1
    weight: float  # normalised: the weights of one suggestion sum to 1
    contribution: float  # points (0..100) this criterion adds to the total: 100 * score * weight
    explanation: str


@dataclass(frozen=True)
class Suggestion:
    volunteer: VolunteerFacts
    total: float  # 0..100
    criteria: list[Criterion]


@dataclass(frozen=True)
class Exclusion:
    volunteer: VolunteerFacts
    reasons: list[RuleFailure]

    @property
    def keys(self) -> list[str]:
        return [reason.key for reason in self.reasons]


# --- Distance ------------------------------------------------------------------------------


def _pc4(postcode: str) -> str | None:
    digits = postcode.strip()[:4]
    # Dutch PC4 runs from 1000 to 9999; anything else we cannot place.
    if len(digits) == 4 and digits.isdigit() and digits[0] != "0":
        return digits
    return None


def postcode_distance_km(a: str, b: str) -> float | None:
    """Rough distance in km between two Dutch postcodes, from their 4-digit part.

    An APPROXIMATION: no coordinate table is available offline. Dutch postcodes are handed out
    by region, so shared leading digits mean nearness: the same PC4 is 0 km, the same first two
    digits about 10 km, the same first digit about 40 km, anything else about 120 km. Returns
    None when either postcode cannot be read. Replace it by passing a function backed by a
    real PC4 coordinate table as `distance`.
    """
    pa, pb = _pc4(a), _pc4(b)
    if pa is None or pb is None:
        return None
    if pa == pb:
        return 0.0
    if pa[:2] == pb[:2]:
        return 10.0
    if pa[0] == pb[0]:
        return 40.0
    return 120.0


# --- Hard rules ----------------------------------------------------------------------------


def hard_rule_failures(volunteer: VolunteerFacts, client: ClientFacts) -> list[RuleFailure]:
    """Every hard rule this volunteer breaks for this client; empty means eligible."""
    failures: list[RuleFailure] = []
    if not volunteer.active:
        failures.append(RuleFailure("inactive", gettext("The volunteer is not active.")))
    if not volunteer.certificate_valid:
        failures.append(
            RuleFailure(
                "no_certificate",
                gettext("The volunteer has no valid certificate of conduct."),
            )
        )
    missing = sorted(client.required_trainings - volunteer.completed_trainings)
    if missing:
        failures.append(
            RuleFailure(
                "missing_training",
                gettext("The volunteer lacks a training this client requires: %(trainings)s.")
                % {"trainings": ", ".join(missing)},
            )
        )
    if "sex_offence" in client.flags and not volunteer.willing_sex_offences:
        failures.append(
            RuleFailure(
                "not_willing",
                gettext("The volunteer does not want to work with this client group."),
            )
        )
    if volunteer.current_matches >= volunteer.max_matches:
        failures.append(
            RuleFailure(
                "at_capacity",
                gettext("The volunteer already has %(current)d of at most %(max)d matches.")
                % {"current": volunteer.current_matches, "max": volunteer.max_matches},
            )
        )
    if client.id in volunteer.conflicts_of_interest:
        failures.append(
            RuleFailure(
                "conflict_of_interest",
                gettext("The volunteer declared a conflict of interest with this client."),
            )
        )
    if volunteer.is_experience_expert and not client.experience_expert_suitable:
        failures.append(
            RuleFailure(
                "experience_expert_unsuitable",
                gettext("An experience expert does not fit this client's needs."),
            )
        )
    return failures


# --- Criteria ------------------------------------------------------------------------------


def _activity_label(key: str) -> str:
    try:
        return str(ActivityType(key).label)
    except ValueError:
        return key


def _activity_list(keys: Iterable[str]) -> str:
    return ", ".join(_activity_label(key) for key in keys)


def _slot_list(slots: Iterable[str]) -> str:
    """Time slots in week order (Monday morning first), as the reader says them."""
    order = {slot: index for index, slot in enumerate(AVAILABILITY_SLOTS)}
    return ", ".join(slot_label(slot) for slot in sorted(slots, key=lambda s: order.get(s, 99)))


def _need_overlap(volunteer: VolunteerFacts, client: ClientFacts) -> tuple[float, str]:
    if not client.needs:
        return 0.0, gettext("The client has no needs recorded.")
    # Most urgent first, then by key, so the explanation reads the same every time.
    ordered = sorted(client.needs, key=lambda need: (client.needs[need], need))
    covered = [need for need in ordered if need in volunteer.activity_preferences]
    total_weight = sum(4 - priority for priority in client.needs.values())
    covered_weight = sum(4 - client.needs[need] for need in covered)
    if not covered:
        return 0.0, gettext("Helps with none of the client's needs.")
    text = ngettext(
        "Helps with %(covered)d of the %(total)d need: %(needs)s",
        "Helps with %(covered)d of the %(total)d needs: %(needs)s",
        len(ordered),
    ) % {"covered": len(covered), "total": len(ordered), "needs": _activity_list(covered)}
    return covered_weight / total_weight, text


def _distance(
    volunteer: VolunteerFacts, client: ClientFacts, distance: DistanceFn
) -> tuple[float, str]:
    if client.abroad_country is not None:
        country = client.abroad_country.strip().upper()
        if volunteer.country.strip().upper() == country:
            return 1.0, gettext("Visits detainees in %(country)s.") % {"country": country}
        return 0.0, gettext("Does not visit detainees in %(country)s.") % {"country": country}
    km = distance(volunteer.postcode, client.postcode)
    if km is None:
        return 0.0, gettext("The distance is unknown (postcode missing or unreadable).")
    km = max(km, 0.0)
    score = max(0.0, 1.0 - km / MAX_DISTANCE_KM)
    return score, gettext("About %(km)d km away.") % {"km": round(km)}


def _set_overlap(
    wanted: frozenset[str],
    offered: frozenset[str],
    *,
    nothing_wanted: str,
    none_shared: str,
    some_shared: str,
    describe: Callable[[Iterable[str]], str] = ", ".join,
) -> tuple[float, str]:
    if not wanted:
        return 1.0, nothing_wanted
    shared = sorted(wanted & offered)
    if not shared:
        return 0.0, none_shared
    text = some_shared % {"shared": len(shared), "total": len(wanted), "items": describe(shared)}
    return len(shared) / len(wanted), text


def _workload(volunteer: VolunteerFacts) -> tuple[float, str]:
    if volunteer.max_matches <= 0:
        return 0.0, gettext("The volunteer takes no matches.")
    free = max(volunteer.max_matches - volunteer.current_matches, 0)
    text = gettext("Has %(current)d of at most %(max)d matches.") % {
        "current": volunteer.current_matches,
        "max": volunteer.max_matches,
    }
    return free / volunteer.max_matches, text


def score(
    volunteer: VolunteerFacts,
    client: ClientFacts,
    weights: Weights,
    distance: DistanceFn = postcode_distance_km,
) -> list[Criterion]:
    """The weighted criteria for one pair, each with its explanation, in a fixed order.

    Does not check the hard rules; `suggest` does that first.
    """
    w = weights.normalised()
    results: list[tuple[str, str, tuple[float, str]]] = [
        (
            "need_overlap",
            gettext("Needs and preferred activities"),
            _need_overlap(volunteer, client),
        ),
        (
            "distance",
            gettext("Country") if client.abroad_country is not None else gettext("Distance"),
            _distance(volunteer, client, distance),
        ),
        (
            "language",
            gettext("Shared language"),
            _set_overlap(
                client.languages,
                volunteer.languages,
                nothing_wanted=gettext("The client named no languages."),
                none_shared=gettext("Speaks none of the client's languages."),
                some_shared=gettext(
                    "Speaks %(shared)d of the client's %(total)d languages: %(items)s."
                ),
            ),
        ),
        (
            "availability",
            gettext("Availability"),
            _set_overlap(
                client.availability,
                volunteer.availability,
                nothing_wanted=gettext("The client named no times."),
                none_shared=gettext("Not available at any of the client's times."),
                some_shared=gettext(
                    "Available at %(shared)d of the client's %(total)d times: %(items)s."
                ),
                describe=_slot_list,
            ),
        ),
        (
            "preferences",
            gettext("Client's preferences"),
            _set_overlap(
                client.preferences,
                volunteer.activity_preferences,
                nothing_wanted=gettext("The client stated no preferences."),
                none_shared=gettext("Meets none of the client's preferences."),
                some_shared=gettext(
                    "Meets %(shared)d of the client's %(total)d preferences: %(items)s."
                ),
                describe=_activity_list,
            ),
        ),
        ("workload", gettext("Current workload"), _workload(volunteer)),
    ]
    return [
        Criterion(
            key=key,
            label=label,
            score=value,
            weight=w[key],
            contribution=100 * value * w[key],
            explanation=text,
        )
        for key, label, (value, text) in results
    ]


def suggest(
    client: ClientFacts,
    volunteers: Iterable[VolunteerFacts],
    weights: Weights,
    distance: DistanceFn = postcode_distance_km,
) -> tuple[list[Suggestion], list[Exclusion]]:
    """Eligible volunteers best first (ties by name, then id), and the excluded ones with why.

    Exclusions come in the same name-then-id order, so the page reads the same every time.
    """
    suggestions: list[Suggestion] = []
    exclusions: list[Exclusion] = []
    for volunteer in volunteers:
        failures = hard_rule_failures(volunteer, client)
        if failures:
            exclusions.append(Exclusion(volunteer=volunteer, reasons=failures))
            continue
        criteria = score(volunteer, client, weights, distance)
        total = sum(criterion.contribution for criterion in criteria)
        # Rounded so that float noise from summation order never decides a tie.
        suggestions.append(Suggestion(volunteer, round(min(total, 100.0), 6), criteria))
    suggestions.sort(key=lambda s: (-s.total, s.volunteer.name, s.volunteer.id))
    exclusions.sort(key=lambda e: (e.volunteer.name, e.volunteer.id))
    return suggestions, exclusions
