"""Relapse signal services: reporting (only for the volunteer's own active match, never in the
future, the professional told at once), acknowledging (once, with the action, the volunteer
told without the action), and setting a professional's team lead. Bad input: a clear message
and nothing saved."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from matching.models import Match
from reclass_volunteers.models import AuditEvent, Notification, Role
from supervision.models import RelapseSignal, Severity, SignalCategory, SupervisionPolicy
from supervision.services import signals
from tests.conftest import World
from tests.factories import ClientFactory, VolunteerFactory, match_with
from tests.supervision.factories_signals import signal_for, user_in

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2025, 5, 12, 14, 0, tzinfo=AMS)
SECRET = "Hij gebruikt weer cocaïne en zoekt zijn oude vrienden op."


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are asserted in English, whatever the catalogue says."""
    with translation.override("en"):
        yield


def _report(world: World, **overrides: Any) -> RelapseSignal:
    fields: dict[str, Any] = {
        "by": world.volunteer_user,
        "match": world.match,
        "category": SignalCategory.SUBSTANCE_USE,
        "severity": Severity.HIGH,
        "observed_at": timezone.now() - timedelta(hours=1),
        "observation": SECRET,
    }
    fields.update(overrides)
    return signals.signal_report(**fields)


def _nothing_saved() -> None:
    assert not RelapseSignal.objects.exists()
    assert not Notification.objects.filter(kind="signal.reported").exists()
    assert not AuditEvent.objects.filter(action="signal.report").exists()


# --- Reporting -------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_a_report_sets_the_deadline_and_tells_the_professional_at_once(world: World) -> None:
    signal = _report(world)

    assert signal.professional == world.professional
    assert (signal.client, signal.volunteer, signal.organisation) == (
        world.client,
        world.volunteer,
        world.org_a,
    )
    assert signal.reported_at == NOW
    assert signal.due_at == NOW + timedelta(hours=4)  # default for high
    assert signal.next_escalation_at == signal.due_at
    assert signal.escalation_level == 0 and signal.is_open
    told = Notification.objects.get(kind="signal.reported")
    assert told.recipient == world.professional
    assert told.url == reverse("supervision:signal_detail", args=[signal.pk])
    assert world.client.code in told.title
    # E-mail leaves the system: nothing of what was seen, nor its category.
    for text in (told.title, told.body):
        assert "cocaïne" not in text and SECRET not in text
        assert "middelen" not in text.lower() and "substance" not in text.lower()
    assert AuditEvent.objects.filter(
        action="signal.report", actor=world.volunteer_user, object_id=str(signal.pk)
    ).exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("severity", "minutes"),
    [("acute", 60), ("high", 240), ("medium", 1440), ("low", 4320)],
)
def test_the_default_deadline_follows_the_severity(
    world: World, severity: str, minutes: int
) -> None:
    assert _report(world, severity=severity).due_at == NOW + timedelta(minutes=minutes)


@time_machine.travel(NOW, tick=False)
def test_the_deadline_is_the_organisations_own(world: World) -> None:
    SupervisionPolicy.objects.create(organisation=world.org_a, acute_minutes=15, high_minutes=90)
    assert _report(world, severity="acute").due_at == NOW + timedelta(minutes=15)
    assert _report(world, severity="high").due_at == NOW + timedelta(minutes=90)


def test_the_professional_is_the_one_responsible_when_it_came_in(world: World) -> None:
    signal = _report(world)
    successor = user_in(world.org_a, Role.PROFESSIONAL)
    world.client.responsible_professional = successor
    world.client.save()
    signal.refresh_from_db()
    assert signal.professional == world.professional
    assert _report(world).professional == successor


def test_a_moment_in_the_future_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        _report(world, observed_at=timezone.now() + timedelta(minutes=10))
    assert caught.value.message_dict == {
        "observed_at": ["The moment you noticed it cannot be in the future."]
    }
    _nothing_saved()


NOT_YOURS = {
    "match": ["You can only report a signal about a client you support in an active match."]
}


def test_a_signal_for_another_organisations_client_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        _report(world, match=world.foreign_match)
    assert caught.value.message_dict == NOT_YOURS
    _nothing_saved()


def test_a_signal_for_another_volunteers_client_is_refused(world: World) -> None:
    other = VolunteerFactory(organisation=world.org_a)
    someone_elses = match_with(other, ClientFactory(organisation=world.org_a))
    with pytest.raises(ValidationError) as caught:
        _report(world, match=someone_elses)
    assert caught.value.message_dict == NOT_YOURS
    _nothing_saved()


def test_a_signal_for_an_ended_match_is_refused(world: World) -> None:
    ended = match_with(
        world.volunteer, ClientFactory(organisation=world.org_a), status=Match.Status.ENDED
    )
    with pytest.raises(ValidationError):
        _report(world, match=ended)
    _nothing_saved()


