"""The suggestion engine's eligibility and totals, vectorised with numpy (issue 4, items 4 and 7).

`matching/engine.py` stays the reference: it explains every criterion in words and is what the
unit tests of the rules read. Scoring 10,000 volunteers for one client, or for 1,000 waiting
clients at once, one Python object at a time is too slow, so this module computes the SAME
hard rules and the SAME totals over arrays, and asks the engine for the words only for the few
pairs that are shown.

Invariants (tests/matching/test_fast.py checks them against `engine.suggest` on hundreds of
random instances):

- eligibility is exactly `not engine.hard_rule_failures(volunteer, client)`;
- a total is bit-for-bit the engine's: each contribution is `100 * value * weight` with the
  same float operations in the same order, summed in the engine's criterion order, capped at
  100 and rounded to 6 decimals exactly like Python's `round` (see `_round6`);
- the order is the engine's: best total first, ties by name and then id.

Only the engine's default distance (`engine.postcode_distance_km`) is supported.
"""

from __future__ import annotations

import gc
import json
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from itertools import chain

import numpy as np
import numpy.typing as npt
from django.db import connection
from django.db.models import Count, QuerySet, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from matching import engine, facts
from matching.engine import ClientFacts, VolunteerFacts, Weights
from matching.models import ConflictOfInterest, Match, MatchVolunteer
from reclass_volunteers.models import Organisation
from volunteers.choices import VolunteerRole
from volunteers.models import Certificate, Volunteer, VolunteerPolicy
from volunteers.models.screening import _add_months

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

RULE_KEYS = (
    "inactive",
    "no_certificate",
    "missing_training",
    "not_willing",
    "at_capacity",
    "conflict_of_interest",
    "experience_expert_unsuitable",
)

# The distance criterion's score for each band of the engine's PC4 approximation, computed with
# the engine's own function and formula so the two cannot drift apart: same PC4, same first two
# digits, same first digit, elsewhere.
_BAND_PAIRS = (("1000", "1000"), ("1000", "1001"), ("1000", "1100"), ("1000", "2000"))


def _distance_score(km: float) -> float:
    km = max(km, 0.0)
    return max(0.0, 1.0 - km / engine.MAX_DISTANCE_KM)


def _band_scores() -> tuple[float, float, float, float]:
    scores = []
    for a, b in _BAND_PAIRS:
        km = engine.postcode_distance_km(a, b)
        assert km is not None
        scores.append(_distance_score(km))
    return scores[0], scores[1], scores[2], scores[3]


_SAME_PC4, _SAME_PC2, _SAME_PC1, _ELSEWHERE = _band_scores()


def _round6(totals: FloatArray) -> FloatArray:
    """`round(min(total, 100.0), 6)` for every element, exactly as Python rounds a float.

    Python rounds the exact binary value half-to-even and returns the nearest double to the
    decimal result. `rint(x * 1e6) / 1e6` does the same unless the product `x * 1e6`, itself
    rounded, lands within its rounding error of a half; those rare elements are rounded by
    Python itself.
    """
    capped = np.minimum(totals, 100.0)
    scaled = capped * 1e6
    whole = np.rint(scaled)
    result: FloatArray = whole / 1e6
    # |scaled| <= 1e8, so its rounding error is below 1e-8: a margin of 1e-6 is ample.
    doubtful = np.flatnonzero(np.abs(np.abs(scaled - whole) - 0.5) < 1e-6)
    for i in doubtful:
        result[i] = round(float(capped[i]), 6)
    return result


def _membership(
    sets: Sequence[Collection[str]], normalise: Callable[[str], str] | None = None
) -> tuple[BoolArray, dict[str, int]]:
    """A (volunteers x vocabulary) boolean matrix, row i marking the items of sets[i], and the
    vocabulary (item -> column). Loops in C (map, chain) rather than per item in Python."""
    n = len(sets)
    lengths = np.fromiter(map(len, sets), dtype=np.int64, count=n)
    flat: list[str] = list(chain.from_iterable(sets))
    if normalise is not None:
        normalised = {raw: normalise(raw) for raw in dict.fromkeys(flat)}
        flat = list(map(normalised.__getitem__, flat))
    vocabulary = {item: col for col, item in enumerate(dict.fromkeys(flat))}
    matrix = np.zeros((n, max(len(vocabulary), 1)), dtype=np.bool_)
    if flat:
        cols = np.fromiter(map(vocabulary.__getitem__, flat), dtype=np.int64, count=len(flat))
        matrix[np.repeat(np.arange(n), lengths), cols] = True
    return matrix, vocabulary


