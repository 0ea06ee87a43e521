"""The audit log (SECURITY.md "Audit", NEN 7513): append-only in the database, one row per
log-in success and failure, per read of a client record and per denied request, and only the
own organisation's rows on the admin's page."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reclass_volunteers import audit
from reclass_volunteers.models import AuditEvent, User
from tests.conftest import World, client_for
from tests.factories import PASSWORD, UserFactory

WRONG_PASSWORD = "Wrong-Marker-Password-7319"


def _row_text(event: AuditEvent) -> str:
    return " ".join(str(getattr(event, f.attname)) for f in AuditEvent._meta.concrete_fields)


# --- Append-only ------------------------------------------------------------------------------


def test_audit_rows_cannot_be_updated_or_deleted(world: World) -> None:
    event = audit.record(action="client.read", user=world.coordinator, obj=world.client)
    original = AuditEvent.objects.values().get(pk=event.pk)

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.action = "tampered"
    with pytest.raises(DatabaseError), transaction.atomic():
        event.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.get(pk=event.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()

    assert AuditEvent.objects.values().get(pk=event.pk) == original


def test_audit_rows_can_still_be_added(world: World) -> None:
    before = AuditEvent.objects.count()
    audit.record(action="client.read", user=world.coordinator, obj=world.client)
    audit.record(action="client.read", user=world.coordinator, obj=world.client)
    assert AuditEvent.objects.count() == before + 2


# --- Log-in -----------------------------------------------------------------------------------


def test_successful_login_is_recorded(world: World, caplog: pytest.LogCaptureFixture) -> None:
    user = world.coordinator
    http = client_for(None)

    response = http.post(
        reverse("login"),
        {"username": user.email, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    event = AuditEvent.objects.get(action="auth.login")
    assert event.result == AuditEvent.Result.SUCCESS
    assert event.actor == user
    assert event.organisation == world.org_a
    assert event.remote_addr == "203.0.113.7"
    assert event.path == reverse("login")
    assert PASSWORD not in _row_text(event)
    assert PASSWORD not in caplog.text


@pytest.mark.parametrize("existing", [True, False], ids=["known-user", "unknown-user"])
def test_failed_login_is_recorded_without_the_password(
    world: World, existing: bool, caplog: pytest.LogCaptureFixture
) -> None:
    email = world.coordinator.email if existing else "nobody@example.org"
    http = client_for(None)

    response = http.post(
        reverse("login"),
        {"username": email, "password": WRONG_PASSWORD},
        REMOTE_ADDR="198.51.100.23",
    )

    assert response.status_code == 200  # the form again, with one message for every failure
    assert "_auth_user_id" not in http.session
    event = AuditEvent.objects.get(action="auth.login")
    assert event.result == AuditEvent.Result.FAILURE
    assert event.actor is None
    assert event.attempted_username == email
    assert event.remote_addr == "198.51.100.23"
    for row in AuditEvent.objects.all():
        assert WRONG_PASSWORD not in _row_text(row)
    assert WRONG_PASSWORD not in caplog.text


# --- Reads and denials ------------------------------------------------------------------------


def test_reading_a_client_is_recorded(world: World) -> None:
    response = client_for(world.coordinator).get(
        reverse("clients:client_detail", args=[world.client.pk]), REMOTE_ADDR="192.0.2.10"
    )

    assert response.status_code == 200
    event = AuditEvent.objects.get(action="client.read")
    assert event.actor == world.coordinator
    assert event.result == AuditEvent.Result.SUCCESS
    assert event.object_type == "clients.client"
    assert event.object_id == str(world.client.pk)
    assert event.organisation == world.org_a
    assert event.remote_addr == "192.0.2.10"
    # Ids and types only: no client details in the log.
    assert world.client.last_name not in _row_text(event)


def test_requesting_a_foreign_client_is_recorded_as_denied(world: World) -> None:
    response = client_for(world.outsider).get(
        reverse("clients:client_detail", args=[world.client.pk])
    )

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="client.read").exists()
    event = AuditEvent.objects.get(action="access.denied")
    assert event.result == AuditEvent.Result.DENIED
    assert event.actor == world.outsider
    assert event.organisation == world.org_b
    assert event.object_type == "clients.client"
    assert event.object_id == str(world.client.pk)
    assert event.path == reverse("clients:client_detail", args=[world.client.pk])


def test_a_refused_page_is_recorded_as_denied(world: World) -> None:
    response = client_for(world.coordinator).get(reverse("audit_list"))

    assert response.status_code == 403
    event = AuditEvent.objects.get(action="request.denied")
    assert event.result == AuditEvent.Result.DENIED
    assert event.actor == world.coordinator
    assert event.path == reverse("audit_list")


# --- The audit page ---------------------------------------------------------------------------


def _events(world: World, count: int, *, organisation_b: bool = False) -> None:
    actor = world.outsider if organisation_b else world.coordinator
    marker = "foreign" if organisation_b else "own"
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=actor,
            on_behalf_of=world.professional if not organisation_b else None,
            action=f"test.{marker}-{n}",
            object_type="clients.client",
            object_id=str(n),
            result=AuditEvent.Result.SUCCESS,
            organisation=actor.organisation,
            remote_addr="192.0.2.1",
        )
        for n in range(count)
    )


def test_audit_list_shows_only_the_own_organisation(world: World) -> None:
    _events(world, 3)
    _events(world, 3, organisation_b=True)

    response = client_for(world.admin).get(reverse("audit_list"))

    assert response.status_code == 200
    shown = list(response.context["page"].object_list)
    assert {e.organisation_id for e in shown} == {world.org_a.pk}
    assert {e.action for e in shown} >= {"test.own-0", "test.own-1", "test.own-2"}
    html = response.content.decode()
    assert "test.own-0" in html
    assert "test.foreign" not in html
    assert world.outsider.full_name not in html


def test_audit_list_is_for_the_admin_only(world: World) -> None:
    for role in ("coordinator", "professional", "volunteer", "outsider"):
        response = client_for(world.user(role)).get(reverse("audit_list"))
        assert response.status_code == 403, role


def test_audit_list_query_count_does_not_grow(
    world: World, django_assert_max_num_queries: Any
) -> None:
    http = client_for(world.admin)
    _events(world, 5)
    http.get(reverse("audit_list"))  # warm the session
    with CaptureQueriesContext(connection) as small:
        response = http.get(reverse("audit_list"))
    assert len(response.context["page"].object_list) >= 5

    _events(world, 45)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = http.get(reverse("audit_list"))
    assert len(response.context["page"].object_list) == 50


# --- Django admin -----------------------------------------------------------------------------


@pytest.fixture
def superuser(db: Any) -> User:
    return UserFactory(organisation=None, role="", is_staff=True, is_superuser=True)


def test_django_admin_offers_no_add_change_or_delete(world: World, superuser: User) -> None:
    event = audit.record(action="client.read", user=world.coordinator, obj=world.client)
    model_admin = admin.site._registry[AuditEvent]
    request = RequestFactory().get("/operations/")
    request.user = superuser

    assert model_admin.has_view_permission(request, event) is True
    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request) is False
    assert model_admin.has_change_permission(request, event) is False
    assert model_admin.has_delete_permission(request) is False
    assert model_admin.has_delete_permission(request, event) is False
    assert "delete_selected" not in model_admin.get_actions(request)


def test_django_admin_refuses_to_delete_an_audit_row(world: World, superuser: User) -> None:
    event = audit.record(action="client.read", user=world.coordinator, obj=world.client)
    http = client_for(superuser)

    changelist = http.get(reverse("admin:reclass_volunteers_auditevent_changelist"))
    assert changelist.status_code == 200
    assert reverse("admin:reclass_volunteers_auditevent_add") not in changelist.content.decode()

    response = http.post(
        reverse("admin:reclass_volunteers_auditevent_delete", args=[event.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    response = http.post(
        reverse("admin:reclass_volunteers_auditevent_change", args=[event.pk]),
        {"action": "tampered"},
    )
    assert response.status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "client.read"
