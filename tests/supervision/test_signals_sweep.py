"""The escalation sweep, with frozen time: an open signal escalates at its deadline and not
before, exactly once per step, again after another period, never after it was acknowledged; a
sweep that runs late escalates one step (no burst); two sweeps at the same moment on PostgreSQL
escalate once. The Celery task is called directly, as beat would."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from reclass_volunteers.models import AuditEvent, Notification, Role, User
from supervision.models import RelapseSignal, Severity, SupervisionPolicy
from supervision.services import signals
from supervision.tasks import signal_escalation_sweep_task
from tests.concurrency import race
from tests.conftest import World
from tests.factories import (
    ClientFactory,
    OrganisationFactory,
    UserFactory,
    VolunteerFactory,
    match_with,
)
from tests.supervision.factories_signals import signal_for, user_in

AMS = ZoneInfo("Europe/Amsterdam")
T0 = datetime(2025, 5, 12, 9, 0, tzinfo=AMS)
HIGH = timedelta(hours=4)


def _escalations(signal: RelapseSignal) -> Counter[tuple[str, str]]:
    """(occasion, recipient's name) of every escalation message about the signal."""
    rows = Notification.objects.filter(
        kind="signal.escalated", subject_id=str(signal.pk)
    ).select_related("recipient")
    return Counter((n.occasion, n.recipient.full_name if n.recipient else "") for n in rows)


@pytest.fixture
def lead(world: World) -> User:
    team_lead = user_in(world.org_a, Role.PROFESSIONAL, full_name="Tineke Teamleider")
    world.professional.team_lead = team_lead
    world.professional.save()
    return team_lead


@pytest.fixture
def signal(world: World, lead: User) -> RelapseSignal:
    with time_machine.travel(T0, tick=False):
        return signals.signal_report(
            by=world.volunteer_user,
            match=world.match,
            category="old_network",
            severity=Severity.HIGH,
            observed_at=T0 - timedelta(hours=1),
            observation="Weer met de oude vrienden gezien.",
        )


def test_not_before_the_deadline(signal: RelapseSignal) -> None:
    result = signals.signal_escalation_sweep(now=T0 + HIGH - timedelta(seconds=1))
    assert result["escalated"] == 0
    signal.refresh_from_db()
    assert signal.escalation_level == 0
    assert not _escalations(signal)


def test_at_the_deadline_the_coordinator_and_team_lead_are_told_once(
    world: World, lead: User, signal: RelapseSignal
) -> None:
    user_in(world.org_a, Role.COORDINATOR, is_active=False)
    user_in(world.org_b, Role.COORDINATOR)

    first = signals.signal_escalation_sweep(now=T0 + HIGH)
    again = signals.signal_escalation_sweep(now=T0 + HIGH + timedelta(minutes=5))

    assert (first["escalated"], again["escalated"]) == (1, 0)
    signal.refresh_from_db()
    assert signal.escalation_level == 1
    assert signal.next_escalation_at == T0 + HIGH + HIGH
    assert _escalations(signal) == {
        ("level-1", "Cora Coördinator"): 1,
        ("level-1", "Tineke Teamleider"): 1,
    }
    # The professional is reminded too, and the step is audited.
    reminder = Notification.objects.get(kind="signal.overdue")
    assert (reminder.recipient, reminder.occasion) == (world.professional, "level-1")
    assert (
        AuditEvent.objects.filter(action="signal.escalate", object_id=str(signal.pk)).count() == 1
    )


def test_it_escalates_again_after_another_period(signal: RelapseSignal) -> None:
    signals.signal_escalation_sweep(now=T0 + HIGH)
    assert (
        signals.signal_escalation_sweep(now=T0 + 2 * HIGH - timedelta(minutes=1))["escalated"] == 0
    )
    assert signals.signal_escalation_sweep(now=T0 + 2 * HIGH)["escalated"] == 1
    signal.refresh_from_db()
    assert signal.escalation_level == 2
    assert sorted(occasion for occasion, _name in _escalations(signal)) == [
        "level-1",
        "level-1",
        "level-2",
        "level-2",
    ]


def test_it_stops_once_acknowledged(world: World, signal: RelapseSignal) -> None:
    signals.signal_escalation_sweep(now=T0 + HIGH)
    signals.signal_acknowledge(signal=signal, by=world.professional, action_taken="Gebeld.")
    assert signals.signal_escalation_sweep(now=T0 + 10 * HIGH)["escalated"] == 0
    signal.refresh_from_db()
    assert signal.escalation_level == 1
    assert len(_escalations(signal)) == 2


def test_a_late_sweep_catches_up_one_step_not_a_burst(signal: RelapseSignal) -> None:
    """The worker was down for a day: one step now, the next a full period later."""
    late = T0 + timedelta(hours=30)
    assert signals.signal_escalation_sweep(now=late)["escalated"] == 1
    assert signals.signal_escalation_sweep(now=late)["escalated"] == 0
    signal.refresh_from_db()
    assert (signal.escalation_level, signal.next_escalation_at) == (1, late + HIGH)


def test_the_organisations_deadline_is_used_for_the_next_step(world: World) -> None:
    SupervisionPolicy.objects.create(organisation=world.org_a, acute_minutes=20)
    with time_machine.travel(T0, tick=False):
        acute = signals.signal_report(
            by=world.volunteer_user,
            match=world.match,
            category="mood_threats",
            severity=Severity.ACUTE,
            observed_at=T0,
            observation="Hij dreigde zichzelf iets aan te doen.",
        )
    assert signals.signal_escalation_sweep(now=T0 + timedelta(minutes=19))["escalated"] == 0
    assert signals.signal_escalation_sweep(now=T0 + timedelta(minutes=20))["escalated"] == 1
    acute.refresh_from_db()
    assert acute.next_escalation_at == T0 + timedelta(minutes=40)


def test_without_a_team_lead_only_the_coordinators_are_told(world: World) -> None:
    signal = signal_for(world.match, due_at=T0, next_escalation_at=T0, reported_at=T0)
    signals.signal_escalation_sweep(now=T0)
    assert _escalations(signal) == {("level-1", "Cora Coördinator"): 1}


def test_each_organisation_escalates_to_its_own_coordinators(world: World) -> None:
    ours = signal_for(world.match, due_at=T0, next_escalation_at=T0, reported_at=T0)
    theirs = signal_for(world.foreign_match, due_at=T0, next_escalation_at=T0, reported_at=T0)
    assert signals.signal_escalation_sweep(now=T0)["escalated"] == 2
    assert _escalations(ours) == {("level-1", "Cora Coördinator"): 1}
    assert _escalations(theirs) == {("level-1", "Otto Outsider"): 1}


def test_the_celery_task_runs_the_sweep(world: World, signal: RelapseSignal) -> None:
    with time_machine.travel(T0 + HIGH + timedelta(minutes=1), tick=False):
        result = signal_escalation_sweep_task()
        result_again = signal_escalation_sweep_task.delay().get()
    assert result["escalated"] == 1 and result["notified"] == 3
    assert result_again["escalated"] == 0
    assert Notification.objects.filter(kind="signal.escalated").count() == 2


# --- On PostgreSQL, at the same moment -------------------------------------------------------


def _concurrent_world() -> tuple[RelapseSignal, User]:
    organisation = OrganisationFactory()
    UserFactory(organisation=organisation, role=Role.COORDINATOR)
    professional = UserFactory(organisation=organisation, role=Role.PROFESSIONAL)
    volunteer_user = UserFactory(organisation=organisation, role=Role.VOLUNTEER)
    volunteer = VolunteerFactory(organisation=organisation, user=volunteer_user)
    client = ClientFactory(organisation=organisation, responsible_professional=professional)
    match = match_with(volunteer, client)
    signal = signal_for(match, reported_at=T0, due_at=T0, next_escalation_at=T0)
    return signal, professional


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sweeps_at_the_same_moment_escalate_once() -> None:
    signal, _professional = _concurrent_world()

    results, errors = race(
        [T0 + HIGH] * 4, lambda now: signals.signal_escalation_sweep(now=now)["escalated"]
    )

    assert errors == []
    assert sorted(results) == [0, 0, 0, 1]
    signal.refresh_from_db()
    assert signal.escalation_level == 1
    assert Notification.objects.filter(kind="signal.escalated").count() == 1
    assert AuditEvent.objects.filter(action="signal.escalate").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_acknowledging_at_once_one_succeeds() -> None:
    signal, professional = _concurrent_world()
    coordinator = User.objects.get(organisation=signal.organisation, role=Role.COORDINATOR)

    results, errors = race(
        [professional, coordinator],
        lambda by: (
            signals.signal_acknowledge(
                signal=signal, by=by, action_taken=f"Opgepakt door {by.pk}."
            ).acknowledged_by_id
        ),
    )

    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], ValidationError)
    signal.refresh_from_db()
    assert signal.acknowledged_by_id == results[0]
    assert signal.action_taken == f"Opgepakt door {results[0]}."
    assert Notification.objects.filter(kind="signal.acknowledged").count() == 1
