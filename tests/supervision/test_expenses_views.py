"""Expense pages through the browser's requests: a volunteer claims (with a receipt) and sees
their months against the limits; bad input re-renders with the message next to the field and
saves nothing; coordinators approve or reject from a list with a fixed number of queries."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from reclass_volunteers.models import Notification
from supervision.models import Expense
from tests.conftest import World, client_for
from tests.factories import ClientFactory, VolunteerFactory, match_with
from tests.supervision.factories_expenses import JPEG, PDF, ExpenseFactory, upload, with_receipt

S = Expense.Status
TODAY = date(2025, 6, 18)


@pytest.fixture(autouse=True)
def private_media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "private-media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(date(2025, 6, 18), tick=False):
        yield


def _post(world: World, **data: Any) -> Any:
    payload = {
        "kind": "item",
        "spent_on": "2025-06-17",
        "description": "Lunch met mijn cliënt",
        "amount": "12,50",
    } | data
    return client_for(world.volunteer_user).post(reverse("supervision:expense_create"), payload)


# --- Claiming --------------------------------------------------------------------------------


def test_the_form_offers_only_the_volunteers_active_matches(world: World) -> None:
    ended = match_with(world.volunteer, ClientFactory(organisation=world.org_a), "ended")
    response = client_for(world.volunteer_user).get(reverse("supervision:expense_create"))
    choices = list(response.context["form"].fields["match"].queryset)
    assert choices == [world.match]
    assert ended not in choices
    html = response.content.decode()
    assert world.client.first_name in html
    assert world.client.last_name not in html
    assert 'enctype="multipart/form-data"' in html
    # The file picker offers exactly the kinds the server accepts, HEIC photos included.
    assert 'accept="image/jpeg,image/png,image/heic,application/pdf,.jpg,.png,.heic,.pdf"' in html


def test_a_volunteer_claims_with_a_receipt(world: World, private_media: Path) -> None:
    response = _post(
        world, match=str(world.match.pk), receipt=upload("IMG_0042.jpg", JPEG), organisation="9"
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:expense_mine")
    expense = Expense.objects.get()
    assert (expense.volunteer, expense.amount, expense.status, expense.match) == (
        world.volunteer,
        Decimal("12.50"),
        S.APPROVED,
        world.match,
    )
    assert expense.receipt_content_type == "image/jpeg"
    assert (private_media / str(expense.receipt.name)).read_bytes() == JPEG


def test_a_travel_claim_is_computed_from_the_kilometres(world: World) -> None:
    response = _post(world, kind="travel", kilometres="100", amount="")
    assert response.status_code == 302
    assert Expense.objects.get().amount == Decimal("23.00")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"spent_on": "2025-06-19"}, "spent_on"),
        ({"amount": "250,01"}, "amount"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "twaalf"}, "amount"),
        ({"amount": ""}, "amount"),
        ({"kind": "travel", "kilometres": ""}, "kilometres"),
        ({"kind": "gift"}, "kind"),
        ({"description": ""}, "description"),
        ({"receipt": upload("receipt.png", b"not an image at all")}, "receipt"),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_nothing_is_saved(
    world: World, private_media: Path, data: dict[str, Any], field: str
) -> None:
    with translation.override("nl"):
        response = _post(world, **data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "is-invalid" in response.content.decode()
    assert not Expense.objects.exists()
    assert not [p for p in private_media.rglob("*") if p.is_file()]


def test_the_typed_input_is_kept_after_a_refusal(world: World) -> None:
    response = _post(world, amount="300", description="Een nieuwe jas voor mijn cliënt")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Een nieuwe jas voor mijn cliënt" in html
    assert "250,00" in html  # the hard maximum, named in the message


def test_a_foreign_match_in_the_post_makes_the_form_invalid(world: World) -> None:
    others = match_with(
        VolunteerFactory(organisation=world.org_a), ClientFactory(organisation=world.org_a)
    )
    for match in (world.foreign_match, others):
        response = _post(world, match=str(match.pk))
        assert response.status_code == 200
        assert "match" in response.context["form"].errors
    assert not Expense.objects.exists()


def test_above_the_limit_the_volunteer_is_told_it_waits(world: World) -> None:
    response = _post(world, amount="30,00")
    expense = Expense.objects.get()
    assert expense.status == S.SUBMITTED
    followed = client_for(world.volunteer_user).get(response["Location"])
    assert "25,00" in followed.content.decode()
    assert Notification.objects.filter(kind="expense.to_approve", recipient=world.coordinator)


# --- The volunteer's months ------------------------------------------------------------------


def test_the_volunteer_sees_each_month_against_the_limit(world: World) -> None:
    ExpenseFactory(
        volunteer=world.volunteer, spent_on=date(2025, 6, 2), amount="50.00", status=S.APPROVED
    )
    ExpenseFactory(
        volunteer=world.volunteer, spent_on=date(2025, 6, 3), amount="40.00", status=S.SUBMITTED
    )
    ExpenseFactory(
        volunteer=world.volunteer, spent_on=date(2025, 6, 4), amount="99.00", status=S.REJECTED
    )
    ExpenseFactory(
        volunteer=world.volunteer, spent_on=date(2025, 5, 4), amount="10.00", status=S.APPROVED
    )
    ExpenseFactory(
        volunteer=world.volunteer, spent_on=date(2024, 5, 4), amount="7.00", status=S.APPROVED
    )
    ExpenseFactory(
        volunteer=world.foreign_volunteer, spent_on=date(2025, 6, 4), description="Vreemd"
    )
    response = client_for(world.volunteer_user).get(reverse("supervision:expense_mine"))
    months = response.context["months"]
    assert [m.start for m in months] == [date(2025, 6, 1), date(2025, 5, 1)]
    june = months[0]
    assert (june.counted, june.approved, june.waiting, june.over_limit) == (
        Decimal("90.00"),
        Decimal("50.00"),
        Decimal("40.00"),
        True,
    )
    assert months[1].over_limit is False
    assert "Vreemd" not in response.content.decode()
    assert response.context["years"] == [2025, 2024]
    older = client_for(world.volunteer_user).get(
        reverse("supervision:expense_mine"), {"jaar": "2024"}
    )
    assert [m.counted for m in older.context["months"]] == [Decimal("7.00")]


def test_the_volunteers_list_keeps_its_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    http = client_for(world.volunteer_user)
    url = reverse("supervision:expense_mine")
    for size in (3, 30):
        ExpenseFactory.create_batch(
            size, volunteer=world.volunteer, spent_on=TODAY - timedelta(days=size)
        )
        with django_assert_max_num_queries(11):
            assert http.get(url).status_code == 200


# --- Approval --------------------------------------------------------------------------------


def test_the_approval_list_shows_what_waits_with_the_month_total(world: World) -> None:
    waiting = ExpenseFactory(volunteer=world.volunteer, spent_on=date(2025, 6, 3), amount="40.00")
    ExpenseFactory(
        volunteer=world.volunteer, spent_on=date(2025, 6, 1), amount="50.00", status=S.APPROVED
    )
    ExpenseFactory(
        volunteer=world.volunteer, spent_on=date(2025, 6, 2), amount="9.00", status=S.REJECTED
    )
    ExpenseFactory(volunteer=world.foreign_volunteer, description="Vreemd")
    response = client_for(world.coordinator).get(reverse("supervision:expense_approval_list"))
    rows = list(response.context["page"])
    assert rows == [waiting]
    assert rows[0].month_total == Decimal("90.00")
    assert "Vreemd" not in response.content.decode()
    everything = client_for(world.admin).get(
        reverse("supervision:expense_approval_list"), {"status": "all"}
    )
    assert len(everything.context["page"]) == 3


def test_the_approval_list_keeps_its_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    http = client_for(world.coordinator)
    url = reverse("supervision:expense_approval_list")
    for size in (3, 30):
        for _ in range(size):
            volunteer = VolunteerFactory(organisation=world.org_a)
            with_receipt(ExpenseFactory(volunteer=volunteer, spent_on=TODAY, amount="40.00"))
        with django_assert_max_num_queries(12):
            response = http.get(url)
        assert response.status_code == 200
    assert response.context["page"].paginator.count == 33


def test_a_coordinator_approves_from_the_list(world: World) -> None:
    expense = ExpenseFactory(volunteer=world.volunteer, amount="40.00")
    response = client_for(world.coordinator).post(
        reverse("supervision:expense_decide", args=[expense.pk]), {"decision": "approve"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:expense_approval_list")
    expense.refresh_from_db()
    assert (expense.status, expense.decided_by) == (S.APPROVED, world.coordinator)
    told = Notification.objects.get(kind="expense.decided", recipient=world.volunteer_user)
    assert told.url == reverse("supervision:expense_detail", args=[expense.pk])


def test_rejecting_without_an_explanation_keeps_the_form(world: World) -> None:
    expense = ExpenseFactory(volunteer=world.volunteer, amount="40.00")
    response = client_for(world.coordinator).post(
        reverse("supervision:expense_decide", args=[expense.pk]), {"decision": "reject", "note": ""}
    )
    assert response.status_code == 200
    assert "note" in response.context["form"].errors
    expense.refresh_from_db()
    assert expense.status == S.SUBMITTED
    response = client_for(world.coordinator).post(
        reverse("supervision:expense_decide", args=[expense.pk]), {"decision": "maybe"}
    )
    assert "decision" in response.context["form"].errors
    expense.refresh_from_db()
    assert expense.status == S.SUBMITTED


def test_deciding_twice_says_it_was_decided(world: World) -> None:
    expense = ExpenseFactory(volunteer=world.volunteer, amount="40.00", status=S.APPROVED)
    http = client_for(world.admin)
    response = http.post(
        reverse("supervision:expense_decide", args=[expense.pk]),
        {"decision": "reject", "note": "Toch niet"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:expense_detail", args=[expense.pk])
    expense.refresh_from_db()
    assert expense.status == S.APPROVED
    page = http.get(response["Location"]).content.decode()
    assert "alert" in page
    assert not Notification.objects.filter(kind="expense.decided").exists()


def test_the_detail_shows_the_decision_form_only_to_approvers(world: World) -> None:
    expense = with_receipt(ExpenseFactory(volunteer=world.volunteer, match=world.match), PDF)
    decide = reverse("supervision:expense_decide", args=[expense.pk])
    url = reverse("supervision:expense_detail", args=[expense.pk])
    for user, offered in (
        (world.coordinator, True),
        (world.admin, True),
        (world.professional, False),
        (world.volunteer_user, False),
    ):
        html = client_for(user).get(url).content.decode()
        assert (decide in html) is offered
        assert reverse("supervision:expense_receipt", args=[expense.pk]) in html
    assert world.client.first_name in client_for(world.volunteer_user).get(url).content.decode()
