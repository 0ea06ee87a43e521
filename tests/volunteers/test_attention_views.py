"""The personal attention pages: the list (open first by date, filters, pagination, the
National Volunteer Day as one card), the inline actions that go back where they came from and
keep an edited message when refused, the section on the coordinator's home page, the role
matrix rows and the pinned query counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from reclass_volunteers.models import Notification, ReminderPolicy, Role, User
from tests.conftest import World, client_for
from tests.factories import UserFactory, VolunteerFactory
from tests.volunteers.matrix_attention import attention_item
from volunteers.models import AttentionItem, Volunteer
from volunteers.services import attention as service

Kind, Status = AttentionItem.Kind, AttentionItem.Status
LIST = reverse("volunteers:attention_list")


def en(user: User) -> HttpClient:
    """Pages in English, so the assertions hold once the Dutch catalogue is filled in."""
    http = client_for(user)
    http.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return http


def _url(name: str, item: AttentionItem) -> str:
    return reverse(f"volunteers:{name}", args=[item.pk])


def _named(world: World, first_name: str, *, account: bool = True) -> Volunteer:
    user = UserFactory(organisation=world.org_a, role=Role.VOLUNTEER) if account else None
    return VolunteerFactory(organisation=world.org_a, first_name=first_name, user=user)


def test_anonymous_is_sent_to_log_in_and_changes_nothing(world: World) -> None:
    item = attention_item(world.volunteer)
    for url in (LIST, _url("attention_send", item)):
        response = client_for(None).post(url, {"message": "x", "seen_status": "open"})
        assert response.status_code == 302 and reverse("login") in response.url
    assert AttentionItem.objects.get().status == Status.OPEN


def test_a_foreign_item_is_404_and_untouched(world: World) -> None:
    foreign = attention_item(world.foreign_volunteer)
    response = client_for(world.coordinator).post(
        _url("attention_skip", foreign), {"seen_status": "open"}
    )
    assert response.status_code == 404
    assert AttentionItem.objects.get().status == Status.OPEN


# --- The list --------------------------------------------------------------------------------


def test_the_list_shows_open_items_first_by_date_with_their_form(world: World) -> None:
    later = attention_item(_named(world, "Late"), due_on=date(2025, 6, 30))
    sooner = attention_item(_named(world, "Soon"), due_on=date(2025, 6, 21))
    handled = attention_item(_named(world, "Done"), due_on=date(2025, 6, 25))
    service.attention_skip(by=world.coordinator, item=handled)
    attention_item(world.foreign_volunteer, title="Buitenlandse verjaardag")

    response = en(world.coordinator).get(LIST)

    assert response.status_code == 200
    assert [f.item for f in response.context["forms"]] == [sooner, later, handled]
    page = response.content.decode()
    assert "Buitenlandse verjaardag" not in page
    assert page.count('<textarea class="form-control"') == 2
    assert "Dear Soon, happy birthday!" in page
    assert f'formaction="{_url("attention_done", sooner)}"' in page
    assert f'formaction="{_url("attention_skip", sooner)}"' in page
    assert f'action="{_url("attention_send", sooner)}"' in page
    assert f'action="{_url("attention_send", handled)}"' not in page


def test_the_list_filters_by_kind_and_status(world: World) -> None:
    birthday = attention_item(_named(world, "Anna"))
    anniversary = attention_item(_named(world, "Bert"), kind=Kind.ANNIVERSARY, occasion="1y")
    skipped = attention_item(_named(world, "Cees"), kind=Kind.ANNIVERSARY, occasion="5y")
    service.attention_skip(by=world.coordinator, item=skipped)
    http = en(world.coordinator)

    def shown(query: str) -> list[AttentionItem]:
        return [f.item for f in http.get(f"{LIST}?{query}").context["forms"]]

    assert shown("kind=anniversary") == [anniversary, skipped]
    assert shown("status=open") == [birthday, anniversary]
    assert shown("kind=anniversary&status=skipped") == [skipped]
    assert shown("kind=nonsense") == [birthday, anniversary, skipped]


def test_the_list_is_paginated(world: World) -> None:
    for index in range(27):
        attention_item(_named(world, f"V{index:02d}", account=False), due_on=date(2025, 7, 1))
    http = en(world.coordinator)
    assert len(http.get(LIST).context["forms"]) == 25
    assert len(http.get(f"{LIST}?page=2").context["forms"]) == 2


def test_the_national_volunteer_day_is_one_card(world: World) -> None:
    for name, account in (("Anna", True), ("Bert", True), ("Cees", False)):
        attention_item(_named(world, name, account=account), kind=Kind.VOLUNTEER_DAY)
    attention_item(_named(world, "Dirk"))

    response = en(world.coordinator).get(LIST)

    [group] = response.context["groups"]
    assert (group.occasion, group.total, group.reachable) == ("2025", 3, 2)
    assert [f.item.volunteer.first_name for f in response.context["forms"]] == ["Dirk"]
    page = response.content.decode()
    assert "Send to all 2" in page
    assert "1 has no account" in page
    assert "{first_name}" in page
    assert reverse("volunteers:attention_send_day", args=["2025"]) in page
    # Not when another kind or status is asked for.
    other = en(world.coordinator).get(f"{LIST}?kind=birthday")
    assert other.context["groups"] == []


def _grow(world: World, size: int) -> None:
    for index in range(size):
        v = _named(world, f"V{index:02d}", account=index % 2 == 0)
        attention_item(v, due_on=date(2025, 6, 20) + timedelta(days=index % 9))
        attention_item(v, kind=Kind.VOLUNTEER_DAY)
        done = attention_item(v, kind=Kind.ANNIVERSARY, occasion="1y")
        service.attention_done(by=world.coordinator, item=done, note="Gebeld")


@pytest.mark.parametrize("size", [2, 30])
def test_the_list_takes_fixed_queries(
    world: World, size: int, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    _grow(world, size)
    http = en(world.coordinator)
    with django_assert_max_num_queries(10):
        response = http.get(LIST)
    assert response.status_code == 200
    assert len(response.context["forms"]) == min(2 * size, 25)


# --- Actions ---------------------------------------------------------------------------------


def test_send_an_edited_message_and_go_back(world: World) -> None:
    item = attention_item(world.volunteer)
    back = f"{LIST}?kind=birthday&page=1"
    response = en(world.coordinator).post(
        _url("attention_send", item),
        {"message": "Lieve Vera, fijne dag!", "seen_status": "open", "next": back},
    )
    assert response.status_code == 302 and response.url == back
    item.refresh_from_db()
    assert (item.status, item.message) == (Status.SENT, "Lieve Vera, fijne dag!")
    notification = Notification.objects.get(kind=service.KIND)
    assert notification.recipient == world.volunteer_user
    assert notification.body == "Lieve Vera, fijne dag!"


def test_a_next_to_another_site_is_ignored(world: World) -> None:
    item = attention_item(world.volunteer)
    response = en(world.coordinator).post(
        _url("attention_skip", item), {"seen_status": "open", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response.url == LIST


def test_a_refused_send_shows_the_error_and_keeps_the_edited_message(world: World) -> None:
    item = attention_item(_named(world, "Bert", account=False))
    response = en(world.coordinator).post(
        _url("attention_send", item),
        {"message": "Beste Bert, mijn eigen woorden.", "seen_status": "open", "next": LIST},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "has no active account" in page
    assert "Beste Bert, mijn eigen woorden." in page
    assert "Dear Bert, happy birthday!" not in page
    assert AttentionItem.objects.get().status == Status.OPEN
    assert not Notification.objects.filter(kind=service.KIND).exists()


def test_an_empty_message_is_refused_on_the_field(world: World) -> None:
    item = attention_item(world.volunteer)
    response = en(world.coordinator).post(
        _url("attention_send", item), {"message": "  ", "seen_status": "open"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["message"]
    assert "is-invalid" in response.content.decode()


def test_a_second_coordinator_is_told_who_handled_it(world: World) -> None:
    item = attention_item(world.volunteer)
    en(world.coordinator).post(_url("attention_skip", item), {"seen_status": "open"})
    response = en(world.admin).post(
        _url("attention_send", item), {"message": "Hoi", "seen_status": "open"}
    )
    assert response.status_code == 200
    assert "already handled by Cora Coördinator" in response.content.decode()
    assert AttentionItem.objects.get().status == Status.SKIPPED


def test_done_in_person_with_a_note(world: World) -> None:
    item = attention_item(world.volunteer)
    response = en(world.admin).post(
        _url("attention_done", item),
        {"message": "ignored", "note": "Bloemen gebracht", "seen_status": "open"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.message, item.handled_by) == (
        Status.DONE,
        "Bloemen gebracht",
        world.admin,
    )
    assert not Notification.objects.filter(kind=service.KIND).exists()


def test_send_to_all_on_the_national_volunteer_day(world: World) -> None:
    for name, account in (("Anna", True), ("Bert", True), ("Cees", False)):
        attention_item(_named(world, name, account=account), kind=Kind.VOLUNTEER_DAY)
    url = reverse("volunteers:attention_send_day", args=["2025"])
    response = en(world.coordinator).post(
        url, {"message": "Beste {first_name}, dank je!", "next": "/"}, follow=True
    )
    assert response.redirect_chain == [("/", 302)]
    page = response.content.decode()
    assert "on its way to 2 volunteers" in page
    assert "Not sent to Cees" in page
    assert sorted(
        Notification.objects.filter(kind=service.KIND).values_list("body", flat=True)
    ) == [
        "Beste Anna, dank je!",
        "Beste Bert, dank je!",
    ]
    assert AttentionItem.objects.filter(status=Status.OPEN).get().volunteer.first_name == "Cees"


def test_send_to_all_refused_keeps_the_message(world: World) -> None:
    item = attention_item(world.volunteer, kind=Kind.VOLUNTEER_DAY)
    service.attention_skip(by=world.coordinator, item=item)
    url = reverse("volunteers:attention_send_day", args=["2025"])
    response = en(world.coordinator).post(url, {"message": "Mijn tekst"})
    assert response.status_code == 200
    assert "already handled" in response.content.decode()
    empty = attention_item(_named(world, "Anna"), kind=Kind.VOLUNTEER_DAY)
    response = en(world.coordinator).post(url, {"message": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["message"]
    assert AttentionItem.objects.get(pk=empty.pk).status == Status.OPEN


# --- Home ------------------------------------------------------------------------------------


def test_the_coordinators_home_shows_what_is_due_with_the_form(world: World) -> None:
    today = timezone.localdate()
    soon = attention_item(world.volunteer, due_on=today + timedelta(days=2))
    late = attention_item(_named(world, "Late"), due_on=today - timedelta(days=3))
    attention_item(_named(world, "Far"), due_on=today + timedelta(days=8))
    skipped = attention_item(_named(world, "Skip"), due_on=today)
    service.attention_skip(by=world.coordinator, item=skipped)
    attention_item(world.foreign_volunteer, due_on=today)

    response = en(world.coordinator).get(reverse("home"))

    assert [f.item for f in response.context["attention_forms"]] == [late, soon]
    assert response.context["attention_total"] == 2
    page = response.content.decode()
    assert f'action="{_url("attention_send", soon)}"' in page
    assert 'name="next" value="/"' in page
    assert f'href="{LIST}"' in page


def test_the_home_follows_the_lead_days_and_shows_at_most_eight(world: World) -> None:
    ReminderPolicy.objects.create(organisation=world.org_a, attention_lead_days=1)
    today = timezone.localdate()
    for index in range(10):
        attention_item(_named(world, f"V{index}"), due_on=today)
    attention_item(world.volunteer, due_on=today + timedelta(days=2))
    for name in ("Anna", "Bert"):
        attention_item(_named(world, name), kind=Kind.VOLUNTEER_DAY, due_on=today)

    response = en(world.coordinator).get(reverse("home"))

    assert len(response.context["attention_forms"]) == 8
    assert response.context["attention_total"] == 12
    assert response.context["attention_more"]
    assert [g.total for g in response.context["attention_groups"]] == [2]
    assert "Send to all 2" in response.content.decode()


@pytest.mark.parametrize("size", [2, 20])
def test_the_home_takes_fixed_queries(
    world: World, size: int, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    today = timezone.localdate()
    for index in range(size):
        v = _named(world, f"V{index:02d}", account=index % 2 == 0)
        attention_item(v, due_on=today + timedelta(days=index % 5))
        attention_item(v, kind=Kind.VOLUNTEER_DAY, due_on=today)
    http = en(world.coordinator)
    # The home's 19, three for personal attention (the policy, the items with their count,
    # the National Volunteer Day) and one for well-being check-ins to follow up.
    with django_assert_max_num_queries(23):
        response = http.get(reverse("home"))
    assert response.context["attention_total"] == 2 * size


def test_the_admin_home_shows_personal_attention(world: World) -> None:
    """The admin's home extends the coordinator's, and admins may handle moments too."""
    attention_item(world.volunteer, due_on=timezone.localdate())
    response = en(world.admin).get(reverse("home"))
    assert response.context["attention_total"] == 1
    assert f"Dear {world.volunteer.first_name}," in response.content.decode()


@pytest.mark.parametrize("role", ["professional", "volunteer"])
def test_other_homes_have_no_personal_attention(world: World, role: str) -> None:
    attention_item(world.volunteer, due_on=timezone.localdate())
    response = en(world.user(role)).get(reverse("home"))
    assert "attention_forms" not in response.context
    assert f"Dear {world.volunteer.first_name}," not in response.content.decode()
