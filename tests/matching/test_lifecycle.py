"""The lifecycle services of a match (matching/services/lifecycle.py): proposed → introduction →
active → ended, evaluations, and a circle's lead, outer circle and reviews. Every refusal is a
clear message and leaves the database as it was."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from clients.models import Client
from matching.models import CircleReview, Match, MatchEvaluation, OuterCircleMember
from matching.services import lifecycle
from reclass_volunteers.models import AuditEvent, Notification, Role
from tests.conftest import World
from tests.factories import UserFactory, VolunteerFactory
from tests.matching.matrix_matches import match_of
from volunteers.models import Volunteer

S = Match.Status
AMS = ZoneInfo("Europe/Amsterdam")
FROZEN = datetime(2025, 3, 10, 11, 0, tzinfo=AMS)


@pytest.fixture(autouse=True)
def _english() -> Any:
    """Messages in English, so the assertions hold once the Dutch catalogue is filled in."""
    with translation.override("en"):
        yield


def _today() -> date:
    return timezone.localdate()


def _snapshot(match: Match) -> dict[str, Any]:
    row = Match.objects.values().get(pk=match.pk)
    row.pop("updated_at")
    return row


def _refused(call: Any, match: Match, text: str) -> ValidationError:
    """`call()` is refused with a message containing `text`, and the match did not change."""
    before = _snapshot(match)
    audits = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        call()
    assert text in " ".join(caught.value.messages)
    assert _snapshot(match) == before
    assert AuditEvent.objects.count() == audits
    return caught.value


# --- Advance ---------------------------------------------------------------------------------


def test_a_proposal_moves_to_introduction(world: World) -> None:
    match = match_of(world.org_a, status=S.PROPOSED)
    lifecycle.match_advance(match=match, by=world.coordinator, expected_status=S.PROPOSED)
    match.refresh_from_db()
    assert (match.status, match.started_on) == (S.INTRODUCTION, None)
    assert AuditEvent.objects.filter(action="match.introduce", object_id=str(match.pk)).exists()


def test_an_introduced_buddy_match_becomes_active_and_the_volunteer_is_told(world: World) -> None:
    match = match_of(world.org_a, status=S.INTRODUCTION, volunteers=[world.volunteer])
    lifecycle.match_advance(
        match=match, by=world.admin, expected_status=S.INTRODUCTION, started_on=_today()
    )
    match.refresh_from_db()
    assert (match.status, match.started_on) == (S.ACTIVE, _today())
    # A buddy match has no planned end and no review period.
    assert (match.planned_end_on, match.review_every_weeks) == (None, None)
    assert Notification.objects.filter(kind="match.active", recipient=world.volunteer_user).exists()
    assert AuditEvent.objects.filter(action="match.activate").count() == 1


@pytest.mark.parametrize(
    ("in_prison", "planned_end"), [(False, date(2026, 3, 10)), (True, date(2026, 9, 10))]
)
def test_a_circle_runs_12_months_or_18_from_prison(
    world: World, in_prison: bool, planned_end: date
) -> None:
    with time_machine.travel(FROZEN, tick=False):
        match = match_of(world.org_a, kind=Match.Kind.CIRCLE, status=S.INTRODUCTION)
        lifecycle.match_advance(
            match=match,
            by=world.coordinator,
            expected_status=S.INTRODUCTION,
            started_on=date(2025, 3, 10),
            starts_in_prison=in_prison,
        )
    match.refresh_from_db()
    assert (match.planned_end_on, match.starts_in_prison) == (planned_end, in_prison)
    assert match.review_every_weeks == 12


def test_a_circle_keeps_its_prison_start_and_takes_its_own_review_period(world: World) -> None:
    match = match_of(
        world.org_a, kind=Match.Kind.CIRCLE, status=S.INTRODUCTION, starts_in_prison=True
    )
    start = _today()
    lifecycle.match_advance(
        match=match,
        by=world.coordinator,
        expected_status=S.INTRODUCTION,
        started_on=start,
        review_every_weeks=6,
    )
    match.refresh_from_db()
    assert match.planned_end_on == lifecycle.add_months(start, 18)
    assert match.review_every_weeks == 6


def test_add_months_keeps_the_day_or_takes_the_last_of_a_shorter_month() -> None:
    assert lifecycle.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert lifecycle.add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert lifecycle.add_months(date(2025, 8, 15), 18) == date(2027, 2, 15)


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({}, "Enter the date the match starts."),
        ({"started_on_days": 8}, "at most 7 days ahead"),
        ({"started_on_days": -1}, "cannot start before that"),
        ({"started_on_days": 0, "review_every_weeks": 53}, "every 1 to 52 weeks"),
    ],
)
def test_bad_activation_input_is_refused_and_nothing_changes(
    world: World, kwargs: dict[str, Any], text: str
) -> None:
    match = match_of(world.org_a, kind=Match.Kind.CIRCLE, status=S.INTRODUCTION)
    days = kwargs.pop("started_on_days", None)
    if days is not None:
        kwargs["started_on"] = _today() + timedelta(days=days)
    _refused(
        lambda: lifecycle.match_advance(
            match=match, by=world.coordinator, expected_status=S.INTRODUCTION, **kwargs
        ),
        match,
        text,
    )


def test_a_start_a_week_ahead_is_allowed(world: World) -> None:
    match = match_of(world.org_a, status=S.INTRODUCTION)
    lifecycle.match_advance(
        match=match,
        by=world.coordinator,
        expected_status=S.INTRODUCTION,
        started_on=_today() + timedelta(days=7),
    )
    assert Match.objects.get(pk=match.pk).status == S.ACTIVE


def test_a_match_with_a_volunteer_who_left_does_not_start(world: World) -> None:
    gone = VolunteerFactory.create(organisation=world.org_a, status=Volunteer.Status.FAREWELL)
    match = match_of(world.org_a, status=S.INTRODUCTION, volunteers=[gone])
    _refused(
        lambda: lifecycle.match_advance(
            match=match,
            by=world.coordinator,
            expected_status=S.INTRODUCTION,
            started_on=_today(),
        ),
        match,
        gone.full_name,
    )


@pytest.mark.parametrize("status", [S.ACTIVE, S.ENDED])
def test_an_active_or_ended_match_does_not_move_forward(world: World, status: str) -> None:
    match = match_of(world.org_a, status=status)
    _refused(
        lambda: lifecycle.match_advance(
            match=match, by=world.coordinator, expected_status=status, started_on=_today()
        ),
        match,
        "cannot move forward",
    )


def test_a_stale_page_is_refused_with_the_current_status(world: World) -> None:
    match = match_of(world.org_a, status=S.INTRODUCTION)
    _refused(
        lambda: lifecycle.match_advance(
            match=match, by=world.coordinator, expected_status=S.PROPOSED
        ),
        match,
        "Someone else changed this match a moment ago",
    )


@pytest.mark.parametrize("who", ["professional", "volunteer_user", "outsider"])
def test_only_the_organisations_coordinators_advance(world: World, who: str) -> None:
    match = match_of(world.org_a, status=S.PROPOSED, professional=world.professional)
    _refused(
        lambda: lifecycle.match_advance(
            match=match, by=getattr(world, who), expected_status=S.PROPOSED
        ),
        match,
        "Only the organisation's coordinators",
    )


# --- End -------------------------------------------------------------------------------------


def _end(match: Match, by: Any, **kwargs: Any) -> Match:
    values: dict[str, Any] = {
        "expected_status": match.status,
        "ended_on": _today(),
        "reason": Match.EndReason.GOALS_REACHED,
    }
    values.update(kwargs)
    return lifecycle.match_end(match=match, by=by, **values)


@pytest.mark.parametrize("status", [S.PROPOSED, S.INTRODUCTION, S.ACTIVE])
def test_a_live_match_ends_and_the_client_waits_again(world: World, status: str) -> None:
    match = match_of(world.org_a, status=status)
    _end(match, world.coordinator, reason=Match.EndReason.NO_CLICK, note="  Geen klik.  ")
    match.refresh_from_db()
    assert (match.status, match.ended_on, match.end_reason, match.end_note) == (
        S.ENDED,
        _today(),
        Match.EndReason.NO_CLICK,
        "Geen klik.",
    )
    assert Client.objects.get(pk=match.client_id).status == Client.Status.WAITING
    assert AuditEvent.objects.filter(action="match.end", object_id=str(match.pk)).exists()


def test_the_user_may_close_the_client_instead(world: World) -> None:
    match = match_of(world.org_a)
    _end(match, world.coordinator, client_status=Client.Status.CLOSED)
    assert Client.objects.get(pk=match.client_id).status == Client.Status.CLOSED


def test_a_client_with_another_live_match_stays_matched(world: World) -> None:
    match = match_of(world.org_a)
    match_of(world.org_a, client=match.client, status=S.PROPOSED)
    _end(match, world.coordinator, client_status=Client.Status.CLOSED)
    assert Client.objects.get(pk=match.client_id).status == Client.Status.MATCHED


def test_a_referred_client_keeps_that_status(world: World) -> None:
    match = match_of(world.org_a)
    Client.objects.filter(pk=match.client_id).update(status=Client.Status.REFERRED)
    _end(match, world.coordinator)
    assert Client.objects.get(pk=match.client_id).status == Client.Status.REFERRED


def test_the_volunteers_and_the_professional_are_asked_for_their_evaluation(
    world: World,
) -> None:
    _end(world.match, world.professional)
    asked = set(Notification.objects.filter(kind="match.ended").values_list("recipient", flat=True))
    assert asked == {world.volunteer_user.pk, world.professional.pk}
    url = Notification.objects.filter(kind="match.ended").values_list("url", flat=True).first()
    assert url == f"/koppelingen/{world.match.pk}/evaluatie/"


def test_a_match_planned_to_start_in_a_few_days_can_be_called_off_today(world: World) -> None:
    """match_advance allows a start up to a week ahead; until then it has not started, so it
    ends today like a proposal: nobody is asked to evaluate it."""
    match = match_of(world.org_a, status=S.ACTIVE)
    Match.objects.filter(pk=match.pk).update(started_on=_today() + timedelta(days=5))
    match.refresh_from_db()
    _end(match, world.coordinator, reason=Match.EndReason.CLIENT_STOPPED)
    match.refresh_from_db()
    assert (match.status, match.started_on, match.ended_on) == (S.ENDED, None, _today())
    assert not Notification.objects.filter(kind="match.ended", recipient=world.professional)


def test_the_responsible_professional_may_end_a_match(world: World) -> None:
    _end(world.match, world.professional)
    assert Match.objects.get(pk=world.match.pk).status == S.ENDED


@pytest.mark.parametrize("who", ["volunteer_user", "outsider", "other_professional"])
def test_others_may_not_end_a_match(world: World, who: str) -> None:
    if who == "other_professional":
        by = UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)
    else:
        by = getattr(world, who)
    client_status = Client.objects.get(pk=world.client.pk).status
    _refused(lambda: _end(world.match, by), world.match, "Only coordinators and the responsible")
    assert Client.objects.get(pk=world.client.pk).status == client_status


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({"ended_on_days": 1}, "cannot be in the future"),
        ({"ended_on_days": -61}, "cannot end before"),
        ({"reason": "bored"}, "Choose why the match ends."),
        ({"reason": Match.EndReason.OTHER, "note": "  "}, "Explain why the match ends."),
        ({"client_status": Client.Status.REFERRED}, "Choose whether the client waits"),
        ({"expected_status": S.INTRODUCTION}, "Someone else changed this match"),
    ],
)
def test_bad_end_input_is_refused_and_nothing_changes(
    world: World, kwargs: dict[str, Any], text: str
) -> None:
    match = match_of(world.org_a)  # started 60 days ago
    days = kwargs.pop("ended_on_days", None)
    if days is not None:
        kwargs["ended_on"] = _today() + timedelta(days=days)
    _refused(lambda: _end(match, world.coordinator, **kwargs), match, text)
    assert Client.objects.get(pk=match.client_id).status == Client.Status.MATCHED
    assert not Notification.objects.filter(kind="match.ended").exists()


def test_an_ended_match_does_not_end_again(world: World) -> None:
    match = match_of(world.org_a, status=S.ENDED)
    _refused(lambda: _end(match, world.coordinator), match, "has ended already")


# --- Evaluations -----------------------------------------------------------------------------


def test_a_volunteer_and_the_professional_each_evaluate_once(world: World) -> None:
    by_volunteer = lifecycle.match_evaluate(
        match=world.match, by=world.volunteer_user, rating=4, went_well=" Goed contact "
    )
    by_professional = lifecycle.match_evaluate(match=world.match, by=world.professional, rating=3)
    assert (by_volunteer.perspective, by_volunteer.went_well) == ("volunteer", "Goed contact")
    assert by_professional.perspective == "professional"
    with pytest.raises(ValidationError, match="already written your evaluation"):
        lifecycle.match_evaluate(match=world.match, by=world.volunteer_user, rating=5)
    assert MatchEvaluation.objects.count() == 2
    assert AuditEvent.objects.filter(action="match.evaluate").count() == 2


def test_an_ended_match_can_still_be_evaluated(world: World) -> None:
    _end(world.match, world.coordinator)
    lifecycle.match_evaluate(match=world.match, by=world.volunteer_user, rating=5)
    assert MatchEvaluation.objects.filter(match=world.match).count() == 1


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (S.PROPOSED, "once it is active or has ended"),
        (S.INTRODUCTION, "once it is active or has ended"),
    ],
)
def test_a_match_not_yet_active_is_not_evaluated(world: World, status: str, text: str) -> None:
    match = match_of(
        world.org_a, status=status, volunteers=[world.volunteer], professional=world.professional
    )
    with pytest.raises(ValidationError, match=text):
        lifecycle.match_evaluate(match=match, by=world.volunteer_user, rating=3)
    assert not MatchEvaluation.objects.exists()


def test_a_proposal_called_off_has_nothing_to_evaluate(world: World) -> None:
    match = match_of(world.org_a, status=S.PROPOSED, volunteers=[world.volunteer])
    _end(match, world.coordinator)
    with pytest.raises(ValidationError, match="never started"):
        lifecycle.match_evaluate(match=match, by=world.volunteer_user, rating=3)


@pytest.mark.parametrize("who", ["coordinator", "admin", "outsider", "other_volunteer"])
def test_only_the_matchs_volunteers_and_professional_evaluate(world: World, who: str) -> None:
    if who == "other_volunteer":
        by = UserFactory(organisation=world.org_a, role=Role.VOLUNTEER)
        VolunteerFactory(organisation=world.org_a, user=by)
    else:
        by = getattr(world, who)
    with pytest.raises(ValidationError, match="Only the volunteers of this match"):
        lifecycle.match_evaluate(match=world.match, by=by, rating=3)
    assert not MatchEvaluation.objects.exists()


def test_a_rating_outside_1_to_5_is_refused(world: World) -> None:
    with pytest.raises(ValidationError):
        lifecycle.match_evaluate(match=world.match, by=world.professional, rating=6)
    assert not MatchEvaluation.objects.exists()


# --- Circles ---------------------------------------------------------------------------------


def _circle(world: World, **fields: Any) -> Match:
    return match_of(world.org_a, kind=Match.Kind.CIRCLE, professional=world.professional, **fields)


def test_the_lead_moves_to_another_volunteer_of_the_circle(world: World) -> None:
    circle = _circle(world)
    new_lead = circle.memberships.filter(is_lead=False).first()
    assert new_lead is not None
    lifecycle.match_set_lead(match=circle, by=world.professional, volunteer=new_lead.volunteer)
    assert list(circle.memberships.filter(is_lead=True).values_list("pk", flat=True)) == [
        new_lead.pk
    ]
    assert AuditEvent.objects.filter(action="match.lead").exists()


def test_a_stranger_cannot_become_the_lead(world: World) -> None:
    circle = _circle(world)
    lead = circle.memberships.get(is_lead=True)
    _refused(
        lambda: lifecycle.match_set_lead(
            match=circle, by=world.coordinator, volunteer=world.volunteer
        ),
        circle,
        "Choose one of the circle's volunteers.",
    )
    assert circle.memberships.get(is_lead=True) == lead


def test_a_buddy_match_has_no_lead_outer_circle_or_reviews(world: World) -> None:
    with pytest.raises(ValidationError, match="Only a circle"):
        lifecycle.match_set_lead(match=world.match, by=world.coordinator, volunteer=world.volunteer)
    with pytest.raises(ValidationError, match="Only a circle"):
        lifecycle.outer_circle_add(match=world.match, by=world.coordinator, role="police", name="X")
    with pytest.raises(ValidationError, match="Only a circle"):
        lifecycle.circle_review_add(
            match=world.match, by=world.coordinator, held_on=_today(), summary="X"
        )
    assert not OuterCircleMember.objects.exists() and not CircleReview.objects.exists()


def test_the_outer_circle_is_kept_by_the_responsible_professional(world: World) -> None:
    circle = _circle(world)
    member = lifecycle.outer_circle_add(
        match=circle,
        by=world.professional,
        role=OuterCircleMember.Role.THERAPIST,
        name=" Dr. Bos ",
        organisation_name="De Forensische Zorg",
        phone="0612345678",
        email="Bos@Example.org",
    )
    assert (member.name, member.phone, member.email) == (
        "Dr. Bos",
        "06 12345678",
        "bos@example.org",
    )
    lifecycle.outer_circle_remove(member=member, by=world.coordinator)
    assert not OuterCircleMember.objects.exists()
    assert set(
        AuditEvent.objects.filter(action__startswith="match.outer_circle").values_list(
            "action", flat=True
        )
    ) == {"match.outer_circle.add", "match.outer_circle.remove"}


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({"phone": "12345"}, "Enter a Dutch phone number"),
        ({"role": "priest"}, "priest"),
        ({"name": " "}, ""),
    ],
)
def test_bad_outer_circle_input_is_refused(world: World, kwargs: dict[str, Any], text: str) -> None:
    circle = _circle(world)
    values = {"role": "police", "name": "Wijkagent", **kwargs}
    with pytest.raises(ValidationError) as caught:
        lifecycle.outer_circle_add(match=circle, by=world.coordinator, **values)
    assert text in " ".join(caught.value.messages)
    assert not OuterCircleMember.objects.exists()


def test_others_do_not_change_a_circle(world: World) -> None:
    circle = _circle(world)
    other = UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)
    for by in (other, world.volunteer_user, world.outsider):
        with pytest.raises(ValidationError, match="Only coordinators and the responsible"):
            lifecycle.outer_circle_add(match=circle, by=by, role="police", name="X")
    assert not OuterCircleMember.objects.exists()


def test_an_ended_circle_does_not_change(world: World) -> None:
    circle = _circle(world, status=S.ENDED)
    with pytest.raises(ValidationError, match="has ended"):
        lifecycle.outer_circle_add(match=circle, by=world.coordinator, role="police", name="X")


def test_a_review_sets_the_next_one_a_review_period_later(world: World) -> None:
    circle = _circle(world, review_every_weeks=8)
    held = _today() - timedelta(days=2)
    review = lifecycle.circle_review_add(
        match=circle, by=world.coordinator, held_on=held, summary=" Stabiel. ", decisions="Door"
    )
    assert (review.next_review_on, review.summary, review.recorded_by) == (
        held + timedelta(weeks=8),
        "Stabiel.",
        world.coordinator,
    )
    chosen = held + timedelta(days=20)
    review = lifecycle.circle_review_add(
        match=circle, by=world.professional, held_on=held, summary="X", next_review_on=chosen
    )
    assert review.next_review_on == chosen
    assert AuditEvent.objects.filter(action="match.review").count() == 2


@pytest.mark.parametrize(
    ("held_days", "next_days", "text"),
    [
        (1, None, "before it was held"),
        (-61, None, "a review cannot be before that"),
        (-2, -2, "The next review comes after this one."),
        (-2, -5, "The next review comes after this one."),
    ],
)
def test_bad_review_dates_are_refused(
    world: World, held_days: int, next_days: int | None, text: str
) -> None:
    circle = _circle(world)  # started 60 days ago
    with pytest.raises(ValidationError, match=text):
        lifecycle.circle_review_add(
            match=circle,
            by=world.coordinator,
            held_on=_today() + timedelta(days=held_days),
            summary="X",
            next_review_on=(_today() + timedelta(days=next_days)) if next_days else None,
        )
    assert not CircleReview.objects.exists()


def test_a_circle_in_introduction_is_not_reviewed_yet(world: World) -> None:
    circle = _circle(world, status=S.INTRODUCTION)
    with pytest.raises(ValidationError, match="once it is active"):
        lifecycle.circle_review_add(
            match=circle, by=world.coordinator, held_on=_today(), summary="X"
        )


def test_the_next_review_date_falls_back_to_the_period() -> None:
    start = date(2025, 1, 6)
    assert lifecycle.next_review_on(
        started_on=start, review_every_weeks=4, last_held_on=None, last_next_review_on=None
    ) == date(2025, 2, 3)
    assert lifecycle.next_review_on(
        started_on=start,
        review_every_weeks=None,
        last_held_on=date(2025, 2, 1),
        last_next_review_on=None,
    ) == date(2025, 2, 1) + timedelta(weeks=12)
    assert lifecycle.next_review_on(
        started_on=start,
        review_every_weeks=4,
        last_held_on=date(2025, 2, 1),
        last_next_review_on=date(2025, 2, 10),
    ) == date(2025, 2, 10)
