"""The pipeline panel and its step views: only legal steps are offered, each step does what it
says, bad input is shown next to the field and changes nothing, a stale page is told."""

from __future__ import annotations

import html
import re
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from matching.models import Match
from reclass_volunteers.models import Role
from tests.conftest import World, client_for
from tests.factories import OrganisationFactory, UserFactory
from tests.volunteers.factories_pipeline import (
    CompetencyFactory,
    complete_course,
    require_course,
    screened,
    volunteer_in,
)
from volunteers import pipeline
from volunteers.models import (
    Certificate,
    Farewell,
    Intake,
    IntakeScore,
    StatusChange,
    Volunteer,
)

S = Volunteer.Status
TODAY = timezone.localdate

# The steps the panel offers per stage, written out by hand (not derived from the view's table),
# and the stage each moving step leads to.
OFFERED: dict[str, set[str]] = {
    S.APPLIED: {"intake_plan", "reject", "farewell", "supervision_plan", "matching_settings"},
    S.INTAKE_PLANNED: {
        "intake_record",
        "reject",
        "farewell",
        "supervision_plan",
        "matching_settings",
    },
    S.INTAKE_DONE: {
        "screening_start",
        "reject",
        "farewell",
        "supervision_plan",
        "matching_settings",
    },
    S.SCREENING: {
        "certificate",
        "references",
        "training_start",
        "reject",
        "farewell",
        "supervision_plan",
        "matching_settings",
    },
    S.TRAINING: {
        "certificate",
        "references",
        "activate",
        "reject",
        "farewell",
        "supervision_plan",
        "matching_settings",
    },
    S.ACTIVE: {"certificate", "pause", "farewell", "supervision_plan", "matching_settings"},
    S.PAUSED: {"certificate", "resume", "farewell", "supervision_plan", "matching_settings"},
    S.FAREWELL: set(),
    S.REJECTED: set(),
}
LEADS_TO = {
    "intake_plan": S.INTAKE_PLANNED,
    "intake_record": S.INTAKE_DONE,
    "screening_start": S.SCREENING,
    "training_start": S.TRAINING,
    "activate": S.ACTIVE,
    "resume": S.ACTIVE,
    "pause": S.PAUSED,
    "reject": S.REJECTED,
    "farewell": S.FAREWELL,
}
ALL_STEPS = set().union(*OFFERED.values())


def _client(user: Any) -> HttpClient:
    """Pages in English, so the assertions hold once the Dutch catalogue is filled in."""
    http = client_for(user)
    http.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return http


def _url(step: str, volunteer: Volunteer) -> str:
    return reverse(f"volunteers:pipeline_{step}", kwargs={"pk": volunteer.pk})


def _detail(volunteer: Volunteer) -> str:
    return reverse("volunteers:volunteer_detail", kwargs={"pk": volunteer.pk})


def _offered(html: str, volunteer: Volunteer) -> set[str]:
    return {step for step in ALL_STEPS if f'action="{_url(step, volunteer)}"' in html}


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.mark.parametrize("status", S.values)
def test_the_panel_offers_exactly_the_legal_steps(world: World, status: str) -> None:
    moving = {step for step in OFFERED[status] if step in LEADS_TO}
    assert {LEADS_TO[step] for step in moving} == set(pipeline.ALLOWED[status])
    volunteer = volunteer_in(status, world.org_a)
    response = _client(world.coordinator).get(_detail(volunteer))
    assert response.status_code == 200
    html = response.content.decode()
    assert _offered(html, volunteer) == OFFERED[status]
    # Each form carries the stage the coordinator saw.
    if OFFERED[status]:
        assert f'name="expected_status" value="{status}"' in html


@pytest.mark.parametrize("role", ["professional", "volunteer"])
def test_professionals_and_volunteers_see_the_stage_without_steps(world: World, role: str) -> None:
    response = _client(world.user(role)).get(_detail(world.volunteer))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="stage"' in html
    assert "Active" in html
    assert _offered(html, world.volunteer) == set()
    assert "expected_status" not in html


