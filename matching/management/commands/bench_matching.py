"""The matching benchmark (issue 4, item 7): `manage.py bench_matching` or `make bench`.

Builds a seeded data set in a NEW organisation (default 10,000 active volunteers with current
certificates and 1,000 waiting clients with consent), times

(a) suggestions for one client end to end, as the suggestions page does them: load the
    policy, the client and every candidate volunteer's facts from the database, then
    `fast.suggest_fast` for the policy's number of suggestions; median and 95th percentile
    over --runs random clients, in milliseconds;
(b) the waiting-list proposal for the whole organisation, in seconds;

prints ONE JSON object on stdout (progress goes to stderr) and removes the benchmark
organisation's data again unless --keep. Refuses to run outside DEBUG unless --force: it writes
thousands of rows.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from clients.models import Client
from matching import facts
from matching.fast import VolunteerTable, forget_kept_tables, suggest_fast
from matching.models import ConflictOfInterest, FlagTraining, Match, MatchingPolicy, MatchVolunteer
from matching.services.waiting import waiting_list_proposal
from reclass_volunteers.models import Organisation, Role, User
from volunteers.choices import AVAILABILITY_SLOTS, ActivityType, CourseKind, VolunteerRole
from volunteers.models import Certificate, Course, Enrolment, TrainingSession, Volunteer

BATCH = 2000
SUGGESTION_TARGET_MS = 200.0
WAITING_LIST_TARGET_S = 10.0

LANGUAGES = ["Engels", "Arabisch", "Turks", "Pools", "Papiaments", "Spaans", "Duits", "Tigrinya"]
COUNTRIES = ["ES", "DE", "BE", "FR"]
ACTIVITIES = list(ActivityType.values)


def _postcode(rng: random.Random) -> str:
    if rng.random() < 0.02:
        return ""  # unknown: the distance criterion must cope
    letters = "ABCDEFGHJKLMNPRSTVWXZ"
    return f"{rng.randint(1000, 9999)} {rng.choice(letters)}{rng.choice(letters)}"


def _languages(rng: random.Random) -> list[str]:
    extra = rng.sample(LANGUAGES, rng.choice([0, 0, 1, 1, 2]))
    return ["Nederlands", *extra] if rng.random() < 0.95 else extra


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


class Command(BaseCommand):
    help = "Time suggestions for one client and the waiting-list proposal on a seeded data set."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--volunteers", type=int, default=10_000)
        parser.add_argument("--clients", type=int, default=1_000)
        parser.add_argument("--runs", type=int, default=50)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--keep", action="store_true", help="Keep the benchmark data.")
        parser.add_argument("--force", action="store_true", help="Run even when DEBUG is off.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "bench_matching writes thousands of rows: it runs only with DEBUG on "
                "(DJANGO_DEBUG=true) or with --force."
            )
        if options["volunteers"] < 1 or options["clients"] < 1 or options["runs"] < 1:
            raise CommandError("--volunteers, --clients and --runs must be at least 1.")
        rng = random.Random(options["seed"])  # noqa: S311 - a repeatable data set, no secret
        started = time.perf_counter()
        organisation = self._build(rng, options["volunteers"], options["clients"])
        self._analyse()
        setup_s = time.perf_counter() - started
        try:
            result = self._measure(rng, organisation, options["runs"])
        finally:
            if not options["keep"]:
                self._progress("removing the benchmark data")
                self._remove(organisation)
        result = {
            "volunteers": options["volunteers"],
            "clients": options["clients"],
            **result,
            "setup_s": round(setup_s, 2),
            "runs": options["runs"],
            "seed": options["seed"],
            "database": connection.vendor,
            "organisation": organisation.name if options["keep"] else None,
        }
        self.stdout.write(json.dumps(result))

    def _progress(self, text: str) -> None:
        self.stderr.write(f"bench_matching: {text}")

    def _analyse(self) -> None:
        """Vacuum and refresh the planner's statistics after the bulk insert, as autovacuum
        soon would on a real database: with stale ones PostgreSQL plans thousands of rows as
        one, and every first read of a fresh row writes its hint bits."""
        if connection.vendor != "postgresql":
            return
        tables = [
            model._meta.db_table
            for model in (
                Volunteer,
                Certificate,
                Enrolment,
                TrainingSession,
                Course,
                Client,
                ConflictOfInterest,
                Match,
                MatchVolunteer,
                FlagTraining,
            )
        ]
        # VACUUM cannot run inside a transaction (the tests run the command in one).
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"{command} {connection.ops.quote_name(table)}")

    # --- Measuring -------------------------------------------------------------------------

    def _measure(self, rng: random.Random, organisation: Organisation, runs: int) -> dict[str, Any]:
        client_ids = list(
            Client.objects.filter(
                organisation=organisation, status=Client.Status.WAITING
            ).values_list("pk", flat=True)
        )
        self._progress(f"timing suggestions for {runs} clients")
        # The same random clients for both ways of loading the volunteers.
        chosen = [rng.choice(client_ids) for _ in range(runs)]
        # Without the arrays VolunteerTable.load keeps while no volunteer row changes: as the
        # first page after a change to any volunteer.
        cold_ms: list[float] = []
        for pk in chosen[:10]:
            forget_kept_tables()
            cold_ms.append(self._time_suggestions(organisation, pk, load_table=True))
        table_ms = [self._time_suggestions(organisation, pk, load_table=True) for pk in chosen]
        facts_ms = [self._time_suggestions(organisation, pk, load_table=False) for pk in chosen]
        self._progress("timing the waiting-list proposal")
        forget_kept_tables()  # timed from scratch
        t0 = time.perf_counter()
        proposal = waiting_list_proposal(organisation=organisation)
        waiting_s = time.perf_counter() - t0
        median = statistics.median(table_ms)
        return {
            "suggestion_ms_median": round(median, 1),
            "suggestion_ms_p95": round(_percentile(table_ms, 0.95), 1),
            "waiting_list_s": round(waiting_s, 2),
            "suggestion_median_under_200ms": median < SUGGESTION_TARGET_MS,
            "waiting_list_under_10s": waiting_s < WAITING_LIST_TARGET_S,
            "suggestion_cold_ms_median": round(statistics.median(cold_ms), 1),
            "suggestion_cold_ms_max": round(max(cold_ms), 1),
            # The same suggestions with the volunteers loaded as VolunteerFacts first
            # (facts.volunteer_facts), for comparison.
            "suggestion_via_volunteer_facts_ms_median": round(statistics.median(facts_ms), 1),
            "suggestion_via_volunteer_facts_ms_p95": round(_percentile(facts_ms, 0.95), 1),
            "pairs_proposed": len(proposal.pairs),
            "clients_left_waiting": len(proposal.unassigned),
        }

    def _time_suggestions(
        self, organisation: Organisation, client_pk: int, *, load_table: bool
    ) -> float:
        """Milliseconds for one client's suggestions page data, from the database up: the
        policy, the client, every candidate volunteer, the scores and the explanations."""
        started = time.perf_counter()
        policy = MatchingPolicy.for_organisation(organisation)
        client = Client.objects.get(pk=client_pk)
        volunteers = (
            VolunteerTable.load(organisation) if load_table else facts.volunteer_facts(organisation)
        )
        suggest_fast(
            facts.client_facts(client),
            volunteers,
            facts.weights_for(policy),
            limit=policy.suggestions_shown,
        )
        return (time.perf_counter() - started) * 1000

    # --- The data set ----------------------------------------------------------------------

    @transaction.atomic
    def _build(self, rng: random.Random, n_volunteers: int, n_clients: int) -> Organisation:
        today = timezone.localdate()
        stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
        organisation = Organisation.objects.create(
            name=f"Benchmark {stamp}", kind=Organisation.Kind.PROBATION
        )
        professional = User(
            email=f"bench-{stamp}@example.invalid",
            full_name="Benchmark professional",
            organisation=organisation,
            role=Role.PROFESSIONAL,
        )
        professional.set_unusable_password()
        professional.save()

        self._progress(f"creating {n_volunteers} volunteers")
        volunteers = Volunteer.objects.bulk_create(
            [self._volunteer(rng, organisation, i) for i in range(n_volunteers)],
            batch_size=BATCH,
        )
        Certificate.objects.bulk_create(
            [self._certificate(rng, v, today) for v in volunteers], batch_size=BATCH
        )
        self._trainings(rng, organisation, volunteers, today)

        self._progress(f"creating {n_clients} waiting clients")
        clients = Client.objects.bulk_create(
            [
                self._client(rng, organisation, professional, f"BW-{i:05d}", today)
                for i in range(n_clients)
            ],
            batch_size=BATCH,
        )
        # Some declared conflicts of interest, and some volunteers already busy: a matched
        # client per live match, so the capacity rule and the workload criterion have work.
        ConflictOfInterest.objects.bulk_create(
            [
                ConflictOfInterest(volunteer=rng.choice(volunteers), client=client)
                for client in rng.sample(clients, max(1, n_clients // 5))
            ],
            batch_size=BATCH,
            ignore_conflicts=True,
        )
        busy = rng.sample(volunteers, max(1, n_volunteers // 10))
        matched = Client.objects.bulk_create(
            [
                self._client(
                    rng, organisation, professional, f"BM-{i:05d}", today, Client.Status.MATCHED
                )
                for i in range(len(busy))
            ],
            batch_size=BATCH,
        )
        matches = Match.objects.bulk_create(
            [
                Match(
                    organisation=organisation,
                    client=client,
                    responsible_professional=professional,
                    status=Match.Status.ACTIVE,
                    started_on=today - timedelta(days=rng.randint(10, 300)),
                )
                for client in matched
            ],
            batch_size=BATCH,
        )
        MatchVolunteer.objects.bulk_create(
            [
                MatchVolunteer(match=match, volunteer=volunteer, is_lead=True)
                for match, volunteer in zip(matches, busy, strict=True)
            ],
            batch_size=BATCH,
        )
        return organisation

    def _volunteer(self, rng: random.Random, organisation: Organisation, i: int) -> Volunteer:
        role = rng.choices(
            [VolunteerRole.BUDDY, VolunteerRole.EXPERIENCE_EXPERT, VolunteerRole.VISITOR_ABROAD],
            weights=[90, 7, 3],
        )[0]
        return Volunteer(
            organisation=organisation,
            first_name=f"Vrijwilliger{i % 97}",
            last_name=f"Bench{i:05d}",
            email=f"bench-volunteer-{i}@example.invalid",
            postcode=_postcode(rng),
            abroad_country=rng.choice(COUNTRIES) if role == VolunteerRole.VISITOR_ABROAD else "",
            languages=_languages(rng),
            availability=rng.sample(AVAILABILITY_SLOTS, rng.randint(2, 10)),
            activity_preferences=rng.sample(ACTIVITIES, rng.randint(2, 5)),
            willing_sex_offences=rng.random() < 0.3,
            status=Volunteer.Status.ACTIVE,
            role=role,
            max_matches=rng.randint(1, 3),
        )

    def _certificate(self, rng: random.Random, volunteer: Volunteer, today: date) -> Certificate:
        issued = today - timedelta(days=rng.randint(7, 700))
        return Certificate(
            volunteer=volunteer,
            requested_on=issued - timedelta(days=14),
            issued_on=issued,
            screening_areas="08",
            function_aspects="84, 85",
        )

    def _trainings(
        self,
        rng: random.Random,
        organisation: Organisation,
        volunteers: list[Volunteer],
        today: date,
    ) -> None:
        """The circle training for a sex offence and a violence training, completed by some."""
        starts = timezone.now() - timedelta(days=200)
        for flag, name, validity, share in (
            ("sex_offence", "Cirkeltraining (COSA)", None, 0.25),
            ("violence", "Omgaan met agressie", 24, 0.3),
        ):
            course = Course.objects.create(
                organisation=organisation,
                name=name,
                kind=CourseKind.SPECIALISED,
                validity_months=validity,
            )
            FlagTraining.objects.create(organisation=organisation, flag=flag, course=course)
            session = TrainingSession.objects.create(
                course=course, starts_at=starts, location="Utrecht", capacity=500
            )
            Enrolment.objects.bulk_create(
                [
                    Enrolment(
                        session=session,
                        volunteer=volunteer,
                        status=Enrolment.Status.COMPLETED,
                        completed_on=today - timedelta(days=rng.randint(1, 900)),
                    )
                    for volunteer in volunteers
                    if rng.random() < share
                ],
                batch_size=BATCH,
            )

    def _client(
        self,
        rng: random.Random,
        organisation: Organisation,
        professional: User,
        code: str,
        today: date,
        status: str = Client.Status.WAITING,
    ) -> Client:
        abroad = rng.random() < 0.02
        flags = [
            flag
            for flag, share in (("sex_offence", 0.1), ("violence", 0.1), ("addiction", 0.1))
            if rng.random() < share
        ]
        needs = rng.sample(ACTIVITIES, rng.randint(1, 3))
        return Client(
            organisation=organisation,
            code=code,
            first_name="Cliënt",
            last_name=code,
            postcode="" if abroad else _postcode(rng),
            abroad_country=rng.choice(COUNTRIES) if abroad else "",
            languages=_languages(rng) if rng.random() < 0.8 else [],
            needs={need: rng.randint(1, 3) for need in needs},
            availability=rng.sample(AVAILABILITY_SLOTS, rng.randint(0, 6)),
            preferences=rng.sample(ACTIVITIES, rng.randint(0, 2)),
            experience_expert_suitable=rng.random() < 0.3,
            consent_on=today - timedelta(days=rng.randint(1, 60)),
            consent_method="written",
            responsible_professional=professional,
            status=status,
            risk_flags=flags,
        )

    @transaction.atomic
    def _remove(self, organisation: Organisation) -> None:
        # Children first, so that no delete has to collect cascades row by row.
        MatchVolunteer.objects.filter(match__organisation=organisation).delete()
        Match.objects.filter(organisation=organisation).delete()
        ConflictOfInterest.objects.filter(client__organisation=organisation).delete()
        Enrolment.objects.filter(session__course__organisation=organisation).delete()
        FlagTraining.objects.filter(organisation=organisation).delete()
        Course.objects.filter(organisation=organisation).delete()
        Certificate.objects.filter(volunteer__organisation=organisation).delete()
        Client.objects.filter(organisation=organisation).delete()
        Volunteer.objects.filter(organisation=organisation).delete()
        User.objects.filter(organisation=organisation).delete()
        organisation.delete()
