"""From the database to the engine's plain facts, in a fixed number of queries.

`volunteer_facts` reads every candidate volunteer of an organisation (active or paused) in one
query plus one for the trainings the organisation's risk flags require and one for declared
conflicts of interest: three queries whether there are 10 volunteers or 10,000. The engine then
never touches the ORM.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from clients.models import Client
from matching.engine import ClientFacts, VolunteerFacts, Weights
from matching.models import (
    WEIGHT_FIELDS,
    ConflictOfInterest,
    FlagTraining,
    Match,
    MatchingPolicy,
    MatchVolunteer,
)
from reclass_volunteers.models import Organisation
from volunteers.choices import VolunteerRole
from volunteers.models import Certificate, Enrolment, Volunteer, VolunteerPolicy
from volunteers.models.screening import _add_months

# Volunteers the suggestion page considers: the active ones, and the paused ones so that the
# coordinator sees why a familiar name is missing.
CANDIDATE_STATUSES = (Volunteer.Status.ACTIVE, Volunteer.Status.PAUSED)


def language_key(name: str) -> str:
    """One spelling per language, so "nederlands" and "Nederlands" match."""
    name = " ".join(str(name).split())
    return name[:1].upper() + name[1:].lower()


def weights_for(policy: MatchingPolicy) -> Weights:
    return Weights(**{name: float(getattr(policy, name)) for name in WEIGHT_FIELDS})


def required_trainings(organisation: Organisation) -> dict[str, frozenset[str]]:
    """Risk flag -> names of the trainings it requires (one query)."""
    by_flag: dict[str, set[str]] = defaultdict(set)
    for flag, name in FlagTraining.objects.filter(organisation=organisation).values_list(
        "flag", "course__name"
    ):
        by_flag[flag].add(name)
    return {flag: frozenset(names) for flag, names in by_flag.items()}


def client_facts(
    client: Client, required_by_flag: dict[str, frozenset[str]] | None = None
) -> ClientFacts:
    if required_by_flag is None:
        required_by_flag = required_trainings(client.organisation)
    flags = frozenset(client.risk_flags or [])
    required: frozenset[str] = frozenset().union(
        *(required_by_flag.get(flag, frozenset()) for flag in flags)
    )
    return ClientFacts(
        id=client.pk,
        needs={key: int(priority) for key, priority in (client.needs or {}).items()},
        flags=flags,
        required_trainings=required,
        experience_expert_suitable=client.experience_expert_suitable,
        postcode=client.postcode,
        abroad_country=client.abroad_country.upper() if client.abroad_country else None,
        languages=frozenset(language_key(name) for name in client.languages or []),
        availability=frozenset(client.availability or []),
        preferences=frozenset(client.preferences or []),
    )


def clients_facts(clients: Iterable[Client], organisation: Organisation) -> list[ClientFacts]:
    required_by_flag = required_trainings(organisation)
    return [client_facts(client, required_by_flag) for client in clients]


def _completed_trainings(
    organisation: Organisation, today: date, volunteer_ids: Iterable[int] | None
) -> dict[int, set[str]]:
    """Volunteer id -> names of completed, unexpired trainings that some risk flag requires."""
    course_ids = set(
        FlagTraining.objects.filter(organisation=organisation).values_list("course_id", flat=True)
    )
    if not course_ids:
        return {}
    enrolments = Enrolment.objects.filter(
        status=Enrolment.Status.COMPLETED,
        session__course_id__in=course_ids,
        volunteer__organisation=organisation,
        volunteer__status__in=CANDIDATE_STATUSES,
    )
    if volunteer_ids is not None:
        enrolments = enrolments.filter(volunteer_id__in=list(volunteer_ids))
    completed: dict[int, set[str]] = defaultdict(set)
    for volunteer_id, name, completed_on, months in enrolments.values_list(
        "volunteer_id", "session__course__name", "completed_on", "session__course__validity_months"
    ):
        if completed_on is None:  # the model's constraint rules it out for completed ones
            continue
        if months is None or _add_months(completed_on, months) > today:
            completed[volunteer_id].add(name)
    return completed


def volunteer_facts(
    organisation: Organisation,
    *,
    today: date | None = None,
    volunteer_ids: Iterable[int] | None = None,
) -> list[VolunteerFacts]:
    """Facts of the organisation's candidate volunteers (or of the given ones), in id order."""
    today = today or timezone.localdate()
    policy = VolunteerPolicy.for_organisation(organisation)
    # A certificate is current while issued_on + renew years > today >= issued_on.
    oldest_current = _add_months(today, -12 * policy.certificate_renew_years)
    live_matches = (
        MatchVolunteer.objects.filter(
            volunteer=OuterRef("pk"), match__status__in=Match.LIVE_STATUSES
        )
        .values("volunteer")
        .annotate(n=Count("pk"))
        .values("n")
    )
    qs = Volunteer.objects.filter(organisation=organisation)
    if volunteer_ids is not None:
        ids = list(volunteer_ids)
        qs = qs.filter(pk__in=ids)
    else:
        ids = None
        qs = qs.filter(status__in=CANDIDATE_STATUSES)
    rows = (
        qs.annotate(
            certificate_valid=Exists(
                Certificate.objects.filter(
                    volunteer=OuterRef("pk"),
                    issued_on__isnull=False,
                    issued_on__lte=today,
                    issued_on__gt=oldest_current,
                )
            ),
            current_matches=Coalesce(Subquery(live_matches, output_field=IntegerField()), Value(0)),
        )
        .order_by("pk")
        .values_list(
            "pk",
            "first_name",
            "last_name",
            "status",
            "certificate_valid",
            "willing_sex_offences",
            "role",
            "current_matches",
            "max_matches",
            "postcode",
            "abroad_country",
            "languages",
            "availability",
            "activity_preferences",
        )
    )
    completed = _completed_trainings(organisation, today, ids)
    conflicts: dict[int, set[int]] = defaultdict(set)
    conflict_rows = ConflictOfInterest.objects.filter(volunteer__organisation=organisation)
    if ids is not None:
        conflict_rows = conflict_rows.filter(volunteer_id__in=ids)
    for volunteer_id, client_id in conflict_rows.values_list("volunteer_id", "client_id"):
        conflicts[volunteer_id].add(client_id)
    empty: frozenset[int] = frozenset()
    return [
        VolunteerFacts(
            id=pk,
            name=f"{first} {last}".strip(),
            active=status == Volunteer.Status.ACTIVE,
            certificate_valid=bool(cert),
            completed_trainings=frozenset(completed.get(pk, ())),
            willing_sex_offences=willing,
            is_experience_expert=role == VolunteerRole.EXPERIENCE_EXPERT,
            current_matches=current,
            max_matches=max_matches,
            conflicts_of_interest=frozenset(conflicts[pk]) if pk in conflicts else empty,
            postcode=postcode,
            country=(country or "NL").upper(),
            languages=frozenset(language_key(name) for name in languages or []),
            availability=frozenset(availability or []),
            activity_preferences=frozenset(preferences or []),
        )
        for (
            pk,
            first,
            last,
            status,
            cert,
            willing,
            role,
            current,
            max_matches,
            postcode,
            country,
            languages,
            availability,
            preferences,
        ) in rows
    ]