def test_the_panel_lists_what_is_missing_and_holds_back_the_step(world: World) -> None:
    course = require_course(world.org_a)
    volunteer = volunteer_in(S.TRAINING, world.org_a, role="buddy")
    html = _client(world.coordinator).get(_detail(volunteer)).content.decode()
    assert "There is no valid certificate of conduct." in html
    assert "The references have not been checked." in html
    assert f"Training not completed: {course.name}." in html
    assert re.search(r'<button[^>]*disabled aria-describedby="pipeline-blockers"', html)

    screened(volunteer)
    complete_course(volunteer, course)
    html = _client(world.coordinator).get(_detail(volunteer)).content.decode()
    assert 'id="pipeline-blockers"' not in html
    assert "disabled" not in html.split('id="stage"')[1].split("</section>")[0]


# --- Each step, through the page ----------------------------------------------------------------


def _post(
    world: World, step: str, volunteer: Volunteer, http: HttpClient | None = None, **data: Any
) -> Any:
    data.setdefault("expected_status", volunteer.status)
    return (http or _client(world.coordinator)).post(_url(step, volunteer), data)


def _assert_back_on_the_page(response: Any, volunteer: Volunteer) -> None:
    assert response.status_code == 302
    assert response["Location"] == f"{_detail(volunteer)}#stage"


def test_plan_and_record_the_intake(world: World) -> None:
    listening = CompetencyFactory(organisation=world.org_a, name="Luisteren")
    CompetencyFactory(organisation=world.org_a, name="Oud", is_active=False)
    foreign = CompetencyFactory(organisation=world.org_b, name="Vreemd")
    volunteer = volunteer_in(S.APPLIED, world.org_a)
    planned = (timezone.localtime() + timedelta(days=3)).replace(second=0, microsecond=0)

    response = _post(
        world,
        "intake_plan",
        volunteer,
        planned_at=planned.strftime("%Y-%m-%dT%H:%M"),
        location="Bibliotheek",
    )
    _assert_back_on_the_page(response, volunteer)
    intake = Intake.objects.get(volunteer=volunteer)
    assert (intake.planned_at, intake.location) == (planned, "Bibliotheek")

    page = _client(world.coordinator).get(_detail(volunteer)).content.decode()
    assert "Bibliotheek" in page
    assert f'name="score_{listening.pk}"' in page
    assert "Oud" not in page  # competencies no longer in use are not scored

    response = _post(
        world,
        "intake_record",
        volunteer,
        expected_status=S.INTAKE_PLANNED,
        held_on=TODAY().isoformat(),
        **{f"score_{listening.pk}": "4", f"score_{foreign.pk}": "5"},
        impression="Rustig en nieuwsgierig.",
        decision="proceed",
    )
    _assert_back_on_the_page(response, volunteer)
    intake.refresh_from_db()
    volunteer.refresh_from_db()
    assert volunteer.status == S.INTAKE_DONE
    assert (intake.held_on, intake.impression, intake.decision) == (
        TODAY(),
        "Rustig en nieuwsgierig.",
        "proceed",
    )
    # A foreign competency's id in the POST is ignored: only the organisation's are scored.
    assert list(IntakeScore.objects.values_list("competency_id", "level")) == [(listening.pk, 4)]


