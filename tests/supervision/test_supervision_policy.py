"""The supervision policy page: signal deadlines in hours and minutes (ordered by severity), the
emergency number, expense limits, the km rate and the volunteer allowance within today's
tax-free limit; the allowance limits are shown read only. Refusals say why and change nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from reclass_volunteers.models import AuditEvent
from supervision.models import AllowanceLimit, SupervisionPolicy
from supervision.services.policy import hours_and_minutes, policy_update
from tests.conftest import World, client_for

URL = "supervision:supervision_policy"

VALID = {
    "acute_hours": "0",
    "acute_mins": "30",
    "high_hours": "2",
    "high_mins": "0",
    "medium_hours": "8",
    "medium_mins": "0",
    "low_hours": "48",
    "low_mins": "0",
    "emergency_number": "112",
    "expense_item_limit": "20,00",
    "expense_month_limit": "60,00",
    "expense_hard_maximum": "150,00",
    "km_rate": "0,21",
    "pays_allowance": "on",
    "allowance_hourly_rate": "4,50",
}


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(date(2025, 9, 1), tick=False):
        yield


def _arguments(**changes: Any) -> dict[str, Any]:
    return {
        "acute_minutes": 60,
        "high_minutes": 240,
        "medium_minutes": 1440,
        "low_minutes": 4320,
        "emergency_number": "112",
        "expense_item_limit": Decimal("25.00"),
        "expense_month_limit": Decimal("75.00"),
        "expense_hard_maximum": Decimal("250.00"),
        "km_rate": Decimal("0.23"),
        "pays_allowance": False,
        "allowance_hourly_rate": Decimal("0"),
    } | changes


def test_reading_the_policy_never_writes(world: World) -> None:
    policy = SupervisionPolicy.for_organisation(world.org_a)
    assert policy.pk is None
    assert (policy.acute_minutes, policy.low_minutes, policy.expense_hard_maximum) == (
        60,
        4320,
        Decimal("250.00"),
    )
    response = client_for(world.coordinator).get(reverse(URL))
    assert response.status_code == 200
    assert not SupervisionPolicy.objects.exists()
    assert response.context["is_saved"] is False


def test_the_page_shows_deadlines_in_hours_and_minutes_and_the_limits(world: World) -> None:
    response = client_for(world.admin).get(reverse(URL))
    form = response.context["form"]
    assert (form["high_hours"].value(), form["high_mins"].value()) == (4, 0)
    assert (form["low_hours"].value(), form["low_mins"].value()) == (72, 0)
    html = response.content.decode()
    assert "5,60" in html and "210,00" in html and "2.100,00" in html
    assert [row.valid_from for row in response.context["limits"]] == [date(2025, 1, 1)]


def test_a_coordinator_saves_the_policy(world: World) -> None:
    response = client_for(world.coordinator).post(
        reverse(URL), VALID | {"organisation": str(world.org_b.pk)}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse(URL)
    policy = SupervisionPolicy.objects.get()
    assert policy.organisation == world.org_a
    assert (policy.acute_minutes, policy.high_minutes, policy.medium_minutes) == (30, 120, 480)
    assert policy.low_minutes == 48 * 60
    assert (policy.expense_item_limit, policy.km_rate, policy.allowance_hourly_rate) == (
        Decimal("20.00"),
        Decimal("0.21"),
        Decimal("4.50"),
    )
    assert policy.pays_allowance is True
    assert AuditEvent.objects.filter(
        action="supervision_policy.update", actor=world.coordinator, object_id=str(policy.pk)
    ).exists()
    # A second save updates the same row.
    client_for(world.admin).post(reverse(URL), VALID | {"acute_mins": "45"})
    assert SupervisionPolicy.objects.get().acute_minutes == 45


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"acute_hours": "3"}, "high_mins", [210]),  # acute 3 h 30 > high 2 h
        ({"low_hours": "7", "low_mins": "59"}, "low_mins", [480]),  # low < medium (8 h)
        ({"acute_hours": "0", "acute_mins": "4"}, "acute_mins", [5]),
        ({"low_hours": "337"}, "low_hours", []),
        ({"acute_mins": "60"}, "acute_mins", []),
        ({"expense_item_limit": "150,01"}, "expense_item_limit", ["150,00"]),
        ({"expense_hard_maximum": "0"}, "expense_hard_maximum", []),
        ({"km_rate": "-0,10"}, "km_rate", []),
        ({"allowance_hourly_rate": "5,61"}, "allowance_hourly_rate", ["5,60"]),
        ({"allowance_hourly_rate": "0"}, "allowance_hourly_rate", []),
        ({"emergency_number": "  "}, "emergency_number", []),
        ({"emergency_number": "bel Piet"}, "emergency_number", ["112"]),
        ({"emergency_number": "112 of 113"}, "emergency_number", []),
        ({"expense_month_limit": "veel"}, "expense_month_limit", []),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_changes(
    world: World, changes: dict[str, str], field: str, words: list[str | int]
) -> None:
    response = client_for(world.coordinator).post(reverse(URL), VALID | changes)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    for word in words:
        if isinstance(word, int):  # a deadline, as the (Dutch) page writes it
            with translation.override("nl"):
                word = hours_and_minutes(word)
        assert word in " ".join(errors[field])
    assert not SupervisionPolicy.objects.exists()
    assert not AuditEvent.objects.filter(action="supervision_policy.update").exists()
    # What was typed is kept.
    for value in changes.values():
        if value.strip():
            assert f'value="{value}"' in response.content.decode()


def test_the_rate_may_not_exceed_the_limit_valid_today(world: World) -> None:
    AllowanceLimit.objects.create(
        valid_from=date(2026, 1, 1),
        per_hour=Decimal("6.00"),
        per_month=Decimal("220.00"),
        per_year=Decimal("2200.00"),
    )
    with pytest.raises(ValidationError):
        policy_update(
            by=world.coordinator,
            organisation=world.org_a,
            **_arguments(pays_allowance=True, allowance_hourly_rate=Decimal("5.90")),
        )
    with time_machine.travel(date(2026, 1, 2), tick=False):
        policy = policy_update(
            by=world.coordinator,
            organisation=world.org_a,
            **_arguments(pays_allowance=True, allowance_hourly_rate=Decimal("5.90")),
        )
    assert policy.allowance_hourly_rate == Decimal("5.90")


def test_without_recorded_limits_no_rate_can_be_set(world: World) -> None:
    with (
        time_machine.travel(date(2024, 6, 1), tick=False),
        pytest.raises(ValidationError) as refused,
    ):
        policy_update(
            by=world.coordinator,
            organisation=world.org_a,
            **_arguments(pays_allowance=True, allowance_hourly_rate=Decimal("4.00")),
        )
    assert "2024" in refused.value.message_dict["allowance_hourly_rate"][0]
    assert not SupervisionPolicy.objects.exists()


def test_only_the_organisations_coordinators_and_admins_change_it(world: World) -> None:
    for user in (world.professional, world.volunteer_user, world.outsider):
        with pytest.raises(ValidationError):
            policy_update(by=user, organisation=world.org_a, **_arguments())
    assert not SupervisionPolicy.objects.exists()
    for user in (world.professional, world.volunteer_user):
        assert client_for(user).post(reverse(URL), VALID).status_code == 403
    assert not SupervisionPolicy.objects.exists()
    # The outsider saves their own organisation's policy, never A's.
    assert client_for(world.outsider).post(reverse(URL), VALID).status_code == 302
    assert SupervisionPolicy.objects.get().organisation == world.org_b


def test_equal_deadlines_are_allowed(world: World) -> None:
    policy = policy_update(
        by=world.admin,
        organisation=world.org_a,
        **_arguments(acute_minutes=60, high_minutes=60, medium_minutes=60, low_minutes=60),
    )
    assert policy.deadline_minutes("low") == 60


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(5, "5 min"), (60, "1 h"), (90, "1 h 30 min"), (4320, "72 h")],
)
def test_deadlines_read_as_hours_and_minutes(minutes: int, text: str) -> None:
    with translation.override("en"):
        assert hours_and_minutes(minutes) == text


def test_the_policy_page_keeps_its_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    http = client_for(world.coordinator)
    for valid_from in (date(2026, 1, 1), date(2027, 1, 1)):
        AllowanceLimit.objects.create(
            valid_from=valid_from,
            per_hour=Decimal("6"),
            per_month=Decimal("220"),
            per_year=Decimal("2200"),
        )
        with django_assert_max_num_queries(10):
            assert http.get(reverse(URL)).status_code == 200
