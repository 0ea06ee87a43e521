"""The well-being services: the volunteer answers their own open check-in once (four scores,
1-5), a low answer or a wish to be contacted alerts every active coordinator at once (never held
for the night nor opted out of), and one coordinator records the follow-up once."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from reclass_volunteers.models import AuditEvent, Notification, Role
from supervision.models import WellbeingCheckIn
from supervision.services.wellbeing import LOW_KIND, wellbeing_answer, wellbeing_follow_up
from tests.concurrency import race
from tests.conftest import World
from tests.factories import OrganisationFactory, UserFactory, VolunteerFactory
from tests.supervision.factories_signals import user_in
from tests.supervision.factories_wellbeing import answered_for, checkin_for

GOOD = {"overall": 4, "burden": 5, "support": 4, "surroundings": 3}


@pytest.fixture(autouse=True)
def _english() -> Any:
    """The messages are compared in English (the catalogue has them in Dutch too)."""
    with translation.override("en"):
        yield


def _answer(world: World, checkin: WellbeingCheckIn, **overrides: Any) -> WellbeingCheckIn:
    answers: dict[str, Any] = {**GOOD, "wants_contact": False, "comment": ""}
    answers.update(overrides)
    return wellbeing_answer(by=world.volunteer_user, checkin=checkin, **answers)


def _alerts() -> list[str]:
    return sorted(
        n.recipient.full_name if n.recipient else ""
        for n in Notification.objects.filter(kind=LOW_KIND).select_related("recipient")
    )


# --- Answering -------------------------------------------------------------------------------


def test_the_volunteer_answers_their_check_in(world: World) -> None:
    checkin = checkin_for(world.volunteer)

    _answer(world, checkin, comment="  Gaat goed, soms zwaar.  ")

    checkin.refresh_from_db()
    assert checkin.answered_at is not None
    assert (checkin.overall, checkin.burden, checkin.support, checkin.surroundings) == (4, 5, 4, 3)
    assert checkin.comment == "Gaat goed, soms zwaar."
    assert not checkin.is_low and checkin.alerted_at is None
    assert not Notification.objects.filter(kind=LOW_KIND).exists()
    assert AuditEvent.objects.filter(
        action="wellbeing.answer", actor=world.volunteer_user, object_id=str(checkin.pk)
    ).exists()


@pytest.mark.parametrize(
    "overrides",
    [{"overall": 2}, {"burden": 1}, {"support": 2}, {"surroundings": 1}, {"wants_contact": True}],
)
def test_a_low_answer_alerts_every_active_coordinator(
    world: World, overrides: dict[str, Any]
) -> None:
    other = user_in(world.org_a, Role.COORDINATOR, full_name="Co Twee")
    UserFactory(organisation=world.org_a, role=Role.COORDINATOR, is_active=False)
    checkin = checkin_for(world.volunteer)

    _answer(world, checkin, **overrides)

    checkin.refresh_from_db()
    assert checkin.is_low and checkin.alerted_at == checkin.answered_at
    # Not the admin, the professional, an inactive coordinator or another organisation's.
    assert _alerts() == sorted([world.coordinator.full_name, other.full_name])
    message = Notification.objects.filter(kind=LOW_KIND).first()
    assert message is not None and message.subject_id == str(checkin.pk)
    # The e-mail names nobody and gives no scores.
    assert world.volunteer.first_name not in message.title + message.body


def test_a_score_of_three_is_not_low(world: World) -> None:
    checkin = _answer(world, checkin_for(world.volunteer), overall=3, burden=3, support=3)
    assert not checkin.is_low and checkin.alerted_at is None
    assert not _alerts()


@time_machine.travel(datetime(2025, 3, 4, 23, 30, tzinfo=ZoneInfo("Europe/Amsterdam")))
def test_the_alert_is_not_held_for_the_night_nor_opted_out_of(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    world.coordinator.reminders_opt_out = True
    world.coordinator.save()
    with django_capture_on_commit_callbacks() as callbacks:
        _answer(world, checkin_for(world.volunteer, due_on=date(2025, 3, 1)), overall=1)
    message = Notification.objects.get(kind=LOW_KIND)
    assert message.email_status == Notification.EmailStatus.PENDING
    assert message.next_attempt_at is not None
    assert message.next_attempt_at <= datetime.now(tz=ZoneInfo("UTC")) + timedelta(seconds=1)
    assert callbacks, "the e-mail is queued at once"


def test_an_answer_is_given_once(world: World) -> None:
    checkin = checkin_for(world.volunteer)
    _answer(world, checkin, overall=1)
    with pytest.raises(ValidationError, match="already answered"):
        _answer(world, checkin, overall=5)
    checkin.refresh_from_db()
    assert checkin.overall == 1
    assert len(_alerts()) == 1


def test_an_older_check_in_is_open_until_a_newer_one_exists(world: World) -> None:
    older = checkin_for(world.volunteer, due_on=date.today() - timedelta(weeks=6))
    assert _answer(world, older).answered_at is not None
    stale = checkin_for(world.volunteer, due_on=date.today() - timedelta(weeks=12))
    with pytest.raises(ValidationError, match="replaced by a newer one"):
        _answer(world, stale)


@pytest.mark.parametrize(
    ("field", "value"),
    [("overall", 0), ("burden", 6), ("support", None), ("surroundings", -1), ("overall", True)],
)
def test_every_score_is_required_from_1_to_5(world: World, field: str, value: Any) -> None:
    checkin = checkin_for(world.volunteer)
    with pytest.raises(ValidationError) as error:
        _answer(world, checkin, **{field: value})
    assert list(error.value.message_dict) == [field]
    checkin.refresh_from_db()
    assert checkin.answered_at is None


def test_the_database_refuses_scores_out_of_range_and_incomplete_answers(world: World) -> None:
    checkin = checkin_for(world.volunteer)
    for fields in ({"overall": 6}, {"answered_at": checkin.created_at}):
        with pytest.raises(IntegrityError), transaction.atomic():
            WellbeingCheckIn.objects.filter(pk=checkin.pk).update(**fields)


@pytest.mark.parametrize("who", ["coordinator", "admin", "professional", "other volunteer"])
def test_only_the_volunteer_themselves_answers(world: World, who: str) -> None:
    checkin = checkin_for(world.volunteer)
    if who == "other volunteer":
        by = user_in(world.org_a, Role.VOLUNTEER)
        VolunteerFactory(organisation=world.org_a, user=by)
    else:
        by = world.user(who)
    with pytest.raises(ValidationError, match="your own check-in"):
        wellbeing_answer(by=by, checkin=checkin, **GOOD)
    checkin.refresh_from_db()
    assert checkin.answered_at is None


# --- Following up ----------------------------------------------------------------------------


def test_a_coordinator_follows_up_once(world: World) -> None:
    checkin = answered_for(world.volunteer, low=True)

    wellbeing_follow_up(by=world.coordinator, checkin=checkin, note="  Gebeld, gaat beter.  ")

    checkin.refresh_from_db()
    assert checkin.followed_up_by == world.coordinator
    assert checkin.followed_up_at is not None
    assert checkin.follow_up_note == "Gebeld, gaat beter."
    assert AuditEvent.objects.filter(
        action="wellbeing.follow_up", actor=world.coordinator, object_id=str(checkin.pk)
    ).exists()
    with pytest.raises(ValidationError, match="already followed up"):
        wellbeing_follow_up(by=world.coordinator, checkin=checkin, note="Nog eens")
    checkin.refresh_from_db()
    assert checkin.follow_up_note == "Gebeld, gaat beter."


def test_a_follow_up_needs_a_note_and_an_answer(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        wellbeing_follow_up(
            by=world.coordinator, checkin=answered_for(world.volunteer, low=True), note="  "
        )
    assert list(error.value.message_dict) == ["note"]
    open_one = checkin_for(world.volunteer, due_on=date.today())
    with pytest.raises(ValidationError, match="not been answered"):
        wellbeing_follow_up(by=world.coordinator, checkin=open_one, note="Gebeld")


@pytest.mark.parametrize("who", ["admin", "professional", "volunteer", "outsider"])
def test_only_a_coordinator_of_the_organisation_follows_up(world: World, who: str) -> None:
    checkin = answered_for(world.volunteer, low=True)
    with pytest.raises(ValidationError, match="cannot follow up"):
        wellbeing_follow_up(by=world.user(who), checkin=checkin, note="Gebeld")
    checkin.refresh_from_db()
    assert checkin.followed_up_at is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_following_up_at_once_one_wins() -> None:
    organisation = OrganisationFactory()
    first, second = UserFactory.create_batch(2, organisation=organisation, role=Role.COORDINATOR)
    checkin = answered_for(VolunteerFactory(organisation=organisation), low=True)

    results, errors = race(
        [(first, "Ik bel haar."), (second, "Ik ga langs.")],
        lambda step: wellbeing_follow_up(by=step[0], checkin=checkin, note=step[1]),
    )

    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], ValidationError)
    checkin.refresh_from_db()
    assert checkin.followed_up_by == results[0].followed_up_by
    assert checkin.follow_up_note == results[0].follow_up_note


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tabs_answering_at_once_one_answer_and_one_alert() -> None:
    organisation = OrganisationFactory()
    UserFactory(organisation=organisation, role=Role.COORDINATOR)
    user = UserFactory(organisation=organisation, role=Role.VOLUNTEER)
    checkin = checkin_for(VolunteerFactory(organisation=organisation, user=user))

    results, errors = race(
        [1, 2],
        lambda score: wellbeing_answer(by=user, checkin=checkin, **{**GOOD, "overall": score}),
    )

    assert len(results) == 1 and len(errors) == 1
    checkin.refresh_from_db()
    assert checkin.overall == results[0].overall
    assert Notification.objects.filter(kind=LOW_KIND).count() == 1
