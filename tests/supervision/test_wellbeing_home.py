"""What the home pages get about well-being: the coordinator's counts (one query) and the
volunteer's open check-in (one query), and the partials that show them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse

from supervision.models import WellbeingCheckIn
from supervision.wellbeing import coordinator_summary, volunteer_open_checkin
from tests.conftest import World
from tests.factories import VolunteerFactory
from tests.supervision.factories_wellbeing import answered_for, checkin_for


def _seed(world: World) -> None:
    answered_for(world.volunteer, low=True, due_on=date(2025, 1, 1))
    answered_for(world.volunteer, wants_contact=True, due_on=date(2025, 2, 1))
    answered_for(world.volunteer, due_on=date(2025, 3, 1))
    done = answered_for(world.volunteer, low=True, due_on=date(2025, 4, 1))
    WellbeingCheckIn.objects.filter(pk=done.pk).update(
        followed_up_at=done.answered_at, follow_up_note="Gebeld"
    )
    checkin_for(VolunteerFactory(organisation=world.org_a), due_on=date(2025, 5, 1))
    answered_for(world.foreign_volunteer, low=True)
    checkin_for(world.foreign_volunteer)


def test_the_coordinator_summary_counts_in_one_query(
    world: World, django_assert_num_queries: Any
) -> None:
    _seed(world)
    for user in (world.coordinator, world.admin):
        with django_assert_num_queries(1):
            summary = coordinator_summary(user)
        assert summary == {"wellbeing_to_follow_up": 2, "wellbeing_not_answered": 1}
    with django_assert_num_queries(1):
        assert coordinator_summary(world.outsider) == {
            "wellbeing_to_follow_up": 1,
            "wellbeing_not_answered": 1,
        }


def test_others_get_no_counts(world: World, django_assert_num_queries: Any) -> None:
    _seed(world)
    for user in (world.professional, world.volunteer_user):
        with django_assert_num_queries(0):
            assert coordinator_summary(user) == {
                "wellbeing_to_follow_up": 0,
                "wellbeing_not_answered": 0,
            }


def test_the_volunteers_open_check_in_in_one_query(
    world: World, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):
        assert volunteer_open_checkin(world.volunteer_user) is None
    answered_for(world.volunteer, due_on=date.today() - timedelta(weeks=12))
    stale = checkin_for(world.volunteer, due_on=date.today() - timedelta(weeks=6))
    with django_assert_num_queries(1):
        assert volunteer_open_checkin(world.volunteer_user) == stale
    answered_for(world.volunteer, due_on=date.today())
    assert volunteer_open_checkin(world.volunteer_user) is None  # a newer one replaced it
    # Another volunteer's, or a coordinator asking: never someone else's.
    checkin_for(VolunteerFactory(organisation=world.org_a), due_on=date.today() + timedelta(1))
    assert volunteer_open_checkin(world.coordinator) is None


def test_the_coordinator_partial_links_to_the_list(world: World) -> None:
    html = render_to_string(
        "supervision/partials/wellbeing_home_coordinator.html",
        {"wellbeing_to_follow_up": 3, "wellbeing_not_answered": 2},
    )
    assert f"{reverse('supervision:wellbeing_list')}?tab=follow_up" in html
    assert f"{reverse('supervision:wellbeing_list')}?tab=not_answered" in html
    assert ">3<" in html
    quiet = render_to_string(
        "supervision/partials/wellbeing_home_coordinator.html",
        {"wellbeing_to_follow_up": 0, "wellbeing_not_answered": 0},
    )
    assert "?tab=" not in quiet


def test_the_volunteer_partial_invites_to_answer(world: World) -> None:
    checkin = checkin_for(world.volunteer)
    html = render_to_string(
        "supervision/partials/wellbeing_home_volunteer.html", {"wellbeing_open_checkin": checkin}
    )
    assert reverse("supervision:wellbeing_answer", kwargs={"pk": checkin.pk}) in html
    none = render_to_string(
        "supervision/partials/wellbeing_home_volunteer.html", {"wellbeing_open_checkin": None}
    )
    assert none.strip() == ""
