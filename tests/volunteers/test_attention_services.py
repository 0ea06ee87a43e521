"""Handling a personal attention item: send the (edited) message to the volunteer, note that
it was done in person, or skip it; once, by a coordinator or admin of the organisation; the
National Volunteer Day to everyone at once, those without an account left open."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from reclass_volunteers.models import AuditEvent, Notification, Role
from tests.concurrency import race
from tests.conftest import World
from tests.factories import OrganisationFactory, UserFactory, VolunteerFactory
from tests.volunteers.matrix_attention import attention_item
from volunteers.models import AttentionItem, Volunteer
from volunteers.services import attention as service

Status = AttentionItem.Status


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages in English, so the assertions hold once the Dutch catalogue is filled in."""
    with translation.override("en"):
        yield


def _messages() -> list[Notification]:
    return list(Notification.objects.filter(kind=service.KIND).order_by("pk"))


def test_send_delivers_the_edited_message_and_closes_the_item(world: World) -> None:
    item = attention_item(world.volunteer)
    service.attention_send(
        by=world.coordinator, item=item, message="  Lieve Vera, van harte!  ", seen_status="open"
    )
    item.refresh_from_db()
    assert item.status == Status.SENT
    assert item.message == "Lieve Vera, van harte!"
    assert item.handled_by == world.coordinator
    assert item.handled_at is not None
    [notification] = _messages()
    assert notification.recipient == world.volunteer_user
    assert notification.body == "Lieve Vera, van harte!"
    assert notification.subject_id == str(item.pk)
    assert "Cora Coördinator" in notification.title
    assert notification.email_status in (
        Notification.EmailStatus.PENDING,
        Notification.EmailStatus.SENT,
    )
    assert AuditEvent.objects.filter(
        action="attention.sent", object_id=str(item.pk), actor=world.coordinator
    ).exists()


def test_a_volunteer_who_opted_out_sees_it_in_the_app_only(world: World) -> None:
    world.volunteer_user.reminders_opt_out = True
    world.volunteer_user.save()
    service.attention_send(
        by=world.coordinator, item=attention_item(world.volunteer), message="Hoi"
    )
    [notification] = _messages()
    assert notification.show_in_app
    assert notification.email_status == Notification.EmailStatus.NONE


def test_an_admin_may_send_too(world: World) -> None:
    item = service.attention_send(by=world.admin, item=attention_item(world.volunteer), message="x")
    assert item.status == Status.SENT and item.handled_by == world.admin


@pytest.mark.parametrize("message", ["", "   \n "])
def test_an_empty_message_is_refused(world: World, message: str) -> None:
    item = attention_item(world.volunteer)
    with pytest.raises(ValidationError) as error:
        service.attention_send(by=world.coordinator, item=item, message=message)
    assert "message" in error.value.message_dict
    item.refresh_from_db()
    assert item.status == Status.OPEN
    assert _messages() == []


def test_a_handled_item_is_refused_with_who_handled_it(world: World) -> None:
    item = attention_item(world.volunteer)
    colleague = UserFactory(organisation=world.org_a, role=Role.COORDINATOR, full_name="Kees K")
    service.attention_done(by=colleague, item=item, note="Bloemen gebracht")
    for action in (
        lambda: service.attention_send(by=world.coordinator, item=item, message="Hoi"),
        lambda: service.attention_done(by=world.coordinator, item=item),
        lambda: service.attention_skip(by=world.coordinator, item=item),
    ):
        with pytest.raises(ValidationError) as error:
            action()
        assert "already handled by Kees K" in " ".join(error.value.messages)
    item.refresh_from_db()
    assert (item.status, item.message, item.handled_by) == (
        Status.DONE,
        "Bloemen gebracht",
        colleague,
    )
    assert _messages() == []


def test_the_status_the_coordinator_saw_must_still_be_current(world: World) -> None:
    item = attention_item(world.volunteer)
    with pytest.raises(ValidationError):
        service.attention_send(by=world.coordinator, item=item, message="Hoi", seen_status="sent")
    assert AttentionItem.objects.get(pk=item.pk).status == Status.OPEN


@pytest.mark.parametrize("account", ["none", "blocked"])
def test_a_volunteer_without_an_active_account_is_refused_clearly(
    world: World, account: str
) -> None:
    user = None
    if account == "blocked":
        user = UserFactory(organisation=world.org_a, role=Role.VOLUNTEER, is_active=False)
    volunteer = VolunteerFactory(
        organisation=world.org_a, first_name="Bert", last_name="Bos", user=user
    )
    item = attention_item(volunteer)
    with pytest.raises(ValidationError) as error:
        service.attention_send(by=world.coordinator, item=item, message="Hoi Bert")
    text = " ".join(error.value.messages)
    assert "Bert Bos has no active account" in text and "Done in person" in text
    assert AttentionItem.objects.get(pk=item.pk).status == Status.OPEN
    assert _messages() == []


