"""Expense services: the organisation's limits decide between approved at once, waiting for a
coordinator, and refused; travel is paid per km at the organisation's rate; bad input saves
nothing (no row, no file); a coordinator's decision is taken once, audited and told to the
volunteer."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from matching.models import Match
from reclass_volunteers.models import AuditEvent, Notification, Role
from supervision.models import Expense, SupervisionPolicy
from supervision.services.expenses import expense_decide, expense_submit, month_total
from tests.concurrency import race
from tests.conftest import World
from tests.factories import ClientFactory, UserFactory, VolunteerFactory, match_with
from tests.supervision.factories_expenses import PDF, ExpenseFactory, upload

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


def _claim(world: World, amount: str | Decimal | None = "10.00", **kwargs: Any) -> Expense:
    arguments: dict[str, Any] = {
        "by": world.volunteer_user,
        "kind": "item",
        "spent_on": TODAY,
        "description": "Koffie met mijn cliënt",
        "amount": None if amount is None else Decimal(amount),
    } | kwargs
    return expense_submit(**arguments)


# --- Limits ----------------------------------------------------------------------------------


def test_within_the_limits_it_is_approved_at_once(world: World) -> None:
    expense = _claim(world, "25.00")  # the default limit per item is 25.00: not above it
    assert expense.status == S.APPROVED
    assert expense.decided_by is None
    assert expense.decided_at is not None
    assert expense.decision_note == gettext(
        "Approved automatically: within the organisation's limits."
    )
    assert AuditEvent.objects.filter(action="expense.submit.approved").count() == 1
    assert not Notification.objects.filter(kind="expense.to_approve").exists()


def test_above_the_item_limit_a_coordinator_approves(world: World) -> None:
    expense = _claim(world, "25.01")
    assert expense.status == S.SUBMITTED
    assert expense.decided_at is None
    assert "25,00" in expense.decision_note
    # The coordinators are told; not the administrator, the professional or the outsider.
    told = Notification.objects.filter(kind="expense.to_approve")
    assert [n.recipient for n in told] == [world.coordinator]


def test_the_month_limit_counts_approved_and_waiting_of_the_same_month(world: World) -> None:
    volunteer = world.volunteer
    ExpenseFactory(
        volunteer=volunteer, spent_on=date(2025, 6, 1), amount="30.00", status=S.APPROVED
    )
    ExpenseFactory(
        volunteer=volunteer, spent_on=date(2025, 6, 2), amount="30.00", status=S.SUBMITTED
    )
    # Not counted: a rejected one, another month, another volunteer.
    ExpenseFactory(
        volunteer=volunteer, spent_on=date(2025, 6, 3), amount="99.00", status=S.REJECTED
    )
    ExpenseFactory(
        volunteer=volunteer, spent_on=date(2025, 5, 31), amount="70.00", status=S.APPROVED
    )
    ExpenseFactory(
        volunteer=VolunteerFactory(organisation=world.org_a),
        spent_on=date(2025, 6, 4),
        amount="70.00",
        status=S.APPROVED,
    )
    assert month_total(volunteer, TODAY) == Decimal("60.00")
    assert _claim(world, "15.00").status == S.APPROVED  # 75.00: at the limit, not above
    waiting = _claim(world, "0.01")
    assert waiting.status == S.SUBMITTED
    assert "75,01" in waiting.decision_note
    # The month is that of the expense: May has room left.
    assert _claim(world, "5.00", spent_on=date(2025, 5, 20)).status == S.APPROVED


def test_the_organisations_own_limits_apply(world: World) -> None:
    SupervisionPolicy.objects.create(
        organisation=world.org_a,
        expense_item_limit=Decimal("5.00"),
        expense_month_limit=Decimal("500.00"),
        expense_hard_maximum=Decimal("50.00"),
    )
    assert _claim(world, "6.00").status == S.SUBMITTED
    with pytest.raises(ValidationError):
        _claim(world, "60.00")


def test_above_the_hard_maximum_it_is_refused(world: World, private_media: Path) -> None:
    with pytest.raises(ValidationError) as refused:
        _claim(world, "250.01", receipt=upload("bon.pdf", PDF))
    message = refused.value.message_dict["amount"][0]
    assert "250,00" in message and "250,01" in message
    assert not Expense.objects.exists()
    assert not [p for p in private_media.rglob("*") if p.is_file()]
    assert not AuditEvent.objects.filter(action__startswith="expense.").exists()


# --- Travel ----------------------------------------------------------------------------------


def test_travel_is_paid_per_km_at_the_organisations_rate(world: World) -> None:
    expense = _claim(world, "999.00", kind="travel", kilometres=Decimal("42.5"))
    # 42.5 km x EUR 0.23 (the default rate) = 9.775 -> 9.78; the typed amount is ignored.
    assert (expense.amount, expense.kilometres, expense.status) == (
        Decimal("9.78"),
        Decimal("42.5"),
        S.APPROVED,
    )


def test_travel_over_the_hard_maximum_is_refused_on_the_kilometres(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        _claim(world, None, kind="travel", kilometres=Decimal("1100"))
    assert "kilometres" in refused.value.message_dict
    assert not Expense.objects.exists()


def test_travel_needs_kilometres_and_an_item_needs_an_amount(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        _claim(world, "10.00", kind="travel", kilometres=None)
    assert "kilometres" in refused.value.message_dict
    for amount in (None, Decimal("0"), Decimal("-3.00")):
        with pytest.raises(ValidationError) as refused:
            _claim(world, amount, kind="item")
        assert "amount" in refused.value.message_dict
    assert not Expense.objects.exists()


# --- Bad input -------------------------------------------------------------------------------


def test_a_date_in_the_future_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        _claim(world, spent_on=TODAY + timedelta(days=1))
    assert "spent_on" in refused.value.message_dict
    assert not Expense.objects.exists()


def test_a_match_that_is_not_the_volunteers_is_refused(world: World) -> None:
    others = match_with(
        VolunteerFactory(organisation=world.org_a), ClientFactory(organisation=world.org_a)
    )
    ended = match_with(world.volunteer, ClientFactory(organisation=world.org_a), Match.Status.ENDED)
    for match in (world.foreign_match, others, ended):
        with pytest.raises(ValidationError) as refused:
            _claim(world, match=match)
        assert "match" in refused.value.message_dict
    assert not Expense.objects.exists()
    assert _claim(world, match=world.match).match == world.match


def test_only_a_volunteer_claims_for_themselves(world: World) -> None:
    for user in (world.coordinator, world.professional, world.admin):
        with pytest.raises(ValidationError):
            _claim(world, by=user)
    without_record = UserFactory(organisation=world.org_a, role=Role.VOLUNTEER)
    with pytest.raises(ValidationError):
        _claim(world, by=without_record)
    assert not Expense.objects.exists()


def test_a_failed_save_removes_the_written_receipt(world: World, private_media: Path) -> None:
    # 201 characters passes the rules but not the model's full_clean, after the file was written.
    with pytest.raises(ValidationError):
        _claim(world, description="x" * 201, receipt=upload("bon.pdf", PDF))
    assert not Expense.objects.exists()
    assert not [p for p in private_media.rglob("*") if p.is_file()]


# --- Decisions -------------------------------------------------------------------------------


def test_a_coordinator_approves_and_the_volunteer_is_told(world: World) -> None:
    expense = _claim(world, "40.00")
    expense_decide(expense=expense, by=world.coordinator, approve=True)
    expense.refresh_from_db()
    assert (expense.status, expense.decided_by, expense.decision_note) == (
        S.APPROVED,
        world.coordinator,
        "",
    )
    assert expense.decided_at is not None
    told = Notification.objects.get(kind="expense.decided")
    assert told.recipient == world.volunteer_user
    assert AuditEvent.objects.filter(action="expense.approve", actor=world.coordinator).exists()


def test_rejecting_needs_an_explanation(world: World) -> None:
    expense = _claim(world, "40.00")
    with pytest.raises(ValidationError) as refused:
        expense_decide(expense=expense, by=world.admin, approve=False, note="  ")
    assert "note" in refused.value.message_dict
    expense.refresh_from_db()
    assert expense.status == S.SUBMITTED
    expense_decide(expense=expense, by=world.admin, approve=False, note="Geen bon.")
    expense.refresh_from_db()
    assert (expense.status, expense.decision_note) == (S.REJECTED, "Geen bon.")
    assert "Geen bon." in Notification.objects.get(kind="expense.decided").body


def test_a_decided_expense_stays_decided(world: World) -> None:
    expense = _claim(world, "40.00")
    expense_decide(expense=expense, by=world.coordinator, approve=False, note="Nee.")
    with pytest.raises(ValidationError):
        expense_decide(expense=expense, by=world.admin, approve=True)
    automatic = _claim(world, "1.00")
    with pytest.raises(ValidationError):
        expense_decide(expense=automatic, by=world.admin, approve=False, note="Toch niet.")
    expense.refresh_from_db()
    automatic.refresh_from_db()
    assert (expense.status, automatic.status) == (S.REJECTED, S.APPROVED)
    assert AuditEvent.objects.filter(action__in=["expense.approve", "expense.reject"]).count() == 1


def test_only_the_organisations_coordinators_decide(world: World) -> None:
    expense = _claim(world, "40.00")
    for user in (world.professional, world.volunteer_user, world.outsider):
        with pytest.raises(ValidationError):
            expense_decide(expense=expense, by=user, approve=True)
    expense.refresh_from_db()
    assert expense.status == S.SUBMITTED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_deciding_at_once_give_one_decision() -> None:
    from tests.factories import OrganisationFactory

    org = OrganisationFactory()
    volunteer = VolunteerFactory(
        organisation=org, user=UserFactory(organisation=org, role=Role.VOLUNTEER)
    )
    expense = ExpenseFactory(volunteer=volunteer, spent_on=TODAY, amount="40.00")
    deciders = [UserFactory(organisation=org, role=Role.COORDINATOR) for _ in range(2)]
    results, errors = race(
        [(deciders[0], True), (deciders[1], False)],
        lambda item: expense_decide(expense=expense, by=item[0], approve=item[1], note="besluit"),
    )
    assert len(results) == 1
    assert [type(e) for e in errors] == [ValidationError]
    expense.refresh_from_db()
    assert expense.decided_by in deciders
    assert Notification.objects.filter(kind="expense.decided").count() == 1
