"""The pipeline services: every transition legal and illegal, who/when/why, the blockers, the
screening dates, the farewell's consequences and the overview figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from clients.models import Client
from matching.models import Match
from reclass_volunteers.models import AuditEvent, Notification
from tests.conftest import World
from tests.factories import ClientFactory, VolunteerFactory, match_with
from tests.volunteers.factories_pipeline import (
    CertificateFactory,
    complete_course,
    ready_to_start,
    require_course,
    screened,
    volunteer_in,
)
from volunteers import pipeline
from volunteers.choices import FarewellReason, IntakeDecision, VolunteerRole
from volunteers.models import (
    Certificate,
    Competency,
    Farewell,
    Intake,
    IntakeScore,
    StatusChange,
    Volunteer,
    VolunteerPolicy,
)
from volunteers.services import pipeline as services

S = Volunteer.Status
TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def _english() -> Any:
    """Messages in English, so the assertions hold once the Dutch catalogue is filled in."""
    with translation.override("en"):
        yield


def _move(world: World, volunteer: Volunteer, to: str) -> Any:
    """Move through the service that leads to `to`, with its prerequisites in order."""
    by, seen = world.coordinator, volunteer.status
    steps: dict[str, Callable[[], Any]] = {
        S.INTAKE_PLANNED: lambda: services.intake_plan(
            volunteer=volunteer,
            by=by,
            planned_at=timezone.now() + timedelta(days=2),
            location="Kantoor",
            expected_status=seen,
        ),
        S.INTAKE_DONE: lambda: services.intake_record(
            volunteer=volunteer,
            by=by,
            held_on=TODAY(),
            scores={},
            impression="Warm en rustig.",
            decision=IntakeDecision.PROCEED,
            expected_status=seen,
        ),
        S.SCREENING: lambda: services.screening_start(
            volunteer=volunteer, by=by, expected_status=seen
        ),
        S.TRAINING: lambda: services.training_start(
            volunteer=screened(volunteer), by=by, role=VolunteerRole.BUDDY, expected_status=seen
        ),
        S.ACTIVE: lambda: services.volunteer_activate(
            volunteer=ready_to_start(volunteer), by=by, expected_status=seen
        ),
        S.PAUSED: lambda: services.volunteer_pause(
            volunteer=volunteer, by=by, reason="Mantelzorg", expected_status=seen
        ),
        S.REJECTED: lambda: services.volunteer_reject(
            volunteer=volunteer, by=by, reason="Past niet bij de rol", expected_status=seen
        ),
        S.FAREWELL: lambda: services.volunteer_farewell(
            volunteer=volunteer,
            by=by,
            held_on=TODAY(),
            reason=FarewellReason.MOVED,
            expected_status=seen,
        ),
    }
    return steps[to]()


# Nothing leads back to "applied": there is no service for it, so it cannot happen.
PAIRS = [(a, b) for a in S.values for b in S.values if b != S.APPLIED]


@pytest.mark.parametrize(("from_status", "to_status"), PAIRS)
def test_every_transition_is_legal_exactly_when_the_state_machine_allows_it(
    world: World, from_status: str, to_status: str
) -> None:
    volunteer = volunteer_in(from_status, world.org_a)
    before = StatusChange.objects.filter(volunteer=volunteer).count()
    if to_status in pipeline.ALLOWED[from_status]:
        _move(world, volunteer, to_status)
        volunteer.refresh_from_db()
        assert volunteer.status == to_status
        change = StatusChange.objects.filter(volunteer=volunteer).last()
        assert (change.from_status, change.to_status) == (from_status, to_status)
        assert change.by == world.coordinator
        assert timezone.now() - change.at < timedelta(minutes=1)
        assert volunteer.status_changed_at == change.at
    else:
        with pytest.raises(ValidationError):
            _move(world, volunteer, to_status)
        volunteer.refresh_from_db()
        assert volunteer.status == from_status
        assert StatusChange.objects.filter(volunteer=volunteer).count() == before


def test_the_state_machine_has_the_stages_of_the_issue() -> None:
    assert pipeline.ALLOWED[S.ACTIVE] == {S.PAUSED, S.FAREWELL}
    assert pipeline.ALLOWED[S.PAUSED] == {S.ACTIVE, S.FAREWELL}
    for stage in pipeline.BEFORE_ACTIVE:
        assert S.REJECTED in pipeline.ALLOWED[stage]
    for stage in pipeline.ENDED:
        assert pipeline.ALLOWED[stage] == frozenset()


def test_a_move_records_who_when_and_why_and_an_audit_event(world: World) -> None:
    volunteer = volunteer_in(S.SCREENING, world.org_a)
    with time_machine.travel(timezone.now(), tick=False):
        services.volunteer_reject(
            volunteer=volunteer, by=world.coordinator, reason="Geen klik", expected_status=None
        )
        now = timezone.now()
    change = StatusChange.objects.get(volunteer=volunteer, to_status=S.REJECTED)
    assert (change.from_status, change.by, change.at, change.reason) == (
        S.SCREENING,
        world.coordinator,
        now,
        "Geen klik",
    )
    volunteer.refresh_from_db()
    assert volunteer.rejection_reason == "Geen klik"
    assert AuditEvent.objects.filter(
        action="volunteer.stage.rejected", actor=world.coordinator, object_id=str(volunteer.pk)
    ).exists()


def test_a_stale_expected_status_changes_nothing(world: World) -> None:
    volunteer = volunteer_in(S.INTAKE_DONE, world.org_a)
    services.screening_start(
        volunteer=volunteer, by=world.coordinator, expected_status="intake_done"
    )
    with pytest.raises(services.StageChanged, match="Someone else has just moved"):
        services.screening_start(volunteer=volunteer, by=world.admin, expected_status="intake_done")
    assert StatusChange.objects.filter(volunteer=volunteer, to_status=S.SCREENING).count() == 1


# --- Intake -------------------------------------------------------------------------------------


def test_intake_keeps_the_scores_and_the_own_impression(world: World) -> None:
    listening = Competency.objects.create(organisation=world.org_a, name="Luisteren")
    limits = Competency.objects.create(organisation=world.org_a, name="Grenzen bewaken")
    volunteer = volunteer_in(S.INTAKE_PLANNED, world.org_a)
    Intake.objects.create(volunteer=volunteer, planned_at=timezone.now(), location="Kantoor")
    intake = services.intake_record(
        volunteer=volunteer,
        by=world.coordinator,
        held_on=TODAY(),
        scores={listening: 4, limits: 2},
        impression="Betrokken, maar let op grenzen.",
        decision=IntakeDecision.PROCEED,
        expected_status=S.INTAKE_PLANNED,
    )
    assert Intake.objects.filter(volunteer=volunteer).count() == 1  # the planned one, now held
    assert intake.impression == "Betrokken, maar let op grenzen."
    assert intake.location == "Kantoor"
    assert dict(IntakeScore.objects.filter(intake=intake).values_list("competency", "level")) == {
        listening.pk: 4,
        limits.pk: 2,
    }


def test_not_proceeding_after_the_intake_needs_a_reason_and_rejects(world: World) -> None:
    volunteer = volunteer_in(S.INTAKE_PLANNED, world.org_a)
    kwargs: dict[str, Any] = {
        "volunteer": volunteer,
        "by": world.coordinator,
        "held_on": TODAY(),
        "scores": {},
        "impression": "Twijfel.",
        "decision": IntakeDecision.REJECT,
    }
    with pytest.raises(ValidationError) as refused:
        services.intake_record(**kwargs)
    assert "decision_reason" in refused.value.message_dict
    assert not Intake.objects.filter(volunteer=volunteer).exists()

    services.intake_record(**kwargs, decision_reason="Te weinig tijd")
    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.rejection_reason) == (S.REJECTED, "Te weinig tijd")


def test_an_intake_cannot_be_recorded_before_it_was_planned(world: World) -> None:
    """Rejecting is legal from "applied", but not through an intake that was never planned."""
    volunteer = volunteer_in(S.APPLIED, world.org_a)
    with pytest.raises(ValidationError, match="cannot move"):
        services.intake_record(
            volunteer=volunteer,
            by=world.coordinator,
            held_on=TODAY(),
            scores={},
            impression="",
            decision=IntakeDecision.REJECT,
            decision_reason="Nee",
        )
    assert not Intake.objects.filter(volunteer=volunteer).exists()


def test_an_intake_refuses_another_organisations_competency(world: World) -> None:
    volunteer = volunteer_in(S.INTAKE_PLANNED, world.org_a)
    foreign = Competency.objects.create(organisation=world.org_b, name="Vreemd")
    with pytest.raises(ValidationError, match="own organisation"):
        services.intake_record(
            volunteer=volunteer,
            by=world.coordinator,
            held_on=TODAY(),
            scores={foreign: 3},
            impression="x",
            decision=IntakeDecision.PROCEED,
        )
    assert not IntakeScore.objects.exists()


# --- Screening ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "requested", "issued"),
    [("requested_on", 1, None), ("issued_on", -5, 1), ("issued_on", -2, -5)],
)
def test_a_certificate_dated_in_the_future_or_before_its_request_is_refused(
    world: World, field: str, requested: int, issued: int | None
) -> None:
    volunteer = volunteer_in(S.SCREENING, world.org_a)
    with pytest.raises(ValidationError) as refused:
        services.certificate_record(
            volunteer=volunteer,
            by=world.coordinator,
            requested_on=TODAY() + timedelta(days=requested),
            issued_on=TODAY() + timedelta(days=issued) if issued is not None else None,
        )
    assert field in refused.value.message_dict
    assert not Certificate.objects.filter(volunteer=volunteer).exists()


def test_a_certificate_keeps_its_profile_and_who_checked_it(world: World) -> None:
    volunteer = volunteer_in(S.SCREENING, world.org_a)
    certificate = services.certificate_record(
        volunteer=volunteer,
        by=world.coordinator,
        requested_on=TODAY() - timedelta(days=10),
        issued_on=TODAY(),
        screening_areas="08",
        function_aspects="84, 85",
    )
    assert (certificate.screening_areas, certificate.function_aspects) == ("08", "84, 85")
    assert certificate.checked_by == world.coordinator
    assert certificate.checked_at is not None


def test_nothing_is_recorded_for_someone_who_has_left(world: World) -> None:
    volunteer = volunteer_in(S.FAREWELL, world.org_a)
    with pytest.raises(ValidationError, match="no longer a volunteer"):
        services.certificate_record(volunteer=volunteer, by=world.coordinator, requested_on=TODAY())
    with pytest.raises(ValidationError, match="no longer a volunteer"):
        services.references_record(
            volunteer=volunteer, by=world.coordinator, checked_on=TODAY(), note=""
        )
    with pytest.raises(ValidationError, match="no longer a volunteer"):
        services.supervision_plan_set(
            volunteer=volunteer, by=world.coordinator, supervisor=None, form="", interval_weeks=4
        )
    assert not Certificate.objects.filter(volunteer=volunteer).exists()


def test_training_cannot_start_before_screening_is_complete(world: World) -> None:
    volunteer = volunteer_in(S.SCREENING, world.org_a)
    with pytest.raises(ValidationError) as refused:
        services.training_start(volunteer=volunteer, by=world.coordinator, role="buddy")
    assert refused.value.messages == [
        "There is no valid certificate of conduct.",
        "The references have not been checked.",
    ]
    CertificateFactory(volunteer=volunteer)
    with pytest.raises(ValidationError, match="references"):
        services.training_start(volunteer=volunteer, by=world.coordinator, role="buddy")
    services.references_record(
        volunteer=volunteer, by=world.coordinator, checked_on=TODAY(), note="Twee positief"
    )
    services.training_start(volunteer=volunteer, by=world.coordinator, role="buddy")
    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.role) == (S.TRAINING, "buddy")
    assert volunteer.references_checked_by == world.coordinator


# --- Activation and resuming: the blockers ------------------------------------------------------


def test_activation_is_refused_without_a_certificate_and_says_so(world: World) -> None:
    course = require_course(world.org_a)
    volunteer = volunteer_in(S.TRAINING, world.org_a, role="buddy")
    Volunteer.objects.filter(pk=volunteer.pk).update(references_checked_on=TODAY())
    complete_course(volunteer, course)
    with pytest.raises(ValidationError) as refused:
        services.volunteer_activate(volunteer=volunteer, by=world.coordinator)
    assert refused.value.messages == ["There is no valid certificate of conduct."]
    volunteer.refresh_from_db()
    assert volunteer.status == S.TRAINING


def test_activation_is_refused_without_the_training_the_role_requires(world: World) -> None:
    course = require_course(world.org_a, role="buddy")
    volunteer = screened(volunteer_in(S.TRAINING, world.org_a, role="buddy"))
    with pytest.raises(ValidationError) as refused:
        services.volunteer_activate(volunteer=volunteer, by=world.coordinator)
    assert refused.value.messages == [f"Training not completed: {course.name}."]
    complete_course(volunteer, course)
    services.volunteer_activate(volunteer=volunteer, by=world.coordinator)
    volunteer.refresh_from_db()
    assert volunteer.status == S.ACTIVE


def test_activation_needs_a_role_and_a_fresh_certificate(world: World) -> None:
    volunteer = volunteer_in(S.TRAINING, world.org_a)
    Volunteer.objects.filter(pk=volunteer.pk).update(references_checked_on=TODAY())
    CertificateFactory(
        volunteer=volunteer,
        requested_on=TODAY() - timedelta(days=300),
        issued_on=TODAY() - timedelta(days=270),
    )
    with pytest.raises(ValidationError) as refused:
        services.volunteer_activate(volunteer=volunteer, by=world.coordinator)
    assert refused.value.messages == [
        "No role has been chosen.",
        "The certificate of conduct is older than 6 months.",
    ]


def test_resuming_is_refused_when_a_required_training_has_expired(world: World) -> None:
    course = require_course(world.org_a)
    course.validity_months = 12
    course.save()
    volunteer = screened(volunteer_in(S.PAUSED, world.org_a, role="buddy"))
    enrolment = complete_course(volunteer, course)
    enrolment.completed_on = TODAY() - timedelta(days=400)
    enrolment.save()
    with pytest.raises(ValidationError) as refused:
        services.volunteer_activate(volunteer=volunteer, by=world.coordinator)
    assert refused.value.messages == [f"Training expired: {course.name}."]


def test_resuming_clears_the_pause(world: World) -> None:
    volunteer = world.volunteer
    services.volunteer_pause(
        volunteer=volunteer,
        by=world.coordinator,
        reason="Verhuizing",
        expected_return_on=TODAY() + timedelta(days=30),
        expected_status=S.ACTIVE,
    )
    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.pause_reason) == (S.PAUSED, "Verhuizing")
    ready_to_start(volunteer)
    services.volunteer_activate(volunteer=volunteer, by=world.coordinator, expected_status="paused")
    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.pause_reason, volunteer.expected_return_on) == (
        S.ACTIVE,
        "",
        None,
    )


def test_a_pause_needs_a_reason_and_a_return_in_the_future(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        services.volunteer_pause(volunteer=world.volunteer, by=world.coordinator, reason=" ")
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.volunteer_pause(
            volunteer=world.volunteer,
            by=world.coordinator,
            reason="Ziek",
            expected_return_on=TODAY(),
        )
    assert "expected_return_on" in refused.value.message_dict
    world.volunteer.refresh_from_db()
    assert world.volunteer.status == S.ACTIVE


def test_someone_who_has_started_cannot_be_rejected(world: World) -> None:
    with pytest.raises(ValidationError):
        services.volunteer_reject(volunteer=world.volunteer, by=world.coordinator, reason="x")
    world.volunteer.refresh_from_db()
    assert world.volunteer.status == S.ACTIVE


# --- Farewell -----------------------------------------------------------------------------------


def test_farewell_ends_live_matches_closes_the_account_and_sets_the_removal_date(
    world: World,
) -> None:
    policy = VolunteerPolicy.for_organisation(world.org_a)
    policy.retention_months_after_farewell = 11
    policy.save()
    proposed = match_with(
        world.volunteer,
        ClientFactory(organisation=world.org_a),
        status=Match.Status.PROPOSED,
    )
    ended_before = match_with(
        world.volunteer, ClientFactory(organisation=world.org_a), status=Match.Status.ENDED
    )
    other = match_with(
        VolunteerFactory(organisation=world.org_a), ClientFactory(organisation=world.org_a)
    )
    held_on = date(2026, 3, 31)
    Match.objects.filter(pk__in=[world.match.pk, proposed.pk]).update(started_on=date(2026, 1, 5))
    ended_on_before = ended_before.ended_on

    farewell = services.volunteer_farewell(
        volunteer=world.volunteer,
        by=world.coordinator,
        held_on=held_on,
        reason=FarewellReason.RESIGNED,
        reason_text="Te druk met werk",
        went_well="De begeleiding",
        should_change="Meer intervisie",
        would_recommend=True,
        expected_status=S.ACTIVE,
    )

    for match in (world.match, proposed):
        match.refresh_from_db()
        assert (match.status, match.ended_on) == (Match.Status.ENDED, held_on)
        assert match.end_reason == Match.EndReason.VOLUNTEER_STOPPED
    ended_before.refresh_from_db()
    assert ended_before.ended_on == ended_on_before
    # As when a coordinator ends a match: the clients wait for a new volunteer again, and the
    # responsible professional is asked to evaluate the match that ran.
    for match in (world.match, proposed):
        match.client.refresh_from_db()
        assert match.client.status == Client.Status.WAITING
    assert Notification.objects.filter(
        recipient=world.professional, subject_id=str(world.match.pk), kind__startswith="match."
    ).exists()
    other.refresh_from_db()
    assert other.status == Match.Status.ACTIVE
    world.volunteer.refresh_from_db()
    world.volunteer_user.refresh_from_db()
    assert world.volunteer.status == S.FAREWELL
    assert world.volunteer_user.is_active is False
    # 11 months after 31 March is the end of February: the date is clamped to the month.
    assert world.volunteer.personal_data_removal_on == date(2027, 2, 28)
    assert (farewell.reason, farewell.would_recommend, farewell.conducted_by) == (
        "resigned",
        True,
        world.coordinator,
    )
    change = StatusChange.objects.filter(volunteer=world.volunteer).last()
    assert (change.to_status, change.by, change.reason) == (
        S.FAREWELL,
        world.coordinator,
        "Resigned",
    )


def test_a_farewell_in_the_future_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        services.volunteer_farewell(
            volunteer=world.volunteer,
            by=world.coordinator,
            held_on=TODAY() + timedelta(days=1),
            reason=FarewellReason.MOVED,
        )
    assert "held_on" in refused.value.message_dict
    assert not Farewell.objects.exists()
    world.match.refresh_from_db()
    assert world.match.status == Match.Status.ACTIVE


# --- Supervision plan ---------------------------------------------------------------------------


def test_the_supervision_plan_takes_only_a_professional_of_the_organisation(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        services.supervision_plan_set(
            volunteer=world.volunteer,
            by=world.coordinator,
            supervisor=world.outsider,
            form="group",
            interval_weeks=4,
        )
    assert "supervisor" in refused.value.message_dict
    services.supervision_plan_set(
        volunteer=world.volunteer,
        by=world.coordinator,
        supervisor=world.professional,
        form="one_to_one",
        interval_weeks=2,
    )
    world.volunteer.refresh_from_db()
    assert (
        world.volunteer.supervisor,
        world.volunteer.supervision_form,
        world.volunteer.supervision_interval_weeks,
    ) == (world.professional, "one_to_one", 2)


# --- Overview figures ---------------------------------------------------------------------------


def test_stage_figures_count_and_measure_the_wait(world: World) -> None:
    now = timezone.now()
    for days in (2, 4, 30):
        VolunteerFactory(
            organisation=world.org_a,
            status=S.APPLIED,
            status_changed_at=now - timedelta(days=days, hours=1),
        )
    VolunteerFactory(organisation=world.org_a, status=S.REJECTED, rejection_reason="x")
    figures = {
        f.status: f
        for f in pipeline.stage_figures(Volunteer.objects.filter(organisation=world.org_a), now)
    }
    assert list(figures) == list(S.values)
    applied = figures[S.APPLIED]
    assert (applied.count, applied.median_days, applied.longest_days) == (3, 4, 30)
    assert (figures[S.REJECTED].count, figures[S.REJECTED].median_days) == (1, None)
    assert figures[S.ACTIVE].count == 1  # world.volunteer
    assert (figures[S.TRAINING].count, figures[S.TRAINING].longest_days) == (0, None)


def test_matching_settings_are_saved_and_audited(world: World) -> None:
    services.volunteer_matching_set(
        volunteer=world.volunteer,
        by=world.coordinator,
        max_matches=3,
        willing_sex_offences=True,
        abroad_country=" es ",
    )
    world.volunteer.refresh_from_db()
    assert (
        world.volunteer.max_matches,
        world.volunteer.willing_sex_offences,
        world.volunteer.abroad_country,
    ) == (3, True, "ES")
    assert AuditEvent.objects.filter(
        action="volunteer.matching_settings", object_id=str(world.volunteer.pk)
    ).exists()


@pytest.mark.parametrize(
    ("max_matches", "country", "field"),
    [
        (11, "", "max_matches"),
        (1, "E5", "abroad_country"),
        (1, "ÉS", "abroad_country"),  # letters, but not an ISO code
        (1, "Ωx", "abroad_country"),
    ],
)
def test_matching_settings_refuse_bad_input_and_change_nothing(
    world: World, max_matches: int, country: str, field: str
) -> None:
    with translation.override("nl"), pytest.raises(ValidationError) as error:
        services.volunteer_matching_set(
            volunteer=world.volunteer,
            by=world.coordinator,
            max_matches=max_matches,
            willing_sex_offences=True,
            abroad_country=country,
        )
    assert field in error.value.message_dict
    world.volunteer.refresh_from_db()
    assert (world.volunteer.max_matches, world.volunteer.willing_sex_offences) == (1, False)