def _codes(values: Iterable[str | None], count: int) -> tuple[IntArray, dict[str, int]]:
    """Each value as an integer code (-1 for None), and the code table."""
    table: dict[str, int] = {}
    codes = np.fromiter(
        (-1 if v is None else table.setdefault(v, len(table)) for v in values),
        dtype=np.int64,
        count=count,
    )
    return codes, table


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Loading 10,000 volunteers allocates some 100,000 short-lived containers (rows, decoded
    lists), which sets off Python's cyclic garbage collector again and again over the whole
    heap, for garbage that reference counting frees anyway. Nothing here makes reference
    cycles, so pausing it for the load loses nothing; it runs again right after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class _Own:
    """What a VolunteerFacts takes from the volunteer's own row, one list per field. The
    sets may be any collections; from the database they stay JSON text (`json_texts`: per
    field, one text per row) until they are needed, because 30,000 decoded lists kept alive
    keep the garbage collector busy. `language_key` normalises language names as
    `facts.volunteer_facts` does."""

    ids: list[int]
    names: list[str]
    active: list[bool]
    willing_sex_offences: list[bool]
    is_experience_expert: list[bool]
    max_matches: list[int]
    postcodes: list[str]
    countries: list[str]
    languages: Sequence[Collection[str]] = ()
    availability: Sequence[Collection[str]] = ()
    activity_preferences: Sequence[Collection[str]] = ()
    json_texts: tuple[Sequence[str], Sequence[str], Sequence[str]] | None = None
    language_key: Callable[[str], str] | None = None

    def row_lists(self, i: int) -> tuple[Collection[str], Collection[str], Collection[str]]:
        if self.json_texts is None:
            return self.languages[i], self.availability[i], self.activity_preferences[i]
        # JSON null counts as empty, as in facts.volunteer_facts (`or []`).
        languages, availability, preferences = (json.loads(t[i]) or () for t in self.json_texts)
        return languages, availability, preferences

    def all_lists(
        self,
    ) -> tuple[Sequence[Collection[str]], Sequence[Collection[str]], Sequence[Collection[str]]]:
        if self.json_texts is None:
            return self.languages, self.availability, self.activity_preferences
        # One json.loads per field for all rows: 30,000 small ones cost more than the query.
        languages, availability, preferences = (
            [items or () for items in json.loads("[" + ",".join(texts) + "]")]
            for texts in self.json_texts
        )
        return languages, availability, preferences


@dataclass
class _Linked:
    """What a VolunteerFacts takes from other tables: certificates, live matches, completed
    trainings, declared conflicts of interest. Read on every load."""

    certificate_valid: list[bool]
    current_matches: list[int]
    completed_trainings: Sequence[Collection[str]]
    conflicts_of_interest: Sequence[Collection[int]]


class _OwnArrays:
    """The arrays computed from `_Own`: most of the work of building a table, and reusable as
    long as the volunteers' rows do not change (see `VolunteerTable.load`)."""

    def __init__(self, own: _Own) -> None:
        n = len(own.ids)
        self.ids = np.array(own.ids, dtype=np.int64)
        self.active = np.array(own.active, dtype=np.bool_)
        self.willing = np.array(own.willing_sex_offences, dtype=np.bool_)
        self.expert = np.array(own.is_experience_expert, dtype=np.bool_)
        self.max_matches = np.array(own.max_matches, dtype=np.int64)
        # Position in (name, id) order: the engine's tie-break.
        order = sorted(range(n), key=list(zip(own.names, own.ids, strict=True)).__getitem__)
        self.rank = np.empty(n, dtype=np.int64)
        self.rank[order] = np.arange(n, dtype=np.int64)
        pc4s = [engine._pc4(postcode) for postcode in own.postcodes]
        self.pc4, t4 = _codes(pc4s, n)
        self.pc2, t2 = _codes((None if p is None else p[:2] for p in pc4s), n)
        self.pc1, t1 = _codes((None if p is None else p[:1] for p in pc4s), n)
        self.pc_tables = (t4, t2, t1)
        self.country, self.countries = _codes((c.strip().upper() for c in own.countries), n)
        languages, availability, preferences = own.all_lists()
        self.activities, self.activity_index = _membership(preferences)
        self.languages, self.language_index = _membership(languages, own.language_key)
        self.availability, self.availability_index = _membership(availability)
        # Shared by every table loaded while the rows are unchanged: nobody may write to them.
        for value in vars(self).values():
            if isinstance(value, np.ndarray):
                value.flags.writeable = False