def test_an_intake_without_a_score_or_reason_is_shown_again_with_the_errors(world: World) -> None:
    listening = CompetencyFactory(organisation=world.org_a, name="Luisteren")
    volunteer = volunteer_in(S.INTAKE_PLANNED, world.org_a)
    response = _post(
        world,
        "intake_record",
        volunteer,
        held_on=TODAY().isoformat(),
        impression="Twijfel",
        decision="reject",
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {f"score_{listening.pk}"}
    assert f'id="error_1_id_score_{listening.pk}"' in response.content.decode()

    response = _post(
        world,
        "intake_record",
        volunteer,
        held_on=TODAY().isoformat(),
        impression="Twijfel",
        decision="reject",
        **{f"score_{listening.pk}": "2"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["decision_reason"] == [
        "Give a reason when you do not proceed."
    ]
    assert 'id="error_1_id_decision_reason"' in response.content.decode()
    volunteer.refresh_from_db()
    assert volunteer.status == S.INTAKE_PLANNED
    assert not Intake.objects.filter(volunteer=volunteer, held_on__isnull=False).exists()
    assert not IntakeScore.objects.exists()


def test_screening_certificate_references_and_training(world: World) -> None:
    volunteer = volunteer_in(S.INTAKE_DONE, world.org_a)
    _assert_back_on_the_page(_post(world, "screening_start", volunteer), volunteer)
    volunteer.refresh_from_db()
    assert volunteer.status == S.SCREENING

    response = _post(
        world,
        "certificate",
        volunteer,
        requested_on=(TODAY() - timedelta(days=20)).isoformat(),
        issued_on=(TODAY() - timedelta(days=2)).isoformat(),
        screening_areas="08",
        function_aspects="84, 85",
    )
    _assert_back_on_the_page(response, volunteer)
    certificate = Certificate.objects.get(volunteer=volunteer)
    assert (certificate.screening_areas, certificate.function_aspects) == ("08", "84, 85")
    assert certificate.checked_by == world.coordinator

    response = _post(
        world, "references", volunteer, checked_on=TODAY().isoformat(), note="Twee gesprekken"
    )
    _assert_back_on_the_page(response, volunteer)
    volunteer.refresh_from_db()
    assert (volunteer.references_checked_on, volunteer.references_note) == (
        TODAY(),
        "Twee gesprekken",
    )

    response = _post(world, "training_start", volunteer, role="circle_member")
    _assert_back_on_the_page(response, volunteer)
    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.role) == (S.TRAINING, "circle_member")


def test_a_certificate_dated_in_the_future_is_refused_next_to_the_field(world: World) -> None:
    volunteer = volunteer_in(S.SCREENING, world.org_a)
    response = _post(
        world,
        "certificate",
        volunteer,
        requested_on=TODAY().isoformat(),
        issued_on=(TODAY() + timedelta(days=1)).isoformat(),
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "issued_on": ["The issue date cannot be in the future."]
    }
    html = response.content.decode()
    assert 'id="error_1_id_issued_on"' in html
    assert "The issue date cannot be in the future." in html
    assert not Certificate.objects.filter(volunteer=volunteer).exists()


def test_activation_without_a_certificate_is_refused_with_what_is_missing(world: World) -> None:
    volunteer = volunteer_in(S.TRAINING, world.org_a, role="buddy")
    Volunteer.objects.filter(pk=volunteer.pk).update(references_checked_on=TODAY())
    http = _client(world.coordinator)
    response = _post(world, "activate", volunteer, http)
    _assert_back_on_the_page(response, volunteer)
    page = http.get(response["Location"])
    assert _messages(page) == ["There is no valid certificate of conduct."]
    volunteer.refresh_from_db()
    assert volunteer.status == S.TRAINING
    assert not StatusChange.objects.filter(volunteer=volunteer, to_status=S.ACTIVE).exists()


def test_activate_pause_and_resume(world: World) -> None:
    volunteer = screened(volunteer_in(S.TRAINING, world.org_a, role="buddy"))
    _assert_back_on_the_page(_post(world, "activate", volunteer), volunteer)
    volunteer.refresh_from_db()
    assert volunteer.status == S.ACTIVE

    back = TODAY() + timedelta(days=60)
    response = _post(
        world, "pause", volunteer, reason="Mantelzorg", expected_return_on=back.isoformat()
    )
    _assert_back_on_the_page(response, volunteer)
    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.pause_reason, volunteer.expected_return_on) == (
        S.PAUSED,
        "Mantelzorg",
        back,
    )
    page = _client(world.coordinator).get(_detail(volunteer)).content.decode()
    assert "Mantelzorg" in page

    _assert_back_on_the_page(_post(world, "resume", volunteer), volunteer)
    volunteer.refresh_from_db()
    assert volunteer.status == S.ACTIVE
    changes = list(
        StatusChange.objects.filter(volunteer=volunteer)
        .order_by("at", "id")
        .values_list("to_status", "by", "reason")
    )
    assert changes[-3:] == [
        (S.ACTIVE, world.coordinator.pk, ""),
        (S.PAUSED, world.coordinator.pk, "Mantelzorg"),
        (S.ACTIVE, world.coordinator.pk, ""),
    ]


def test_a_pause_without_reason_is_shown_again(world: World) -> None:
    response = _post(world, "pause", world.volunteer, reason="")
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    world.volunteer.refresh_from_db()
    assert world.volunteer.status == S.ACTIVE


def test_reject_with_reason(world: World) -> None:
    volunteer = volunteer_in(S.INTAKE_DONE, world.org_a)
    _assert_back_on_the_page(_post(world, "reject", volunteer, reason="Geen tijd"), volunteer)
    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.rejection_reason) == (S.REJECTED, "Geen tijd")
    change = StatusChange.objects.filter(volunteer=volunteer).last()
    assert (change.by, change.reason) == (world.coordinator, "Geen tijd")


