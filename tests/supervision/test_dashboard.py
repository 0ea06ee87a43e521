"""The professional's and the coordinator's dashboards: open signals by severity and age, the
last contact per running match, and what coordinators must act on; fixed queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from matching.models import Match
from reclass_volunteers.models import Role
from supervision.dashboard import dashboard, match_rows, signal_overview
from supervision.models import ContactReport, DiscussionPoint, Expense, RelapseSignal
from tests.conftest import World, client_for
from tests.factories import ClientFactory, UserFactory, VolunteerFactory, match_with


def _signal(match: Match, severity: str, hours_ago: float, **extra: Any) -> RelapseSignal:
    reported = timezone.now() - timedelta(hours=hours_ago)
    volunteer = match.memberships.first().volunteer
    return RelapseSignal.objects.create(
        organisation=match.organisation,
        match=match,
        client=match.client,
        volunteer=volunteer,
        professional=match.client.responsible_professional,
        category="substance_use",
        severity=severity,
        observed_at=reported - timedelta(hours=1),
        observation="Rook alcohol",
        reported_at=reported,
        due_at=reported + timedelta(hours=4),
        **extra,
    )


def _contact(match: Match, days_ago: int) -> ContactReport:
    return ContactReport.objects.create(
        match=match,
        volunteer=match.memberships.first().volunteer,
        happened_on=timezone.localdate() - timedelta(days=days_ago),
        duration_minutes=60,
        kind="meeting",
        how_it_went=4,
    )


def test_open_signals_are_counted_by_severity_and_age(world: World) -> None:
    _signal(world.match, "acute", 1)
    _signal(world.match, "high", 10)
    _signal(world.match, "high", 30)
    _signal(world.match, "low", 100)
    _signal(
        world.match,
        "high",
        2,
        acknowledged_at=timezone.now(),
        action_taken="Gebeld met de cliënt",
    )
    _signal(world.foreign_match, "acute", 1)

    with translation.override("en"):
        overview = signal_overview(world.professional, timezone.now())

    assert overview["total"] == 4
    rows = {str(label): counts for label, counts, _total in overview["rows"]}
    # Buckets: under 4 hours, 4-24 hours, 1-3 days, longer; acute first.
    assert list(rows) == ["Acute", "High", "Medium", "Low"]
    assert rows["Acute"] == [1, 0, 0, 0]
    assert rows["High"] == [0, 1, 1, 0]
    assert rows["Low"] == [0, 0, 0, 1]
    assert [s.severity for s in overview["oldest"]] == ["low", "high", "high", "acute"]
    assert overview["chart"]["series"][0]["data"] == [1, 0, 0, 0]


def test_matches_show_their_last_contact_longest_silence_first(world: World) -> None:
    quiet = match_with(
        VolunteerFactory(organisation=world.org_a),
        ClientFactory(organisation=world.org_a, responsible_professional=world.professional),
    )
    _contact(world.match, 3)
    _contact(world.match, 10)

    rows = match_rows(world.professional, timezone.localdate())

    assert [(r.match.pk, r.days_since) for r in rows] == [(quiet.pk, None), (world.match.pk, 3)]
    # A colleague's client is not on this professional's dashboard.
    colleague = UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)
    assert match_rows(colleague, timezone.localdate()) == []


def test_coordinators_see_what_waits_for_them(world: World) -> None:
    Expense.objects.create(
        volunteer=world.volunteer,
        kind="item",
        spent_on=timezone.localdate(),
        description="Koffie",
        amount=40,
        status=Expense.Status.SUBMITTED,
    )
    DiscussionPoint.objects.create(volunteer=world.volunteer, topic="gift", text="Een cadeau")

    data = dashboard(world.coordinator)

    assert (data["expenses_to_approve"], data["discussion_points_open"]) == (1, 1)
    assert "expenses_to_approve" not in dashboard(world.professional)


@pytest.mark.parametrize("size", [2, 20])
@pytest.mark.parametrize(("role", "bound"), [("coordinator", 23), ("professional", 16)])
def test_the_home_page_with_its_dashboard_takes_fixed_queries(
    world: World, size: int, role: str, bound: int, django_assert_max_num_queries: Any
) -> None:
    for index in range(size):
        match = match_with(
            VolunteerFactory(organisation=world.org_a),
            ClientFactory(organisation=world.org_a, responsible_professional=world.professional),
        )
        _signal(match, ["low", "medium", "high", "acute"][index % 4], index * 5)
        _contact(match, index)
    http = client_for(world.user(role))
    with django_assert_max_num_queries(bound):
        response = http.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["signals"]["total"] == size


def test_supervision_overdue_against_the_plan_is_on_the_dashboard(world: World) -> None:
    world.volunteer.supervision_interval_weeks = 4
    world.volunteer.status_changed_at = timezone.now() - timedelta(days=60)
    world.volunteer.save()
    not_supervised_by_them = VolunteerFactory(
        organisation=world.org_a,
        supervision_interval_weeks=2,
        status_changed_at=timezone.now() - timedelta(days=60),
    )

    mine = dashboard(world.professional)
    everyone = dashboard(world.coordinator)

    assert [row.volunteer for row in mine["overdue_supervision"]] == [world.volunteer]
    assert mine["overdue_supervision"][0].days_overdue == 60 - 28
    assert {row.volunteer for row in everyone["overdue_supervision"]} == {
        world.volunteer,
        not_supervised_by_them,
    }
    page = client_for(world.professional).get(reverse("home")).content.decode()
    assert world.volunteer.full_name in page
