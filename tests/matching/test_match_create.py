"""`match_create`, the one way a match comes into being: the hard rules re-checked on fresh data,
consent and waiting status, circle sizes, the reason for choosing someone else, what is written,
and two coordinators racing for a volunteer's last free place on real PostgreSQL row locks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from clients.models import Client
from matching.models import ConflictOfInterest, FlagTraining, Match, MatchingPolicy
from matching.services.matches import match_create
from reclass_volunteers.models import AuditEvent, Notification, Role
from tests.concurrency import race
from tests.conftest import World
from tests.factories import ClientFactory, OrganisationFactory, UserFactory, VolunteerFactory
from tests.matching.test_suggestions import ready_volunteer, waiting_client
from tests.volunteers.factories_training import CourseFactory, EnrolmentFactory, SessionFactory
from volunteers.choices import VolunteerRole
from volunteers.models import Enrolment, Volunteer

pytestmark = pytest.mark.django_db
BREAKS = "This match breaks a rule that cannot be overridden."


def _messages(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


def test_a_buddy_match_is_proposed_and_everyone_is_told(world: World) -> None:
    client = waiting_client(world)
    user = UserFactory(organisation=world.org_a, role=Role.VOLUNTEER)
    volunteer = ready_volunteer(world.org_a, user=user)

    match = match_create(
        by=world.coordinator,
        client=client,
        volunteers=[volunteer],
        goals="  Samen naar de woningcorporatie.  ",
        suggested_score=87.5,
        starts_in_prison=True,  # ignored: only a circle starts in prison
    )

    match.refresh_from_db()
    assert (match.status, match.kind, match.organisation) == (
        Match.Status.PROPOSED,
        Match.Kind.BUDDY,
        world.org_a,
    )
    assert match.goals == "Samen naar de woningcorporatie."
    assert (match.suggested_score, match.starts_in_prison) == (87.5, False)
    assert match.responsible_professional == world.professional
    assert match.created_by == world.coordinator
    assert list(match.memberships.values_list("volunteer", "is_lead")) == [(volunteer.pk, True)]
    client.refresh_from_db()
    assert client.status == Client.Status.MATCHED
    assert AuditEvent.objects.filter(action="match.create", object_id=str(match.pk)).exists()
    told = set(
        Notification.objects.filter(kind="match.proposed").values_list("recipient", flat=True)
    )
    assert told == {world.professional.pk, user.pk}


def test_a_circle_gets_its_lead_and_prison_start(world: World) -> None:
    client = waiting_client(world)
    volunteers = [ready_volunteer(world.org_a) for _ in range(4)]
    match = match_create(
        by=world.admin,
        client=client,
        volunteers=volunteers,
        lead=volunteers[2],
        kind=Match.Kind.CIRCLE,
        starts_in_prison=True,
    )
    assert match.starts_in_prison is True
    assert match.memberships.get(is_lead=True).volunteer == volunteers[2]
    assert match.memberships.count() == 4


def test_the_same_volunteer_twice_counts_once(world: World) -> None:
    client = waiting_client(world)
    volunteer = ready_volunteer(world.org_a)
    match = match_create(by=world.coordinator, client=client, volunteers=[volunteer, volunteer])
    assert match.memberships.count() == 1


# --- Refusals: nothing is written ------------------------------------------------------------


def _refused(call: Callable[[], Any]) -> ValidationError:
    before = Match.objects.count()
    with pytest.raises(ValidationError) as caught:
        call()
    assert Match.objects.count() == before
    return caught.value


def test_a_client_without_consent_cannot_be_matched(world: World) -> None:
    client = waiting_client(world, consent_on=None, consent_method="")
    volunteer = ready_volunteer(world.org_a)
    error = _refused(
        lambda: match_create(by=world.coordinator, client=client, volunteers=[volunteer])
    )
    assert _messages(error) == [
        gettext(
            "%(client)s has not consented to volunteer support. Record the consent on the "
            "client's page first."
        )
        % {"client": client.code}
    ]
    client.refresh_from_db()
    assert client.status == Client.Status.WAITING


@pytest.mark.parametrize("status", [Client.Status.MATCHED, Client.Status.CLOSED])
def test_a_client_who_is_not_waiting_cannot_be_matched(world: World, status: str) -> None:
    client = waiting_client(world, status=status)
    volunteer = ready_volunteer(world.org_a)
    _refused(lambda: match_create(by=world.coordinator, client=client, volunteers=[volunteer]))


@pytest.mark.parametrize("who", ["professional", "volunteer_user", "outsider"])
def test_only_the_organisations_coordinators_make_matches(world: World, who: str) -> None:
    client = waiting_client(world)
    volunteer = ready_volunteer(world.org_a)
    _refused(lambda: match_create(by=getattr(world, who), client=client, volunteers=[volunteer]))


def test_a_volunteer_of_another_organisation_is_refused(world: World) -> None:
    client = waiting_client(world)
    foreign = ready_volunteer(world.org_b)
    error = _refused(
        lambda: match_create(by=world.coordinator, client=client, volunteers=[foreign])
    )
    assert _messages(error) == [gettext("Choose volunteers of your own organisation.")]


def _breaker(world: World, client: Client, rule: str) -> Volunteer:
    if rule == "no_certificate":
        return VolunteerFactory(organisation=world.org_a)
    if rule == "inactive":
        return ready_volunteer(world.org_a, status=Volunteer.Status.PAUSED)
    if rule == "in_training":
        return ready_volunteer(world.org_a, status=Volunteer.Status.TRAINING)
    if rule == "at_capacity":
        volunteer = ready_volunteer(world.org_a)
        from tests.factories import match_with

        match_with(volunteer, ClientFactory(organisation=world.org_a))
        return volunteer
    if rule == "conflict_of_interest":
        volunteer = ready_volunteer(world.org_a)
        ConflictOfInterest.objects.create(volunteer=volunteer, client=client)
        return volunteer
    if rule == "experience_expert_unsuitable":
        return ready_volunteer(world.org_a, role=VolunteerRole.EXPERIENCE_EXPERT)
    raise AssertionError(rule)


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        ("no_certificate", "The volunteer has no valid certificate of conduct."),
        ("inactive", "The volunteer is not active."),
        ("in_training", "The volunteer is not active."),
        ("at_capacity", "The volunteer already has %(current)d of at most %(max)d matches."),
        ("conflict_of_interest", "The volunteer declared a conflict of interest with this client."),
        (
            "experience_expert_unsuitable",
            "An experience expert does not fit this client's needs.",
        ),
    ],
)
def test_a_hard_rule_breaker_is_refused_even_with_a_reason(
    world: World, rule: str, text: str
) -> None:
    client = waiting_client(world)
    ready_volunteer(world.org_a)  # someone eligible exists
    breaker = _breaker(world, client, rule)
    error = _refused(
        lambda: match_create(
            by=world.coordinator,
            client=client,
            volunteers=[breaker],
            override_reason="Ik ken deze vrijwilliger goed.",
        )
    )
    expected = gettext(text) % {"current": 1, "max": 1} if "%(" in text else gettext(text)
    assert _messages(error) == [gettext(BREAKS), f"{breaker.full_name}: {expected}"]


def test_every_broken_rule_of_every_volunteer_is_named(world: World) -> None:
    client = waiting_client(world, risk_flags=["sex_offence"])
    course = CourseFactory(organisation=world.org_a, name="Cirkeltraining")
    FlagTraining.objects.create(organisation=world.org_a, flag="sex_offence", course=course)
    untrained = ready_volunteer(world.org_a, willing_sex_offences=True)
    unwilling = ready_volunteer(world.org_a)
    EnrolmentFactory(
        session=SessionFactory(course=course),
        volunteer=unwilling,
        status=Enrolment.Status.COMPLETED,
        completed_on=date.today(),
    )
    ready = [ready_volunteer(world.org_a, willing_sex_offences=True) for _ in range(2)]
    for volunteer in ready:
        EnrolmentFactory(
            session=SessionFactory(course=course),
            volunteer=volunteer,
            status=Enrolment.Status.COMPLETED,
            completed_on=date.today(),
        )

    error = _refused(
        lambda: match_create(
            by=world.coordinator,
            client=client,
            volunteers=[*ready, untrained, unwilling],
            kind=Match.Kind.CIRCLE,
            override_reason="Deze vier kennen elkaar.",
        )
    )
    messages = _messages(error)
    assert messages[0] == gettext(BREAKS)
    assert len(messages) == 3
    assert any(m.startswith(untrained.full_name) and "Cirkeltraining" in m for m in messages)
    assert (
        f"{unwilling.full_name}: "
        + gettext("The volunteer does not want to work with this client group.")
        in messages
    )


def test_choosing_someone_other_than_the_best_needs_a_reason(world: World) -> None:
    client = waiting_client(world, postcode="7511 CD")
    ready_volunteer(world.org_a, postcode="7511 AB")
    further = ready_volunteer(world.org_a, postcode="9000 AA")

    error = _refused(
        lambda: match_create(by=world.coordinator, client=client, volunteers=[further])
    )
    assert error.message_dict == {
        "override_reason": [
            gettext(
                "You chose someone other than the best suggestion. Write down why: your "
                "judgement counts, and the next coordinator will want to know."
            )
        ]
    }
    # Only spaces is no reason either.
    _refused(
        lambda: match_create(
            by=world.coordinator, client=client, volunteers=[further], override_reason="   "
        )
    )
    match = match_create(
        by=world.coordinator,
        client=client,
        volunteers=[further],
        override_reason="Spreekt de taal van de moeder.",
    )
    assert match.override_reason == "Spreekt de taal van de moeder."


@pytest.mark.parametrize(
    ("kind", "count", "message", "params"),
    [
        (
            Match.Kind.BUDDY,
            2,
            "A match with one volunteer needs exactly one volunteer.",
            {},
        ),
        (
            Match.Kind.CIRCLE,
            2,
            "A circle has %(min)d to %(max)d volunteers; you chose %(count)d.",
            {"min": 3, "max": 5, "count": 2},
        ),
        (
            Match.Kind.CIRCLE,
            6,
            "A circle has %(min)d to %(max)d volunteers; you chose %(count)d.",
            {"min": 3, "max": 5, "count": 6},
        ),
    ],
)
def test_the_number_of_volunteers_must_fit_the_kind(
    world: World, kind: str, count: int, message: str, params: dict[str, int]
) -> None:
    client = waiting_client(world)
    volunteers = [ready_volunteer(world.org_a) for _ in range(count)]
    error = _refused(
        lambda: match_create(
            by=world.coordinator,
            client=client,
            volunteers=volunteers,
            kind=kind,
            override_reason="Eigen keuze.",
        )
    )
    assert _messages(error) == [gettext(message) % params]


def test_the_organisations_circle_sizes_count(world: World) -> None:
    MatchingPolicy.objects.create(organisation=world.org_a, circle_min_size=2, circle_max_size=2)
    client = waiting_client(world)
    volunteers = [ready_volunteer(world.org_a) for _ in range(2)]
    match = match_create(
        by=world.coordinator, client=client, volunteers=volunteers, kind=Match.Kind.CIRCLE
    )
    assert match.memberships.count() == 2


def test_the_lead_must_be_one_of_the_chosen(world: World) -> None:
    client = waiting_client(world)
    volunteers = [ready_volunteer(world.org_a) for _ in range(3)]
    outsider = ready_volunteer(world.org_a)
    error = _refused(
        lambda: match_create(
            by=world.coordinator,
            client=client,
            volunteers=volunteers,
            lead=outsider,
            kind=Match.Kind.CIRCLE,
            override_reason="Eigen keuze.",
        )
    )
    assert _messages(error) == [gettext("The lead volunteer must be one of the chosen volunteers.")]


def test_an_unknown_kind_is_refused(world: World) -> None:
    client = waiting_client(world)
    volunteer = ready_volunteer(world.org_a)
    _refused(
        lambda: match_create(
            by=world.coordinator, client=client, volunteers=[volunteer], kind="triad"
        )
    )


# --- The race ----------------------------------------------------------------------------------


_race = race


def _org_with_coordinators(count: int) -> tuple[Any, list[Any]]:
    organisation = OrganisationFactory()
    return organisation, UserFactory.create_batch(
        count, organisation=organisation, role=Role.COORDINATOR
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_taking_the_last_free_place_make_one_match() -> None:
    organisation, coordinators = _org_with_coordinators(2)
    volunteer = ready_volunteer(organisation, max_matches=2)
    from tests.factories import match_with

    match_with(volunteer, ClientFactory(organisation=organisation))  # one place left
    clients = ClientFactory.create_batch(2, organisation=organisation)

    results, errors = _race(
        list(zip(coordinators, clients, strict=True)),
        lambda pair: match_create(by=pair[0], client=pair[1], volunteers=[volunteer]),
    )

    assert len(results) == 1
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    # The threads speak English (tests/concurrency.py).
    assert "The volunteer already has 2 of at most 2 matches." in " ".join(errors[0].messages)
    assert Match.objects.filter(memberships__volunteer=volunteer).count() == 2
    statuses = sorted(
        Client.objects.filter(pk__in=[c.pk for c in clients]).values_list("status", flat=True)
    )
    assert statuses == [Client.Status.MATCHED, Client.Status.WAITING]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_matching_one_client_at_once_make_one_match() -> None:
    organisation, coordinators = _org_with_coordinators(2)
    client = ClientFactory(organisation=organisation)
    volunteers = [ready_volunteer(organisation) for _ in range(2)]

    results, errors = _race(
        list(zip(coordinators, volunteers, strict=True)),
        lambda pair: match_create(
            by=pair[0], client=client, volunteers=[pair[1]], override_reason="Eigen keuze."
        ),
    )

    assert len(results) == 1
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    assert Match.objects.filter(client=client).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_coordinators_never_overfill_a_volunteer() -> None:
    organisation, coordinators = _org_with_coordinators(6)
    volunteer = ready_volunteer(organisation, max_matches=3)
    clients = ClientFactory.create_batch(6, organisation=organisation)

    results, errors = _race(
        list(zip(coordinators, clients, strict=True)),
        lambda pair: match_create(by=pair[0], client=pair[1], volunteers=[volunteer]),
    )

    assert len(results) == 3
    assert len(errors) == 3 and all(isinstance(e, ValidationError) for e in errors)
    assert Match.objects.filter(memberships__volunteer=volunteer).count() == 3
