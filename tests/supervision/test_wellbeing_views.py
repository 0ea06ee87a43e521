"""Well-being pages through the browser's requests: the volunteer's answer page (phone first,
five buttons per question with its two ends, errors keep what was typed, a kind thank-you and
whom to call after a low answer, their own earlier answers); the coordinators' list (to follow
up first, tabs, fixed queries), one check-in (audited) with the follow-up, and a volunteer's
answers over time (chart data and the same figures as a table)."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from reclass_volunteers.models import AuditEvent, Role
from supervision.models import SupervisionPolicy, WellbeingCheckIn
from tests.conftest import World, client_for
from tests.factories import UserFactory, VolunteerFactory
from tests.supervision.factories_wellbeing import answered_for, checkin_for

LIST = reverse("supervision:wellbeing_list")
MINE = reverse("supervision:wellbeing_mine")


def _answer_url(checkin: WellbeingCheckIn) -> str:
    return reverse("supervision:wellbeing_answer", kwargs={"pk": checkin.pk})


def _detail_url(checkin: WellbeingCheckIn) -> str:
    return reverse("supervision:wellbeing_detail", kwargs={"pk": checkin.pk})


def _nl(msgid: str) -> str:
    """The page speaks Dutch by default; compare with what the catalogue makes of a msgid (the
    part before its first placeholder)."""
    with translation.override("nl"):
        return gettext(msgid).split("%(")[0]


def _post(**overrides: str) -> dict[str, str]:
    data = {"overall": "4", "burden": "4", "support": "5", "surroundings": "3", "comment": ""}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- The volunteer ---------------------------------------------------------------------------


def test_the_answer_page_shows_four_button_groups_with_their_ends(world: World) -> None:
    checkin = checkin_for(world.volunteer)
    response = client_for(world.volunteer_user).get(_answer_url(checkin))
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("overall", "burden", "support", "surroundings"):
        assert len(re.findall(rf'type="radio" class="btn-check" name="{name}"', html)) == 5
    assert _nl("1 = very heavy") in html and _nl("5 = not heavy") in html
    assert _nl("1 = bad") in html and _nl("5 = good") in html
    assert 'name="wants_contact"' in html and 'name="comment"' in html
    assert "<script>" not in html and " onclick=" not in html


def test_the_volunteer_answers_and_is_thanked(world: World) -> None:
    checkin = checkin_for(world.volunteer)
    http = client_for(world.volunteer_user)

    response = http.post(_answer_url(checkin), _post(comment="Het gaat prima."))

    assert response.status_code == 302 and response["Location"] == _answer_url(checkin)
    checkin.refresh_from_db()
    assert (checkin.overall, checkin.burden, checkin.support, checkin.surroundings) == (4, 4, 5, 3)
    assert checkin.comment == "Het gaat prima."
    html = http.get(_answer_url(checkin)).content.decode()
    assert 'id="wellbeing-thanks"' in html and 'id="wellbeing-low"' not in html
    assert 'id="wellbeing-form"' not in html
    # Their own answers, in "my check-ins".
    assert _nl("My check-ins") in html and checkin.due_on.strftime("%Y") in html


def test_a_low_answer_tells_whom_to_call(world: World) -> None:
    world.coordinator.phone = "030 1234567"
    world.coordinator.save()
    world.professional.phone = "06-12345678"
    world.professional.save()
    SupervisionPolicy.objects.create(organisation=world.org_a, emergency_number="112")
    checkin = checkin_for(world.volunteer)
    http = client_for(world.volunteer_user)

    http.post(_answer_url(checkin), _post(overall="1", wants_contact="on"))

    checkin.refresh_from_db()
    assert checkin.wants_contact and checkin.alerted_at is not None
    html = http.get(_answer_url(checkin)).content.decode()
    assert 'id="wellbeing-low"' in html
    assert 'href="tel:0301234567"' in html  # the coordinator
    assert 'href="tel:06-12345678"' in html  # their supervisor
    assert "112" in html
    assert 'href="tel:08000113"' in html  # the worst "all in all": the line for dark thoughts


def test_the_crisis_line_only_for_the_worst_overall_answer(world: World) -> None:
    checkin = checkin_for(world.volunteer)
    http = client_for(world.volunteer_user)
    http.post(_answer_url(checkin), _post(burden="2"))
    html = http.get(_answer_url(checkin)).content.decode()
    assert 'id="wellbeing-low"' in html and "tel:08000113" not in html


def test_a_missing_answer_keeps_what_was_typed(world: World) -> None:
    checkin = checkin_for(world.volunteer)

    response = client_for(world.volunteer_user).post(
        _answer_url(checkin), _post(burden=None, overall="2", comment="Zwaar gesprek gehad.")
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert _nl("Choose a number from 1 to 5.") in html
    assert re.search(r'name="overall" id="[^"]+" value="2" autocomplete="off" checked', html)
    assert "Zwaar gesprek gehad." in html
    checkin.refresh_from_db()
    assert checkin.answered_at is None


@pytest.mark.parametrize("value", ["0", "6", "x"])
def test_a_score_out_of_range_is_refused(world: World, value: str) -> None:
    checkin = checkin_for(world.volunteer)
    response = client_for(world.volunteer_user).post(_answer_url(checkin), _post(support=value))
    assert response.status_code == 200
    assert _nl("Choose a number from 1 to 5.") in response.content.decode()
    checkin.refresh_from_db()
    assert checkin.answered_at is None


def test_a_second_answer_is_refused(world: World) -> None:
    checkin = answered_for(world.volunteer)
    response = client_for(world.volunteer_user).post(_answer_url(checkin), _post(overall="1"))
    assert response.status_code == 200
    checkin.refresh_from_db()
    assert checkin.overall == 4


def test_a_replaced_check_in_points_to_the_newest(world: World) -> None:
    stale = checkin_for(world.volunteer, due_on=date.today() - timedelta(weeks=6))
    newest = checkin_for(world.volunteer, due_on=date.today())
    http = client_for(world.volunteer_user)

    html = http.get(_answer_url(stale)).content.decode()
    assert 'id="wellbeing-form"' not in html and MINE in html
    response = http.post(_answer_url(stale), _post())
    assert response.status_code == 200
    stale.refresh_from_db()
    assert stale.answered_at is None
    mine = http.get(MINE).content.decode()
    assert _answer_url(newest) in mine


def test_my_check_ins_shows_the_open_one_and_only_my_answers(world: World) -> None:
    other_user = UserFactory(organisation=world.org_a, role=Role.VOLUNTEER)
    other = VolunteerFactory(organisation=world.org_a, user=other_user)
    answered_for(other, overall=1, due_on=date(2020, 2, 3))
    answered_for(world.volunteer, due_on=date(2021, 5, 4))
    open_one = checkin_for(world.volunteer, due_on=date.today())

    html = client_for(world.volunteer_user).get(MINE).content.decode()

    assert _answer_url(open_one) in html and 'id="wellbeing-form"' in html
    assert "2021" in html
    assert "2020" not in html


def test_my_check_ins_without_an_open_one(world: World) -> None:
    answered_for(world.volunteer)
    html = client_for(world.volunteer_user).get(MINE).content.decode()
    assert 'id="wellbeing-form"' not in html
    assert _nl("There is no check-in waiting for you at the moment.") in html


def test_another_volunteers_check_in_is_not_found(world: World) -> None:
    other = VolunteerFactory(
        organisation=world.org_a, user=UserFactory(organisation=world.org_a, role=Role.VOLUNTEER)
    )
    checkin = checkin_for(other)
    response = client_for(world.volunteer_user).post(_answer_url(checkin), _post())
    assert response.status_code == 404
    checkin.refresh_from_db()
    assert checkin.answered_at is None


# --- Coordinators: the list ------------------------------------------------------------------


def _rows(html: str) -> list[str]:
    return re.findall(r'href="/begeleiding/welzijn/(\d+)/"', html)


def test_the_list_opens_on_what_needs_a_follow_up(world: World) -> None:
    low = answered_for(world.volunteer, low=True, due_on=date(2025, 1, 1))
    answered_for(world.volunteer, due_on=date(2025, 2, 1))
    done = answered_for(world.volunteer, low=True, due_on=date(2025, 3, 1))
    WellbeingCheckIn.objects.filter(pk=done.pk).update(
        followed_up_at=done.answered_at, followed_up_by=world.coordinator, follow_up_note="x"
    )
    waiting = checkin_for(world.volunteer, due_on=date(2025, 4, 1))
    answered_for(world.foreign_volunteer, low=True)

    http = client_for(world.coordinator)
    assert _rows(http.get(LIST).content.decode()) == [str(low.pk)]
    assert _rows(http.get(LIST, {"tab": "not_answered"}).content.decode()) == [str(waiting.pk)]
    everything = _rows(http.get(LIST, {"tab": "all"}).content.decode())
    # To follow up first, then the most recent.
    assert everything[0] == str(low.pk) and len(everything) == 4
    html = http.get(LIST).content.decode()
    assert "text-bg-danger" in html  # the low score is marked


def test_a_bad_tab_falls_back_to_the_default(world: World) -> None:
    low = answered_for(world.volunteer, low=True)
    response = client_for(world.admin).get(LIST, {"tab": "nonsense"})
    assert response.status_code == 200
    assert _rows(response.content.decode()) == [str(low.pk)]


@pytest.mark.parametrize("size", [2, 30])
def test_the_list_has_a_fixed_number_of_queries(
    world: World, size: int, django_assert_max_num_queries: Any
) -> None:
    for n in range(size):
        volunteer = VolunteerFactory(organisation=world.org_a)
        answered_for(volunteer, low=n % 2 == 0)
        checkin_for(volunteer)
    http = client_for(world.coordinator)
    for tab in ("follow_up", "not_answered", "all"):
        # Session and user, the menu's unread count, the tab counts, the page's count and rows.
        with django_assert_max_num_queries(10):
            assert http.get(LIST, {"tab": tab}).status_code == 200


# --- Coordinators: one check-in and its follow-up --------------------------------------------


def test_reading_a_check_in_is_audited_and_offers_the_follow_up(world: World) -> None:
    checkin = answered_for(world.volunteer, low=True, comment="Mijn buren praten erover.")

    response = client_for(world.coordinator).get(_detail_url(checkin))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Mijn buren praten erover." in html
    assert reverse("supervision:wellbeing_follow_up", kwargs={"pk": checkin.pk}) in html
    assert AuditEvent.objects.filter(
        action="wellbeing.read", actor=world.coordinator, object_id=str(checkin.pk)
    ).exists()


def test_an_admin_reads_but_does_not_follow_up(world: World) -> None:
    checkin = answered_for(world.volunteer, low=True)
    html = client_for(world.admin).get(_detail_url(checkin)).content.decode()
    assert reverse("supervision:wellbeing_follow_up", kwargs={"pk": checkin.pk}) not in html


def test_a_coordinator_records_the_follow_up(world: World) -> None:
    checkin = answered_for(world.volunteer, low=True)
    url = reverse("supervision:wellbeing_follow_up", kwargs={"pk": checkin.pk})
    http = client_for(world.coordinator)

    empty = http.post(url, {"note": "  "})
    assert empty.status_code == 200
    assert _nl("Write down what was done.") in empty.content.decode()
    response = http.post(url, {"note": "Koffie gedronken, gaat beter."})

    assert response.status_code == 302 and response["Location"] == _detail_url(checkin)
    checkin.refresh_from_db()
    assert checkin.followed_up_by == world.coordinator
    assert checkin.follow_up_note == "Koffie gedronken, gaat beter."
    again = http.post(url, {"note": "Nog een keer."})
    assert again.status_code == 200
    assert _nl("This check-in was already followed up on %(when)s.") in again.content.decode()
    html = http.get(_detail_url(checkin)).content.decode()
    assert "Koffie gedronken, gaat beter." in html and url not in html
    assert _rows(http.get(LIST).content.decode()) == []


# --- Coordinators: a volunteer's answers over time -------------------------------------------


def test_the_trend_has_chart_data_and_the_same_figures_in_a_table(world: World) -> None:
    answered_for(world.volunteer, due_on=date(2025, 1, 6), overall=4)
    answered_for(world.volunteer, due_on=date(2025, 2, 17), overall=2)
    checkin_for(world.volunteer, due_on=date(2025, 3, 31))
    answered_for(world.foreign_volunteer, due_on=date(2025, 1, 6), overall=1)
    url = reverse("supervision:wellbeing_trend", kwargs={"pk": world.volunteer.pk})

    response = client_for(world.coordinator).get(url)

    html = response.content.decode()
    assert response.status_code == 200
    data = json.loads(re.search(r'id="wellbeing-data"[^>]*>(.*?)</script>', html, re.S)[1])  # type: ignore[index]
    assert len(data["labels"]) == 2
    assert data["series"][0]["data"] == [4, 2]
    assert [len(s["data"]) for s in data["series"]] == [2, 2, 2, 2]
    assert "js/wellbeing-chart.js" in html and "chart.js-4.5.1.umd.min.js" in html
    assert len(_rows(html)) == 3  # the table: every check-in, also the open one
    assert AuditEvent.objects.filter(
        action="wellbeing.trend_read", actor=world.coordinator, object_id=str(world.volunteer.pk)
    ).exists()


@pytest.mark.parametrize("size", [2, 10])
def test_the_trend_takes_fixed_queries_with_followed_up_answers(
    world: World, size: int, django_assert_max_num_queries: Any
) -> None:
    for week in range(size):
        answered_for(
            world.volunteer,
            due_on=date(2025, 1, 6) + timedelta(weeks=week),
            followed_up_by=world.coordinator,
            followed_up_at=timezone.now(),
            follow_up_note="Gebeld",
        )
    url = reverse("supervision:wellbeing_trend", kwargs={"pk": world.volunteer.pk})
    http = client_for(world.coordinator)
    with django_assert_max_num_queries(12):
        response = http.get(url)
    assert response.content.decode().count(world.coordinator.full_name) >= size


def test_the_trend_without_answers_has_no_chart(world: World) -> None:
    url = reverse("supervision:wellbeing_trend", kwargs={"pk": world.volunteer.pk})
    html = client_for(world.admin).get(url).content.decode()
    assert "wellbeing-data" not in html and _nl("No check-ins yet.") in html
