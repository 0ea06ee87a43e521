"""The volunteer's own profile: availability, preferences, languages, phone and postcode to
edit (Dutch formats), stage/role/name/e-mail not; their trainings to read."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from reclass_volunteers.dutch_formats import normalise_phone
from reclass_volunteers.models import AuditEvent, Role
from tests.conftest import World, client_for
from tests.factories import UserFactory
from tests.volunteers.factories_profiles import complete, course, enrol, require
from volunteers.choices import ActivityType, VolunteerRole
from volunteers.models import Enrolment, Volunteer

URL = "volunteers:own_profile"
VALID = {
    "availability": ["mon_morning", "wed_evening", "sun_afternoon"],
    "activity_preferences": [ActivityType.PRACTICAL, ActivityType.SOCIAL],
    "languages": "Nederlands, Engels,  engels , Turks",
    "phone": "06 1234 5678",
    "postcode": "7511ab",
}


def _post(world: World, data: dict[str, Any]) -> Any:
    return client_for(world.volunteer_user).post(reverse(URL), data)


def test_the_profile_shows_the_current_values(world: World) -> None:
    Volunteer.objects.filter(pk=world.volunteer.pk).update(
        availability=["tue_evening"],
        activity_preferences=[ActivityType.HOUSING],
        languages=["Nederlands", "Pools"],
        phone="06-12345678",
        postcode="7511 AB",
        role=VolunteerRole.BUDDY,
    )
    response = client_for(world.volunteer_user).get(reverse(URL))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'value="tue_evening" id="slot-tue_evening" checked' in content
    assert 'value="mon_morning" id="slot-mon_morning">' in content
    # Every checkbox of the grid has a label.
    assert content.count('<label class="visually-hidden" for="slot-') == 21
    assert 'value="Nederlands, Pools"' in content
    assert 'value="06-12345678"' in content
    assert world.volunteer.email in content
    assert world.volunteer.full_name in content
    assert world.professional.full_name in content
    assert 'name="status"' not in content
    assert 'name="email"' not in content


def test_saving_changes_only_the_own_fields(world: World) -> None:
    before = Volunteer.objects.get(pk=world.volunteer.pk)
    http = client_for(world.volunteer_user)
    response = http.post(reverse(URL), VALID)
    assert response.status_code == 302
    assert response.url == reverse(URL)
    volunteer = Volunteer.objects.get(pk=world.volunteer.pk)
    assert volunteer.availability == VALID["availability"]
    assert volunteer.activity_preferences == ["practical", "social"]
    assert volunteer.languages == ["Nederlands", "Engels", "Turks"]
    assert volunteer.phone == "06 12345678"
    assert volunteer.postcode == "7511 AB"
    assert (volunteer.status, volunteer.role, volunteer.email) == (
        before.status,
        before.role,
        before.email,
    )
    assert AuditEvent.objects.filter(
        action="volunteer.profile_update",
        actor=world.volunteer_user,
        object_id=str(volunteer.pk),
    ).exists()
    page = http.get(response.url)
    assert [m.level_tag for m in page.context["messages"]] == ["success"]


def test_posting_extra_fields_changes_nothing_else(world: World) -> None:
    other_professional = UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)
    before = Volunteer.objects.get(pk=world.volunteer.pk)
    extra = {
        "status": Volunteer.Status.FAREWELL,
        "role": VolunteerRole.EXPERIENCE_EXPERT,
        "organisation": str(world.org_b.pk),
        "organisation_id": str(world.org_b.pk),
        "supervisor": str(other_professional.pk),
        "first_name": "Hacker",
        "last_name": "Hackersen",
        "email": "hacker@example.org",
        "max_matches": "10",
        "references_note": "prima",
        "user": str(world.coordinator.pk),
    }
    response = _post(world, {**VALID, **extra})
    assert response.status_code == 302
    after = Volunteer.objects.get(pk=world.volunteer.pk)
    for field in (
        "status",
        "role",
        "organisation_id",
        "supervisor_id",
        "first_name",
        "last_name",
        "email",
        "max_matches",
        "references_note",
        "user_id",
        "status_changed_at",
    ):
        assert getattr(after, field) == getattr(before, field), field
    assert after.postcode == "7511 AB"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("postcode", "0123 AB"),
        ("postcode", "1234"),
        ("postcode", "1234 SS"),
        ("postcode", "12345 AB"),
        ("postcode", ""),
        ("phone", "12345"),
        ("phone", "06-1234567"),
        ("phone", "+32 6 12345678"),
        ("phone", "06-123456789"),
        ("phone", "bel me"),
        ("availability", "friday_night"),
        ("activity_preferences", "juggling"),
        ("languages", ", ".join(f"Taal{i}" for i in range(11))),
        ("languages", "X" * 41),
    ],
)
def test_bad_input_shows_the_error_next_to_the_field_and_saves_nothing(
    world: World, field: str, value: str
) -> None:
    before = Volunteer.objects.get(pk=world.volunteer.pk)
    response = _post(world, {**VALID, field: value})
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert str(form.errors[field][0]) in response.content.decode()
    after = Volunteer.objects.get(pk=world.volunteer.pk)
    for name in ("availability", "activity_preferences", "languages", "phone", "postcode"):
        assert getattr(after, name) == getattr(before, name)
    assert not AuditEvent.objects.filter(action="volunteer.profile_update").exists()


@pytest.mark.parametrize(
    "phone",
    [
        "06-12345678",
        "0612345678",
        "+31 6 12345678",
        "+31 (0)6 1234 5678",
        "0031612345678",
        "010-1234567",
        "020 123 4567",
        "",
    ],
)
def test_dutch_phone_numbers_are_accepted(world: World, phone: str) -> None:
    response = _post(world, {**VALID, "phone": phone})
    assert response.status_code == 302
    # Stored the Dutch way, whatever way it was typed (the same rule as the application form).
    expected = normalise_phone(phone) if phone else ""
    assert Volunteer.objects.get(pk=world.volunteer.pk).phone == expected


def test_the_volunteer_sees_their_trainings_read_only(world: World) -> None:
    org = world.org_a
    basic = course(org, "Basistraining maatjes")
    refresher = course(org, "Opfrisdag", validity_months=12)
    circle = course(org, "Cirkeltraining")
    require(org, VolunteerRole.BUDDY, basic, refresher, circle)
    Volunteer.objects.filter(pk=world.volunteer.pk).update(role=VolunteerRole.BUDDY)
    complete(world.volunteer, basic, date(2024, 2, 1))
    complete(world.volunteer, refresher, date(2020, 2, 1))
    enrol(world.volunteer, circle, date(2030, 5, 1), Enrolment.Status.WAITING)
    other = course(org, "Niet voor mij")
    response = client_for(world.volunteer_user).get(reverse(URL))
    assert response.status_code == 200
    states = {s.course.name: s for s in response.context["required"]}
    assert states["Basistraining maatjes"].is_valid
    assert states["Opfrisdag"].completed_on and not states["Opfrisdag"].is_valid
    assert states["Cirkeltraining"].completed_on is None
    content = response.content.decode()
    assert "Cirkeltraining" in content and other.name not in content
    assert len(response.context["enrolments"]) == 3
    # Nothing on the page edits a training.
    assert 'name="enrolment' not in content and 'name="course' not in content


def test_only_volunteers_have_an_own_profile(world: World) -> None:
    for role in ("coordinator", "professional", "admin", "outsider"):
        assert client_for(world.user(role)).get(reverse(URL)).status_code == 403
        assert client_for(world.user(role)).post(reverse(URL), VALID).status_code == 403
    # A volunteer account without a volunteer record has no profile to show.
    loose = UserFactory(organisation=world.org_a, role=Role.VOLUNTEER)
    assert client_for(loose).get(reverse(URL)).status_code == 404


def test_the_menu_offers_my_profile_to_volunteers_only(world: World) -> None:
    link = f'href="{reverse(URL)}"'
    assert link in client_for(world.volunteer_user).get(reverse("home")).content.decode()
    for role in ("coordinator", "professional", "admin"):
        assert link not in client_for(world.user(role)).get(reverse("home")).content.decode()
