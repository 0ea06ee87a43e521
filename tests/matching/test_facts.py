"""From the database to the engine's facts: the certificate's validity window, the trainings that
count (completed, not expired, required by a risk flag), the live matches that take a place,
declared conflicts, which volunteers are candidates, and a fixed number of queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients.models import Client
from matching import facts
from matching.engine import Weights
from matching.models import ConflictOfInterest, FlagTraining, Match, MatchingPolicy
from reclass_volunteers.models import Organisation
from tests.factories import ClientFactory, OrganisationFactory, VolunteerFactory, match_with
from tests.volunteers.factories_training import CourseFactory, EnrolmentFactory, SessionFactory
from volunteers.choices import VolunteerRole
from volunteers.models import Certificate, Enrolment, Volunteer, VolunteerPolicy

TODAY = date(2026, 3, 15)
pytestmark = pytest.mark.django_db


def _facts(organisation: Organisation) -> dict[int, facts.VolunteerFacts]:
    return {v.id: v for v in facts.volunteer_facts(organisation, today=TODAY)}


def _certificate(volunteer: Volunteer, issued_on: date | None) -> None:
    requested = (issued_on or TODAY) - timedelta(days=20)
    Certificate.objects.create(volunteer=volunteer, requested_on=requested, issued_on=issued_on)


def _completed(volunteer: Volunteer, course: object, on: date) -> None:
    session = SessionFactory(course=course)
    EnrolmentFactory(
        session=session, volunteer=volunteer, status=Enrolment.Status.COMPLETED, completed_on=on
    )


@pytest.mark.parametrize(
    ("issued_on", "valid"),
    [
        (TODAY, True),
        (TODAY - timedelta(days=1), True),
        # Renewal after 3 years (the default): valid until the day before the anniversary.
        (date(2023, 3, 16), True),
        (date(2023, 3, 15), False),
        (date(2022, 1, 1), False),
        # Issued in the future (a typing error) is not a certificate yet.
        (TODAY + timedelta(days=1), False),
        (None, False),
    ],
)
def test_certificate_is_valid_within_the_renewal_window(
    issued_on: date | None, valid: bool
) -> None:
    organisation = OrganisationFactory()
    volunteer = VolunteerFactory(organisation=organisation)
    _certificate(volunteer, issued_on)
    assert _facts(organisation)[volunteer.pk].certificate_valid is valid


def test_no_certificate_at_all_is_not_valid() -> None:
    organisation = OrganisationFactory()
    volunteer = VolunteerFactory(organisation=organisation)
    assert _facts(organisation)[volunteer.pk].certificate_valid is False


def test_the_organisations_renewal_period_decides_the_window() -> None:
    organisation = OrganisationFactory()
    VolunteerPolicy.objects.create(organisation=organisation, certificate_renew_years=5)
    volunteer = VolunteerFactory(organisation=organisation)
    _certificate(volunteer, date(2022, 1, 1))
    assert _facts(organisation)[volunteer.pk].certificate_valid is True


def test_one_valid_certificate_among_old_ones_is_enough() -> None:
    organisation = OrganisationFactory()
    volunteer = VolunteerFactory(organisation=organisation)
    _certificate(volunteer, date(2019, 5, 1))
    _certificate(volunteer, date(2025, 5, 1))
    assert _facts(organisation)[volunteer.pk].certificate_valid is True


def test_trainings_count_when_completed_unexpired_and_required_by_a_flag() -> None:
    organisation = OrganisationFactory()
    circle = CourseFactory(organisation=organisation, name="Cirkeltraining", validity_months=12)
    forever = CourseFactory(organisation=organisation, name="Agressie", validity_months=None)
    unrelated = CourseFactory(organisation=organisation, name="Basistraining")
    FlagTraining.objects.create(organisation=organisation, flag="sex_offence", course=circle)
    FlagTraining.objects.create(organisation=organisation, flag="violence", course=forever)
    fresh, expired, old_forever, only_enrolled = VolunteerFactory.create_batch(
        4, organisation=organisation
    )
    _completed(fresh, circle, TODAY - timedelta(days=300))
    _completed(fresh, unrelated, TODAY - timedelta(days=10))
    _completed(expired, circle, date(2025, 3, 15))  # 12 months ago today: expired today
    _completed(old_forever, forever, date(2010, 1, 1))
    EnrolmentFactory(session=SessionFactory(course=circle), volunteer=only_enrolled)

    by_id = _facts(organisation)
    assert by_id[fresh.pk].completed_trainings == {"Cirkeltraining"}
    assert by_id[expired.pk].completed_trainings == frozenset()
    assert by_id[old_forever.pk].completed_trainings == {"Agressie"}
    assert by_id[only_enrolled.pk].completed_trainings == frozenset()


def test_trainings_of_another_organisation_do_not_count() -> None:
    organisation, other = OrganisationFactory(), OrganisationFactory()
    course = CourseFactory(organisation=organisation, name="Cirkeltraining")
    FlagTraining.objects.create(organisation=other, flag="sex_offence", course=course)
    volunteer = VolunteerFactory(organisation=organisation)
    _completed(volunteer, course, TODAY - timedelta(days=5))
    # The organisation's own flags require nothing, so no training is read at all.
    assert _facts(organisation)[volunteer.pk].completed_trainings == frozenset()


def test_live_matches_take_a_place_and_ended_ones_do_not() -> None:
    organisation = OrganisationFactory()
    volunteer = VolunteerFactory(organisation=organisation, max_matches=5)
    for status in (
        Match.Status.PROPOSED,
        Match.Status.INTRODUCTION,
        Match.Status.ACTIVE,
        Match.Status.ENDED,
        Match.Status.ENDED,
    ):
        client = ClientFactory(organisation=organisation)
        match_with(volunteer, client, status=status)
    idle = VolunteerFactory(organisation=organisation)

    by_id = _facts(organisation)
    assert (by_id[volunteer.pk].current_matches, by_id[volunteer.pk].max_matches) == (3, 5)
    assert by_id[idle.pk].current_matches == 0


def test_declared_conflicts_are_the_clients_ids() -> None:
    organisation = OrganisationFactory()
    volunteer, other = VolunteerFactory.create_batch(2, organisation=organisation)
    neighbour, cousin = ClientFactory.create_batch(2, organisation=organisation)
    ConflictOfInterest.objects.create(volunteer=volunteer, client=neighbour)
    ConflictOfInterest.objects.create(volunteer=volunteer, client=cousin)

    by_id = _facts(organisation)
    assert by_id[volunteer.pk].conflicts_of_interest == {neighbour.pk, cousin.pk}
    assert by_id[other.pk].conflicts_of_interest == frozenset()


def test_candidates_are_the_organisations_active_and_paused_volunteers() -> None:
    organisation = OrganisationFactory()
    active = VolunteerFactory(organisation=organisation)
    paused = VolunteerFactory(organisation=organisation, status=Volunteer.Status.PAUSED)
    VolunteerFactory(organisation=organisation, status=Volunteer.Status.TRAINING)
    VolunteerFactory(organisation=organisation, status=Volunteer.Status.FAREWELL)
    VolunteerFactory(organisation=OrganisationFactory())

    by_id = _facts(organisation)
    assert set(by_id) == {active.pk, paused.pk}
    assert by_id[active.pk].active and not by_id[paused.pk].active


def test_the_volunteers_own_data_becomes_facts() -> None:
    organisation = OrganisationFactory()
    volunteer = VolunteerFactory(
        organisation=organisation,
        first_name="Anna",
        last_name="de Vries",
        postcode="3511 AB",
        abroad_country="es",
        languages=["nederlands", "Engels"],
        availability=["mon_evening"],
        activity_preferences=["social", "housing"],
        willing_sex_offences=True,
        role=VolunteerRole.EXPERIENCE_EXPERT,
        max_matches=2,
    )
    v = _facts(organisation)[volunteer.pk]
    assert v.name == "Anna de Vries"
    assert (v.postcode, v.country) == ("3511 AB", "ES")
    assert v.languages == {"Nederlands", "Engels"}
    assert v.availability == {"mon_evening"}
    assert v.activity_preferences == {"social", "housing"}
    assert v.willing_sex_offences and v.is_experience_expert and v.max_matches == 2


def test_given_volunteer_ids_are_read_whatever_their_status() -> None:
    """match_create reads the chosen volunteers this way, so a volunteer in training who is
    posted directly is judged (inactive), not silently dropped."""
    organisation = OrganisationFactory()
    training = VolunteerFactory(organisation=organisation, status=Volunteer.Status.TRAINING)
    VolunteerFactory(organisation=organisation)
    found = facts.volunteer_facts(organisation, today=TODAY, volunteer_ids=[training.pk])
    assert [(v.id, v.active) for v in found] == [(training.pk, False)]


def test_client_facts_take_the_trainings_the_flags_require() -> None:
    organisation = OrganisationFactory()
    circle = CourseFactory(organisation=organisation, name="Cirkeltraining")
    aggression = CourseFactory(organisation=organisation, name="Agressie")
    FlagTraining.objects.create(organisation=organisation, flag="sex_offence", course=circle)
    FlagTraining.objects.create(organisation=organisation, flag="violence", course=aggression)
    client = ClientFactory(
        organisation=organisation,
        risk_flags=["sex_offence"],
        needs={"social": 1, "housing": 3},
        languages=["ARABISCH"],
        abroad_country="de",
    )
    c = facts.client_facts(client)
    assert c.required_trainings == {"Cirkeltraining"}
    assert c.needs == {"social": 1, "housing": 3}
    assert c.languages == {"Arabisch"}
    assert c.abroad_country == "DE"
    assert facts.client_facts(ClientFactory(organisation=organisation)).required_trainings == set()


def test_weights_come_from_the_policy() -> None:
    organisation = OrganisationFactory()
    assert facts.weights_for(MatchingPolicy.for_organisation(organisation)) == Weights(
        30, 20, 15, 15, 10, 10
    )
    policy = MatchingPolicy(organisation=organisation, need_overlap=0, distance=100, workload=0)
    assert facts.weights_for(policy).normalised()["distance"] == pytest.approx(100 / 140)


def _world_of(size: int) -> Organisation:
    organisation = OrganisationFactory()
    course = CourseFactory(organisation=organisation, validity_months=24)
    FlagTraining.objects.create(organisation=organisation, flag="sex_offence", course=course)
    session = SessionFactory(course=course)
    clients: list[Client] = ClientFactory.create_batch(2, organisation=organisation)
    for i, volunteer in enumerate(VolunteerFactory.create_batch(size, organisation=organisation)):
        _certificate(volunteer, TODAY - timedelta(days=30))
        EnrolmentFactory(
            session=session,
            volunteer=volunteer,
            status=Enrolment.Status.COMPLETED,
            completed_on=TODAY - timedelta(days=30),
        )
        match_with(volunteer, clients[i % 2])
        ConflictOfInterest.objects.create(volunteer=volunteer, client=clients[(i + 1) % 2])
    return organisation


def test_facts_take_a_fixed_number_of_queries() -> None:
    counts = []
    for size in (3, 30):
        organisation = _world_of(size)
        with CaptureQueriesContext(connection) as queries:
            found = facts.volunteer_facts(organisation, today=TODAY)
        assert len(found) == size
        assert all(v.completed_trainings and v.current_matches == 1 for v in found)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 5
