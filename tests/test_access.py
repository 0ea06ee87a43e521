"""The scoping functions of access.py, called directly: every role against own-organisation and
foreign-organisation objects (ARCHITECTURE.md, "Roles and access")."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from clients.models import Client
from matching.models import Match, MatchVolunteer
from reclass_volunteers import access, audit, outbox
from reclass_volunteers.models import AuditEvent, Organisation, Role, User
from tests.conftest import World
from tests.factories import (
    ClientFactory,
    OrganisationFactory,
    UserFactory,
    VolunteerFactory,
    match_with,
)
from volunteers.models import Volunteer

SCOPES = (
    access.volunteers_visible_to,
    access.clients_visible_to,
    access.matches_visible_to,
    access.users_visible_to,
    access.audit_events_visible_to,
)


def pks(qs: Any) -> set[int]:
    return set(qs.values_list("pk", flat=True))


@pytest.fixture
def audit_events(world: World) -> tuple[AuditEvent, AuditEvent]:
    own = audit.record(action="client.read", user=world.coordinator, obj=world.client)
    foreign = audit.record(action="client.read", user=world.outsider, obj=world.foreign_client)
    return own, foreign


# --- Coordinator and admin: everything of their own organisation ----------------------------


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_coordinator_and_admin_see_all_of_own_organisation_and_nothing_foreign(
    world: World, role: str
) -> None:
    user = world.user(role)
    other_professional = UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)
    unmatched = VolunteerFactory(organisation=world.org_a)
    other_client = ClientFactory(
        organisation=world.org_a, responsible_professional=other_professional
    )
    ended = match_with(unmatched, other_client, status=Match.Status.ENDED)

    assert pks(access.volunteers_visible_to(user)) == {world.volunteer.pk, unmatched.pk}
    assert pks(access.clients_visible_to(user)) == {world.client.pk, other_client.pk}
    assert pks(access.matches_visible_to(user)) == {world.match.pk, ended.pk}
    assert pks(access.volunteers_visible_to(user)) == pks(
        Volunteer.objects.filter(organisation=world.org_a)
    )
    assert pks(access.clients_visible_to(user)) == pks(
        Client.objects.filter(organisation=world.org_a)
    )


def test_outsider_sees_only_organisation_b(world: World) -> None:
    user = world.outsider
    assert pks(access.volunteers_visible_to(user)) == {world.foreign_volunteer.pk}
    assert pks(access.clients_visible_to(user)) == {world.foreign_client.pk}
    assert pks(access.matches_visible_to(user)) == {world.foreign_match.pk}
    assert world.volunteer.pk not in pks(access.volunteers_visible_to(user))
    assert world.client.pk not in pks(access.clients_visible_to(user))


def test_admin_manages_the_accounts_of_own_organisation_only(world: World) -> None:
    visible = pks(access.users_visible_to(world.admin))
    assert visible == pks(User.objects.filter(organisation=world.org_a))
    assert {
        world.coordinator.pk,
        world.professional.pk,
        world.volunteer_user.pk,
        world.admin.pk,
    } <= visible
    assert world.outsider.pk not in visible
    assert not visible & pks(User.objects.filter(organisation=world.org_b))


@pytest.mark.parametrize("role", ["coordinator", "professional", "volunteer", "outsider"])
def test_everyone_but_the_admin_sees_only_their_own_account(world: World, role: str) -> None:
    user = world.user(role)
    assert pks(access.users_visible_to(user)) == {user.pk}


def test_only_the_admin_reads_the_audit_log_of_own_organisation(
    world: World, audit_events: tuple[AuditEvent, AuditEvent]
) -> None:
    own, foreign = audit_events
    visible = pks(access.audit_events_visible_to(world.admin))
    assert own.pk in visible
    assert foreign.pk not in visible
    assert visible == pks(AuditEvent.objects.filter(organisation=world.org_a))
    for role in ("coordinator", "professional", "volunteer", "outsider"):
        assert not access.audit_events_visible_to(world.user(role)).exists(), role


@pytest.mark.parametrize("role", ["coordinator", "professional", "volunteer", "admin", "outsider"])
def test_notifications_are_the_recipients_own_in_app_messages(world: World, role: str) -> None:
    user = world.user(role)
    mine, _ = outbox.notify(kind="test.a", recipient=user, title="Mine")
    email_only, _ = outbox.notify(
        kind="test.b", recipient=user, title="E-mail only", show_in_app=False
    )
    someone_else = world.outsider if role != "outsider" else world.coordinator
    theirs, _ = outbox.notify(kind="test.a", recipient=someone_else, title="Theirs")

    assert pks(access.notifications_visible_to(user)) == {mine.pk}
    assert email_only.pk not in pks(access.notifications_visible_to(user))
    assert theirs.pk not in pks(access.notifications_visible_to(user))


# --- Professional ---------------------------------------------------------------------------


def test_professional_sees_own_clients_but_not_a_colleagues(world: World) -> None:
    colleague = UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)
    colleagues_client = ClientFactory(organisation=world.org_a, responsible_professional=colleague)

    visible = pks(access.clients_visible_to(world.professional))
    assert visible == {world.client.pk}
    assert colleagues_client.pk not in visible
    assert world.foreign_client.pk not in visible
    # ... and the colleague the other way round.
    assert pks(access.clients_visible_to(colleague)) == {colleagues_client.pk}


def test_professional_sees_matches_of_own_clients_only(world: World) -> None:
    colleague = UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)
    colleagues_client = ClientFactory(organisation=world.org_a, responsible_professional=colleague)
    colleagues_match = match_with(VolunteerFactory(organisation=world.org_a), colleagues_client)

    visible = pks(access.matches_visible_to(world.professional))
    assert visible == {world.match.pk}
    assert colleagues_match.pk not in visible
    assert world.foreign_match.pk not in visible


def test_professional_sees_supervised_and_matched_volunteers_but_no_others(world: World) -> None:
    supervised = VolunteerFactory(organisation=world.org_a, supervisor=world.professional)
    matched_only = VolunteerFactory(organisation=world.org_a, supervisor=None)
    match_with(
        matched_only,
        ClientFactory(organisation=world.org_a, responsible_professional=world.professional),
    )
    unrelated = VolunteerFactory(organisation=world.org_a, supervisor=None)
    colleague = UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)
    colleagues_volunteer = VolunteerFactory(organisation=world.org_a, supervisor=colleague)
    match_with(
        colleagues_volunteer,
        ClientFactory(organisation=world.org_a, responsible_professional=colleague),
    )

    visible = pks(access.volunteers_visible_to(world.professional))
    assert visible == {world.volunteer.pk, supervised.pk, matched_only.pk}
    assert unrelated.pk not in visible
    assert colleagues_volunteer.pk not in visible
    assert world.foreign_volunteer.pk not in visible


@pytest.mark.parametrize("status", [Match.Status.PROPOSED, Match.Status.INTRODUCTION])
def test_professional_sees_volunteers_of_every_live_match(world: World, status: str) -> None:
    matched_only = VolunteerFactory(organisation=world.org_a, supervisor=None)
    match_with(matched_only, world.client, status=status)
    assert matched_only.pk in pks(access.volunteers_visible_to(world.professional))


def test_matched_only_volunteer_disappears_when_the_match_ends(world: World) -> None:
    matched_only = VolunteerFactory(organisation=world.org_a, supervisor=None)
    client = ClientFactory(organisation=world.org_a, responsible_professional=world.professional)
    match = match_with(matched_only, client)
    assert matched_only.pk in pks(access.volunteers_visible_to(world.professional))

    Match.objects.filter(pk=match.pk).update(
        status=Match.Status.ENDED, ended_on=date.today(), end_reason="other"
    )

    assert matched_only.pk not in pks(access.volunteers_visible_to(world.professional))
    # The supervised volunteer stays, the client and the (ended) match too.
    assert world.volunteer.pk in pks(access.volunteers_visible_to(world.professional))
    assert client.pk in pks(access.clients_visible_to(world.professional))
    assert match.pk in pks(access.matches_visible_to(world.professional))


def test_professional_of_another_organisation_sees_nothing_of_ours(world: World) -> None:
    foreign_professional = world.foreign_client.responsible_professional
    assert pks(access.clients_visible_to(foreign_professional)) == {world.foreign_client.pk}
    assert (
        not access.volunteers_visible_to(foreign_professional)
        .filter(organisation=world.org_a)
        .exists()
    )
    assert (
        not access.matches_visible_to(foreign_professional)
        .filter(organisation=world.org_a)
        .exists()
    )


# --- Volunteer ------------------------------------------------------------------------------


def test_volunteer_sees_only_themselves(world: World) -> None:
    colleague = VolunteerFactory(organisation=world.org_a)
    # Even a fellow volunteer in the same circle stays invisible.
    MatchVolunteer.objects.create(match=world.match, volunteer=colleague)

    assert pks(access.volunteers_visible_to(world.volunteer_user)) == {world.volunteer.pk}
    assert pks(access.users_visible_to(world.volunteer_user)) == {world.volunteer_user.pk}


def test_volunteer_sees_clients_and_matches_of_active_matches_only(world: World) -> None:
    proposed_client = ClientFactory(organisation=world.org_a)
    introduction_client = ClientFactory(organisation=world.org_a)
    ended_client = ClientFactory(organisation=world.org_a)
    unrelated_client = ClientFactory(organisation=world.org_a)
    proposed = match_with(world.volunteer, proposed_client, status=Match.Status.PROPOSED)
    introduction = match_with(
        world.volunteer, introduction_client, status=Match.Status.INTRODUCTION
    )
    ended = match_with(world.volunteer, ended_client, status=Match.Status.ENDED)

    assert pks(access.clients_visible_to(world.volunteer_user)) == {world.client.pk}
    assert pks(access.matches_visible_to(world.volunteer_user)) == {world.match.pk}
    for hidden in (proposed_client, introduction_client, ended_client, unrelated_client):
        assert hidden.pk not in pks(access.clients_visible_to(world.volunteer_user))
    for hidden_match in (proposed, introduction, ended):
        assert hidden_match.pk not in pks(access.matches_visible_to(world.volunteer_user))


def test_volunteer_loses_the_client_when_the_match_ends(world: World) -> None:
    assert pks(access.clients_visible_to(world.volunteer_user)) == {world.client.pk}
    Match.objects.filter(pk=world.match.pk).update(
        status=Match.Status.ENDED, ended_on=date.today(), end_reason="other"
    )
    assert not access.clients_visible_to(world.volunteer_user).exists()
    assert not access.matches_visible_to(world.volunteer_user).exists()
    assert pks(access.volunteers_visible_to(world.volunteer_user)) == {world.volunteer.pk}


def test_volunteer_without_a_volunteer_record_sees_no_volunteers_or_clients(
    world: World,
) -> None:
    bare = UserFactory(organisation=world.org_a, role=Role.VOLUNTEER)
    assert not access.volunteers_visible_to(bare).exists()
    assert not access.clients_visible_to(bare).exists()
    assert not access.matches_visible_to(bare).exists()


# --- Nobody else ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "professional", "volunteer", "admin", "outsider"])
def test_inactive_users_see_nothing(
    world: World, audit_events: tuple[AuditEvent, AuditEvent], role: str
) -> None:
    user = world.user(role)
    outbox.notify(kind="test.a", recipient=user, title="Mine")
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.refresh_from_db()

    for scope in (*SCOPES, access.notifications_visible_to):
        assert not scope(user).exists(), scope.__name__
    assert not access.professionals_of(user).exists()


def test_superuser_without_organisation_sees_no_organisation_data(
    world: World, audit_events: tuple[AuditEvent, AuditEvent]
) -> None:
    root = User.objects.create_superuser(email="root@example.org", password="x", full_name="Root")
    assert root.organisation_id is None

    for scope in SCOPES:
        assert not scope(root).exists(), scope.__name__
    assert not access.professionals_of(root).exists()
    # Only their own notifications, never anyone else's.
    outbox.notify(kind="test.a", recipient=world.coordinator, title="Theirs")
    assert not access.notifications_visible_to(root).exists()


def test_anonymous_sees_nothing(world: World, audit_events: tuple[AuditEvent, AuditEvent]) -> None:
    anonymous: Any = AnonymousUser()
    outbox.notify(kind="test.a", recipient=world.coordinator, title="Theirs")
    for scope in (*SCOPES, access.notifications_visible_to):
        assert not scope(anonymous).exists(), scope.__name__


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.PROFESSIONAL, Role.VOLUNTEER, Role.ADMIN])
def test_partner_organisation_sees_nothing_of_the_probation_organisation(
    world: World, audit_events: tuple[AuditEvent, AuditEvent], role: str
) -> None:
    partner = OrganisationFactory(name="Humanitas", kind=Organisation.Kind.PARTNER)
    user = UserFactory(organisation=partner, role=role)
    # A name-alike in the partner organisation must not open doors either.
    VolunteerFactory(organisation=partner, email=world.volunteer.email)

    assert not access.volunteers_visible_to(user).filter(organisation=world.org_a).exists()
    assert not access.clients_visible_to(user).exists()
    assert not access.matches_visible_to(user).exists()
    assert not access.users_visible_to(user).filter(organisation=world.org_a).exists()
    assert not access.audit_events_visible_to(user).exists()
    assert not access.professionals_of(user).filter(organisation=world.org_a).exists()
    assert not access.notifications_visible_to(user).exists()


def test_professionals_of_lists_active_colleagues_of_own_organisation(world: World) -> None:
    inactive = UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL, is_active=False)
    foreign = world.foreign_client.responsible_professional
    visible = pks(access.professionals_of(world.coordinator))
    assert visible == {world.professional.pk}
    assert inactive.pk not in visible
    assert foreign.pk not in visible


def test_a_volunteer_may_evaluate_own_active_and_ended_matches_only(world: World) -> None:
    ended = match_with(
        world.volunteer, ClientFactory(organisation=world.org_a), status=Match.Status.ENDED
    )
    proposed = match_with(
        world.volunteer, ClientFactory(organisation=world.org_a), status=Match.Status.PROPOSED
    )
    others = match_with(VolunteerFactory(organisation=world.org_a), world.client)

    mine = pks(access.matches_to_evaluate_by(world.volunteer_user))
    assert mine == {world.match.pk, ended.pk}
    assert proposed.pk not in mine and others.pk not in mine
    # The ended match is for the evaluation page only: the other pages no longer show it.
    assert ended.pk not in pks(access.matches_visible_to(world.volunteer_user))
    assert pks(access.matches_to_evaluate_by(world.outsider)) == {world.foreign_match.pk}
    assert not access.matches_to_evaluate_by(AnonymousUser()).exists()
