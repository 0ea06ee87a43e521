"""A session over capacity can never have more seated enrolments than places: several
coordinators enrolling into the last places at the same moment, on real PostgreSQL row locks."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.exceptions import ValidationError

from reclass_volunteers.models import Role
from tests.concurrency import race
from tests.factories import OrganisationFactory, UserFactory, VolunteerFactory
from tests.volunteers.factories_training import EnrolmentFactory, SessionFactory
from volunteers.models import Enrolment
from volunteers.services import training

E = Enrolment.Status


_race = race


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_enrolling_into_the_last_places_at_once_seat_exactly_the_capacity() -> None:
    organisation = OrganisationFactory()
    coordinator = UserFactory(organisation=organisation, role=Role.COORDINATOR)
    session = SessionFactory(course__organisation=organisation, capacity=4)
    EnrolmentFactory.create_batch(2, session=session)  # two places left
    volunteers = VolunteerFactory.create_batch(8, organisation=organisation)

    results, errors = _race(
        volunteers,
        lambda v: training.session_enrol(session=session, volunteer=v, by=coordinator).status,
    )

    assert errors == []
    assert Counter(results) == {E.ENROLLED: 2, E.WAITING: 6}
    statuses: Counter[str] = Counter(session.enrolments.values_list("status", flat=True))
    assert statuses == {E.ENROLLED: 4, E.WAITING: 6}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_volunteer_enrolled_twice_at_once_gets_one_enrolment() -> None:
    organisation = OrganisationFactory()
    coordinators = UserFactory.create_batch(2, organisation=organisation, role=Role.COORDINATOR)
    session = SessionFactory(course__organisation=organisation, capacity=5)
    volunteer = VolunteerFactory(organisation=organisation)

    results, errors = _race(
        coordinators,
        lambda by: training.session_enrol(session=session, volunteer=volunteer, by=by).status,
    )

    assert results == [E.ENROLLED]
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    assert session.enrolments.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_cancelling_while_others_enrol_never_overfills_the_session() -> None:
    """A place freed by a cancellation goes to the waiting list, not also to a newcomer."""
    organisation = OrganisationFactory()
    coordinator = UserFactory(organisation=organisation, role=Role.COORDINATOR)
    session = SessionFactory(course__organisation=organisation, capacity=2)
    seated = EnrolmentFactory.create_batch(2, session=session)
    EnrolmentFactory.create_batch(2, session=session, status=E.WAITING)
    newcomers = VolunteerFactory.create_batch(4, organisation=organisation)

    def act(item: object) -> object:
        if isinstance(item, Enrolment):
            return training.enrolment_cancel(enrolment=item, by=coordinator).status
        return training.session_enrol(session=session, volunteer=item, by=coordinator).status

    results, errors = _race([*seated, *newcomers], act)
    assert len(results) == 6

    assert errors == []
    assert session.enrolments.filter(status__in=Enrolment.SEATED).count() == 2
    assert session.enrolments.filter(status=E.CANCELLED).count() == 2
    assert session.enrolments.filter(status=E.WAITING).count() == 4
