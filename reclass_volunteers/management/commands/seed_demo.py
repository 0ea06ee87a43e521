"""Demo data for the quick start: three organisations, a user of every role, volunteers and
clients. Refuses to run outside debug, so it can never touch a production database."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from clients.models import Client
from matching.models import Match, MatchVolunteer
from reclass_volunteers import outbox
from reclass_volunteers.models import Organisation, Role, User
from volunteers.models import Volunteer

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

CLIENTS = [
    ("OOST-001", "Kees", "Mulder", Client.Status.MATCHED),
    ("OOST-002", "Lars", "Peters", Client.Status.WAITING),
    ("OOST-003", "Mo", "Haddou", Client.Status.WAITING),
]


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
            )
            for code, first, last, status in CLIENTS
        ]
        match = Match.objects.create(
            organisation=oost,
            client=clients[0],
            status=Match.Status.ACTIVE,
            started_on=date.today() - timedelta(days=90),
        )
        MatchVolunteer.objects.create(match=match, volunteer=volunteers[0], is_lead=True)
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

    def _print_logins(self) -> None:
        self.stdout.write(self.style.SUCCESS(f"Demo log-ins (password for all: {DEMO_PASSWORD}):"))
        for name, _kind, slug in ORGANISATIONS:
            self.stdout.write(f"  {name}:")
            for role in DEMO_NAMES:
                self.stdout.write(f"    {role:<13} {role}@{slug}.demo")
