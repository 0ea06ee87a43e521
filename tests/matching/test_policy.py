"""The matching policy: the service validates and saves weights, circle sizes, the number of
suggestions and the trainings each risk flag requires; the page shows and edits them.

Messages of this area are compared through gettext, so the tests hold before and after the
Dutch catalogue is compiled; the engine's and Django's own strings are checked in Dutch."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext

from matching.models import FlagTraining, MatchingPolicy
from matching.services.policy import policy_update
from reclass_volunteers.models import AuditEvent, Role
from tests.conftest import World, client_for
from tests.factories import UserFactory
from tests.volunteers.factories_training import CourseFactory
from volunteers.models import Course

URL = "matching:matching_policy"
PROPORTIONS = (
    "Give each criterion a weight from 0 to 100. Only the proportions matter: weights 2, 1 and "
    "1 give the same suggestions as 50, 25 and 25. A criterion with weight 0 is ignored. The "
    "total score of a suggestion is always between 0 and 100."
)
DEFAULTS = "Your organisation has not saved a policy yet: the values below are the defaults."
ALL_ZERO = (
    "Give at least one criterion a weight above 0; otherwise every volunteer scores the same."
)


def _html(msgid: str) -> str:
    return str(escape(gettext(msgid)))


def _args(**overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "need_overlap": 40,
        "distance": 20,
        "language": 10,
        "availability": 10,
        "preferences": 10,
        "workload": 10,
        "circle_min_size": 3,
        "circle_max_size": 6,
        "suggestions_shown": 12,
        "flag_trainings": {},
    }
    arguments.update(overrides)
    return arguments


def _post(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {k: str(v) for k, v in _args().items() if k != "flag_trainings"}
    data.update(overrides)
    return data


# --- Service ---------------------------------------------------------------------------------


def test_the_first_save_creates_the_policy_and_the_flag_trainings(world: World) -> None:
    circle = CourseFactory(organisation=world.org_a, name="Cirkeltraining")
    aggression = CourseFactory(organisation=world.org_a, name="Agressie")
    assert MatchingPolicy.for_organisation(world.org_a).pk is None

    policy = policy_update(
        by=world.coordinator,
        organisation=world.org_a,
        **_args(flag_trainings={"sex_offence": [circle, aggression], "violence": [aggression]}),
    )

    policy.refresh_from_db()
    assert (policy.need_overlap, policy.circle_max_size, policy.suggestions_shown) == (40, 6, 12)
    assert set(
        FlagTraining.objects.filter(organisation=world.org_a).values_list("flag", "course__name")
    ) == {
        ("sex_offence", "Cirkeltraining"),
        ("sex_offence", "Agressie"),
        ("violence", "Agressie"),
    }
    event = AuditEvent.objects.get(action="matching_policy.update")
    assert (event.actor, event.object_id) == (world.coordinator, str(policy.pk))


def test_a_second_save_updates_the_row_and_replaces_the_trainings(world: World) -> None:
    circle = CourseFactory(organisation=world.org_a, name="Cirkeltraining")
    aggression = CourseFactory(organisation=world.org_a, name="Agressie")
    policy_update(
        by=world.admin,
        organisation=world.org_a,
        **_args(flag_trainings={"sex_offence": [circle], "addiction": [aggression]}),
    )
    policy_update(
        by=world.coordinator,
        organisation=world.org_a,
        **_args(workload=0, flag_trainings={"violence": [aggression]}),
    )
    assert MatchingPolicy.objects.filter(organisation=world.org_a).count() == 1
    assert MatchingPolicy.objects.get(organisation=world.org_a).workload == 0
    assert list(
        FlagTraining.objects.filter(organisation=world.org_a).values_list("flag", "course")
    ) == [("violence", aggression.pk)]


def test_another_organisations_trainings_are_untouched(world: World) -> None:
    foreign = CourseFactory(organisation=world.org_b)
    FlagTraining.objects.create(organisation=world.org_b, flag="violence", course=foreign)
    policy_update(by=world.coordinator, organisation=world.org_a, **_args())
    assert FlagTraining.objects.filter(organisation=world.org_b).count() == 1


SIZES = {"min": 2, "max": 8}


@pytest.mark.parametrize(
    ("overrides", "field", "message", "params"),
    [
        (
            dict.fromkeys(
                ("need_overlap", "distance", "language", "availability", "preferences", "workload"),
                0,
            ),
            NON_FIELD_ERRORS,
            "Give at least one criterion a weight above 0; otherwise every volunteer scores "
            "the same.",
            {},
        ),
        ({"distance": 101}, "distance", "Enter a weight from 0 to %(max)d.", {"max": 100}),
        ({"language": -1}, "language", "Enter a weight from 0 to %(max)d.", {"max": 100}),
        (
            {"circle_min_size": 5, "circle_max_size": 4},
            "circle_max_size",
            "The largest circle cannot be smaller than the smallest circle (%(min)d).",
            {"min": 5},
        ),
        (
            {"circle_min_size": 1},
            "circle_min_size",
            "A circle has %(min)d to %(max)d volunteers.",
            SIZES,
        ),
        (
            {"circle_max_size": 9},
            "circle_max_size",
            "A circle has %(min)d to %(max)d volunteers.",
            SIZES,
        ),
        (
            {"suggestions_shown": 0},
            "suggestions_shown",
            "Show from %(min)d to %(max)d suggestions.",
            {"min": 1, "max": 50},
        ),
    ],
)
def test_bad_values_are_refused_with_a_message_and_nothing_saved(
    world: World,
    overrides: dict[str, int],
    field: str,
    message: str,
    params: dict[str, int],
) -> None:
    with pytest.raises(ValidationError) as caught:
        policy_update(by=world.coordinator, organisation=world.org_a, **_args(**overrides))
    assert caught.value.message_dict == {field: [gettext(message) % params]}
    assert not MatchingPolicy.objects.exists()
    assert not AuditEvent.objects.filter(action="matching_policy.update").exists()


def test_trainings_of_another_organisation_are_refused(world: World) -> None:
    foreign = CourseFactory(organisation=world.org_b)
    with pytest.raises(ValidationError):
        policy_update(
            by=world.coordinator,
            organisation=world.org_a,
            **_args(flag_trainings={"violence": [foreign]}),
        )
    assert not FlagTraining.objects.exists()
    assert not MatchingPolicy.objects.exists()


def test_an_unknown_flag_is_refused(world: World) -> None:
    course = CourseFactory(organisation=world.org_a)
    with pytest.raises(ValidationError):
        policy_update(
            by=world.coordinator,
            organisation=world.org_a,
            **_args(flag_trainings={"arson": [course]}),
        )
    assert not MatchingPolicy.objects.exists()


@pytest.mark.parametrize("who", ["professional", "volunteer_user", "outsider"])
def test_only_the_organisations_coordinators_and_admins_may_change_it(
    world: World, who: str
) -> None:
    with pytest.raises(ValidationError):
        policy_update(by=getattr(world, who), organisation=world.org_a, **_args())
    assert not MatchingPolicy.objects.exists()


# --- Page ------------------------------------------------------------------------------------


def test_the_page_shows_the_defaults_with_their_shares(world: World) -> None:
    CourseFactory(organisation=world.org_a, name="Cirkeltraining")
    CourseFactory(organisation=world.org_b, name="Geheime training van B")
    response = client_for(world.coordinator).get(reverse(URL))
    body = response.content.decode()
    assert response.status_code == 200
    assert _html(PROPORTIONS) in body
    assert _html(DEFAULTS) in body
    # The default weights 30/20/15/15/10/10 sum to 100: the shares equal the weights.
    assert ">30%<" in body and ">15%<" in body
    assert 'name="need_overlap"' in body and 'value="30"' in body
    # Every risk flag offers the organisation's own trainings, never another's.
    assert body.count("Cirkeltraining") == 4
    assert "Geheime training van B" not in body
    assert _html("Sex offence") in body and _html("Addiction") in body


def test_the_shares_are_the_proportions_of_the_saved_weights(world: World) -> None:
    MatchingPolicy.objects.create(
        organisation=world.org_a,
        need_overlap=2,
        distance=1,
        language=1,
        availability=0,
        preferences=0,
        workload=0,
    )
    body = client_for(world.admin).get(reverse(URL)).content.decode()
    assert ">50%<" in body and ">25%<" in body and ">0%<" in body


def test_saving_through_the_page(world: World) -> None:
    circle = CourseFactory(organisation=world.org_a, name="Cirkeltraining")
    response = client_for(world.coordinator).post(
        reverse(URL),
        _post(
            trainings_sex_offence=[str(circle.pk)],
            # Extra fields change nothing: the policy is always the user's organisation's.
            organisation=str(world.org_b.pk),
        ),
        follow=True,
    )
    assert response.redirect_chain == [(reverse(URL), 302)]
    assert gettext("The matching policy has been saved.") in response.content.decode()
    policy = MatchingPolicy.objects.get()
    assert (policy.organisation, policy.need_overlap, policy.circle_max_size) == (
        world.org_a,
        40,
        6,
    )
    assert list(FlagTraining.objects.values_list("flag", "course")) == [("sex_offence", circle.pk)]
    # The saved choice is ticked when the page is shown again, for that flag only.
    body = response.content.decode()
    assert re.search(rf'name="trainings_sex_offence" value="{circle.pk}"[^>]*checked', body)
    assert not re.search(rf'name="trainings_violence" value="{circle.pk}"[^>]*checked', body)


def test_all_weights_zero_is_shown_and_nothing_saved(world: World) -> None:
    data = _post(
        need_overlap="0",
        distance="0",
        language="0",
        availability="0",
        preferences="0",
        workload="0",
    )
    response = client_for(world.coordinator).post(reverse(URL), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert _html(ALL_ZERO) in body
    # What was typed stays in the form.
    assert 'name="need_overlap" value="0"' in body
    assert not MatchingPolicy.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"circle_min_size": "6", "circle_max_size": "4"}, "circle_max_size"),
        ({"circle_min_size": "1"}, "circle_min_size"),
        ({"circle_max_size": "9"}, "circle_max_size"),
        ({"distance": "150"}, "distance"),
        ({"workload": "veel"}, "workload"),
        ({"suggestions_shown": ""}, "suggestions_shown"),
    ],
)
def test_bad_input_is_shown_next_to_the_field(
    world: World, data: dict[str, str], field: str
) -> None:
    response = client_for(world.coordinator).post(reverse(URL), _post(**data))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "is-invalid" in response.content.decode()
    assert not MatchingPolicy.objects.exists()


def test_a_foreign_course_in_the_post_writes_nothing(world: World) -> None:
    foreign = CourseFactory(organisation=world.org_b)
    response = client_for(world.coordinator).post(
        reverse(URL), _post(trainings_violence=[str(foreign.pk)])
    )
    assert response.status_code == 200
    assert "trainings_violence" in response.context["form"].errors
    assert not MatchingPolicy.objects.exists() and not FlagTraining.objects.exists()


@pytest.mark.parametrize("role", [Role.PROFESSIONAL, Role.VOLUNTEER])
def test_others_cannot_post_the_policy(world: World, role: str) -> None:
    user = UserFactory(organisation=world.org_a, role=role)
    response = client_for(user).post(reverse(URL), _post())
    assert response.status_code == 403
    assert not MatchingPolicy.objects.exists()


@pytest.mark.parametrize("courses", [3, 30])
def test_the_page_takes_a_fixed_number_of_queries(
    world: World, courses: int, django_assert_max_num_queries: Any
) -> None:
    made: list[Course] = CourseFactory.create_batch(courses, organisation=world.org_a)
    for course in made[:3]:
        FlagTraining.objects.create(organisation=world.org_a, flag="sex_offence", course=course)
    http = client_for(world.coordinator)
    with django_assert_max_num_queries(12):
        assert http.get(reverse(URL)).status_code == 200