class VolunteerTable:
    """The volunteers as arrays, built once and scored against many clients.

    `build` takes VolunteerFacts; `load` reads the same facts straight from the database into
    columns, without making 10,000 VolunteerFacts objects first (that alone took longer than
    the suggestions' time budget). `volunteer(i)` gives row i as VolunteerFacts, made on demand
    for the few rows that are shown.
    """

    def __init__(
        self,
        own: _Own,
        linked: _Linked,
        *,
        arrays: _OwnArrays | None = None,
        volunteers: Sequence[VolunteerFacts] | None = None,
    ) -> None:
        self._own = own
        self._linked = linked
        self._arrays = a = arrays if arrays is not None else _OwnArrays(own)
        n = len(own.ids)
        self._facts: list[VolunteerFacts | None] = (
            list(volunteers) if volunteers is not None else [None] * n
        )
        self.ids, self.willing, self.expert, self.rank = a.ids, a.willing, a.expert, a.rank
        self.max_matches = a.max_matches
        self.pc4, self.pc2, self.pc1, self.pc_tables = a.pc4, a.pc2, a.pc1, a.pc_tables
        self.country, self.countries = a.country, a.countries
        self.activities, self.activity_index = a.activities, a.activity_index
        self.languages, self.language_index = a.languages, a.language_index
        self.availability, self.availability_index = a.availability, a.availability_index

        certificate = np.array(linked.certificate_valid, dtype=np.bool_).reshape(n)
        self.current = np.array(linked.current_matches, dtype=np.int64).reshape(n)
        has_room = self.current < self.max_matches
        # The rules that do not depend on the client.
        self.base_failures: dict[str, BoolArray] = {
            "inactive": ~a.active,
            "no_certificate": ~certificate,
            "at_capacity": ~has_room,
        }
        self.base_eligible: BoolArray = a.active & certificate & has_room
        # engine._workload's score: free places / max places, as Python divides them.
        most = self.max_matches
        free = np.maximum(most - self.current, 0)
        self.workload: FloatArray = np.where(most > 0, free / np.maximum(most, 1), 0.0)
        self.trainings, self.training_index = _membership(linked.completed_trainings)
        by_client: dict[int, list[int]] = {}
        for i, client_ids in enumerate(linked.conflicts_of_interest):
            for client_id in client_ids:
                by_client.setdefault(client_id, []).append(i)
        self.conflicts = {k: np.array(v, dtype=np.int64) for k, v in by_client.items()}

    @classmethod
    def build(cls, volunteers: Sequence[VolunteerFacts]) -> VolunteerTable:
        vs = list(volunteers)
        own = _Own(
            ids=[v.id for v in vs],
            names=[v.name for v in vs],
            active=[v.active for v in vs],
            willing_sex_offences=[v.willing_sex_offences for v in vs],
            is_experience_expert=[v.is_experience_expert for v in vs],
            max_matches=[v.max_matches for v in vs],
            postcodes=[v.postcode for v in vs],
            countries=[v.country for v in vs],
            languages=[v.languages for v in vs],
            availability=[v.availability for v in vs],
            activity_preferences=[v.activity_preferences for v in vs],
        )
        linked = _Linked(
            certificate_valid=[v.certificate_valid for v in vs],
            current_matches=[v.current_matches for v in vs],
            completed_trainings=[v.completed_trainings for v in vs],
            conflicts_of_interest=[v.conflicts_of_interest for v in vs],
        )
        return cls(own, linked, volunteers=vs)

    @classmethod
    def load(
        cls,
        organisation: Organisation,
        *,
        today: date | None = None,
        volunteer_ids: Iterable[int] | None = None,
    ) -> VolunteerTable:
        """The table of `facts.volunteer_facts(organisation, ...)` (tests/matching/test_fast.py
        checks they give the same facts), in a fixed number of queries."""
        with _cyclic_gc_paused():
            return _load(organisation, today=today, volunteer_ids=volunteer_ids)

    def roster(self) -> list[tuple[int, str, bool]]:
        """(id, name, active) of every row, for pick lists."""
        return list(zip(self._own.ids, self._own.names, self._own.active, strict=True))

    def volunteer_by_id(self, pk: int) -> VolunteerFacts | None:
        try:
            return self.volunteer(self._own.ids.index(pk))
        except ValueError:
            return None

    def volunteer(self, i: int) -> VolunteerFacts:
        fact = self._facts[i]
        if fact is None:
            fact = self._facts[i] = self._make_facts(i)
        return fact

    def _make_facts(self, i: int) -> VolunteerFacts:
        own, linked = self._own, self._linked
        names, availability, preferences = own.row_lists(i)
        key = own.language_key
        return VolunteerFacts(
            id=own.ids[i],
            name=own.names[i],
            active=own.active[i],
            certificate_valid=linked.certificate_valid[i],
            completed_trainings=frozenset(linked.completed_trainings[i]),
            willing_sex_offences=own.willing_sex_offences[i],
            is_experience_expert=own.is_experience_expert[i],
            current_matches=linked.current_matches[i],
            max_matches=own.max_matches[i],
            conflicts_of_interest=frozenset(linked.conflicts_of_interest[i]),
            postcode=own.postcodes[i],
            country=own.countries[i],
            languages=frozenset(names) if key is None else frozenset(map(key, names)),
            availability=frozenset(availability),
            activity_preferences=frozenset(preferences),
        )

    @property
    def free_places(self) -> IntArray:
        free: IntArray = np.maximum(self.max_matches - self.current, 0)
        return free

    def __len__(self) -> int:
        return len(self._facts)

    # --- Hard rules ---------------------------------------------------------------------------

    def rule_failures(self, client: ClientFacts) -> dict[str, BoolArray]:
        """Per rule key, which volunteers break it for this client."""
        n = len(self)
        failures = dict(self.base_failures)
        missing = np.zeros(n, dtype=np.bool_)
        for training in client.required_trainings:
            col = self.training_index.get(training)
            if col is None:
                missing[:] = True  # nobody completed it
                break
            missing |= ~self.trainings[:, col]
        failures["missing_training"] = missing
        if "sex_offence" in client.flags:
            failures["not_willing"] = ~self.willing
        else:
            failures["not_willing"] = np.zeros(n, dtype=np.bool_)
        conflict = np.zeros(n, dtype=np.bool_)
        conflicting = self.conflicts.get(client.id)
        if conflicting is not None:
            conflict[conflicting] = True
        failures["conflict_of_interest"] = conflict
        if client.experience_expert_suitable:
            failures["experience_expert_unsuitable"] = np.zeros(n, dtype=np.bool_)
        else:
            failures["experience_expert_unsuitable"] = self.expert
        return failures

    def eligible(self, client: ClientFacts) -> BoolArray:
        eligible = self.base_eligible.copy()
        for training in client.required_trainings:
            col = self.training_index.get(training)
            if col is None:
                return np.zeros(len(self), dtype=np.bool_)
            eligible &= self.trainings[:, col]
        if "sex_offence" in client.flags:
            eligible &= self.willing
        conflicting = self.conflicts.get(client.id)
        if conflicting is not None:
            eligible[conflicting] = False
        if not client.experience_expert_suitable:
            eligible &= ~self.expert
        return eligible

    # --- Criteria -----------------------------------------------------------------------------

    def _count(self, matrix: BoolArray, index: dict[str, int], wanted: Iterable[str]) -> IntArray:
        cols = [index[item] for item in wanted if item in index]
        if not cols:
            return np.zeros(len(self), dtype=np.int64)
        counts: IntArray = matrix[:, cols].sum(axis=1, dtype=np.int64)
        return counts

    def _overlap(
        self, matrix: BoolArray, index: dict[str, int], wanted: frozenset[str]
    ) -> FloatArray | float:
        if not wanted:
            return 1.0
        counts = self._count(matrix, index, wanted)
        result: FloatArray = counts / len(wanted)
        return result

    def _need_overlap(self, client: ClientFacts) -> FloatArray | float:
        if not client.needs:
            return 0.0
        total_weight = sum(4 - priority for priority in client.needs.values())
        covered = np.zeros(len(self), dtype=np.int64)
        for need, priority in client.needs.items():
            col = self.activity_index.get(need)
            if col is not None:
                covered += self.activities[:, col] * (4 - priority)
        result: FloatArray = covered / total_weight
        return result

    def _distance(self, client: ClientFacts) -> FloatArray | float:
        n = len(self)
        if client.abroad_country is not None:
            code = self.countries.get(client.abroad_country.strip().upper())
            if code is None:
                return 0.0
            return np.where(self.country == code, 1.0, 0.0)
        pc4 = engine._pc4(client.postcode)
        if pc4 is None:
            return 0.0
        t4, t2, t1 = self.pc_tables
        # A client's code missing from a table matches no volunteer (-2 never occurs).
        c4, c2, c1 = t4.get(pc4, -2), t2.get(pc4[:2], -2), t1.get(pc4[:1], -2)
        scores = np.zeros(n, dtype=np.float64)
        known = self.pc4 >= 0
        scores[known] = _ELSEWHERE
        scores[self.pc1 == c1] = _SAME_PC1
        scores[self.pc2 == c2] = _SAME_PC2
        scores[self.pc4 == c4] = _SAME_PC4
        return scores

    def values(self, client: ClientFacts) -> list[FloatArray | float]:
        """Each criterion's 0..1 score, in the engine's order (scalars where all are equal)."""
        return [
            self._need_overlap(client),
            self._distance(client),
            self._overlap(self.languages, self.language_index, client.languages),
            self._overlap(self.availability, self.availability_index, client.availability),
            self._overlap(self.activities, self.activity_index, client.preferences),
            self.workload,
        ]

    def raw_totals(self, client: ClientFacts, weights: Weights) -> FloatArray:
        w = weights.normalised()
        keys = ("need_overlap", "distance", "language", "availability", "preferences", "workload")
        total: FloatArray = np.zeros(len(self), dtype=np.float64)
        # Same operations, same order as engine.score + sum(): 0 + c1 + c2 + ... with each
        # contribution (100 * value) * weight.
        for key, value in zip(keys, self.values(client), strict=True):
            total = total + (100.0 * np.asarray(value, dtype=np.float64)) * w[key]
        return total

    def scores(self, client: ClientFacts, weights: Weights) -> tuple[BoolArray, FloatArray]:
        """(eligible, totals): totals are the engine's rounded totals, for every volunteer
        (also the ineligible ones, whom the engine would not score)."""
        return self.eligible(client), _round6(self.raw_totals(client, weights))