def test_done_in_person_keeps_the_note_and_sends_nothing(world: World) -> None:
    item = service.attention_done(
        by=world.coordinator, item=attention_item(world.volunteer), note=" Kaart gestuurd "
    )
    assert (item.status, item.message) == (Status.DONE, "Kaart gestuurd")
    assert item.handled_at is not None
    assert _messages() == []
    assert AuditEvent.objects.filter(action="attention.done").count() == 1


def test_skip(world: World) -> None:
    item = service.attention_skip(by=world.coordinator, item=attention_item(world.volunteer))
    assert (item.status, item.message, item.handled_by) == (Status.SKIPPED, "", world.coordinator)
    assert AuditEvent.objects.filter(action="attention.skipped").count() == 1


@pytest.mark.parametrize("who", ["professional", "volunteer", "outsider"])
def test_only_coordinators_and_admins_of_the_organisation(world: World, who: str) -> None:
    item = attention_item(world.volunteer)
    with pytest.raises(PermissionDenied):
        service.attention_send(by=world.user(who), item=item, message="Hoi")
    with pytest.raises(PermissionDenied):
        service.attention_skip(by=world.user(who), item=item)
    assert AttentionItem.objects.get(pk=item.pk).status == Status.OPEN


def _day_items(world: World) -> list[AttentionItem]:
    Volunteer.objects.filter(pk=world.volunteer.pk).update(first_name="Vera")
    world.volunteer.refresh_from_db()
    second_user = UserFactory(organisation=world.org_a, role=Role.VOLUNTEER)
    with_account = VolunteerFactory(organisation=world.org_a, first_name="Anna", user=second_user)
    without = VolunteerFactory(organisation=world.org_a, first_name="Bert", last_name="Bos")
    kind = AttentionItem.Kind.VOLUNTEER_DAY
    return [attention_item(v, kind=kind) for v in (world.volunteer, with_account, without)]


def test_send_many_personalises_and_leaves_those_without_account_open(world: World) -> None:
    items = _day_items(world)
    outcome = service.attention_send_many(
        by=world.coordinator,
        items=AttentionItem.objects.filter(pk__in=[i.pk for i in items]),
        message="Beste {first_name}, dank je wel!",
    )
    assert [i.volunteer.first_name for i in outcome.sent] == ["Anna", "Vera"]
    assert [i.volunteer.full_name for i in outcome.without_account] == ["Bert Bos"]
    assert sorted(n.body for n in _messages()) == [
        "Beste Anna, dank je wel!",
        "Beste Vera, dank je wel!",
    ]
    statuses = dict(AttentionItem.objects.values_list("volunteer__first_name", "status"))
    assert statuses == {"Vera": Status.SENT, "Anna": Status.SENT, "Bert": Status.OPEN}
    assert AttentionItem.objects.get(volunteer__first_name="Vera").message == (
        "Beste Vera, dank je wel!"
    )
    # Again: nothing more is sent; the one without an account is still reported.
    again = service.attention_send_many(
        by=world.coordinator, items=AttentionItem.objects.all(), message="Nog eens"
    )
    assert (again.sent, [i.volunteer.first_name for i in again.without_account]) == ([], ["Bert"])
    assert len(_messages()) == 2


def test_send_many_refuses_when_all_were_handled_or_empty(world: World) -> None:
    items = _day_items(world)
    with pytest.raises(ValidationError):
        service.attention_send_many(by=world.coordinator, items=items, message=" ")
    for item in items:
        service.attention_skip(by=world.coordinator, item=item)
    with pytest.raises(ValidationError) as error:
        service.attention_send_many(by=world.coordinator, items=items, message="Dank!")
    assert "already handled" in " ".join(error.value.messages)


def test_send_many_refuses_another_organisations_items(world: World) -> None:
    foreign = attention_item(world.foreign_volunteer, kind=AttentionItem.Kind.VOLUNTEER_DAY)
    with pytest.raises(PermissionDenied):
        service.attention_send_many(by=world.coordinator, items=[foreign], message="Dank!")
    assert AttentionItem.objects.get(pk=foreign.pk).status == Status.OPEN


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_sending_at_once_send_once() -> None:
    organisation = OrganisationFactory()
    coordinators = UserFactory.create_batch(2, organisation=organisation, role=Role.COORDINATOR)
    user = UserFactory(organisation=organisation, role=Role.VOLUNTEER)
    item = attention_item(VolunteerFactory(organisation=organisation, user=user))

    results, errors = race(
        coordinators,
        lambda by: service.attention_send(by=by, item=item, message=f"Van {by.full_name}"),
    )

    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], ValidationError)
    assert "already handled" in " ".join(errors[0].messages)
    assert Notification.objects.filter(kind=service.KIND).count() == 1
    assert AttentionItem.objects.get(pk=item.pk).status == Status.SENT
