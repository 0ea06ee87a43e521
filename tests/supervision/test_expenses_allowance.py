"""The volunteer allowance: hours per month at the organisation's rate, within the tax-free
limits of the AllowanceLimit valid on that month (2025: EUR 5.60 an hour, 210 a month, 2,100 a
year, recorded by migration 0002). A refusal names the limit and the year; nothing is saved."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from reclass_volunteers.models import AuditEvent
from supervision.models import AllowanceClaim, AllowanceLimit, SupervisionPolicy
from supervision.services.expenses import allowance_claim_record
from tests.conftest import World, client_for
from tests.factories import VolunteerFactory
from tests.supervision.factories_expenses import AllowanceClaimFactory, allowance_policy


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(date(2025, 11, 18), tick=False):
        yield


def _record(world: World, hours: str, month: date = date(2025, 11, 1), **kwargs: Any) -> Any:
    arguments: dict[str, Any] = {
        "by": world.volunteer_user,
        "volunteer": world.volunteer,
        "month": month,
        "hours": Decimal(hours),
    } | kwargs
    return allowance_claim_record(**arguments)


def _only_message(error: pytest.ExceptionInfo[ValidationError]) -> str:
    messages = error.value.messages
    assert len(messages) == 1
    return messages[0]


def test_the_2025_limits_are_recorded_by_the_migration(db: Any) -> None:
    limit = AllowanceLimit.on(date(2025, 3, 1))
    assert limit is not None
    assert (limit.per_hour, limit.per_month, limit.per_year) == (
        Decimal("5.60"),
        Decimal("210.00"),
        Decimal("2100.00"),
    )
    assert AllowanceLimit.on(date(2024, 12, 31)) is None


def test_hours_are_paid_at_the_organisations_rate(world: World) -> None:
    allowance_policy(world.org_a, "5.00")
    claim = _record(world, "12.5", month=date(2025, 10, 17))
    assert (claim.month, claim.hours, claim.amount) == (
        date(2025, 10, 1),
        Decimal("12.5"),
        Decimal("62.50"),
    )
    # Recording the month again replaces its hours.
    again = _record(world, "10", month=date(2025, 10, 1))
    assert again.pk == claim.pk
    assert AllowanceClaim.objects.get().amount == Decimal("50.00")
    assert list(
        AuditEvent.objects.filter(action__startswith="allowance.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["allowance.claim.create", "allowance.claim.update"]


def test_a_coordinator_records_for_a_volunteer_but_not_a_volunteer_for_another(
    world: World,
) -> None:
    allowance_policy(world.org_a)
    assert _record(world, "4", by=world.coordinator).volunteer == world.volunteer
    other = VolunteerFactory(organisation=world.org_a)
    with pytest.raises(ValidationError):
        _record(world, "4", volunteer=other)
    for user in (world.professional, world.outsider):
        with pytest.raises(ValidationError):
            _record(world, "4", by=user, month=date(2025, 9, 1))
    assert AllowanceClaim.objects.count() == 1


def test_no_allowance_when_the_organisation_does_not_pay_one(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        _record(world, "4")
    assert "allowance" in _only_message(refused) or "vergoeding" in _only_message(refused)
    assert not AllowanceClaim.objects.exists()


def test_a_rate_above_the_hourly_limit_is_refused_naming_limit_and_year(world: World) -> None:
    # Saved directly: the policy page would refuse it, but the limits may drop later.
    policy = allowance_policy(world.org_a, "5.00")
    SupervisionPolicy.objects.filter(pk=policy.pk).update(allowance_hourly_rate=Decimal("5.61"))
    with pytest.raises(ValidationError) as refused:
        _record(world, "2")
    message = _only_message(refused)
    assert "5,60" in message and "2025" in message
    assert not AllowanceClaim.objects.exists()


def test_the_month_limit_is_enforced(world: World) -> None:
    allowance_policy(world.org_a, "5.60")
    assert _record(world, "37.5").amount == Decimal("210.00")  # exactly the limit
    with pytest.raises(ValidationError) as refused:
        _record(world, "37.6", month=date(2025, 10, 1))
    message = refused.value.message_dict["hours"][0]
    assert "210,00" in message and "2025" in message and "210,56" in message
    assert AllowanceClaim.objects.count() == 1


def test_the_calendar_year_limit_is_enforced(world: World) -> None:
    allowance_policy(world.org_a, "5.60")
    for month in range(1, 11):  # January to October 2025: 10 x 196.00 = 1,960.00
        AllowanceClaimFactory(
            volunteer=world.volunteer,
            month=date(2025, month, 1),
            hours=Decimal("35"),
            amount=Decimal("196.00"),
        )
    # Another volunteer's claims and last year's do not count.
    AllowanceClaimFactory(
        volunteer=VolunteerFactory(organisation=world.org_a), month=date(2025, 11, 1)
    )
    with pytest.raises(ValidationError) as refused:
        _record(world, "25.1")  # 140.56 -> 2,100.56
    message = refused.value.message_dict["hours"][0]
    assert "2.100,00" in message and "2025" in message and "2.100,56" in message
    assert _record(world, "25").amount == Decimal("140.00")  # exactly 2,100.00
    # Replacing a month's hours counts the new hours, not both.
    assert _record(world, "20", month=date(2025, 10, 1)).amount == Decimal("112.00")


def test_a_year_without_recorded_limits_is_refused(world: World) -> None:
    allowance_policy(world.org_a)
    with pytest.raises(ValidationError) as refused:
        _record(world, "4", month=date(2024, 12, 1))
    message = refused.value.message_dict["month"][0]
    assert "2024" in message
    assert not AllowanceClaim.objects.exists()


def test_a_month_that_has_not_started_is_refused(world: World) -> None:
    allowance_policy(world.org_a)
    with pytest.raises(ValidationError) as refused:
        _record(world, "4", month=date(2025, 12, 1))
    assert "month" in refused.value.message_dict
    for hours in ("0", "-2", "745"):
        with pytest.raises(ValidationError) as refused:
            _record(world, hours)
        assert "hours" in refused.value.message_dict
    assert not AllowanceClaim.objects.exists()


def test_a_later_limit_applies_from_its_date(world: World) -> None:
    AllowanceLimit.objects.create(
        valid_from=date(2026, 1, 1),
        per_hour=Decimal("5.00"),
        per_month=Decimal("100.00"),
        per_year=Decimal("1000.00"),
    )
    allowance_policy(world.org_a, "5.00")
    with time_machine.travel(date(2026, 2, 10), tick=False):
        with pytest.raises(ValidationError) as refused:
            _record(world, "21", month=date(2026, 1, 1))
        assert "100,00" in refused.value.message_dict["hours"][0]
        assert "2026" in refused.value.message_dict["hours"][0]
        assert _record(world, "30", month=date(2025, 12, 1)).amount == Decimal("150.00")


# --- Pages -----------------------------------------------------------------------------------


def test_a_volunteer_records_hours_on_the_page(world: World) -> None:
    allowance_policy(world.org_a, "5.00")
    http = client_for(world.volunteer_user)
    form = http.get(reverse("supervision:allowance_claim")).context["form"]
    assert "volunteer" not in form.fields
    assert form.fields["month"].choices[0] == ("2025-11", "november 2025")
    response = http.post(
        reverse("supervision:allowance_claim"), {"month": "2025-10", "hours": "7,5"}
    )
    assert response.status_code == 302
    claim = AllowanceClaim.objects.get()
    assert (claim.volunteer, claim.month, claim.amount) == (
        world.volunteer,
        date(2025, 10, 1),
        Decimal("37.50"),
    )
    page = http.get(reverse("supervision:allowance_list"))
    assert list(page.context["page"]) == [claim]
    assert page.context["remaining"] == Decimal("2062.50")


def test_a_refusal_on_the_page_keeps_the_input_and_saves_nothing(world: World) -> None:
    allowance_policy(world.org_a, "5.60")
    response = client_for(world.volunteer_user).post(
        reverse("supervision:allowance_claim"), {"month": "2025-11", "hours": "40"}
    )
    assert response.status_code == 200
    assert "hours" in response.context["form"].errors
    assert 'value="40"' in response.content.decode()
    assert not AllowanceClaim.objects.exists()


def test_a_coordinator_cannot_post_a_foreign_volunteer(world: World) -> None:
    allowance_policy(world.org_a)
    response = client_for(world.coordinator).post(
        reverse("supervision:allowance_claim"),
        {"volunteer": str(world.foreign_volunteer.pk), "month": "2025-11", "hours": "4"},
    )
    assert response.status_code == 200
    assert "volunteer" in response.context["form"].errors
    assert not AllowanceClaim.objects.exists()


def test_the_allowance_page_says_when_none_is_paid(world: World) -> None:
    response = client_for(world.volunteer_user).get(reverse("supervision:allowance_claim"))
    assert 'name="hours"' not in response.content.decode()
    assert not response.context["policy"].pays_allowance


def test_the_coordinators_allowance_list_keeps_its_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    allowance_policy(world.org_a)
    http = client_for(world.coordinator)
    url = reverse("supervision:allowance_list")
    for size in (3, 30):
        for _ in range(size):
            AllowanceClaimFactory(volunteer=VolunteerFactory(organisation=world.org_a))
        AllowanceClaimFactory(volunteer=VolunteerFactory(organisation=world.org_b))
        with django_assert_max_num_queries(11):
            response = http.get(url)
        assert response.status_code == 200
    assert response.context["page"].paginator.count == 33