@dataclass
class FastResult:
    suggestions: list[engine.Suggestion]
    eligible_total: int
    excluded_total: int
    excluded_by_rule: dict[str, int]
    exclusions: list[engine.Exclusion]


def suggest_fast(
    client: ClientFacts,
    volunteers: Sequence[VolunteerFacts] | VolunteerTable,
    weights: Weights,
    *,
    limit: int,
    excluded_limit: int = 50,
) -> FastResult:
    """The first `limit` of `engine.suggest(client, volunteers, weights)[0]` and the first
    `excluded_limit` of its exclusions, with the engine's explanations, in a fraction of the
    time: only the shown pairs are explained one by one."""
    table = (
        volunteers if isinstance(volunteers, VolunteerTable) else VolunteerTable.build(volunteers)
    )
    failures = table.rule_failures(client)
    excluded = np.zeros(len(table), dtype=np.bool_)
    for mask in failures.values():
        excluded |= mask
    eligible_idx = np.flatnonzero(~excluded)
    totals = _round6(table.raw_totals(client, weights)[eligible_idx])
    order = np.lexsort((table.rank[eligible_idx], -totals))[: max(limit, 0)]
    suggestions = []
    for position in order:
        volunteer = table.volunteer(int(eligible_idx[position]))
        criteria = engine.score(volunteer, client, weights)
        suggestions.append(engine.Suggestion(volunteer, float(totals[position]), criteria))

    excluded_idx = np.flatnonzero(excluded)
    shown = excluded_idx[np.argsort(table.rank[excluded_idx], kind="stable")][
        : max(excluded_limit, 0)
    ]
    exclusions = [
        engine.Exclusion(
            volunteer=table.volunteer(int(i)),
            reasons=engine.hard_rule_failures(table.volunteer(int(i)), client),
        )
        for i in shown
    ]
    by_rule = {
        key: int(np.count_nonzero(failures[key])) for key in RULE_KEYS if failures[key].any()
    }
    return FastResult(
        suggestions=suggestions,
        eligible_total=int(eligible_idx.size),
        excluded_total=int(excluded_idx.size),
        excluded_by_rule=by_rule,
        exclusions=exclusions,
    )


