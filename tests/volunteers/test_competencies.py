"""Competency profiles: the catalogue (add, edit, retire, delete only while unused), role
profiles (minimum levels and required trainings), assessments over time and the competencies
panel on a volunteer's page. Through the services and the pages; bad input writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.conftest import World, client_for
from tests.factories import VolunteerFactory
from tests.volunteers.factories_training import (
    AssessmentFactory,
    CompetencyFactory,
    CourseFactory,
    RoleCompetencyFactory,
    RoleProfileFactory,
)
from volunteers.choices import VolunteerRole
from volunteers.models import (
    Assessment,
    Competency,
    Course,
    Intake,
    IntakeScore,
    RoleCompetency,
    RoleProfile,
)
from volunteers.services import competencies

# --- Catalogue -------------------------------------------------------------------------------


def test_coordinator_adds_a_competency(world: World) -> None:
    response = client_for(world.coordinator).post(
        reverse("volunteers:competency_create"),
        {"name": "Grenzen stellen", "description": "Nee zeggen.", "organisation": world.org_b.pk},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:competency_list")
    competency = Competency.objects.get()
    assert (competency.name, competency.organisation, competency.is_active) == (
        "Grenzen stellen",
        world.org_a,
        True,
    )


def test_a_duplicate_competency_name_is_shown_on_the_name(world: World) -> None:
    CompetencyFactory(organisation=world.org_a, name="Empathie")
    response = client_for(world.coordinator).post(
        reverse("volunteers:competency_create"), {"name": " empathie ", "description": ""}
    )
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert Competency.objects.count() == 1


def test_coordinator_edits_a_competency(world: World) -> None:
    competency = CompetencyFactory(organisation=world.org_a, name="Empatie")
    response = client_for(world.admin).post(
        reverse("volunteers:competency_edit", args=[competency.pk]),
        {"name": "Empathie", "description": "Zich inleven."},
    )
    assert response.status_code == 302
    competency.refresh_from_db()
    assert (competency.name, competency.description) == ("Empathie", "Zich inleven.")


def test_retire_and_reinstate(world: World) -> None:
    competency = CompetencyFactory(organisation=world.org_a)
    http = client_for(world.coordinator)
    assert (
        http.post(reverse("volunteers:competency_retire", args=[competency.pk])).status_code == 302
    )
    competency.refresh_from_db()
    assert competency.is_active is False
    http.post(reverse("volunteers:competency_reinstate", args=[competency.pk]))
    competency.refresh_from_db()
    assert competency.is_active is True


def test_an_unused_competency_can_be_deleted(world: World) -> None:
    competency = CompetencyFactory(organisation=world.org_a)
    response = client_for(world.coordinator).post(
        reverse("volunteers:competency_delete", args=[competency.pk])
    )
    assert response.status_code == 302
    assert not Competency.objects.filter(pk=competency.pk).exists()


def _use_in(kind: str, world: World, competency: Competency) -> None:
    if kind == "assessment":
        AssessmentFactory(volunteer=world.volunteer, competency=competency)
    elif kind == "intake":
        intake = Intake.objects.create(volunteer=world.volunteer, planned_at=timezone.now())
        IntakeScore.objects.create(intake=intake, competency=competency, level=3)
    else:
        RoleCompetencyFactory(
            profile=RoleProfileFactory(organisation=world.org_a), competency=competency
        )


@pytest.mark.parametrize("kind", ["assessment", "intake", "role_profile"])
def test_a_used_competency_cannot_be_deleted_only_retired(world: World, kind: str) -> None:
    competency = CompetencyFactory(organisation=world.org_a)
    _use_in(kind, world, competency)
    response = client_for(world.coordinator).post(
        reverse("volunteers:competency_delete", args=[competency.pk]), follow=True
    )
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert Competency.objects.filter(pk=competency.pk, is_active=True).exists()
    with pytest.raises(ValidationError):
        competencies.competency_delete(competency=competency, by=world.coordinator)


def test_competency_list_shows_own_organisation_and_filters_retired(world: World) -> None:
    active = CompetencyFactory(organisation=world.org_a, name="Actief")
    retired = CompetencyFactory(organisation=world.org_a, name="Oud", is_active=False)
    CompetencyFactory(organisation=world.org_b, name="Vreemd")
    http = client_for(world.professional)
    url = reverse("volunteers:competency_list")
    assert list(http.get(url).context["page"]) == [active]
    assert list(http.get(url, {"show": "retired"}).context["page"]) == [retired]
    response = http.get(url, {"show": "all"})
    assert list(response.context["page"]) == [active, retired]
    # Professionals read the catalogue; they are not offered changes.
    assert reverse("volunteers:competency_edit", args=[active.pk]) not in response.content.decode()


def _grow_catalogue(world: World, size: int) -> None:
    profile, _created = RoleProfile.objects.get_or_create(
        organisation=world.org_a, role=VolunteerRole.BUDDY
    )
    for i in range(size):
        competency = CompetencyFactory(organisation=world.org_a)
        if i % 2:
            AssessmentFactory(volunteer=world.volunteer, competency=competency)
        else:
            RoleCompetencyFactory(profile=profile, competency=competency)


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("volunteers:competency_list", "coordinator"),
        ("volunteers:competency_list", "professional"),
        ("volunteers:roleprofile_list", "coordinator"),
    ],
)
def test_catalogue_pages_keep_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Callable[..., Any], name: str, role: str
) -> None:
    http = client_for(world.user(role))
    _grow_catalogue(world, 3)
    with CaptureQueriesContext(connection) as small:
        assert http.get(reverse(name)).status_code == 200
    # session and user, organisation, rows (+ count / prefetches), notifications badge and the
    # session's save of the idle timeout.
    assert len(small.captured_queries) <= 11
    _grow_catalogue(world, 27)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = http.get(reverse(name))
    if name == "volunteers:competency_list":
        assert response.context["page"].paginator.count == 30
    else:
        [card] = [c for c in response.context["cards"] if c.role == VolunteerRole.BUDDY]
        assert len(card.profile.requirements.all()) == 2 + 14  # every other one of 3 and 27


# --- Role profiles ---------------------------------------------------------------------------


def _profile_data(**levels: Any) -> dict[str, Any]:
    return {"description": "Eén op één met een cliënt.", **levels}


def test_coordinator_sets_up_a_role_profile(world: World) -> None:
    empathy = CompetencyFactory(organisation=world.org_a, name="Empathie")
    limits = CompetencyFactory(organisation=world.org_a, name="Grenzen")
    unused = CompetencyFactory(organisation=world.org_a, name="Administratie")
    basic = CourseFactory(organisation=world.org_a)
    CourseFactory(organisation=world.org_a)
    response = client_for(world.coordinator).post(
        reverse("volunteers:roleprofile_edit", args=["buddy"]),
        _profile_data(
            **{
                f"level_{empathy.pk}": "4",
                f"level_{limits.pk}": "3",
                f"level_{unused.pk}": "",
                "required_courses": [basic.pk],
            }
        ),
    )
    assert response.status_code == 302
    profile = RoleProfile.objects.get(organisation=world.org_a, role="buddy")
    assert profile.description == "Eén op één met een cliënt."
    assert list(profile.required_courses.all()) == [basic]
    assert dict(profile.requirements.values_list("competency__name", "minimum_level")) == {
        "Empathie": 4,
        "Grenzen": 3,
    }


def test_saving_a_profile_again_changes_and_removes_requirements(world: World) -> None:
    empathy = CompetencyFactory(organisation=world.org_a)
    limits = CompetencyFactory(organisation=world.org_a)
    retired = CompetencyFactory(organisation=world.org_a, is_active=False)
    profile = RoleProfileFactory(organisation=world.org_a, role="buddy")
    for competency in (empathy, limits, retired):
        RoleCompetencyFactory(profile=profile, competency=competency, minimum_level=2)
    http = client_for(world.coordinator)
    url = reverse("volunteers:roleprofile_edit", args=["buddy"])
    form = http.get(url).context["form"]
    assert form.initial[f"level_{empathy.pk}"] == 2

    http.post(url, _profile_data(**{f"level_{empathy.pk}": "5", f"level_{limits.pk}": ""}))

    levels = dict(profile.requirements.values_list("competency", "minimum_level"))
    # The retired competency is not on the form, so its requirement is left alone.
    assert levels == {empathy.pk: 5, retired.pk: 2}


def test_a_level_of_six_is_refused(world: World) -> None:
    empathy = CompetencyFactory(organisation=world.org_a)
    response = client_for(world.coordinator).post(
        reverse("volunteers:roleprofile_edit", args=["buddy"]),
        _profile_data(**{f"level_{empathy.pk}": "6"}),
    )
    assert response.status_code == 200
    assert f"level_{empathy.pk}" in response.context["form"].errors
    assert not RoleProfile.objects.exists()


def test_a_foreign_course_in_a_role_profile_is_refused(world: World) -> None:
    own = CourseFactory(organisation=world.org_a)
    foreign = Course.objects.create(organisation=world.org_b, name="Vreemde training", kind="basic")
    response = client_for(world.coordinator).post(
        reverse("volunteers:roleprofile_edit", args=["buddy"]),
        _profile_data(required_courses=[own.pk, foreign.pk]),
    )
    assert response.status_code == 200
    assert "required_courses" in response.context["form"].errors
    assert not RoleProfile.objects.exists()
    assert foreign.name not in response.content.decode()


def test_a_foreign_competency_in_a_role_profile_is_not_written(world: World) -> None:
    foreign = Competency.objects.create(organisation=world.org_b, name="Vreemd")
    response = client_for(world.coordinator).post(
        reverse("volunteers:roleprofile_edit", args=["buddy"]),
        _profile_data(**{f"level_{foreign.pk}": "3"}),
    )
    # The form has no field for another organisation's competency: the value is not read.
    assert response.status_code == 302
    assert not RoleCompetency.objects.exists()
    # And the service refuses it outright.
    with pytest.raises(ValidationError):
        competencies.role_profile_save(
            organisation=world.org_a,
            role="buddy",
            by=world.coordinator,
            description="",
            required_courses=[],
            minimum_levels={foreign: 3},
        )
    assert not RoleCompetency.objects.exists()


def test_the_service_refuses_foreign_courses_and_retired_competencies(world: World) -> None:
    foreign = Course.objects.create(organisation=world.org_b, name="Vreemde training", kind="basic")
    with pytest.raises(ValidationError):
        competencies.role_profile_save(
            organisation=world.org_a,
            role="buddy",
            by=world.coordinator,
            description="",
            required_courses=[foreign],
            minimum_levels={},
        )
    retired = Competency.objects.create(organisation=world.org_a, name="Oud", is_active=False)
    with pytest.raises(ValidationError):
        competencies.role_profile_save(
            organisation=world.org_a,
            role="buddy",
            by=world.coordinator,
            description="",
            required_courses=[],
            minimum_levels={retired: 2},
        )
    assert not RoleProfile.objects.exists()


def test_an_unknown_role_is_not_found(world: World) -> None:
    response = client_for(world.coordinator).get(
        reverse("volunteers:roleprofile_edit", args=["astronaut"])
    )
    assert response.status_code == 404


def test_role_profiles_are_per_organisation(world: World) -> None:
    RoleProfileFactory(organisation=world.org_b, role="buddy", description="Van B")
    response = client_for(world.coordinator).get(reverse("volunteers:roleprofile_list"))
    assert all(card.profile is None for card in response.context["cards"])
    assert "Van B" not in response.content.decode()
    client_for(world.coordinator).post(
        reverse("volunteers:roleprofile_edit", args=["buddy"]), _profile_data()
    )
    assert RoleProfile.objects.get(organisation=world.org_b).description == "Van B"
    assert RoleProfile.objects.get(organisation=world.org_a).description


# --- Assessments -----------------------------------------------------------------------------


def _assessment_data(competency_: Competency, **fields: Any) -> dict[str, Any]:
    return {
        "competency": competency_.pk,
        "level": "3",
        "assessed_on": timezone.localdate().isoformat(),
        "evidence": "Bleef rustig in een lastig gesprek.",
        **fields,
    }


@pytest.mark.parametrize("role", ["coordinator", "professional", "admin"])
def test_staff_who_may_see_the_volunteer_record_an_assessment(world: World, role: str) -> None:
    competency = CompetencyFactory(organisation=world.org_a)
    response = client_for(world.user(role)).post(
        reverse("volunteers:assessment_create", args=[world.volunteer.pk]),
        _assessment_data(competency, assessed_by=world.coordinator.pk),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:volunteer_detail", args=[world.volunteer.pk])
    assessment = Assessment.objects.get()
    assert (assessment.volunteer, assessment.competency, assessment.level) == (
        world.volunteer,
        competency,
        3,
    )
    # Always the logged-in user, whatever the POST says.
    assert assessment.assessed_by == world.user(role)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"level": "6"}, "level"),
        ({"level": ""}, "level"),
        ({"level": "0"}, "level"),
        ({"assessed_on": "future"}, "assessed_on"),
        ({"assessed_on": "2026-13-01"}, "assessed_on"),
        ({"competency": "foreign"}, "competency"),
        ({"competency": "retired"}, "competency"),
    ],
)
def test_bad_assessments_are_shown_next_to_the_field(
    world: World, change: dict[str, str], field: str
) -> None:
    competency = CompetencyFactory(organisation=world.org_a)
    data = _assessment_data(competency, **change)
    if data["assessed_on"] == "future":
        data["assessed_on"] = (timezone.localdate() + timedelta(days=1)).isoformat()
    if data["competency"] == "foreign":
        data["competency"] = CompetencyFactory(organisation=world.org_b).pk
    if data["competency"] == "retired":
        data["competency"] = CompetencyFactory(organisation=world.org_a, is_active=False).pk
    response = client_for(world.professional).post(
        reverse("volunteers:assessment_create", args=[world.volunteer.pk]), data
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert "is-invalid" in response.content.decode()
    assert not Assessment.objects.exists()


def test_a_professional_cannot_assess_a_volunteer_they_do_not_see(world: World) -> None:
    other = VolunteerFactory(organisation=world.org_a)
    competency = CompetencyFactory(organisation=world.org_a)
    response = client_for(world.professional).post(
        reverse("volunteers:assessment_create", args=[other.pk]), _assessment_data(competency)
    )
    assert response.status_code == 404
    assert not Assessment.objects.exists()
    with pytest.raises(ValidationError):
        competencies.assessment_record(
            volunteer=other,
            by=world.professional,
            competency=competency,
            level=3,
            assessed_on=timezone.localdate(),
        )
    assert not Assessment.objects.exists()


def test_a_volunteer_cannot_assess_themselves(world: World) -> None:
    competency = CompetencyFactory(organisation=world.org_a)
    response = client_for(world.volunteer_user).post(
        reverse("volunteers:assessment_create", args=[world.volunteer.pk]),
        _assessment_data(competency, level="5"),
    )
    assert response.status_code == 403
    with pytest.raises(ValidationError):
        competencies.assessment_record(
            volunteer=world.volunteer,
            by=world.volunteer_user,
            competency=competency,
            level=5,
            assessed_on=timezone.localdate(),
        )
    assert not Assessment.objects.exists()


# --- The competencies panel ------------------------------------------------------------------


def _buddy_with_profile(world: World) -> tuple[Competency, Competency, Competency]:
    volunteer = world.volunteer
    volunteer.role = VolunteerRole.BUDDY
    volunteer.save()
    profile = RoleProfileFactory(organisation=world.org_a, role=VolunteerRole.BUDDY)
    empathy = CompetencyFactory(organisation=world.org_a, name="Empathie")
    limits = CompetencyFactory(organisation=world.org_a, name="Grenzen stellen")
    extra = CompetencyFactory(organisation=world.org_a, name="Administratie")
    RoleCompetencyFactory(profile=profile, competency=empathy, minimum_level=4)
    RoleCompetencyFactory(profile=profile, competency=limits, minimum_level=3)
    return empathy, limits, extra


def test_panel_compares_the_latest_level_with_the_minimum(world: World) -> None:
    empathy, limits, extra = _buddy_with_profile(world)
    today = timezone.localdate()
    AssessmentFactory(
        volunteer=world.volunteer,
        competency=empathy,
        level=3,
        assessed_on=today - timedelta(days=90),
        evidence="Eerste indruk.",
    )
    AssessmentFactory(
        volunteer=world.volunteer,
        competency=empathy,
        level=4,
        assessed_on=today - timedelta(days=10),
        assessed_by=world.professional,
    )
    AssessmentFactory(volunteer=world.volunteer, competency=extra, level=2)
    # Another volunteer's assessment stays on their own page.
    AssessmentFactory(volunteer=VolunteerFactory(organisation=world.org_a), competency=limits)

    response = client_for(world.coordinator).get(
        reverse("volunteers:volunteer_detail", args=[world.volunteer.pk])
    )

    rows = {row.competency.name: row for row in response.context["competency_rows"]}
    assert list(rows) == ["Empathie", "Grenzen stellen", "Administratie"]
    assert (rows["Empathie"].latest.level, rows["Empathie"].minimum) == (4, 4)
    assert rows["Empathie"].state == "meets"
    assert [a.level for a in rows["Empathie"].history] == [4, 3]  # newest first
    assert (rows["Grenzen stellen"].latest, rows["Grenzen stellen"].state) == (None, "not_assessed")
    assert (rows["Administratie"].minimum, rows["Administratie"].state) == (None, "")
    assert response.context["competency_below_count"] == 1
    content = response.content.decode()
    assert "Eerste indruk." in content
    assert reverse("volunteers:assessment_create", args=[world.volunteer.pk]) in content


def test_panel_shows_below_the_minimum(world: World) -> None:
    empathy, _limits, _extra = _buddy_with_profile(world)
    AssessmentFactory(volunteer=world.volunteer, competency=empathy, level=2)
    response = client_for(world.professional).get(
        reverse("volunteers:volunteer_detail", args=[world.volunteer.pk])
    )
    [row] = [r for r in response.context["competency_rows"] if r.competency == empathy]
    assert row.state == "below"
    assert response.context["assessment_form"] is not None


def test_the_assessment_form_offers_own_active_competencies_only(world: World) -> None:
    own = CompetencyFactory(organisation=world.org_a, name="Eigen")
    CompetencyFactory(organisation=world.org_a, name="Uitgefaseerd", is_active=False)
    CompetencyFactory(organisation=world.org_b, name="Vreemd")
    response = client_for(world.coordinator).get(
        reverse("volunteers:volunteer_detail", args=[world.volunteer.pk])
    )
    assert list(response.context["assessment_form"].fields["competency"].queryset) == [own]
    content = response.content.decode()
    assert "Vreemd" not in content
    assert "Uitgefaseerd" not in content


def test_volunteer_sees_own_assessments_read_only(world: World) -> None:
    empathy, _limits, _extra = _buddy_with_profile(world)
    AssessmentFactory(volunteer=world.volunteer, competency=empathy, level=4, evidence="Goed.")
    response = client_for(world.volunteer_user).get(
        reverse("volunteers:volunteer_detail", args=[world.volunteer.pk])
    )
    assert response.status_code == 200
    assert response.context["assessment_form"] is None
    content = response.content.decode()
    assert "Goed." in content
    assert reverse("volunteers:assessment_create", args=[world.volunteer.pk]) not in content


def test_outsider_cannot_reach_the_panel_or_the_assessment(world: World) -> None:
    competency = CompetencyFactory(organisation=world.org_b)
    http = client_for(world.outsider)
    assert (
        http.get(reverse("volunteers:volunteer_detail", args=[world.volunteer.pk])).status_code
        == 404
    )
    response = http.post(
        reverse("volunteers:assessment_create", args=[world.volunteer.pk]),
        _assessment_data(competency),
    )
    assert response.status_code == 404
    assert not Assessment.objects.exists()


def test_the_assessment_page_preselects_the_competency_and_today(world: World) -> None:
    competency = CompetencyFactory(organisation=world.org_a)
    CompetencyFactory(organisation=world.org_a)
    response = client_for(world.coordinator).get(
        reverse("volunteers:assessment_create", args=[world.volunteer.pk]),
        {"competency": competency.pk},
    )
    form = response.context["form"]
    assert form["competency"].value() == competency.pk
    assert form["assessed_on"].value() == timezone.localdate()


def test_a_volunteer_who_left_cannot_be_assessed_any_more(world: World) -> None:
    from django.core.exceptions import ValidationError

    from volunteers.models import Assessment, Competency, Volunteer
    from volunteers.services.competencies import assessment_record

    competency = Competency.objects.create(organisation=world.org_a, name="Luisteren")
    Volunteer.objects.filter(pk=world.volunteer.pk).update(status=Volunteer.Status.FAREWELL)
    world.volunteer.refresh_from_db()
    with pytest.raises(ValidationError):
        assessment_record(
            volunteer=world.volunteer,
            by=world.coordinator,
            competency=competency,
            level=3,
            assessed_on=timezone.localdate(),
        )
    assert not Assessment.objects.exists()
    page = client_for(world.coordinator).get(
        reverse("volunteers:volunteer_detail", args=[world.volunteer.pk])
    )
    assert page.context["assessment_form"] is None
