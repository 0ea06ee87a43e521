"""Demo data for the quick start: three organisations, a user of every role, volunteers and
clients. Refuses to run outside debug, so it can never touch a production database."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from matching.models import FlagTraining, Match, MatchingPolicy, MatchVolunteer
from reclass_volunteers import outbox
from reclass_volunteers.models import Organisation, Role, User
from volunteers.choices import CourseKind, VolunteerRole
from volunteers.models import (
    Certificate,
    Competency,
    Course,
    Enrolment,
    RoleCompetency,
    RoleProfile,
    StatusChange,
    TrainingSession,
    Volunteer,
    VolunteerPolicy,
)
from volunteers.models.screening import _add_months

DEMO_PASSWORD = "demo-wachtwoord-2026"  # noqa: S105 - printed on purpose, debug only

ORGANISATIONS = [
    ("Reclassering Regio Oost", Organisation.Kind.PROBATION, "oost"),
    ("Cirkels Nederland (COSA)", Organisation.Kind.PROBATION, "cosa"),
    ("Humanitas Maatjes", Organisation.Kind.PARTNER, "humanitas"),
]

# Realistic names per organisation (in ORGANISATIONS order), so pages read as they will in use.
DEMO_NAMES: dict[str, tuple[str, str, str]] = {
    Role.COORDINATOR: ("Cora de Wit", "Carmen Hendriks", "Chris Vos"),
    Role.PROFESSIONAL: ("Pieter Bos", "Priya Ramdin", "Paul Kok"),
    Role.VOLUNTEER: ("Anna de Vries", "Vincent Dekker", "Vera Meijer"),
    Role.ADMIN: ("Bart Brouwer", "Bianca Post", "Ben Willems"),
}

VOLUNTEERS = [
    ("Anna", "de Vries", "7511 AB", Volunteer.Status.ACTIVE),
    ("Bram", "Jansen", "7521 CD", Volunteer.Status.ACTIVE),
    ("Carla", "Bakker", "7411 EF", Volunteer.Status.TRAINING),
    ("Dirk", "Visser", "7607 GH", Volunteer.Status.SCREENING),
    ("Eva", "Smit", "7551 JK", Volunteer.Status.APPLIED),
    ("Farid", "El Amrani", "7513 LM", Volunteer.Status.PAUSED),
]

COMPETENCIES = [
    ("Luisteren", "Echt horen wat de cliënt zegt, zonder te oordelen."),
    ("Grenzen stellen", "Weten wat wel en niet bij de rol hoort, en dat zeggen."),
    ("Betrouwbaarheid", "Afspraken nakomen; de cliënt en de organisatie kunnen op je rekenen."),
    ("Signaleren en melden", "Zien wanneer het slechter gaat, en dat op tijd doorgeven."),
]

CLIENTS = [
    ("OOST-001", "Kees", "Mulder", Client.Status.MATCHED),
    ("OOST-002", "Lars", "Peters", Client.Status.WAITING),
    ("OOST-003", "Mo", "Haddou", Client.Status.WAITING),
]

# Matching details per client code: needs (activity -> priority), languages, availability,
# preferences, postcode, risk flags, consent, abroad (country, prison).
CLIENT_DETAILS: dict[str, dict[str, Any]] = {
    "OOST-001": {
        "needs": {"practical": 1, "social": 2},
        "postcode": "7512 AA",
        "region": "Enschede",
        "languages": ["Nederlands"],
        "availability": ["tue_afternoon", "sat_morning"],
        "preferences": ["social"],
        "age_band": "35-49",
        "gender": "male",
    },
    "OOST-002": {
        "needs": {"housing": 1, "administration": 2, "social": 3},
        "postcode": "7513 BB",
        "region": "Enschede",
        "languages": ["Nederlands"],
        "availability": ["tue_afternoon", "thu_evening"],
        "preferences": ["social", "practical"],
        "preferences_note": "Liefst iemand die de buurt kent.",
        "age_band": "24-34",
        "gender": "male",
    },
    "OOST-003": {
        "needs": {"education_work": 1, "network": 2},
        "postcode": "7555 CC",
        "region": "Hengelo",
        "languages": ["Nederlands", "Arabisch"],
        "availability": ["mon_evening", "wed_evening"],
        "preferences": ["education_work"],
        "age_band": "18-23",
        "gender": "male",
    },
}

EXTRA_CLIENTS: list[dict[str, Any]] = [
    {
        "code": "OOST-004",
        "first_name": "Nina",
        "last_name": "Bosman",
        "needs": {"administration": 1, "emotional": 2},
        "postcode": "7522 DD",
        "region": "Enschede",
        "languages": ["Nederlands"],
        "consent": False,
        "gender": "female",
        "age_band": "50-64",
    },
    {
        "code": "OOST-005",
        "first_name": "Otto",
        "last_name": "Ruiter",
        "needs": {"network": 1, "social": 2, "relapse": 1},
        "postcode": "7511 EE",
        "region": "Enschede",
        "languages": ["Nederlands"],
        "risk_flags": ["sex_offence"],
        "staff_note": "Demo: zedendelict; kandidaat voor een cirkel (COSA).",
        "gender": "male",
        "age_band": "50-64",
    },
    {
        "code": "OOST-006",
        "first_name": "Ruben",
        "last_name": "Schouten",
        "needs": {"emotional": 1, "network": 2},
        "languages": ["Nederlands", "Spaans"],
        "abroad_country": "ES",
        "abroad_prison": "Centro Penitenciario de Málaga",
        "gender": "male",
        "age_band": "24-34",
    },
]

# Active volunteers beyond the lifecycle demo, so suggestions have something to choose from:
# (first, last, postcode, languages, availability, activities, max matches, extra fields).
MATCHING_VOLUNTEERS: list[tuple[str, str, str, list[str], list[str], list[str], int, dict]] = [
    ("Gerrit", "Hoekstra", "7513 KL", ["Nederlands"], ["tue_afternoon", "thu_evening"],
     ["housing", "administration", "social"], 2, {}),
    ("Hanna", "Kaya", "7514 MN", ["Nederlands", "Turks"], ["thu_evening"],
     ["administration", "emotional"], 1, {}),
    ("Ilse", "Meijer", "7556 PQ", ["Nederlands", "Arabisch"], ["mon_evening", "wed_evening"],
     ["education_work", "network"], 1, {}),
    ("Joost", "van Dam", "7511 RS", ["Nederlands"], ["sat_morning", "wed_evening"],
     ["network", "social", "relapse"], 1, {"willing_sex_offences": True, "circle": True}),
    ("Karin", "Smeets", "7512 TU", ["Nederlands", "Engels"], ["sat_morning", "mon_evening"],
     ["network", "emotional", "relapse"], 1, {"willing_sex_offences": True, "circle": True}),
    ("Leo", "Brink", "7523 VW", ["Nederlands"], ["sat_morning", "tue_afternoon"],
     ["social", "network"], 1, {"willing_sex_offences": True, "circle": True}),
    ("Marco", "de Graaf", "7531 XY", ["Nederlands"], ["thu_evening"],
     ["recovery", "relapse", "emotional"], 1, {"role": VolunteerRole.EXPERIENCE_EXPERT}),
    ("Sanne", "Verhoef", "", ["Nederlands", "Spaans"], [],
     ["emotional", "network"], 2, {"role": VolunteerRole.VISITOR_ABROAD, "abroad_country": "ES"}),
]  # fmt: skip


class Command(BaseCommand):
    help = "Load demo data (debug only): organisations, a user of each role, volunteers, clients."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo only runs with DJANGO_DEBUG=true; it never touches production."
            )
        if Organisation.objects.filter(name=ORGANISATIONS[0][0]).exists():
            self.stdout.write("Demo data is already there.")
        else:
            self._seed()
        self._print_logins()

    @transaction.atomic
    def _seed(self) -> None:
        users: dict[tuple[str, str], User] = {}
        for index, (name, kind, slug) in enumerate(ORGANISATIONS):
            organisation = Organisation.objects.create(name=name, kind=kind)
            for role, names in DEMO_NAMES.items():
                users[(slug, role)] = User.objects.create_user(
                    email=f"{role}@{slug}.demo",
                    password=DEMO_PASSWORD,
                    full_name=names[index],
                    organisation=organisation,
                    role=role,
                    phone="06-12345678" if role == Role.PROFESSIONAL else "",
                )
        oost = Organisation.objects.get(name=ORGANISATIONS[0][0])
        professional = users[("oost", Role.PROFESSIONAL)]
        volunteers = []
        for index, (first, last, postcode, status) in enumerate(VOLUNTEERS):
            volunteers.append(
                Volunteer.objects.create(
                    organisation=oost,
                    user=users[("oost", Role.VOLUNTEER)] if index == 0 else None,
                    first_name=first,
                    last_name=last,
                    email=f"{first.lower()}@example.org",
                    postcode=postcode,
                    status=status,
                    supervisor=professional if status == Volunteer.Status.ACTIVE else None,
                )
            )
        clients = [
            Client.objects.create(
                organisation=oost,
                code=code,
                first_name=first,
                last_name=last,
                status=status,
                responsible_professional=professional,
                phone="06-87654321",
                staff_note="Demo: delict en risico's, alleen zichtbaar voor medewerkers.",
                consent_on=date.today() - timedelta(days=14),
                consent_method="written",
                consent_recorded_by=professional,
                **CLIENT_DETAILS[code],
            )
            for code, first, last, status in CLIENTS
        ]
        match = Match.objects.create(
            organisation=oost,
            client=clients[0],
            status=Match.Status.ACTIVE,
            # Three months old in four days: a match milestone for personal attention.
            started_on=_add_months(timezone.localdate() + timedelta(days=4), -3),
            responsible_professional=professional,
            goals="Weer een dagritme; samen de administratie op orde.",
            created_by=users[("oost", Role.COORDINATOR)],
        )
        MatchVolunteer.objects.create(match=match, volunteer=volunteers[0], is_lead=True)
        courses = self._seed_lifecycle(oost, volunteers, users[("oost", Role.COORDINATOR)])
        self._seed_matching(oost, professional, users[("oost", Role.COORDINATOR)], courses)
        self._seed_supervision(oost, match, professional, users[("oost", Role.COORDINATOR)])
        self._seed_silent_match(oost, professional, users[("oost", Role.COORDINATOR)])
        outbox.notify(
            kind="demo.welcome",
            recipient=users[("oost", Role.COORDINATOR)],
            title="Welkom bij de demo",
            body="Twee cliënten wachten op een vrijwilliger.",
            url="/clienten/?status=waiting",
        )
        for (slug, role), user in users.items():
            if slug == "humanitas" or role != Role.PROFESSIONAL:
                continue
            outbox.notify(
                kind="demo.welcome",
                recipient=user,
                title="Welkom bij de demo",
                body="Hier verschijnen meldingen van vrijwilligers.",
            )

    def _seed_supervision(
        self, organisation: Organisation, match: Match, professional: User, coordinator: User
    ) -> None:
        """Reports, guidance, intervision and a way of working, so the supervision pages and
        the dashboards have something to show. No relapse signal: the demo lets you report
        one yourself."""
        from supervision.models import (
            ContactReport,
            IntervisionGroup,
            IntervisionInvitation,
            IntervisionSession,
            PracticeNote,
            SupervisionNote,
            SupervisionPolicy,
        )

        today = timezone.localdate()
        team_lead = User.objects.create_user(
            email="teamleider@oost.demo",
            password=DEMO_PASSWORD,
            full_name="Tessa Teamleider",
            organisation=organisation,
            role=Role.PROFESSIONAL,
            phone="06-99887766",
        )
        professional.team_lead = team_lead
        professional.save(update_fields=["team_lead"])
        SupervisionPolicy.objects.get_or_create(organisation=organisation)
        anna = match.memberships.get().volunteer
        anna.supervision_form = "one_to_one"
        anna.supervision_interval_weeks = 6
        anna.save(update_fields=["supervision_form", "supervision_interval_weeks"])
        for days_ago, minutes, kind, mood, notes in (
            (20, 90, "meeting", 4, "Samen naar de gemeente voor de uitkering."),
            (12, 15, "phone", 3, "Kees was moe; afspraak verzet."),
            (5, 120, "accompanying", 4, "Mee naar de woningcorporatie."),
        ):
            ContactReport.objects.create(
                match=match,
                volunteer=anna,
                happened_on=today - timedelta(days=days_ago),
                duration_minutes=minutes,
                kind=kind,
                activities=["practical", "housing"],
                how_it_went=mood,
                notes=notes,
                read_at=timezone.now() if days_ago > 10 else None,
                read_by=professional if days_ago > 10 else None,
            )
        SupervisionNote.objects.create(
            volunteer=anna,
            author=professional,
            held_on=today - timedelta(days=50),
            form="one_to_one",
            topics="Grenzen: Kees vraagt om geld te lenen.",
            agreements="Anna leent niets uit en bespreekt het met Kees.",
            shared_with_volunteer=True,
        )
        group = IntervisionGroup.objects.create(
            organisation=organisation, name="Intervisie Enschede", facilitator=coordinator
        )
        # Anna (who can log in) and five others: her intervision reminder is due in the demo.
        members = [
            anna,
            *Volunteer.objects.filter(
                organisation=organisation, status=Volunteer.Status.ACTIVE
            ).exclude(pk=anna.pk)[:5],
        ]
        group.members.set(members)
        session = IntervisionSession.objects.create(
            group=group,
            # Within a week: the reminder sweep has something to send in the demo.
            starts_at=timezone.now() + timedelta(days=5),
            place="Kantoor Enschede",
            topic="Een cadeau van je cliënt: aannemen of niet?",
        )
        IntervisionInvitation.objects.bulk_create(
            IntervisionInvitation(session=session, volunteer=member) for member in members
        )
        # One certificate of conduct runs out in 45 days: the expiry warning is due.
        renew_years = VolunteerPolicy.for_organisation(organisation).certificate_renew_years
        gerrit = Volunteer.objects.get(organisation=organisation, first_name="Gerrit")
        gerrit.certificates.update(
            issued_on=_add_months(today + timedelta(days=45), -12 * renew_years),
            requested_on=_add_months(today + timedelta(days=35), -12 * renew_years),
        )
        PracticeNote.objects.create(
            organisation=organisation,
            author=professional,
            title="Wat ik doe als een vrijwilliger zich zorgen maakt maar niets meldt",
            body="Ik bel binnen een week na elk contactverslag met 'ging matig' even na.",
            roles=["buddy"],
            activities=["relapse"],
        )

    def _seed_silent_match(
        self, organisation: Organisation, professional: User, coordinator: User
    ) -> None:
        """Ruben (OOST-006, detained in Spain) has had Sanne as his visitor for 60 days, and no
        contact was reported: the contact sweep tells the responsible professional."""
        ruben = Client.objects.get(organisation=organisation, code="OOST-006")
        sanne = Volunteer.objects.get(organisation=organisation, first_name="Sanne")
        ruben.status = Client.Status.MATCHED
        ruben.save(update_fields=["status"])
        silent = Match.objects.create(
            organisation=organisation,
            client=ruben,
            status=Match.Status.ACTIVE,
            started_on=timezone.localdate() - timedelta(days=60),
            responsible_professional=professional,
            goals="Contact houden tijdens de detentie; de terugkeer voorbereiden.",
            created_by=coordinator,
        )
        MatchVolunteer.objects.create(match=silent, volunteer=sanne, is_lead=True)

    def _seed_matching(
        self,
        organisation: Organisation,
        professional: User,
        coordinator: User,
        courses: dict[str, Any],
    ) -> None:
        """Clients of every kind (waiting, without consent, a circle candidate, a detainee
        abroad) and enough active volunteers for suggestions, circles and the waiting list."""
        today = timezone.localdate()
        MatchingPolicy.objects.get_or_create(organisation=organisation)
        FlagTraining.objects.create(
            organisation=organisation, flag="sex_offence", course=courses["circle"]
        )
        for details in EXTRA_CLIENTS:
            details = dict(details)
            consent = details.pop("consent", True)
            Client.objects.create(
                organisation=organisation,
                responsible_professional=professional,
                phone="06-11223344",
                consent_on=today - timedelta(days=7) if consent else None,
                consent_method="verbal" if consent else "",
                consent_recorded_by=professional if consent else None,
                **details,
            )
        past_circle = TrainingSession.objects.create(
            course=courses["circle"],
            starts_at=timezone.now() - timedelta(days=200),
            location="Kantoor Hengelo",
            capacity=8,
        )
        for index, (first, last, postcode, languages, slots, activities, most, extra) in enumerate(
            MATCHING_VOLUNTEERS
        ):
            extra = dict(extra)
            circle_trained = extra.pop("circle", False)
            volunteer = Volunteer.objects.create(
                organisation=organisation,
                first_name=first,
                last_name=last,
                email=f"{first.lower()}.{index}@example.org",
                postcode=postcode,
                status=Volunteer.Status.ACTIVE,
                status_changed_at=timezone.now() - timedelta(days=100 + 30 * index),
                languages=languages,
                availability=slots,
                activity_preferences=activities,
                max_matches=most,
                role=extra.pop("role", VolunteerRole.BUDDY),
                supervisor=professional,
                references_checked_on=today - timedelta(days=150),
                references_checked_by=coordinator,
                date_of_birth=date(1955 + 3 * index, 3, 9),
                **extra,
            )
            Certificate.objects.create(
                volunteer=volunteer,
                requested_on=today - timedelta(days=160),
                issued_on=today - timedelta(days=150),
                screening_areas="08",
                function_aspects="84, 85",
                checked_by=coordinator,
                checked_at=timezone.now(),
            )
            Enrolment.objects.create(
                session=courses["basic_past"],
                volunteer=volunteer,
                status=Enrolment.Status.COMPLETED,
                completed_on=courses["basic_past"].starts_at.date(),
            )
            if circle_trained:
                Enrolment.objects.create(
                    session=past_circle,
                    volunteer=volunteer,
                    status=Enrolment.Status.COMPLETED,
                    completed_on=past_circle.starts_at.date(),
                )

    def _seed_lifecycle(
        self, organisation: Organisation, volunteers: list[Volunteer], coordinator: User
    ) -> dict[str, Any]:
        """Competencies, role profiles, trainings and a stage history, so every lifecycle page
        has something to show and an applicant can be taken through every stage."""
        now = timezone.now()
        today = timezone.localdate()
        VolunteerPolicy.objects.get_or_create(organisation=organisation)
        competencies = [
            Competency.objects.create(organisation=organisation, name=name, description=text)
            for name, text in COMPETENCIES
        ]
        basic = Course.objects.create(
            organisation=organisation,
            name="Basistraining vrijwilliger",
            kind=CourseKind.BASIC,
            description="Rol, grenzen, signaleren en melden.",
        )
        circle = Course.objects.create(
            organisation=organisation,
            name="Cirkeltraining (COSA)",
            kind=CourseKind.SPECIALISED,
            validity_months=36,
        )
        expert = Course.objects.create(
            organisation=organisation,
            name="Training ervaringsdeskundigheid",
            kind=CourseKind.SPECIALISED,
        )
        for role, courses in (
            (VolunteerRole.BUDDY, [basic]),
            (VolunteerRole.CIRCLE_MEMBER, [basic, circle]),
            (VolunteerRole.EXPERIENCE_EXPERT, [basic, expert]),
            (VolunteerRole.PRACTICAL_HELP, []),
        ):
            profile = RoleProfile.objects.create(organisation=organisation, role=role)
            profile.required_courses.set(courses)
            for competency in competencies[:2]:
                RoleCompetency.objects.create(
                    profile=profile, competency=competency, minimum_level=3
                )
        past = TrainingSession.objects.create(
            course=basic,
            starts_at=now - timedelta(days=120),
            location="Kantoor Enschede",
            capacity=12,
        )
        TrainingSession.objects.create(
            course=basic,
            starts_at=now + timedelta(days=21),
            location="Kantoor Enschede",
            capacity=12,
        )
        TrainingSession.objects.create(
            course=circle,
            starts_at=now + timedelta(days=35),
            location="Kantoor Hengelo",
            capacity=8,
        )
        # Days each volunteer has been in their current stage, for the pipeline overview.
        # Anna (the first) started 362 days ago: her first anniversary is due in three days.
        for volunteer, days in zip(volunteers, (362, 200, 30, 12, 3, 45), strict=True):
            volunteer.status_changed_at = now - timedelta(days=days)
            volunteer.date_of_birth = date(1960 + days % 40, 5, 17)
            volunteer.availability = ["tue_afternoon", "thu_evening", "sat_morning"]
            volunteer.activity_preferences = ["practical", "social"]
            volunteer.languages = ["Nederlands"]
            volunteer.roles_of_interest = ["buddy"]
            volunteer.save()
            StatusChange.objects.create(
                volunteer=volunteer,
                from_status="",
                to_status=Volunteer.Status.APPLIED,
                at=volunteer.status_changed_at - timedelta(days=60),
            )
            if volunteer.status != Volunteer.Status.APPLIED:
                StatusChange.objects.create(
                    volunteer=volunteer,
                    from_status=Volunteer.Status.APPLIED,
                    to_status=volunteer.status,
                    at=volunteer.status_changed_at,
                    by=coordinator,
                    reason="Demo",
                )
            if volunteer.status in (
                Volunteer.Status.ACTIVE,
                Volunteer.Status.PAUSED,
                Volunteer.Status.TRAINING,
            ):
                volunteer.role = VolunteerRole.BUDDY
                volunteer.references_checked_on = today - timedelta(days=days + 20)
                volunteer.references_checked_by = coordinator
                volunteer.save()
                Certificate.objects.create(
                    volunteer=volunteer,
                    requested_on=today - timedelta(days=days + 40),
                    issued_on=today - timedelta(days=days + 30),
                    screening_areas="08",
                    function_aspects="84, 85",
                    checked_by=coordinator,
                    checked_at=now,
                )
            if volunteer.status in (Volunteer.Status.ACTIVE, Volunteer.Status.PAUSED):
                Enrolment.objects.create(
                    session=past,
                    volunteer=volunteer,
                    status=Enrolment.Status.COMPLETED,
                    completed_on=(now - timedelta(days=120)).date(),
                )
        # Anna's birthday is the day after tomorrow (born in a leap year, so 29 February works).
        anna = volunteers[0]
        birthday = today + timedelta(days=2)
        anna.date_of_birth = date(1984, birthday.month, birthday.day)
        anna.save(update_fields=["date_of_birth"])
        return {"basic": basic, "circle": circle, "expert": expert, "basic_past": past}

    def _print_logins(self) -> None:
        self.stdout.write(self.style.SUCCESS(f"Demo log-ins (password for all: {DEMO_PASSWORD}):"))
        for name, _kind, slug in ORGANISATIONS:
            self.stdout.write(f"  {name}:")
            for role in DEMO_NAMES:
                self.stdout.write(f"    {role:<13} {role}@{slug}.demo")
            standard = {f"{role}@{slug}.demo" for role in DEMO_NAMES}
            for email in (
                User.objects.filter(organisation__name=name)
                .exclude(email__in=standard)
                .order_by("email")
                .values_list("email", flat=True)
            ):
                self.stdout.write(f"    {'team lead':<13} {email}")
            organisation = Organisation.objects.filter(name=name).first()
            if organisation is not None:
                apply_url = reverse("volunteers:apply", kwargs={"organisation_id": organisation.pk})
                self.stdout.write(f"    {'application':<13} {apply_url}")