def test_farewell_through_the_page(world: World) -> None:
    response = _post(
        world,
        "farewell",
        world.volunteer,
        held_on=TODAY().isoformat(),
        reason="moved",
        reason_text="Naar Groningen",
        went_well="Het contact",
        should_change="Niets",
        would_recommend="yes",
    )
    _assert_back_on_the_page(response, world.volunteer)
    farewell = Farewell.objects.get(volunteer=world.volunteer)
    assert (farewell.reason, farewell.reason_text, farewell.would_recommend) == (
        "moved",
        "Naar Groningen",
        True,
    )
    world.match.refresh_from_db()
    world.volunteer_user.refresh_from_db()
    assert world.match.status == Match.Status.ENDED
    assert world.volunteer_user.is_active is False
    page = _client(world.coordinator).get(_detail(world.volunteer)).content.decode()
    assert reverse("volunteers:pipeline_farewell_letter", args=[world.volunteer.pk]) in page
    assert "Naar Groningen" in page


def test_a_farewell_in_the_future_is_shown_again_and_nothing_ends(world: World) -> None:
    response = _post(
        world,
        "farewell",
        world.volunteer,
        held_on=(TODAY() + timedelta(days=3)).isoformat(),
        reason="moved",
        would_recommend="unknown",
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"held_on": ["The farewell cannot be in the future."]}
    assert not Farewell.objects.exists()
    world.match.refresh_from_db()
    assert world.match.status == Match.Status.ACTIVE


def test_supervision_plan_and_a_foreign_professional(world: World) -> None:
    colleague = UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)
    response = _post(
        world,
        "supervision_plan",
        world.volunteer,
        supervisor=str(colleague.pk),
        form="on_the_job",
        interval_weeks="8",
    )
    _assert_back_on_the_page(response, world.volunteer)
    world.volunteer.refresh_from_db()
    assert (
        world.volunteer.supervisor,
        world.volunteer.supervision_form,
        world.volunteer.supervision_interval_weeks,
    ) == (colleague, "on_the_job", 8)

    foreign = UserFactory(organisation=world.org_b, role=Role.PROFESSIONAL)
    for bad in ({"supervisor": str(foreign.pk)}, {"interval_weeks": "27"}):
        response = _post(world, "supervision_plan", world.volunteer, **bad)
        assert response.status_code == 200
        assert set(response.context["form"].errors) == set(bad)
    world.volunteer.refresh_from_db()
    assert (world.volunteer.supervisor, world.volunteer.supervision_interval_weeks) == (
        colleague,
        8,
    )


def test_matching_settings_through_the_page(world: World) -> None:
    page = _client(world.coordinator).get(_detail(world.volunteer)).content.decode()
    assert "Change the matching settings" in page
    response = _post(
        world,
        "matching_settings",
        world.volunteer,
        max_matches="2",
        willing_sex_offences="on",
        abroad_country="pt",
    )
    _assert_back_on_the_page(response, world.volunteer)
    world.volunteer.refresh_from_db()
    assert (world.volunteer.max_matches, world.volunteer.abroad_country) == (2, "PT")
    assert world.volunteer.willing_sex_offences

    response = _post(world, "matching_settings", world.volunteer, max_matches="-1")
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"max_matches"}
    world.volunteer.refresh_from_db()
    assert world.volunteer.max_matches == 2


