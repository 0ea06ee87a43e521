"""The sweep benchmark (issue 6, "Done when"): `manage.py bench_sweeps` or `make bench`.

Seeds one probation organisation with --volunteers volunteers (default 10,000) in realistic
shares: ~80% active with a date of birth, an account and a first status change to active at
various dates; running matches with contact reports (some silent for 30-60 days, a few longer),
clients flagged sex_offence among them; certificates of conduct issued at various dates;
training sessions with enrolments (coming and completed); intervision groups with sessions and
invitations; supervision plans with notes (some overdue); earlier well-being check-ins and
personal attention items. Then runs one full round of every registered sweep at a fixed `now`
and a second round at the same moment (the steady state: everything due was sent already),
each timed and with its queries counted, and prints ONE JSON object on stdout (progress goes
to stderr).

`--compare` runs it again at a tenth of the size and reports whether the second round's query
count is the same at both sizes: a round must not grow in queries per volunteer.

Everything happens in one transaction that is rolled back at the end: the data set is never
left behind, and the e-mails of the messages the sweeps create are never queued (delivery is
dispatched on commit). Savepoints taken by the outbox inside that transaction count as queries
in the first round. Refuses to run outside DEBUG unless --force.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from clients.models import Client
from matching.models import Match, MatchVolunteer
from reclass_volunteers.models import Notification, Organisation, Role, SweepRun, User
from reclass_volunteers.sweeps import discover, run_sweeps
from supervision.models import (
    ContactKind,
    ContactReport,
    IntervisionGroup,
    IntervisionInvitation,
    IntervisionSession,
    SupervisionNote,
    WellbeingCheckIn,
)
from volunteers.choices import CourseKind, SupervisionForm, VolunteerRole
from volunteers.models import (
    AttentionItem,
    Certificate,
    Course,
    Enrolment,
    StatusChange,
    TrainingSession,
    Volunteer,
)

BATCH = 2000
UNUSABLE_PASSWORD = "!"  # noqa: S105 - Django's mark for "no password": nobody logs in as these
GROUP_SIZE = 10
# Shares of volunteers per stage: most are active, the rest spread over the others.
STATUSES = [
    (Volunteer.Status.ACTIVE, 80),
    (Volunteer.Status.PAUSED, 5),
    (Volunteer.Status.TRAINING, 4),
    (Volunteer.Status.SCREENING, 3),
    (Volunteer.Status.APPLIED, 3),
    (Volunteer.Status.FAREWELL, 5),
]
WORKING = (Volunteer.Status.ACTIVE, Volunteer.Status.PAUSED)


class _QueryCounter:
    """Counts every statement sent to the database. (CaptureQueriesContext keeps only the
    last 9,000 queries, and a first round at 10,000 volunteers makes more than that.)"""

    def __init__(self) -> None:
        self.count = 0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


class _Rollback(Exception):
    """Leaves the benchmark's transaction, undoing everything it wrote."""


