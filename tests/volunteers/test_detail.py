"""The volunteer's page: contact details in the header, the panels of the other areas, and the
timeline of everything that happened, newest first, from a fixed number of queries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from matching.models import Match
from reclass_volunteers.models import Role
from tests.conftest import World, client_for
from tests.factories import ClientFactory, UserFactory, VolunteerFactory, match_with
from tests.volunteers.factories_profiles import certificate, complete, course, enrol
from volunteers.choices import FarewellReason, IntakeDecision
from volunteers.models import (
    Application,
    Assessment,
    Competency,
    Enrolment,
    Farewell,
    Intake,
    StatusChange,
    Volunteer,
)
from volunteers.timeline import volunteer_timeline

S = Volunteer.Status


def _at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def _history(world: World, volunteer: Volunteer, *, n: int = 1) -> None:
    """A life on record: applications (one repeated), stage changes with who and why, an
    intake, certificates, references, trainings, assessments, a match, a farewell. `n` repeats
    the repeatable records to grow the history."""
    coordinator = world.coordinator
    base = date(2025, 1, 6)
    Application.objects.create(
        volunteer=volunteer, submitted_at=_at(base, 9), answers={}, sender_hash="x"
    )
    Application.objects.create(
        volunteer=volunteer,
        submitted_at=_at(base + timedelta(days=40)),
        answers={},
        sender_hash="x",
    )
    StatusChange.objects.create(
        volunteer=volunteer, from_status="", to_status=S.APPLIED, at=_at(base, 9)
    )
    steps = [
        (S.APPLIED, S.INTAKE_PLANNED, 2, ""),
        (S.INTAKE_PLANNED, S.INTAKE_DONE, 10, "Goede indruk"),
        (S.INTAKE_DONE, S.SCREENING, 11, ""),
        (S.SCREENING, S.TRAINING, 30, ""),
        (S.TRAINING, S.ACTIVE, 60, ""),
        (S.ACTIVE, S.PAUSED, 100, "Verhuizing"),
    ]
    for from_status, to_status, days, reason in steps:
        StatusChange.objects.create(
            volunteer=volunteer,
            from_status=from_status,
            to_status=to_status,
            at=_at(base + timedelta(days=days), 15),
            by=coordinator,
            reason=reason,
        )
    Intake.objects.create(
        volunteer=volunteer,
        planned_at=_at(base + timedelta(days=10), 10),
        held_on=base + timedelta(days=10),
        conducted_by=coordinator,
        impression="Rustig en betrokken",
        decision=IntakeDecision.PROCEED,
        decision_reason="Geschikt als maatje",
    )
    certificate(
        volunteer,
        base + timedelta(days=25),
        requested_on=base + timedelta(days=12),
        screening_areas="08",
        function_aspects="84, 85",
        checked_by=coordinator,
    )
    Volunteer.objects.filter(pk=volunteer.pk).update(
        references_checked_on=base + timedelta(days=20),
        references_checked_by=coordinator,
        references_note="Twee positieve referenties",
    )
    competency = Competency.objects.create(organisation=world.org_a, name="Luisteren")
    for i in range(n):
        basic = course(world.org_a, f"Basistraining {volunteer.pk}-{i}")
        complete(volunteer, basic, base + timedelta(days=45))
        enrol(
            volunteer,
            basic,
            base + timedelta(days=200),
            Enrolment.Status.WAITING,
            at=_at(base + timedelta(days=140)),
        )
        Assessment.objects.create(
            volunteer=volunteer,
            competency=competency,
            level=3 + i % 2,
            evidence="Gezien in gesprek",
            assessed_on=base + timedelta(days=70 + i),
            assessed_by=coordinator,
        )
        client = ClientFactory(organisation=world.org_a, code=f"TL-{volunteer.pk}-{i}")
        match = match_with(volunteer, client, status=Match.Status.ENDED)
        Match.objects.filter(pk=match.pk).update(
            started_on=base + timedelta(days=65), ended_on=base + timedelta(days=99)
        )
    StatusChange.objects.create(
        volunteer=volunteer,
        from_status=S.PAUSED,
        to_status=S.FAREWELL,
        at=_at(base + timedelta(days=150), 16),
        by=coordinator,
        reason="Verhuisd",
    )
    Farewell.objects.create(
        volunteer=volunteer,
        held_on=base + timedelta(days=150),
        reason=FarewellReason.MOVED,
        reason_text="Naar Groningen",
        conducted_by=coordinator,
    )
    Volunteer.objects.filter(pk=volunteer.pk).update(status=S.FAREWELL)


def test_staff_see_the_header_with_contact_details_and_the_panels(world: World) -> None:
    Volunteer.objects.filter(pk=world.volunteer.pk).update(
        phone="06-12345678", postcode="7511 AB", city="Enschede", languages=["Nederlands"]
    )
    for role in ("coordinator", "admin", "professional"):
        response = client_for(world.user(role)).get(
            reverse("volunteers:volunteer_detail", args=[world.volunteer.pk])
        )
        assert response.status_code == 200
        content = response.content.decode()
        assert world.volunteer.email in content
        assert 'href="tel:06-12345678"' in content
        assert "7511 AB Enschede" in content
        assert "Nederlands" in content
        names = [t.name for t in response.templates]
        for partial in ("pipeline", "training", "competencies"):
            assert f"volunteers/partials/{partial}_panel.html" in names
        assert "volunteers/volunteer_timeline.html" in names


def test_a_volunteer_sees_their_own_page_without_the_timeline(world: World) -> None:
    _history(world, world.volunteer)
    http = client_for(world.volunteer_user)
    response = http.get(reverse("volunteers:volunteer_detail", args=[world.volunteer.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert world.volunteer.email in content
    assert reverse("volunteers:own_profile") in content
    assert response.context["timeline"] == []
    assert "volunteers/volunteer_timeline.html" not in [t.name for t in response.templates]
    for note in ("Twee positieve referenties", "Geschikt als maatje", "Verhuizing"):
        assert note not in content


def test_volunteers_cannot_see_each_other(world: World) -> None:
    other = VolunteerFactory(
        organisation=world.org_a, user=UserFactory(organisation=world.org_a, role=Role.VOLUNTEER)
    )
    assert other.user is not None
    response = client_for(other.user).get(
        reverse("volunteers:volunteer_detail", args=[world.volunteer.pk])
    )
    assert response.status_code == 404
    assert world.volunteer.email not in response.content.decode()
    response = client_for(world.volunteer_user).get(
        reverse("volunteers:volunteer_detail", args=[other.pk])
    )
    assert response.status_code == 404


def test_a_professional_sees_only_volunteers_in_their_scope(world: World) -> None:
    stranger = VolunteerFactory(organisation=world.org_a)
    response = client_for(world.professional).get(
        reverse("volunteers:volunteer_detail", args=[stranger.pk])
    )
    assert response.status_code == 404


def test_timeline_holds_everything_newest_first(world: World) -> None:
    volunteer = VolunteerFactory(organisation=world.org_a, supervisor=world.professional)
    _history(world, volunteer)
    response = client_for(world.coordinator).get(
        reverse("volunteers:volunteer_detail", args=[volunteer.pk])
    )
    assert response.status_code == 200
    timeline = response.context["timeline"]
    moments = [e.at for e in timeline]
    assert moments == sorted(moments, reverse=True)
    kinds = {e.kind for e in timeline}
    assert kinds == {
        "application",
        "stage",
        "intake",
        "certificate",
        "references",
        "training",
        "assessment",
        "farewell",
        "match",
    }
    titles = [e.title for e in timeline]
    # Newest first: the farewell on top (the exit conversation, known by its day only, after
    # that day's timed stage move to farewell), the first application at the bottom.
    assert [e.kind for e in timeline[:2]] == ["farewell", "stage"]
    assert timeline[1].detail == "Verhuisd"
    assert timeline[-1].kind == "application"
    # A repeated application is there, once, after the first; the creation step is not
    # repeated next to the first application.
    applications = [e for e in timeline if e.kind == "application"]
    assert len(applications) == 2
    assert applications[1].title != applications[0].title
    assert not any(e.kind == "stage" and not e.by for e in timeline)
    # Who and why of a stage change.
    paused = next(e for e in timeline if e.detail == "Verhuizing")
    assert paused.by == world.coordinator.full_name
    assert len([e for e in timeline if e.kind == "stage"]) == 7
    # Certificates: requested and issued, with the screening profile and the checker.
    certificate_events = [e for e in timeline if e.kind == "certificate"]
    assert len(certificate_events) == 2
    assert "08" in certificate_events[0].detail and "84, 85" in certificate_events[0].detail
    assert certificate_events[0].by == world.coordinator.full_name
    # Training: the enrolment (waiting list), the completed one and its completion.
    assert len([e for e in timeline if e.kind == "training"]) == 3
    content = response.content.decode()
    for text in ("Twee positieve referenties", "Geschikt als maatje", "Naar Groningen"):
        assert text in content
    assert f"TL-{volunteer.pk}-0" in " ".join(titles)
    # The intake's own impression stays in the intake itself, not on the timeline.
    assert "Rustig en betrokken" not in " ".join(e.detail for e in timeline)


def test_timeline_shows_matches_only_as_far_as_the_user_may_see_them(world: World) -> None:
    colleague = UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)
    other_client = ClientFactory(
        organisation=world.org_a, code="ANDER-1", responsible_professional=colleague
    )
    match = match_with(world.volunteer, other_client)
    Match.objects.filter(pk=match.pk).update(started_on=date(2025, 5, 1))
    Match.objects.filter(pk=world.match.pk).update(started_on=date(2025, 4, 1))
    mine = " ".join(e.title for e in volunteer_timeline(world.volunteer, user=world.professional))
    assert world.client.code in mine
    assert "ANDER-1" not in mine
    everything = " ".join(
        e.title for e in volunteer_timeline(world.volunteer, user=world.coordinator)
    )
    assert "ANDER-1" in everything


def test_a_volunteer_without_history_has_an_empty_timeline(world: World) -> None:
    volunteer = VolunteerFactory(organisation=world.org_a)
    response = client_for(world.coordinator).get(
        reverse("volunteers:volunteer_detail", args=[volunteer.pk])
    )
    assert response.status_code == 200
    assert response.context["timeline"] == []


@pytest.mark.parametrize("n", [1, 15])
def test_timeline_is_built_from_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Callable[..., Any], n: int
) -> None:
    volunteer = VolunteerFactory(organisation=world.org_a)
    _history(world, volunteer, n=n)
    volunteer.refresh_from_db()
    with django_assert_max_num_queries(9):
        events = volunteer_timeline(volunteer, user=world.coordinator)
    assert len([e for e in events if e.kind == "assessment"]) == n