def test_posted_extra_fields_change_nothing(world: World) -> None:
    volunteer = volunteer_in(S.INTAKE_DONE, world.org_a)
    _post(world, "screening_start", volunteer, organisation=str(world.org_b.pk), role="buddy")
    volunteer.refresh_from_db()
    assert (volunteer.organisation, volunteer.role, volunteer.status) == (
        world.org_a,
        "",
        S.SCREENING,
    )


# --- Illegal steps and stale pages --------------------------------------------------------------


def test_a_step_that_is_not_possible_from_the_stage_is_refused(world: World) -> None:
    volunteer = volunteer_in(S.APPLIED, world.org_a)
    http = _client(world.coordinator)
    response = _post(world, "pause", volunteer, http, reason="Vakantie")
    _assert_back_on_the_page(response, volunteer)
    page = http.get(response["Location"])
    assert _messages(page) == ["“Pause” is not possible in the stage “Applied”."]
    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.pause_reason) == (S.APPLIED, "")


def test_a_step_without_the_stage_seen_is_a_bad_request(world: World) -> None:
    volunteer = volunteer_in(S.INTAKE_DONE, world.org_a)
    response = _client(world.coordinator).post(_url("screening_start", volunteer), {})
    assert response.status_code == 400
    volunteer.refresh_from_db()
    assert volunteer.status == S.INTAKE_DONE


def test_the_second_of_two_coordinators_is_told_and_nothing_is_recorded_twice(
    world: World,
) -> None:
    second = UserFactory(organisation=world.org_a, role=Role.COORDINATOR)
    volunteer = volunteer_in(S.SCREENING, world.org_a)
    screened(volunteer)
    # Both pages were drawn while the volunteer was in screening.
    data = {"expected_status": S.SCREENING, "role": "buddy"}
    first = _client(world.coordinator).post(_url("training_start", volunteer), data)
    http = _client(second)
    late = http.post(_url("training_start", volunteer), data)
    _assert_back_on_the_page(first, volunteer)
    _assert_back_on_the_page(late, volunteer)

    page = http.get(late["Location"])
    assert _messages(page) == [
        f"Someone else has just moved {volunteer.full_name} to the stage “Training”. "
        "Nothing was changed; the page now shows the current stage."
    ]
    assert _offered(page.content.decode(), volunteer) == OFFERED[S.TRAINING]
    assert StatusChange.objects.filter(volunteer=volunteer, to_status=S.TRAINING).count() == 1
    assert StatusChange.objects.get(volunteer=volunteer, to_status=S.TRAINING).by == (
        world.coordinator
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_moving_at_the_same_moment_one_wins() -> None:
    organisation = OrganisationFactory()
    coordinators = [UserFactory(organisation=organisation, role=Role.COORDINATOR) for _ in range(2)]
    rounds = 3
    for _round in range(rounds):
        volunteer = volunteer_in(S.ACTIVE, organisation)
        barrier = threading.Barrier(2)
        results: list[str] = []
        errors: list[BaseException] = []

        def post(
            user: Any,
            volunteer: Volunteer = volunteer,
            barrier: threading.Barrier = barrier,
            results: list[str] = results,
            errors: list[BaseException] = errors,
        ) -> None:
            try:
                http = _client(user)
                barrier.wait(timeout=10)
                response = http.post(
                    _url("pause", volunteer),
                    {"expected_status": S.ACTIVE, "reason": f"Pauze van {user.pk}"},
                    follow=True,
                )
                # Read the page itself: the test client's captured context is shared between
                # threads (it listens to a global signal).
                page = html.unescape(response.content.decode())
                results.append(
                    "won"
                    if "The volunteer has been paused." in page
                    else "told"
                    if f"Someone else has just moved {volunteer.full_name} to the stage “Paused”."
                    in page
                    else "neither"
                )
            except BaseException as error:
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=post, args=(c,)) for c in coordinators]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert errors == []
        assert sorted(results) == ["told", "won"]
        changes = StatusChange.objects.filter(volunteer=volunteer, to_status=S.PAUSED)
        assert changes.count() == 1
        volunteer.refresh_from_db()
        assert volunteer.status == S.PAUSED
        assert volunteer.pause_reason == f"Pauze van {changes.get().by_id}"