class Command(BaseCommand):
    help = "Time one full round of the reminder sweeps, and a second one, on a seeded data set."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--volunteers", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--compare",
            action="store_true",
            help="Also run at a tenth of the size and compare the second round's queries.",
        )
        parser.add_argument("--force", action="store_true", help="Run even when DEBUG is off.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "bench_sweeps writes thousands of rows: it runs only with DEBUG on "
                "(DJANGO_DEBUG=true) or with --force."
            )
        size = options["volunteers"]
        if size < 1:
            raise CommandError("--volunteers must be at least 1.")
        result = self._bench(size, options["seed"])
        if options["compare"]:
            small = self._bench(max(1, size // 10), options["seed"])
            steady, steady_small = result["rounds"][1]["queries"], small["rounds"][1]["queries"]
            result = {
                **result,
                "compare": {
                    "volunteers": small["volunteers"],
                    "rounds": small["rounds"],
                    "sweeps": small["sweeps"],
                    "steady_state_queries": {
                        str(size): steady,
                        str(small["volunteers"]): steady_small,
                    },
                    "steady_state_queries_equal": steady == steady_small,
                },
            }
        self.stdout.write(json.dumps(result))

    def _progress(self, text: str) -> None:
        self.stderr.write(f"bench_sweeps: {text}")

    # --- One benchmark ---------------------------------------------------------------------

    def _bench(self, size: int, seed: int) -> dict[str, Any]:
        rng = random.Random(seed)  # noqa: S311 - a repeatable data set, no secret
        # A fixed moment by day (no quiet hours), today at 10:00 local time.
        now = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
        measured: dict[str, Any] = {}
        try:
            with transaction.atomic():
                started = time.perf_counter()
                seeded = self._build(rng, size, now)
                self._analyse()
                measured["setup_s"] = round(time.perf_counter() - started, 2)
                measured["seeded"] = seeded
                names = sorted(discover())
                self._progress(f"{size} volunteers: first round of {len(names)} sweeps")
                first = self._round(names, now)
                self._progress(f"{size} volunteers: second round")
                # Thousands of new messages and items: autovacuum would analyse them before
                # the next round. Then the same moment again: everything due was handled, so
                # this is the steady state that every later round of a quiet day costs.
                self._analyse()
                second = self._round(names, now)
                measured["rounds"] = [first["total"], second["total"]]
                measured["sweeps"] = {
                    name: {"first": first["sweeps"][name], "second": second["sweeps"][name]}
                    for name in names
                }
                raise _Rollback
        except _Rollback:
            pass
        return {
            "volunteers": size,
            "now": now.isoformat(),
            **measured,
            "seed": seed,
            "database": connection.vendor,
        }

    def _round(self, names: list[str], now: datetime) -> dict[str, Any]:
        """Every sweep once, as run_sweeps does it, each timed and counted on its own."""
        per_sweep: dict[str, dict[str, Any]] = {}
        for name in names:
            counter = _QueryCounter()
            with connection.execute_wrapper(counter):
                started = time.perf_counter()
                [run] = run_sweeps([name], now=now)
                seconds = time.perf_counter() - started
            per_sweep[name] = {
                "seconds": round(seconds, 3),
                "queries": counter.count,
                "sent": run.sent,
                "skipped": run.skipped,
                **({"error": run.error.split(":", 1)[0]} if run.error else {}),
            }
        total = {
            "seconds": round(sum(s["seconds"] for s in per_sweep.values()), 3),
            "queries": sum(s["queries"] for s in per_sweep.values()),
            "sent": sum(s["sent"] for s in per_sweep.values()),
            "skipped": sum(s["skipped"] for s in per_sweep.values()),
            "failed": sorted(name for name, s in per_sweep.items() if "error" in s),
        }
        return {"total": total, "sweeps": per_sweep}

    def _analyse(self) -> None:
        """Refresh the planner's statistics after the bulk insert, as autovacuum soon would."""
        if connection.vendor != "postgresql":
            return
        models = (
            User,
            Volunteer,
            StatusChange,
            Certificate,
            Course,
            TrainingSession,
            Enrolment,
            Client,
            Match,
            MatchVolunteer,
            ContactReport,
            SupervisionNote,
            IntervisionGroup,
            IntervisionSession,
            IntervisionInvitation,
            WellbeingCheckIn,
            AttentionItem,
            Notification,
            SweepRun,
        )
        with connection.cursor() as cursor:
            for model in models:
                # ANALYZE (not VACUUM): we are inside the benchmark's transaction.
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")

    # --- Seeding ---------------------------------------------------------------------------

    def _build(self, rng: random.Random, size: int, now: datetime) -> dict[str, int]:
        today = timezone.localdate(now)
        stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
        organisation = Organisation.objects.create(
            name=f"Benchmark sweeps {stamp}", kind=Organisation.Kind.PROBATION
        )

        def staff(role: str, number: int) -> list[User]:
            users = [
                User(
                    email=f"bench-{stamp}-{role}-{i}@example.invalid",
                    full_name=f"Bench {role} {i}",
                    organisation=organisation,
                    role=role,
                    password=UNUSABLE_PASSWORD,
                )
                for i in range(number)
            ]
            return User.objects.bulk_create(users, batch_size=BATCH)

        coordinators = staff(Role.COORDINATOR, 3)
        professionals = staff(Role.PROFESSIONAL, max(2, size // 50))
        staff(Role.ADMIN, 1)

        self._progress(f"creating {size} volunteers")
        statuses = rng.choices([s for s, _ in STATUSES], weights=[w for _, w in STATUSES], k=size)
        accounts = User.objects.bulk_create(
            [
                User(
                    email=f"bench-{stamp}-volunteer-{i}@example.invalid",
                    full_name=f"Vrijwilliger Bench{i:05d}",
                    organisation=organisation,
                    role=Role.VOLUNTEER,
                    password=UNUSABLE_PASSWORD,
                    reminders_opt_out=rng.random() < 0.05,
                )
                for i, status in enumerate(statuses)
                if status not in (Volunteer.Status.APPLIED, Volunteer.Status.SCREENING)
            ],
            batch_size=BATCH,
        )
        account_of = iter(accounts)
        volunteers = Volunteer.objects.bulk_create(
            [
                self._volunteer(
                    rng,
                    organisation,
                    i,
                    status,
                    None
                    if status in (Volunteer.Status.APPLIED, Volunteer.Status.SCREENING)
                    else next(account_of),
                    rng.choice(professionals),
                    today,
                )
                for i, status in enumerate(statuses)
            ],
            batch_size=BATCH,
        )
        working = [v for v in volunteers if v.status in WORKING]
        active = [v for v in volunteers if v.status == Volunteer.Status.ACTIVE]

        # The first step to active, at various dates: anniversaries of starting.
        StatusChange.objects.bulk_create(
            [
                StatusChange(
                    volunteer=v,
                    from_status=Volunteer.Status.TRAINING,
                    to_status=Volunteer.Status.ACTIVE,
                    at=v.status_changed_at,
                )
                for v in working
            ],
            batch_size=BATCH,
        )
        certificates = Certificate.objects.bulk_create(
            [self._certificate(rng, v, today) for v in working], batch_size=BATCH
        )
        self._progress("creating matches and contact reports")
        matches = self._matches(rng, organisation, active, professionals, today)
        self._progress("creating training, intervision and supervision")
        enrolments = self._trainings(rng, organisation, volunteers, working, now, today)
        invitations = self._intervision(rng, organisation, working, coordinators, now)
        notes = self._supervision(rng, working, today)
        history = self._history(rng, organisation, active, matches, today)
        return {
            "users": len(accounts) + len(coordinators) + len(professionals) + 1,
            "volunteers": len(volunteers),
            "active": len(active),
            "certificates": len(certificates),
            "matches": len(matches),
            "contact_reports": ContactReport.objects.filter(
                match__organisation=organisation
            ).count(),
            "enrolments": enrolments,
            "intervision_invitations": invitations,
            "supervision_notes": notes,
            **history,
        }

    def _volunteer(
        self,
        rng: random.Random,
        organisation: Organisation,
        i: int,
        status: str,
        account: User | None,
        supervisor: User,
        today: date,
    ) -> Volunteer:
        working = status in WORKING
        return Volunteer(
            organisation=organisation,
            user=account,
            first_name=f"Vrijwilliger{i % 97}",
            last_name=f"Bench{i:05d}",
            email=f"bench-volunteer-{i}@example.invalid",
            postcode=f"{rng.randint(1000, 9999)} AB",
            date_of_birth=(
                today - timedelta(days=rng.randint(19 * 365, 75 * 365))
                if status != Volunteer.Status.APPLIED or rng.random() < 0.5
                else None
            ),
            languages=["Nederlands"],
            willing_sex_offences=rng.random() < 0.3,
            status=status,
            # Working volunteers started up to twelve years ago: supervision is measured from
            # then (someone who starts today is not overdue), anniversaries too.
            status_changed_at=(
                timezone.now() - timedelta(days=rng.randint(20, 12 * 365))
                if working
                else timezone.now()
            ),
            role=VolunteerRole.BUDDY,
            max_matches=rng.randint(1, 3),
            supervisor=supervisor if working else None,
            supervision_form=rng.choice(SupervisionForm.values) if working else "",
            supervision_interval_weeks=rng.choice([4, 6, 8, 12]) if working else None,
        )

    def _certificate(self, rng: random.Random, volunteer: Volunteer, today: date) -> Certificate:
        # Issued up to five years ago: some expire within the warning periods.
        issued = today - timedelta(days=rng.randint(1, 5 * 365))
        return Certificate(
            volunteer=volunteer,
            requested_on=issued - timedelta(days=14),
            issued_on=issued,
            screening_areas="08",
            function_aspects="84, 85",
        )

    def _matches(
        self,
        rng: random.Random,
        organisation: Organisation,
        active: list[Volunteer],
        professionals: list[User],
        today: date,
    ) -> list[Match]:
        """A running match for ~60% of the active volunteers, with contact reports: most
        recent, some silent for 30-60 days, a few longer; 10% of the clients sex_offence."""
        matched = [v for v in active if rng.random() < 0.6]
        clients = Client.objects.bulk_create(
            [
                Client(
                    organisation=organisation,
                    code=f"BS-{i:05d}",
                    first_name="Cliënt",
                    last_name=f"BS-{i:05d}",
                    postcode=f"{rng.randint(1000, 9999)} CD",
                    consent_on=today - timedelta(days=rng.randint(30, 900)),
                    consent_method="written",
                    responsible_professional=rng.choice(professionals),
                    status=Client.Status.MATCHED,
                    risk_flags=["sex_offence"] if rng.random() < 0.1 else [],
                )
                for i in range(len(matched))
            ],
            batch_size=BATCH,
        )
        matches = Match.objects.bulk_create(
            [
                Match(
                    organisation=organisation,
                    client=client,
                    responsible_professional=client.responsible_professional,
                    status=Match.Status.ACTIVE,
                    started_on=today - timedelta(days=rng.randint(5, 900)),
                )
                for client in clients
            ],
            batch_size=BATCH,
        )
        MatchVolunteer.objects.bulk_create(
            [
                MatchVolunteer(match=match, volunteer=volunteer, is_lead=True)
                for match, volunteer in zip(matches, matched, strict=True)
            ],
            batch_size=BATCH,
        )
        reports = []
        for match, volunteer in zip(matches, matched, strict=True):
            assert match.started_on is not None
            silence = rng.choices(
                [rng.randint(0, 20), rng.randint(30, 60), rng.randint(61, 120)],
                weights=[75, 20, 5],
            )[0]
            last = today - timedelta(days=silence)
            if last < match.started_on:
                continue  # a new match without a report yet
            for back in range(rng.randint(1, 4)):
                happened = last - timedelta(days=14 * back)
                if happened < match.started_on:
                    break
                reports.append(
                    ContactReport(
                        match=match,
                        volunteer=volunteer,
                        happened_on=happened,
                        duration_minutes=rng.randint(30, 180),
                        kind=rng.choice(ContactKind.values),
                        how_it_went=rng.randint(2, 5),
                    )
                )
        ContactReport.objects.bulk_create(reports, batch_size=BATCH)
        return matches

    def _trainings(
        self,
        rng: random.Random,
        organisation: Organisation,
        volunteers: list[Volunteer],
        working: list[Volunteer],
        now: datetime,
        today: date,
    ) -> int:
        """Courses with sessions from two months ago to a month ahead: the coming ones with
        enrolled volunteers, the past ones completed (one course expires after 24 months)."""
        courses = [
            Course.objects.create(
                organisation=organisation, name=name, kind=kind, validity_months=validity
            )
            for name, kind, validity in (
                ("Basistraining", CourseKind.BASIC, None),
                ("Omgaan met agressie", CourseKind.SPECIALISED, 24),
                ("Gespreksvaardigheden", CourseKind.SPECIALISED, None),
            )
        ]
        sessions_count = max(3, len(volunteers) // 100)
        # The first session is the day after tomorrow and the second was two months ago (the
        # expiring training's), whatever the size, so every size has reminders to send and
        # the rounds compare like with like; the others are spread around.
        offsets = [48, -60 * 24] + [
            rng.randint(-60 * 24, 30 * 24) for _ in range(sessions_count - 2)
        ]
        sessions = TrainingSession.objects.bulk_create(
            [
                TrainingSession(
                    course=courses[i % len(courses)],
                    starts_at=now + timedelta(hours=offset),
                    location="Utrecht",
                    capacity=30,
                )
                for i, offset in enumerate(offsets)
            ],
            batch_size=BATCH,
        )
        coming = [s for s in sessions if s.starts_at > now]
        sure = working[:3]
        chosen = {v.pk for v in sure}
        candidates = [
            v
            for v in volunteers
            if v.pk not in chosen
            and (
                v.status == Volunteer.Status.TRAINING
                or (v.status in WORKING and rng.random() < 0.15)
            )
        ]
        enrolments = [
            Enrolment(session=sessions[0], volunteer=v, status=Enrolment.Status.ENROLLED)
            for v in sure
        ]
        enrolments += [
            Enrolment(
                session=rng.choice(coming),
                volunteer=volunteer,
                status=rng.choices(
                    [Enrolment.Status.ENROLLED, Enrolment.Status.CANCELLED], weights=[90, 10]
                )[0],
            )
            for volunteer in candidates
        ]
        expiring = sessions[1]
        enrolments += [
            Enrolment(
                session=expiring,
                volunteer=volunteer,
                status=Enrolment.Status.COMPLETED,
                completed_on=today - timedelta(days=rng.randint(1, 730)),
            )
            for volunteer in working
            if rng.random() < 0.3
        ]
        Enrolment.objects.bulk_create(enrolments, batch_size=BATCH, ignore_conflicts=True)
        return len(enrolments)

    def _intervision(
        self,
        rng: random.Random,
        organisation: Organisation,
        working: list[Volunteer],
        coordinators: list[User],
        now: datetime,
    ) -> int:
        """Groups of ten, each meeting a few weeks ago and once in the coming ten days."""
        members = [v for v in working if rng.random() < 0.7]
        groups_members = [members[i : i + GROUP_SIZE] for i in range(0, len(members), GROUP_SIZE)]
        groups = IntervisionGroup.objects.bulk_create(
            [
                IntervisionGroup(
                    organisation=organisation,
                    name=f"Intervisiegroep {i}",
                    facilitator=rng.choice(coordinators),
                )
                for i in range(len(groups_members))
            ],
            batch_size=BATCH,
        )
        IntervisionGroup.members.through.objects.bulk_create(
            [
                IntervisionGroup.members.through(intervisiongroup=group, volunteer=volunteer)
                for group, group_members in zip(groups, groups_members, strict=True)
                for volunteer in group_members
            ],
            batch_size=BATCH,
        )
        sessions = IntervisionSession.objects.bulk_create(
            [
                IntervisionSession(
                    group=group,
                    starts_at=now + timedelta(hours=offset),
                    place="Utrecht",
                    topic="Grenzen stellen",
                )
                for number, group in enumerate(groups)
                # The first group meets tomorrow (a reminder at every size), the others within
                # ten days.
                for offset in (
                    -rng.randint(14 * 24, 40 * 24),
                    30 if number == 0 else rng.randint(2, 10 * 24),
                )
            ],
            batch_size=BATCH,
        )
        invitations = [
            IntervisionInvitation(
                session=session,
                volunteer=volunteer,
                answer=rng.choices(IntervisionInvitation.Answer.values, weights=[50, 40, 10])[0],
            )
            for session, group_members in zip(
                sessions, [m for m in groups_members for _ in range(2)], strict=True
            )
            for volunteer in group_members
        ]
        IntervisionInvitation.objects.bulk_create(invitations, batch_size=BATCH)
        return len(invitations)

    def _supervision(self, rng: random.Random, working: list[Volunteer], today: date) -> int:
        """Supervision notes under each plan; for about a fifth the next one is overdue."""
        notes = []
        for volunteer in working:
            if rng.random() < 0.05:
                continue  # a plan without any supervision yet
            interval = timedelta(weeks=volunteer.supervision_interval_weeks or 6)
            overdue = rng.random() < 0.2
            last = today - (
                interval + timedelta(days=rng.randint(7, 60))
                if overdue
                else timedelta(days=rng.randint(0, interval.days - 1))
            )
            for back in range(rng.randint(1, 3)):
                held = last - interval * back
                notes.append(
                    SupervisionNote(
                        volunteer=volunteer,
                        author=volunteer.supervisor,
                        held_on=held,
                        form=volunteer.supervision_form or SupervisionForm.ONE_TO_ONE,
                        topics="Voortgang van de koppeling",
                        next_on=held + interval,
                    )
                )
        SupervisionNote.objects.bulk_create(notes, batch_size=BATCH)
        return len(notes)

    def _history(
        self,
        rng: random.Random,
        organisation: Organisation,
        active: list[Volunteer],
        matches: list[Match],
        today: date,
    ) -> dict[str, int]:
        """What earlier rounds left: answered check-ins of volunteers whose client carries a
        sex offence, and last year's personal attention items (handled)."""
        flagged = {
            membership.volunteer_id
            for membership in MatchVolunteer.objects.filter(
                match__in=[m for m in matches if "sex_offence" in m.client.risk_flags]
            )
        }
        checkins = WellbeingCheckIn.objects.bulk_create(
            [
                WellbeingCheckIn(
                    organisation=organisation,
                    volunteer=volunteer,
                    due_on=today - timedelta(weeks=rng.randint(2, 9)),
                    answered_at=timezone.now() - timedelta(days=rng.randint(7, 13)),
                    overall=rng.randint(2, 5),
                    burden=rng.randint(1, 5),
                    support=rng.randint(2, 5),
                    surroundings=rng.randint(2, 5),
                )
                for volunteer in active
                if volunteer.pk in flagged
            ],
            batch_size=BATCH,
        )
        last_year = today.year - 1
        items = AttentionItem.objects.bulk_create(
            [
                AttentionItem(
                    organisation=organisation,
                    volunteer=volunteer,
                    kind=AttentionItem.Kind.VOLUNTEER_DAY,
                    occasion=f"volunteer_day:{last_year}",
                    due_on=date(last_year, 12, 7),
                    title="Nationale Vrijwilligersdag",
                    suggested_message="Dank je wel voor je inzet!",
                    status=AttentionItem.Status.DONE,
                    handled_at=timezone.now() - timedelta(days=rng.randint(30, 300)),
                )
                for volunteer in active
                if rng.random() < 0.3
            ],
            batch_size=BATCH,
        )
        return {"wellbeing_checkins": len(checkins), "attention_items": len(items)}