# --- Loading from the database ------------------------------------------------------------
#
# `facts.volunteer_facts`, as columns, kept equal to it by a test. The differences are only in
# speed: the aggregates run as their own queries (as correlated subqueries they ran once per
# volunteer), the JSON lists are read as text and decoded in one go, and on PostgreSQL the
# arrays computed from the volunteers' own rows are kept between loads while those rows do not
# change.
#
# Row versions: PostgreSQL writes every insert or update of a row as a new row version with
# its own `ctid` (its place in the table) and `xmin` (the transaction that wrote it). Two
# loads that see the same (id, xmin, ctid) for every volunteer see the same rows, so the
# arrays built from them can be reused; anything from other tables (certificates, matches,
# trainings, conflicts) is read again on every load. A version cannot come back within one
# transaction (the old one still occupies its place) and a later transaction has another
# xmin; entries also expire after `_KEEP_SECONDS`.

_JSON_LISTS = ("languages", "availability", "activity_preferences")
_KEEP_SECONDS = 600.0
_KEEP_ORGANISATIONS = 8


@dataclass(frozen=True)
class _Kept:
    versions: list[tuple[int, str]]
    own: _Own
    arrays: _OwnArrays
    at: float


_kept: dict[int, _Kept] = {}
_kept_lock = threading.Lock()