@pytest.mark.parametrize("role", ["coordinator", "professional", "admin"])
def test_staff_do_not_report_signals_as_volunteers(world: World, role: str) -> None:
    with pytest.raises(ValidationError):
        _report(world, by=world.user(role))
    _nothing_saved()


@pytest.mark.parametrize(
    ("field", "value"),
    [("category", "gossip"), ("severity", "extreme"), ("observation", "   ")],
)
def test_bad_choices_and_an_empty_observation_are_refused(
    world: World, field: str, value: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        _report(world, **{field: value})
    assert list(caught.value.message_dict) == [field]
    _nothing_saved()


# --- Acknowledging ---------------------------------------------------------------------------


def test_acknowledging_records_the_action_and_tells_the_volunteer(world: World) -> None:
    signal = _report(world)
    signals.signal_acknowledge(
        signal=signal, by=world.professional, action_taken="  Cliënt gebeld, morgen gesprek.  "
    )
    signal.refresh_from_db()
    assert signal.acknowledged_by == world.professional
    assert signal.acknowledged_at is not None
    assert signal.action_taken == "Cliënt gebeld, morgen gesprek."
    assert signal.next_escalation_at is None
    told = Notification.objects.get(kind="signal.acknowledged")
    assert told.recipient == world.volunteer_user
    assert "gebeld" not in told.title + told.body  # the action stays with the staff
    assert AuditEvent.objects.filter(action="signal.acknowledge", actor=world.professional)


def test_a_second_acknowledgement_is_refused_and_changes_nothing(world: World) -> None:
    signal = _report(world)
    signals.signal_acknowledge(signal=signal, by=world.professional, action_taken="Gebeld.")
    with pytest.raises(ValidationError) as caught:
        signals.signal_acknowledge(signal=signal, by=world.coordinator, action_taken="Ook gebeld.")
    assert "already acknowledged" in caught.value.messages[0]
    signal.refresh_from_db()
    assert (signal.acknowledged_by, signal.action_taken) == (world.professional, "Gebeld.")
    assert Notification.objects.filter(kind="signal.acknowledged").count() == 1
    assert AuditEvent.objects.filter(action="signal.acknowledge").count() == 1


def test_acknowledging_without_an_action_is_refused(world: World) -> None:
    signal = _report(world)
    with pytest.raises(ValidationError) as caught:
        signals.signal_acknowledge(signal=signal, by=world.professional, action_taken="  ")
    assert list(caught.value.message_dict) == ["action_taken"]
    signal.refresh_from_db()
    assert signal.is_open


@pytest.mark.parametrize("who", ["volunteer", "admin", "outsider", "other professional"])
def test_only_staff_in_scope_acknowledge(world: World, who: str) -> None:
    signal = _report(world)
    by = user_in(world.org_a, Role.PROFESSIONAL) if who == "other professional" else world.user(who)
    with pytest.raises(ValidationError):
        signals.signal_acknowledge(signal=signal, by=by, action_taken="Gedaan.")
    signal.refresh_from_db()
    assert signal.is_open


def test_the_team_lead_may_acknowledge(world: World) -> None:
    lead = user_in(world.org_a, Role.PROFESSIONAL)
    world.professional.team_lead = lead
    world.professional.save()
    signal = signal_for(world.match)
    signals.signal_acknowledge(signal=signal, by=lead, action_taken="Overgenomen.")
    signal.refresh_from_db()
    assert signal.acknowledged_by == lead


# --- Team lead -------------------------------------------------------------------------------


def test_an_admin_sets_and_clears_a_team_lead(world: World) -> None:
    lead = user_in(world.org_a, Role.PROFESSIONAL)
    signals.team_lead_set(professional=world.professional, team_lead=lead, by=world.admin)
    world.professional.refresh_from_db()
    assert world.professional.team_lead == lead
    signals.team_lead_set(professional=world.professional, team_lead=None, by=world.admin)
    world.professional.refresh_from_db()
    assert world.professional.team_lead is None
    assert AuditEvent.objects.filter(action="user.team_lead", actor=world.admin).count() == 2


def test_a_team_lead_from_elsewhere_or_of_the_wrong_kind_is_refused(world: World) -> None:
    foreign = user_in(world.org_b, Role.PROFESSIONAL)
    inactive = user_in(world.org_a, Role.PROFESSIONAL, is_active=False)
    for lead in (foreign, inactive, world.volunteer_user, world.professional):
        with pytest.raises(ValidationError):
            signals.team_lead_set(professional=world.professional, team_lead=lead, by=world.admin)
    with pytest.raises(ValidationError):  # only professionals have one
        signals.team_lead_set(
            professional=world.volunteer_user, team_lead=world.coordinator, by=world.admin
        )
    with pytest.raises(ValidationError):  # only administrators set it
        signals.team_lead_set(
            professional=world.professional, team_lead=world.coordinator, by=world.coordinator
        )
    world.professional.refresh_from_db()
    assert world.professional.team_lead is None
