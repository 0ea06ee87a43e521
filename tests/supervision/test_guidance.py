"""Supervision notes: recording guidance, who reads which note, and supervision that lags
behind a volunteer's plan (the function and the staff page)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from reclass_volunteers.models import AuditEvent, Notification, Role
from supervision.models import SupervisionNote
from supervision.services.guidance import overdue_supervision
from tests.conftest import World, client_for
from tests.factories import UserFactory, VolunteerFactory
from tests.supervision.factories_guidance import SupervisionNoteFactory
from volunteers.models import Volunteer

AMS = ZoneInfo("Europe/Amsterdam")
TODAY = date(2026, 3, 2)


def _note_data(**overrides: str) -> dict[str, str]:
    data = {
        "held_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "form": "one_to_one",
        "topics": "Hoe het contact met de cliënt loopt.",
        "agreements": "Volgende keer samen naar het wijkteam.",
        "next_on": (timezone.localdate() + timedelta(days=27)).isoformat(),
    }
    data.update(overrides)
    return data


# --- Recording -------------------------------------------------------------------------------


def test_the_supervisor_records_a_private_note(world: World) -> None:
    response = client_for(world.professional).post(
        reverse("supervision:note_create", args=[world.volunteer.pk]), _note_data()
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:note_list", args=[world.volunteer.pk])
    note = SupervisionNote.objects.get()
    assert (note.volunteer, note.author, note.form, note.shared_with_volunteer) == (
        world.volunteer,
        world.professional,
        "one_to_one",
        False,
    )
    assert AuditEvent.objects.filter(
        action="supervision.note.create", object_id=str(note.pk), actor=world.professional
    ).exists()
    # A private note is not announced to the volunteer.
    assert not Notification.objects.filter(recipient=world.volunteer_user).exists()


def test_a_shared_note_is_announced_to_the_volunteer(world: World) -> None:
    client_for(world.coordinator).post(
        reverse("supervision:note_create", args=[world.volunteer.pk]),
        _note_data(shared_with_volunteer="on"),
    )
    note = SupervisionNote.objects.get()
    assert note.shared_with_volunteer
    notification = Notification.objects.get(recipient=world.volunteer_user)
    assert notification.kind == "supervision.note_shared"
    assert notification.url == reverse("supervision:note_list", args=[world.volunteer.pk])


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"held_on": (date.today() + timedelta(days=2)).isoformat()}, "held_on"),
        ({"next_on": (date.today() - timedelta(days=1)).isoformat()}, "next_on"),
        ({"next_on": (date.today() - timedelta(days=3)).isoformat()}, "next_on"),
        ({"form": "by_carrier_pigeon"}, "form"),
        ({"topics": "  "}, "topics"),
        ({"held_on": "31-02-2026"}, "held_on"),
    ],
)
def test_bad_note_input_is_shown_and_nothing_is_saved(
    world: World, overrides: dict[str, str], field: str
) -> None:
    response = client_for(world.professional).post(
        reverse("supervision:note_create", args=[world.volunteer.pk]), _note_data(**overrides)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "is-invalid" in response.content.decode()
    # The user's input is kept.
    assert "Hoe het contact met de cliënt loopt." in response.content.decode() or field == "topics"
    assert not SupervisionNote.objects.exists()


def test_the_next_date_equal_to_the_date_is_refused(world: World) -> None:
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client_for(world.professional).post(
        reverse("supervision:note_create", args=[world.volunteer.pk]),
        _note_data(held_on=day, next_on=day),
    )
    assert list(response.context["form"].errors) == ["next_on"]
    assert not SupervisionNote.objects.exists()


def test_a_professional_cannot_write_about_a_volunteer_they_do_not_see(world: World) -> None:
    other = VolunteerFactory(organisation=world.org_a)
    response = client_for(world.professional).post(
        reverse("supervision:note_create", args=[other.pk]), _note_data()
    )
    assert response.status_code == 404
    assert not SupervisionNote.objects.exists()


def test_posted_volunteer_and_author_fields_are_ignored(world: World) -> None:
    client_for(world.coordinator).post(
        reverse("supervision:note_create", args=[world.volunteer.pk]),
        _note_data(volunteer=str(world.foreign_volunteer.pk), author=str(world.outsider.pk)),
    )
    note = SupervisionNote.objects.get()
    assert (note.volunteer, note.author) == (world.volunteer, world.coordinator)


# --- Reading ---------------------------------------------------------------------------------


def test_the_volunteer_reads_only_shared_notes(world: World) -> None:
    SupervisionNoteFactory(
        volunteer=world.volunteer, topics="GEDEELD-onderwerp", shared_with_volunteer=True
    )
    SupervisionNoteFactory(volunteer=world.volunteer, topics="PRIVÉ-onderwerp")
    response = client_for(world.volunteer_user).get(
        reverse("supervision:note_list", args=[world.volunteer.pk])
    )
    html = response.content.decode()
    assert "GEDEELD-onderwerp" in html
    assert "PRIVÉ-onderwerp" not in html
    # No write button and no staff badges for the volunteer.
    assert reverse("supervision:note_create", args=[world.volunteer.pk]) not in html


def test_staff_read_every_note_with_its_visibility(world: World) -> None:
    SupervisionNoteFactory(
        volunteer=world.volunteer, topics="GEDEELD-onderwerp", shared_with_volunteer=True
    )
    SupervisionNoteFactory(volunteer=world.volunteer, topics="PRIVÉ-onderwerp")
    response = client_for(world.professional).get(
        reverse("supervision:note_list", args=[world.volunteer.pk])
    )
    html = response.content.decode()
    assert "GEDEELD-onderwerp" in html and "PRIVÉ-onderwerp" in html
    assert len(response.context["page"]) == 2
    assert AuditEvent.objects.filter(
        action="supervision.note.read", object_id=str(world.volunteer.pk)
    ).exists()


def test_a_volunteer_cannot_read_another_volunteers_notes(world: World) -> None:
    other = VolunteerFactory(organisation=world.org_a)
    SupervisionNoteFactory(volunteer=other, shared_with_volunteer=True)
    response = client_for(world.volunteer_user).get(
        reverse("supervision:note_list", args=[other.pk])
    )
    assert response.status_code == 404


@pytest.mark.parametrize("rows", [3, 30])
def test_the_note_list_runs_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any, rows: int
) -> None:
    for n in range(rows):
        SupervisionNoteFactory(
            volunteer=world.volunteer, author=world.professional, shared_with_volunteer=n % 2 == 0
        )
    http = client_for(world.coordinator)
    with django_assert_max_num_queries(12):
        response = http.get(reverse("supervision:note_list", args=[world.volunteer.pk]))
    assert len(response.context["page"]) == min(rows, 25)


# --- Overdue supervision ---------------------------------------------------------------------


def _planned(world: World, *, weeks: int | None = 4, active_since: date, **extra: Any) -> Volunteer:
    extra.setdefault("supervisor", world.professional)
    return VolunteerFactory(
        organisation=world.org_a,
        supervision_interval_weeks=weeks,
        status_changed_at=datetime.combine(active_since, datetime.min.time(), tzinfo=AMS)
        + timedelta(hours=10),
        **extra,
    )


def test_overdue_supervision_against_the_plan(world: World) -> None:
    long_ago = TODAY - timedelta(weeks=20)
    never = _planned(world, active_since=TODAY - timedelta(days=40))  # due day 28: 12 late
    recent = _planned(world, active_since=long_ago)
    SupervisionNoteFactory(volunteer=recent, held_on=TODAY - timedelta(days=10))
    late = _planned(world, active_since=long_ago, weeks=2)
    SupervisionNoteFactory(volunteer=late, held_on=TODAY - timedelta(days=30))
    SupervisionNoteFactory(volunteer=late, held_on=TODAY - timedelta(days=20))  # the last
    on_the_day = _planned(world, active_since=long_ago)
    SupervisionNoteFactory(volunteer=on_the_day, held_on=TODAY - timedelta(days=28))
    one_day = _planned(world, active_since=long_ago)
    SupervisionNoteFactory(volunteer=one_day, held_on=TODAY - timedelta(days=29))
    _planned(world, active_since=long_ago, weeks=None)  # no plan interval
    _planned(world, active_since=long_ago, status=Volunteer.Status.PAUSED)
    just_started = _planned(world, active_since=TODAY)
    # Back from a pause: a note from before becoming active again does not count.
    returned = _planned(world, active_since=TODAY - timedelta(days=30))
    SupervisionNoteFactory(volunteer=returned, held_on=TODAY - timedelta(days=90))

    rows = overdue_supervision(Volunteer.objects.filter(organisation=world.org_a), TODAY)
    found = {row.volunteer.pk: row for row in rows}
    assert set(found) == {never.pk, late.pk, one_day.pk, returned.pk}
    assert found[never.pk].days_overdue == 12
    assert found[never.pk].last_note_on is None
    assert found[late.pk].days_overdue == 6
    assert found[late.pk].last_note_on == TODAY - timedelta(days=20)
    assert found[late.pk].due_on == TODAY - timedelta(days=6)
    assert found[one_day.pk].days_overdue == 1
    assert found[returned.pk].days_overdue == 2
    assert found[returned.pk].last_note_on == TODAY - timedelta(days=90)
    assert just_started.pk not in found and on_the_day.pk not in found
    # Most overdue first.
    assert [row.days_overdue for row in rows] == [12, 6, 2, 1]


@pytest.mark.parametrize("volunteers", [3, 30])
def test_overdue_supervision_is_one_query(
    world: World, django_assert_num_queries: Any, volunteers: int
) -> None:
    for _n in range(volunteers):
        volunteer = _planned(world, active_since=TODAY - timedelta(weeks=30))
        SupervisionNoteFactory(volunteer=volunteer, held_on=TODAY - timedelta(weeks=8))
    qs = Volunteer.objects.filter(organisation=world.org_a)
    with django_assert_num_queries(1):
        rows = overdue_supervision(qs, TODAY)
        names = [row.volunteer.supervisor.full_name for row in rows if row.volunteer.supervisor]
    assert len(rows) == len(names) == volunteers


def test_the_overdue_page_shows_the_organisation_to_coordinators(world: World) -> None:
    long_ago = timezone.localdate() - timedelta(weeks=20)
    mine = _planned(world, active_since=long_ago, last_name="Mijnvrijwilliger")
    colleague = UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)
    theirs = _planned(
        world, active_since=long_ago, last_name="Collegavrijwilliger", supervisor=colleague
    )
    foreign = VolunteerFactory(
        organisation=world.org_b,
        supervision_interval_weeks=2,
        status_changed_at=timezone.now() - timedelta(weeks=20),
    )

    coordinator_rows = client_for(world.coordinator).get(reverse("supervision:note_overdue"))
    assert {row.volunteer for row in coordinator_rows.context["page"]} == {mine, theirs}
    professional_rows = client_for(world.professional).get(reverse("supervision:note_overdue"))
    assert {row.volunteer for row in professional_rows.context["page"]} == {mine}
    assert "Collegavrijwilliger" not in professional_rows.content.decode()
    outsider_rows = client_for(world.outsider).get(reverse("supervision:note_overdue"))
    assert {row.volunteer for row in outsider_rows.context["page"]} == {foreign}


def test_a_note_takes_a_volunteer_off_the_overdue_page(world: World) -> None:
    late = _planned(world, active_since=timezone.localdate() - timedelta(weeks=20))
    http = client_for(world.professional)
    assert [r.volunteer for r in http.get(reverse("supervision:note_overdue")).context["page"]] == [
        late
    ]
    http.post(reverse("supervision:note_create", args=[late.pk]), _note_data())
    assert list(http.get(reverse("supervision:note_overdue")).context["page"]) == []


@pytest.mark.parametrize("volunteers", [3, 30])
def test_the_overdue_page_runs_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any, volunteers: int
) -> None:
    for _n in range(volunteers):
        _planned(world, active_since=timezone.localdate() - timedelta(weeks=20))
    for user in (world.coordinator, world.professional):
        http = client_for(user)
        with django_assert_max_num_queries(8):
            response = http.get(reverse("supervision:note_overdue"))
        assert len(response.context["page"]) == min(volunteers, 25)


def test_the_note_page_tells_staff_when_supervision_is_overdue(world: World) -> None:
    world.volunteer.supervision_interval_weeks = 2
    world.volunteer.status_changed_at = timezone.now() - timedelta(days=20)
    world.volunteer.save()
    response = client_for(world.professional).get(
        reverse("supervision:note_list", args=[world.volunteer.pk])
    )
    assert response.context["overdue"].days_overdue == 6
    volunteer_page = client_for(world.volunteer_user).get(
        reverse("supervision:note_list", args=[world.volunteer.pk])
    )
    assert volunteer_page.context["overdue"] is None