def forget_kept_tables() -> None:
    """Drop the arrays kept between loads (the benchmark times loads without them)."""
    with _kept_lock:
        _kept.clear()


def _version_expression() -> RawSQL:
    # PostgreSQL's system columns have no ORM name. A constant over our own table name: no
    # input reaches this SQL.
    table = connection.ops.quote_name(Volunteer._meta.db_table)
    return RawSQL(f"{table}.xmin::text || ':' || {table}.ctid::text", ())  # noqa: S611


def _load(
    organisation: Organisation,
    *,
    today: date | None = None,
    volunteer_ids: Iterable[int] | None = None,
) -> VolunteerTable:
    today = today or timezone.localdate()
    qs = Volunteer.objects.filter(organisation=organisation)
    ids: list[int] | None = None
    if volunteer_ids is not None:
        ids = list(volunteer_ids)
        qs = qs.filter(pk__in=ids)
    else:
        qs = qs.filter(status__in=facts.CANDIDATE_STATUSES)
    keep = ids is None and connection.vendor == "postgresql"
    with _kept_lock:
        kept = _kept.get(organisation.pk) if keep else None
    if keep:
        # Also without a kept entry, so that the number of queries does not depend on it.
        versions = list(
            qs.annotate(version=_version_expression()).order_by("pk").values_list("pk", "version")
        )
        if kept is not None and (
            versions != kept.versions or time.monotonic() - kept.at > _KEEP_SECONDS
        ):
            kept = None
    if kept is not None:
        own, arrays = kept.own, kept.arrays
    else:
        own, versions = _load_own(qs, with_versions=keep)
        arrays = _OwnArrays(own)
        if keep:
            with _kept_lock:
                if len(_kept) >= _KEEP_ORGANISATIONS:
                    _kept.pop(min(_kept, key=lambda pk: _kept[pk].at), None)
                _kept[organisation.pk] = _Kept(versions, own, arrays, time.monotonic())
    linked = _load_linked(organisation, qs, own.ids, today=today, ids=ids)
    return VolunteerTable(own, linked, arrays=arrays)


