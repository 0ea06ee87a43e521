"""A message to a filtered group of volunteers: compose, confirm with the number of
recipients, send once through the outbox (a double click sends nothing twice), audited."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from reclass_volunteers.models import AuditEvent, Notification, Role
from tests.conftest import World, client_for
from tests.factories import UserFactory, VolunteerFactory
from tests.volunteers.factories_profiles import certificate
from volunteers.models import Volunteer
from volunteers.services.messages import KIND

S = Volunteer.Status
COMPOSE = "volunteers:group_message"
SEND = "volunteers:group_message_send"
MESSAGE = {"title": "Uw VOG verloopt", "body": "Vraag op tijd een nieuwe aan.\nGroet, Cora"}


def _token(response: Any) -> str:
    found = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert found, "no token in the form"
    return found.group(1)


def _expiring(world: World, name: str, **fields: Any) -> Volunteer:
    """A volunteer in A whose certificate runs out in about a month."""
    volunteer = VolunteerFactory(organisation=world.org_a, last_name=name, **fields)
    issued = timezone.localdate() - timedelta(days=3 * 365 - 30)
    certificate(volunteer, issued)
    return volunteer


def _group_messages() -> Any:
    return Notification.objects.filter(kind=KIND)


def test_compose_shows_the_group_size_and_a_fresh_token(world: World) -> None:
    for i in range(3):
        _expiring(world, f"Verloopt{i}")
    http = client_for(world.coordinator)
    response = http.get(reverse(COMPOSE), {"certificate_expiring": "on"})
    assert response.status_code == 200
    assert response.context["count"] == 3
    first = _token(response)
    assert len(first) >= 16
    assert _token(http.get(reverse(COMPOSE), {"certificate_expiring": "on"})) != first
    content = response.content.decode()
    # The form posts on with the filters in its address.
    assert f'action="{reverse(COMPOSE)}?certificate_expiring=on"' in content
    assert response.context["summary"]
    # All volunteers (no filters): world.volunteer and the three.
    assert http.get(reverse(COMPOSE)).context["count"] == 4


def test_confirmation_shows_how_many_will_receive_it_and_sends_nothing(world: World) -> None:
    _expiring(world, "Een")
    _expiring(world, "Twee")
    _expiring(world, "Vertrokken", status=S.FAREWELL)
    _expiring(world, "Afgewezen", status=S.REJECTED, rejection_reason="Past niet")
    http = client_for(world.coordinator)
    url = f"{reverse(COMPOSE)}?certificate_expiring=on"
    token = _token(http.get(url))
    response = http.post(url, {**MESSAGE, "token": token})
    assert response.status_code == 200
    assert "volunteers/group_confirm.html" in [t.name for t in response.templates]
    # Those who left or were rejected are not in the group.
    assert response.context["count"] == 2
    content = response.content.decode()
    assert "Uw VOG verloopt" in content
    assert f'action="{reverse(SEND)}?certificate_expiring=on"' in content
    assert f'value="{token}"' in content
    assert not _group_messages().exists()


def test_compose_with_bad_input_shows_the_error_and_sends_nothing(world: World) -> None:
    http = client_for(world.coordinator)
    response = http.post(reverse(COMPOSE), {"title": "", "body": "x", "token": "a" * 22})
    assert response.status_code == 200
    assert "title" in response.context["form"].errors
    assert "volunteers/group_message.html" in [t.name for t in response.templates]
    response = http.post(reverse(SEND), {"title": "Hoi", "body": "x", "token": "kort"})
    assert response.status_code == 200
    assert "token" in response.context["form"].errors
    assert not _group_messages().exists()
    assert not AuditEvent.objects.filter(action="volunteer.group_message").exists()


def test_back_from_the_confirmation_keeps_the_text(world: World) -> None:
    http = client_for(world.coordinator)
    token = "t" * 22
    response = http.post(reverse(COMPOSE), {**MESSAGE, "token": token, "edit": "1"})
    assert response.status_code == 200
    form = response.context["form"]
    assert not form.is_bound
    assert form.initial["title"] == MESSAGE["title"]
    assert form.initial["token"] == token


def test_send_reaches_accounts_and_addresses_of_the_filtered_group_only(world: World) -> None:
    with_account = _expiring(
        world,
        "Account",
        user=UserFactory(organisation=world.org_a, role=Role.VOLUNTEER),
    )
    by_email = _expiring(world, "Mail", email="mail.only@example.org")
    _expiring(world, "Weg", status=S.FAREWELL)
    not_expiring = VolunteerFactory(organisation=world.org_a, last_name="Nietverlopend")
    certificate(world.foreign_volunteer, timezone.localdate() - timedelta(days=3 * 365 - 30))

    http = client_for(world.coordinator)
    query = "certificate_expiring=on&sort=-name"
    response = http.post(f"{reverse(SEND)}?{query}", {**MESSAGE, "token": "x" * 22})
    assert response.status_code == 302
    assert response.url == f"{reverse('volunteers:volunteer_list')}?{query}"

    sent = _group_messages()
    assert sent.count() == 2
    to_account = sent.get(recipient=with_account.user)
    assert to_account.title == MESSAGE["title"]
    assert to_account.body == MESSAGE["body"]
    assert to_account.show_in_app
    to_address = sent.get(recipient=None)
    assert to_address.email == "mail.only@example.org"
    assert to_address.subject_id == str(by_email.pk)
    assert not sent.filter(subject_id=str(not_expiring.pk)).exists()
    assert not sent.filter(subject_id=str(world.foreign_volunteer.pk)).exists()

    event = AuditEvent.objects.get(action="volunteer.group_message")
    assert event.actor == world.coordinator
    assert event.object_id == to_account.occasion
    page = http.get(response.url)
    assert "2" in next(m.message for m in page.context["messages"])


def test_the_same_message_submitted_twice_is_sent_once(world: World) -> None:
    _expiring(world, "Een")
    _expiring(world, "Twee")
    http = client_for(world.coordinator)
    url = f"{reverse(SEND)}?certificate_expiring=on"
    data = {**MESSAGE, "token": "double-click-0123456789"}
    first = http.post(url, data)
    second = http.post(url, data)
    assert first.status_code == second.status_code == 302
    assert _group_messages().count() == 2
    assert AuditEvent.objects.filter(action="volunteer.group_message").count() == 1
    notice = [m.message for m in http.get(second.url).context["messages"]]
    assert notice and "2" in notice[-1]
    # A new form (a new token) is a new message.
    http.post(url, {**data, "token": "another-form-0123456789"})
    assert _group_messages().count() == 4


def test_two_coordinators_with_the_same_token_do_not_suppress_each_other(world: World) -> None:
    colleague = UserFactory(organisation=world.org_a, role=Role.COORDINATOR)
    data = {**MESSAGE, "token": "same-token-0123456789"}
    client_for(world.coordinator).post(reverse(SEND), data)
    client_for(colleague).post(reverse(SEND), data)
    assert _group_messages().count() == 2  # world.volunteer, once from each


def test_an_empty_group_is_refused(world: World) -> None:
    http = client_for(world.coordinator)
    url = f"{reverse(SEND)}?status={S.PAUSED}"
    response = http.post(url, {**MESSAGE, "token": "y" * 22})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not _group_messages().exists()
    response = http.get(reverse(COMPOSE), {"status": S.PAUSED})
    assert response.context["count"] == 0
    assert 'name="title"' not in response.content.decode()


def test_the_outsider_reaches_only_their_own_organisation(world: World) -> None:
    response = client_for(world.outsider).post(reverse(SEND), {**MESSAGE, "token": "z" * 22})
    assert response.status_code == 302
    assert [n.subject_id for n in _group_messages()] == [str(world.foreign_volunteer.pk)]


def test_professionals_and_volunteers_cannot_send(world: World) -> None:
    for user in (world.professional, world.volunteer_user):
        response = client_for(user).post(reverse(SEND), {**MESSAGE, "token": "p" * 22})
        assert response.status_code == 403
        assert client_for(user).get(reverse(COMPOSE)).status_code == 403
    assert not _group_messages().exists()
    assert client_for(world.coordinator).get(reverse(SEND)).status_code == 405
