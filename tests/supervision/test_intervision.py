"""Intervision: groups, sessions with invitations for every member, the volunteer's answer,
attendance and minutes that must not identify a client."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from matching.models import Match
from reclass_volunteers.models import AuditEvent, Notification, Role
from supervision import prompts
from supervision.models import IntervisionGroup, IntervisionInvitation, IntervisionSession
from supervision.services.intervision import client_names_in
from tests.conftest import World, client_for
from tests.factories import ClientFactory, UserFactory, VolunteerFactory, match_with
from tests.supervision.factories_guidance import (
    IntervisionGroupFactory,
    IntervisionInvitationFactory,
    IntervisionSessionFactory,
)
from volunteers.models import Volunteer

Answer = IntervisionInvitation.Answer


def _in_a_week() -> str:
    return timezone.localtime(timezone.now() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")


def _group(world: World, *members: Volunteer, **extra: Any) -> IntervisionGroup:
    return IntervisionGroupFactory(
        organisation=world.org_a,
        facilitator=world.professional,
        members=list(members) or [world.volunteer],
        **extra,
    )


def _session(
    group: IntervisionGroup, *, days: float = 7, invite: bool = True
) -> IntervisionSession:
    session = IntervisionSessionFactory(
        group=group, starts_at=timezone.now() + timedelta(days=days)
    )
    if invite:
        for member in group.members.all():
            IntervisionInvitationFactory(session=session, volunteer=member)
    return session


# --- Groups ----------------------------------------------------------------------------------


def test_a_coordinator_adds_a_group(world: World) -> None:
    other = VolunteerFactory(organisation=world.org_a)
    response = client_for(world.coordinator).post(
        reverse("supervision:intervision_group_create"),
        {
            "name": "Maatjes Oost",
            "facilitator": world.professional.pk,
            "members": [world.volunteer.pk, other.pk],
            "organisation": world.org_b.pk,
        },
    )
    group = IntervisionGroup.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:intervision_group_detail", args=[group.pk])
    assert (group.organisation, group.facilitator) == (world.org_a, world.professional)
    assert set(group.members.all()) == {world.volunteer, other}
    assert AuditEvent.objects.filter(action="intervision.group.create").exists()


@pytest.mark.parametrize(
    "bad", ["foreign_member", "volunteer_facilitator", "foreign_facilitator", "empty_name"]
)
def test_bad_group_input_is_refused_and_nothing_is_saved(world: World, bad: str) -> None:
    data: dict[str, Any] = {
        "name": "Maatjes Oost",
        "facilitator": world.professional.pk,
        "members": [world.volunteer.pk],
    }
    field = {"foreign_member": "members", "empty_name": "name"}.get(bad, "facilitator")
    if bad == "foreign_member":
        data["members"] = [world.volunteer.pk, world.foreign_volunteer.pk]
    elif bad == "volunteer_facilitator":
        data["facilitator"] = world.volunteer_user.pk
    elif bad == "foreign_facilitator":
        data["facilitator"] = world.outsider.pk
    else:
        data["name"] = ""
    response = client_for(world.coordinator).post(
        reverse("supervision:intervision_group_create"), data
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not IntervisionGroup.objects.exists()


def test_a_duplicate_group_name_is_shown_on_the_name(world: World) -> None:
    _group(world, name="Maatjes Oost")
    response = client_for(world.coordinator).post(
        reverse("supervision:intervision_group_create"),
        {"name": "maatjes oost", "facilitator": world.coordinator.pk},
    )
    assert list(response.context["form"].errors) == ["name"]
    assert IntervisionGroup.objects.count() == 1


def test_changing_members_updates_the_upcoming_invitations(world: World) -> None:
    leaving = VolunteerFactory(organisation=world.org_a)
    group = _group(world, world.volunteer, leaving)
    upcoming = _session(group)
    past = _session(group, days=-7)
    joining_user = UserFactory(organisation=world.org_a, role=Role.VOLUNTEER)
    joining = VolunteerFactory(organisation=world.org_a, user=joining_user)
    response = client_for(world.coordinator).post(
        reverse("supervision:intervision_group_edit", args=[group.pk]),
        {
            "name": group.name,
            "facilitator": world.coordinator.pk,
            "members": [world.volunteer.pk, joining.pk],
        },
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.facilitator == world.coordinator
    assert set(upcoming.invitations.values_list("volunteer", flat=True)) == {
        world.volunteer.pk,
        joining.pk,
    }
    # The past keeps who was invited.
    assert set(past.invitations.values_list("volunteer", flat=True)) == {
        world.volunteer.pk,
        leaving.pk,
    }
    assert Notification.objects.filter(
        recipient=joining_user, kind="intervision.invitation", subject_id=str(upcoming.pk)
    ).exists()
    # Members already invited are not told again.
    assert not Notification.objects.filter(recipient=world.volunteer_user).exists()


@pytest.mark.parametrize("rows", [3, 30])
def test_the_group_list_runs_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any, rows: int
) -> None:
    for _n in range(rows):
        group = _group(world, world.volunteer, VolunteerFactory(organisation=world.org_a))
        _session(group, invite=False)
    http = client_for(world.professional)
    with django_assert_max_num_queries(10):
        response = http.get(reverse("supervision:intervision_group_list"))
    assert len(response.context["page"]) == min(rows, 25)
    first = response.context["page"][0]
    assert first.member_count == 2 and first.next_session is not None


def test_a_professional_who_does_not_lead_sees_only_names_they_may_see(world: World) -> None:
    stranger = VolunteerFactory(organisation=world.org_a, last_name="Onbekendvanmij")
    colleague = UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)
    group = IntervisionGroupFactory(
        organisation=world.org_a, facilitator=colleague, members=[world.volunteer, stranger]
    )
    session = _session(group)
    for url in (
        reverse("supervision:intervision_group_detail", args=[group.pk]),
        reverse("supervision:intervision_session_detail", args=[session.pk]),
    ):
        html = client_for(world.professional).get(url).content.decode()
        assert world.volunteer.last_name in html
        assert "Onbekendvanmij" not in html
        assert "Onbekendvanmij" in client_for(colleague).get(url).content.decode()
    # Not the facilitator: no planning, attendance or minutes.
    response = client_for(world.professional).get(
        reverse("supervision:intervision_session_create", args=[group.pk])
    )
    assert response.status_code == 403


# --- Sessions and invitations ----------------------------------------------------------------


def test_the_facilitator_plans_a_session_and_every_member_is_invited(world: World) -> None:
    without_account = VolunteerFactory(organisation=world.org_a)
    group = _group(world, world.volunteer, without_account)
    response = client_for(world.professional).post(
        reverse("supervision:intervision_session_create", args=[group.pk]),
        {"starts_at": _in_a_week(), "place": "Buurthuis", "topic": "Cadeautjes aannemen"},
    )
    session = IntervisionSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "supervision:intervision_session_detail", args=[session.pk]
    )
    assert set(session.invitations.values_list("volunteer", "answer")) == {
        (world.volunteer.pk, Answer.PENDING),
        (without_account.pk, Answer.PENDING),
    }
    notification = Notification.objects.get(kind="intervision.invitation")
    assert notification.recipient == world.volunteer_user
    assert (notification.subject_id, notification.occasion) == (str(session.pk), "invitation")
    assert notification.url == reverse("supervision:intervision_mine")


def test_the_session_form_offers_the_dilemma_prompts(world: World) -> None:
    group = _group(world)
    response = client_for(world.coordinator).get(
        reverse("supervision:intervision_session_create", args=[group.pk])
    )
    html = response.content.decode()
    assert 'list="intervision-prompts"' in html and '<datalist id="intervision-prompts">' in html
    suggestions = prompts.topic_suggestions()
    assert len(suggestions) == 6
    for dilemma in prompts.DILEMMAS:
        assert str(dilemma.title) in html
    assert response.context["suggestions"] == suggestions


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"starts_at": "2020-01-01T10:00", "place": "Buurthuis", "topic": "Grenzen"}, "starts_at"),
        ({"starts_at": "morgen", "place": "Buurthuis", "topic": "Grenzen"}, "starts_at"),
        ({"starts_at": _in_a_week(), "place": "", "topic": "Grenzen"}, "place"),
        ({"starts_at": _in_a_week(), "place": "Buurthuis", "topic": "x" * 301}, "topic"),
    ],
)
def test_bad_session_input_is_refused_and_nothing_is_saved(
    world: World, data: dict[str, str], field: str
) -> None:
    group = _group(world)
    response = client_for(world.professional).post(
        reverse("supervision:intervision_session_create", args=[group.pk]), data
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not IntervisionSession.objects.exists()
    assert not IntervisionInvitation.objects.exists()
    assert not Notification.objects.exists()


def test_the_volunteer_sees_only_their_groups_sessions(world: World) -> None:
    mine = _session(_group(world), days=3)
    mine.topic = "MIJN-ONDERWERP"
    mine.save()
    other = _session(_group(world, VolunteerFactory(organisation=world.org_a)), days=3)
    other.topic = "ANDER-ONDERWERP"
    other.save()
    response = client_for(world.volunteer_user).get(reverse("supervision:intervision_mine"))
    html = response.content.decode()
    assert "MIJN-ONDERWERP" in html and "ANDER-ONDERWERP" not in html
    invitation = mine.invitations.get()
    assert reverse("supervision:intervision_rsvp", args=[invitation.pk]) in html
    # The page offers the volunteer their supervision notes.
    assert reverse("supervision:note_list", args=[world.volunteer.pk]) in html


@pytest.mark.parametrize("rows", [3, 30])
def test_the_volunteers_page_runs_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any, rows: int
) -> None:
    group = _group(world, world.volunteer, VolunteerFactory(organisation=world.org_a))
    for n in range(rows):
        _session(group, days=n + 1)
        _session(group, days=-(n + 1))
    http = client_for(world.volunteer_user)
    with django_assert_max_num_queries(12):
        response = http.get(reverse("supervision:intervision_mine"))
    assert len(response.context["upcoming"]) == min(rows, 25)
    assert all(invitation is not None for _s, invitation in response.context["upcoming"])


def test_the_volunteer_answers_their_invitation(world: World) -> None:
    invitation = _session(_group(world)).invitations.get()
    http = client_for(world.volunteer_user)
    response = http.post(
        reverse("supervision:intervision_rsvp", args=[invitation.pk]), {"answer": "yes"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:intervision_mine")
    invitation.refresh_from_db()
    assert invitation.answer == Answer.YES
    http.post(reverse("supervision:intervision_rsvp", args=[invitation.pk]), {"answer": "no"})
    invitation.refresh_from_db()
    assert invitation.answer == Answer.NO
    assert AuditEvent.objects.filter(action="intervision.rsvp").count() == 2


def test_a_volunteer_cannot_answer_someone_elses_invitation(world: World) -> None:
    colleague = VolunteerFactory(organisation=world.org_a)
    session = _session(_group(world, world.volunteer, colleague))
    theirs = session.invitations.get(volunteer=colleague)
    response = client_for(world.volunteer_user).post(
        reverse("supervision:intervision_rsvp", args=[theirs.pk]), {"answer": "no"}
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.answer == Answer.PENDING


@pytest.mark.parametrize("answer", ["maybe", "pending", ""])
def test_a_bad_answer_changes_nothing(world: World, answer: str) -> None:
    invitation = _session(_group(world)).invitations.get()
    response = client_for(world.volunteer_user).post(
        reverse("supervision:intervision_rsvp", args=[invitation.pk]),
        {"answer": answer},
        follow=True,
    )
    invitation.refresh_from_db()
    assert invitation.answer == Answer.PENDING
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_no_answer_after_the_session_started(world: World) -> None:
    invitation = _session(_group(world), days=-0.01).invitations.get()
    response = client_for(world.volunteer_user).post(
        reverse("supervision:intervision_rsvp", args=[invitation.pk]),
        {"answer": "yes"},
        follow=True,
    )
    invitation.refresh_from_db()
    assert invitation.answer == Answer.PENDING
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_a_volunteer_who_left_the_group_can_no_longer_answer(world: World) -> None:
    group = _group(world)
    invitation = _session(group).invitations.get()
    group.members.clear()
    response = client_for(world.volunteer_user).post(
        reverse("supervision:intervision_rsvp", args=[invitation.pk]), {"answer": "yes"}
    )
    assert response.status_code == 404


# --- Attendance ------------------------------------------------------------------------------


def test_the_facilitator_records_attendance_after_the_session(world: World) -> None:
    absent = VolunteerFactory(organisation=world.org_a)
    session = _session(_group(world, world.volunteer, absent), days=-1)
    present = session.invitations.get(volunteer=world.volunteer)
    response = client_for(world.professional).post(
        reverse("supervision:intervision_attendance", args=[session.pk]),
        {"attended": [present.pk]},
    )
    assert response.status_code == 302
    assert dict(session.invitations.values_list("volunteer", "attended")) == {
        world.volunteer.pk: True,
        absent.pk: False,
    }


def test_attendance_before_the_session_is_refused(world: World) -> None:
    session = _session(_group(world))
    invitation = session.invitations.get()
    response = client_for(world.coordinator).post(
        reverse("supervision:intervision_attendance", args=[session.pk]),
        {"attended": [invitation.pk]},
    )
    assert response.status_code == 200
    invitation.refresh_from_db()
    assert invitation.attended is None


def test_attendance_with_an_invitation_of_another_session_is_refused(world: World) -> None:
    group = _group(world)
    session = _session(group, days=-1)
    elsewhere = _session(group, days=-2).invitations.get()
    response = client_for(world.coordinator).post(
        reverse("supervision:intervision_attendance", args=[session.pk]),
        {"attended": [elsewhere.pk]},
    )
    assert response.status_code == 200
    assert "attended" in response.context["attendance_form"].errors
    assert not IntervisionInvitation.objects.filter(attended__isnull=False).exists()


@pytest.mark.parametrize("rows", [3, 30])
def test_the_session_page_runs_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any, rows: int
) -> None:
    members = [VolunteerFactory(organisation=world.org_a) for _n in range(rows)]
    session = _session(_group(world, *members), days=-1)
    for user in (world.professional, world.admin):
        http = client_for(user)
        with django_assert_max_num_queries(12):
            response = http.get(
                reverse("supervision:intervision_session_detail", args=[session.pk])
            )
        assert response.context["counts"]["pending"] == rows


# --- Minutes ---------------------------------------------------------------------------------


def _named_client(world: World) -> None:
    world.client.first_name = "Jan-Willem"
    world.client.last_name = "de Vries"
    world.client.save()


def test_client_names_are_found_as_whole_words_in_live_matches_only(world: World) -> None:
    _named_client(world)
    ended = ClientFactory(organisation=world.org_a, first_name="Gerrit", last_name="Klaassen")
    match_with(VolunteerFactory(organisation=world.org_a), ended, status=Match.Status.ENDED)
    world.foreign_client.first_name = "Fatima"
    world.foreign_client.save()
    proposed = ClientFactory(organisation=world.org_a, first_name="Sanne", last_name="Bakker")
    match_with(VolunteerFactory(organisation=world.org_a), proposed, status=Match.Status.PROPOSED)

    def found(text: str) -> list[str]:
        return client_names_in(text=text, organisation=world.org_a)

    assert found("Het ging over jan-willem en zijn moeder.") == ["jan-willem"]
    assert found("Meneer DE   VRIES belde.") == ["DE VRIES"]
    assert found("Gesprek met SANNE.") == ["SANNE"]
    # Part of a longer word, an ended match, another organisation: no warning.
    assert found("De vriesvakken en de bakkerij.") == []
    assert found("Gerrit Klaassen was er niet.") == []
    assert found("Fatima kwam ook.") == []
    assert found("") == []


def test_minutes_with_a_client_name_need_a_confirmation(world: World) -> None:
    _named_client(world)
    session = _session(_group(world), days=-1)
    url = reverse("supervision:intervision_minutes", args=[session.pk])
    http = client_for(world.professional)
    response = http.post(url, {"minutes": "We spraken over de vries en zijn schulden."})
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["client_names"] == ["de vries"]
    assert "alert-warning" in html
    assert 'name="confirm_no_client"' in html
    assert "minutes" in response.context["minutes_form"].errors
    session.refresh_from_db()
    assert session.minutes == ""

    response = http.post(
        url, {"minutes": "We spraken over de vries en zijn schulden.", "confirm_no_client": "on"}
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.minutes == "We spraken over de vries en zijn schulden."
    assert session.minutes_by == world.professional
    assert AuditEvent.objects.filter(
        action="intervision.minutes", object_id=str(session.pk)
    ).exists()


def test_minutes_without_a_client_name_are_saved_at_once(world: World) -> None:
    _named_client(world)
    session = _session(_group(world), days=-1)
    response = client_for(world.coordinator).post(
        reverse("supervision:intervision_minutes", args=[session.pk]),
        {"minutes": "Grenzen stellen bij cadeautjes; iedereen herkende het."},
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.minutes.startswith("Grenzen stellen")
    # No confirmation box is offered when nothing needs checking.
    page = client_for(world.coordinator).get(
        reverse("supervision:intervision_session_detail", args=[session.pk])
    )
    assert 'name="confirm_no_client"' not in page.content.decode()


def test_minutes_before_the_session_are_refused(world: World) -> None:
    session = _session(_group(world))
    response = client_for(world.coordinator).post(
        reverse("supervision:intervision_minutes", args=[session.pk]),
        {"minutes": "Vooraf geschreven."},
    )
    assert response.status_code == 200
    session.refresh_from_db()
    assert session.minutes == ""


def test_empty_minutes_are_refused(world: World) -> None:
    session = _session(_group(world), days=-1)
    session.minutes = "Eerder verslag."
    session.save()
    response = client_for(world.coordinator).post(
        reverse("supervision:intervision_minutes", args=[session.pk]), {"minutes": "   "}
    )
    assert "minutes" in response.context["minutes_form"].errors
    session.refresh_from_db()
    assert session.minutes == "Eerder verslag."


def test_the_volunteer_reads_the_minutes_of_their_groups_past_sessions(world: World) -> None:
    session = _session(_group(world), days=-2)
    session.minutes = "Grenzen stellen, herkenbaar voor iedereen."
    session.save()
    html = (
        client_for(world.volunteer_user)
        .get(reverse("supervision:intervision_mine"))
        .content.decode()
    )
    assert "Grenzen stellen, herkenbaar voor iedereen." in html