def _load_own(
    qs: QuerySet[Volunteer], *, with_versions: bool
) -> tuple[_Own, list[tuple[int, str]]]:
    extra = {"version": _version_expression()} if with_versions else {"version": Value("")}
    rows = list(
        qs.annotate(
            **extra,
            # SQL NULL reads as JSON null, which counts as empty like in volunteer_facts.
            **{
                f"{name}_json": Coalesce(
                    Cast(name, TextField()), Value("null"), output_field=TextField()
                )
                for name in _JSON_LISTS
            },
        )
        .order_by("pk")
        .values_list(
            "pk",
            "first_name",
            "last_name",
            "status",
            "willing_sex_offences",
            "role",
            "max_matches",
            "postcode",
            "abroad_country",
            "version",
            *(f"{name}_json" for name in _JSON_LISTS),
        )
    )
    columns = list(zip(*rows, strict=True)) if rows else [()] * 13
    pks, firsts, lasts, statuses, willing, roles, maxes, postcodes, countries = columns[:9]
    active, expert = Volunteer.Status.ACTIVE.value, VolunteerRole.EXPERIENCE_EXPERT.value
    own = _Own(
        ids=list(pks),
        names=[f"{first} {last}".strip() for first, last in zip(firsts, lasts, strict=True)],
        active=[status == active for status in statuses],
        willing_sex_offences=list(willing),
        is_experience_expert=[role == expert for role in roles],
        max_matches=list(maxes),
        postcodes=list(postcodes),
        countries=[(country or "NL").upper() for country in countries],
        json_texts=(columns[10], columns[11], columns[12]),
        language_key=facts.language_key,
    )
    return own, list(zip(pks, columns[9], strict=True))


def _load_linked(
    organisation: Organisation,
    qs: QuerySet[Volunteer],
    pks: list[int],
    *,
    today: date,
    ids: list[int] | None,
) -> _Linked:
    policy = VolunteerPolicy.for_organisation(organisation)
    oldest_current = _add_months(today, -12 * policy.certificate_renew_years)
    certified = set(
        Certificate.objects.filter(
            volunteer__in=qs.values("pk"),
            issued_on__isnull=False,
            issued_on__lte=today,
            issued_on__gt=oldest_current,
        )
        .order_by()
        .values_list("volunteer_id", flat=True)
    )
    live: dict[int, int] = dict(
        MatchVolunteer.objects.filter(
            volunteer__in=qs.values("pk"), match__status__in=Match.LIVE_STATUSES
        )
        .order_by()
        .values_list("volunteer_id")
        .annotate(n=Count("pk"))
        .values_list("volunteer_id", "n")
    )
    completed = facts._completed_trainings(organisation, today, ids)
    conflict_rows = ConflictOfInterest.objects.filter(volunteer__organisation=organisation)
    if ids is not None:
        conflict_rows = conflict_rows.filter(volunteer_id__in=ids)
    conflicts: dict[int, set[int]] = {}
    for volunteer_id, client_id in conflict_rows.order_by().values_list(
        "volunteer_id", "client_id"
    ):
        conflicts.setdefault(volunteer_id, set()).add(client_id)
    none: tuple[()] = ()
    return _Linked(
        certificate_valid=[pk in certified for pk in pks],
        current_matches=[live.get(pk, 0) for pk in pks],
        completed_trainings=[completed.get(pk, none) for pk in pks],
        conflicts_of_interest=[conflicts.get(pk, none) for pk in pks],
    )
