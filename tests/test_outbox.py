"""The message outbox (SECURITY.md "Reliability"): written with the business change, e-mailed on
commit, never twice, retried with back-off, and caught up by the sweep when the broker is down.

External failures are real: an SMTP backend pointed at a closed port, a Celery app pointed at a
broker that refuses connections. Nothing of our own is mocked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reclass_volunteers import outbox
from reclass_volunteers.celery import app as celery_app
from reclass_volunteers.models import Notification, Role, User
from reclass_volunteers.tasks import deliver_notification_task, outbox_sweep_task
from tests.conftest import World, client_for
from tests.factories import UserFactory

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


def _notify(world: World, *, occasion: str = "", recipient: User | None = None) -> Notification:
    notification, _created = outbox.notify(
        kind="match.started",
        recipient=recipient or world.coordinator,
        title="Nieuwe koppeling",
        body="Er is een koppeling gestart.",
        url="/koppelingen/",
        subject=world.match,
        occasion=occasion,
    )
    return notification


@pytest.fixture
def smtp_down(settings: Any) -> None:
    """A real SMTP backend aimed at a port where nothing listens: connection refused."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 1
    settings.EMAIL_TIMEOUT = 2
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""


@pytest.fixture
def broker_down(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Celery not eager, its broker at an address that refuses connections.

    Celery caches the broker connection pool on the app (`app._pool`) and the producer pool on
    `app.amqp._producer_pool`; both are dropped so the next publish connects to the new URL, and
    everything is put back afterwards. The environment variable wins over the configuration in
    Celery, so it is pointed at the dead broker as well.
    """
    conf = celery_app.conf
    keys = ("broker_url", "broker_transport_options", "task_always_eager")
    saved_conf = {key: getattr(conf, key) for key in keys}
    saved_pool = celery_app._pool
    saved_producer_pool = celery_app.amqp._producer_pool
    monkeypatch.setenv("CELERY_BROKER_URL", UNREACHABLE_BROKER)
    monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)
    conf.broker_url = UNREACHABLE_BROKER
    # What settings.py configures for a network broker.
    conf.broker_transport_options = {
        "socket_connect_timeout": 3,
        "socket_timeout": 5,
        "max_retries": 0,
    }
    conf.task_always_eager = False
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        for pool in (celery_app.amqp._producer_pool, celery_app._pool):
            if pool is not None and pool not in (saved_pool, saved_producer_pool):
                pool.force_close_all()
        for key, value in saved_conf.items():
            setattr(conf, key, value)
        celery_app._pool = saved_pool
        celery_app.amqp._producer_pool = saved_producer_pool


# --- notify: one row and one e-mail per key, dispatched on commit --------------------------


def test_notify_twice_with_the_same_key_makes_one_row_and_one_email(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first, first_created = outbox.notify(
            kind="match.started",
            recipient=world.coordinator,
            title="Nieuwe koppeling",
            subject=world.match,
        )
        second, second_created = outbox.notify(
            kind="match.started",
            recipient=world.coordinator,
            title="Nieuwe koppeling (nogmaals)",
            subject=world.match,
        )

    assert (first_created, second_created) == (True, False)
    assert second.pk == first.pk
    assert Notification.objects.filter(recipient=world.coordinator).count() == 1
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [world.coordinator.email]
    assert mail.outbox[0].subject == "Nieuwe koppeling"


def test_notify_with_another_occasion_is_a_second_message(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = _notify(world, occasion="week-1")
        second = _notify(world, occasion="week-2")

    assert first.pk != second.pk
    assert Notification.objects.filter(recipient=world.coordinator).count() == 2
    assert len(mail.outbox) == 2


def test_email_is_only_dispatched_on_commit(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = _notify(world)
        assert Notification.objects.filter(pk=notification.pk).exists()
        assert mail.outbox == []

    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world.coordinator.email]
    assert message.from_email == django_settings.DEFAULT_FROM_EMAIL
    assert message.body == "Er is een koppeling gestart.\n\n/koppelingen/"


def test_no_email_when_the_recipient_has_no_address_or_wants_none(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification, _ = outbox.notify(
            kind="note", recipient=world.coordinator, title="Alleen in de app", email=False
        )

    assert callbacks == []
    assert mail.outbox == []
    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.NONE


# --- deliver: exactly once -----------------------------------------------------------------


def test_delivery_marks_the_row_sent_and_a_second_delivery_sends_nothing(world: World) -> None:
    notification = _notify(world)  # on_commit never fires inside the test transaction
    assert notification.email_status == Notification.EmailStatus.PENDING
    assert mail.outbox == []

    assert deliver_notification_task(notification.pk) is True

    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.SENT
    assert notification.sent_at is not None
    assert notification.email_attempts == 1
    assert notification.claimed_at is None
    assert len(mail.outbox) == 1

    assert outbox.deliver(notification_id=notification.pk) is False
    assert deliver_notification_task(notification.pk) is False
    assert len(mail.outbox) == 1
    assert outbox_sweep_task() == {"due": 0, "sent": 0, "failed": 0}


# --- SMTP failure: back-off, give up, and the sweep honours next_attempt_at -----------------


def test_smtp_failure_puts_the_row_back_with_back_off(
    world: World, smtp_down: None, django_capture_on_commit_callbacks: Any
) -> None:
    before = timezone.now()
    # The real path: on commit, the (eager) task tries to send, SMTP refuses the connection.
    with django_capture_on_commit_callbacks(execute=True):
        notification = _notify(world)

    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.PENDING
    assert notification.email_attempts == 1
    assert notification.sent_at is None
    assert notification.claimed_at is None
    assert "refused" in notification.last_error.lower()
    assert notification.next_attempt_at > before + timedelta(minutes=1)
    assert mail.outbox == []


def test_smtp_failure_retries_until_max_attempts_then_fails(world: World, smtp_down: None) -> None:
    notification = _notify(world)
    with pytest.raises(outbox.DeliveryError):
        outbox.deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.email_attempts == 1

    for attempt in range(2, django_settings.OUTBOX_MAX_ATTEMPTS + 1):
        due_at = notification.next_attempt_at
        with time_machine.travel(due_at - timedelta(seconds=1), tick=False):
            assert outbox_sweep_task() == {"due": 0, "sent": 0, "failed": 0}
        notification.refresh_from_db()
        assert notification.email_attempts == attempt - 1

        with time_machine.travel(due_at + timedelta(seconds=1), tick=False):
            assert outbox_sweep_task() == {"due": 1, "sent": 0, "failed": 1}
        notification.refresh_from_db()
        assert notification.email_attempts == attempt
        assert notification.last_error
        expected = (
            Notification.EmailStatus.FAILED
            if attempt == django_settings.OUTBOX_MAX_ATTEMPTS
            else Notification.EmailStatus.PENDING
        )
        assert notification.email_status == expected
        # Back-off grows with every attempt.
        assert notification.next_attempt_at - due_at > timedelta(minutes=1)

    # Failed for good: no sweep, however late, tries again.
    with time_machine.travel(notification.next_attempt_at + timedelta(days=30), tick=False):
        assert outbox_sweep_task() == {"due": 0, "sent": 0, "failed": 0}
        assert outbox.deliver(notification_id=notification.pk) is False
    notification.refresh_from_db()
    assert notification.email_attempts == django_settings.OUTBOX_MAX_ATTEMPTS
    assert notification.email_status == Notification.EmailStatus.FAILED


def test_sweep_sends_after_smtp_recovers(world: World, settings: Any, smtp_down: None) -> None:
    notification = _notify(world)
    with pytest.raises(outbox.DeliveryError):
        outbox.deliver(notification_id=notification.pk)
    notification.refresh_from_db()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox_sweep_task() == {"due": 0, "sent": 0, "failed": 0}
    with time_machine.travel(notification.next_attempt_at + timedelta(seconds=1), tick=False):
        assert outbox_sweep_task() == {"due": 1, "sent": 1, "failed": 0}
        assert outbox_sweep_task() == {"due": 0, "sent": 0, "failed": 0}

    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.SENT
    assert notification.email_attempts == 2
    assert notification.last_error == ""
    assert len(mail.outbox) == 1


# --- Broker down: the request succeeds, the sweep catches up -------------------------------


def test_broker_down_request_succeeds_and_sweep_sends_once(
    world: World,
    broker_down: None,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    http = client_for(world.admin)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = http.post(
            reverse("user_invite"),
            {"full_name": "Nina Nieuw", "email": "nina@example.org", "role": Role.VOLUNTEER},
        )
    elapsed = time.monotonic() - started

    assert response.status_code == 302
    assert response["Location"] == reverse("user_list")
    assert len(callbacks) == 1  # the dispatch ran, met the dead broker, and did not raise
    # A guard, not a benchmark: kombu's reconnect back-off alone would take 6 s.
    assert elapsed < 3, f"the request waited {elapsed:.1f}s for the broker"
    assert "Broker unavailable" in caplog.text

    invitee = User.objects.get(email="nina@example.org")
    notification = Notification.objects.get(recipient=invitee)
    assert notification.email_status == Notification.EmailStatus.PENDING
    assert notification.email_attempts == 0
    assert mail.outbox == []

    assert outbox_sweep_task() == {"due": 1, "sent": 1, "failed": 0}
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nina@example.org"]
    assert "/uitnodiging/" in mail.outbox[0].body
    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.SENT

    assert outbox_sweep_task() == {"due": 0, "sent": 0, "failed": 0}
    assert len(mail.outbox) == 1


# --- Stale claims ---------------------------------------------------------------------------


def test_sweep_takes_over_a_stale_claim(world: World) -> None:
    notification = _notify(world)
    Notification.objects.filter(pk=notification.pk).update(
        email_status=Notification.EmailStatus.SENDING,
        claimed_at=timezone.now() - django_settings.OUTBOX_CLAIM_TIMEOUT - timedelta(minutes=1),
    )

    assert outbox_sweep_task() == {"due": 1, "sent": 1, "failed": 0}

    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.SENT
    assert len(mail.outbox) == 1


def test_sweep_leaves_a_fresh_claim_alone(world: World) -> None:
    notification = _notify(world)
    claimed_at = timezone.now() - django_settings.OUTBOX_CLAIM_TIMEOUT + timedelta(minutes=1)
    Notification.objects.filter(pk=notification.pk).update(
        email_status=Notification.EmailStatus.SENDING, claimed_at=claimed_at
    )

    assert outbox_sweep_task() == {"due": 0, "sent": 0, "failed": 0}
    assert outbox.deliver(notification_id=notification.pk) is False

    notification.refresh_from_db()
    assert notification.email_status == Notification.EmailStatus.SENDING
    assert notification.claimed_at == claimed_at
    assert mail.outbox == []


# --- Concurrency ------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_at_once_send_one_email() -> None:
    recipient = UserFactory(role=Role.COORDINATOR)
    rounds = 5
    for round_number in range(rounds):
        # Created directly: notify() in autocommit would dispatch (eagerly) at once.
        notification = Notification.objects.create(
            kind="race",
            recipient=recipient,
            occasion=str(round_number),
            title=f"Race {round_number}",
        )
        barrier = threading.Barrier(2)
        results: list[bool] = []
        errors: list[BaseException] = []

        def work(
            notification_id: int = notification.pk,
            barrier: threading.Barrier = barrier,
            results: list[bool] = results,
            errors: list[BaseException] = errors,
        ) -> None:
            try:
                barrier.wait(timeout=10)
                results.append(outbox.deliver(notification_id=notification_id))
            except BaseException as error:
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=work) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert errors == []
        assert sorted(results) == [False, True]
        notification.refresh_from_db()
        assert notification.email_status == Notification.EmailStatus.SENT
        assert notification.email_attempts == 1
        assert len(mail.outbox) == round_number + 1

    assert [m.subject for m in mail.outbox] == [f"Race {n}" for n in range(rounds)]


def _wait_for_a_lock_waiter(timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the second notify() never waited for the first one's row")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_notifying_at_once_make_one_row_and_one_email() -> None:
    """The second caller passes the "exists?" check before the first commits, then waits on the
    unique index; when the first commits it must get the existing row, not an error."""
    recipient = UserFactory(role=Role.COORDINATOR)
    first_inserted = threading.Event()
    commit_first = threading.Event()
    results: dict[str, tuple[int, bool]] = {}
    errors: list[BaseException] = []

    def call() -> tuple[int, bool]:
        notification, created = outbox.notify(
            kind="race", recipient=recipient, title="Eén keer", occasion="same"
        )
        return notification.pk, created

    def first() -> None:
        try:
            with transaction.atomic():
                results["first"] = call()
                first_inserted.set()
                commit_first.wait(timeout=10)
        except BaseException as error:
            errors.append(error)
        finally:
            first_inserted.set()
            connection.close()

    def second() -> None:
        try:
            first_inserted.wait(timeout=10)
            results["second"] = call()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    try:
        first_inserted.wait(timeout=10)
        _wait_for_a_lock_waiter()
    finally:
        commit_first.set()
        for thread in threads:
            thread.join(timeout=30)

    assert errors == []
    assert results["first"][1] is True
    assert results["second"] == (results["first"][0], False)
    assert Notification.objects.filter(recipient=recipient).count() == 1
    assert len(mail.outbox) == 1  # dispatched by the first caller's commit (eager Celery)


# --- Notification pages -----------------------------------------------------------------------


def _make_notifications(user: User, count: int, *, read: int = 0, start: int = 0) -> None:
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(
            kind="test",
            recipient=user,
            occasion=str(start + n),
            title=f"Melding {start + n}",
            created_at=now - timedelta(minutes=start + n),
            read_at=now if n < read else None,
            email_status=Notification.EmailStatus.NONE,
        )
        for n in range(count)
    )


def test_notification_list_shows_unread_first(world: World) -> None:
    now = timezone.now()
    old_unread = Notification.objects.create(
        kind="t",
        occasion="1",
        recipient=world.coordinator,
        title="Oud ongelezen",
        created_at=now - timedelta(days=3),
    )
    new_read = Notification.objects.create(
        kind="t",
        occasion="2",
        recipient=world.coordinator,
        title="Nieuw gelezen",
        created_at=now - timedelta(minutes=1),
        read_at=now,
    )
    new_unread = Notification.objects.create(
        kind="t",
        occasion="3",
        recipient=world.coordinator,
        title="Nieuw ongelezen",
        created_at=now - timedelta(hours=1),
    )
    hidden = Notification.objects.create(
        kind="t",
        occasion="4",
        recipient=world.coordinator,
        title="Niet in de app",
        show_in_app=False,
    )
    someone_elses = Notification.objects.create(
        kind="t", occasion="5", recipient=world.professional, title="Van een ander"
    )

    response = client_for(world.coordinator).get(reverse("notification_list"))

    assert response.status_code == 200
    shown = list(response.context["page"].object_list)
    assert shown == [new_unread, old_unread, new_read]
    html = response.content.decode()
    positions = [html.index(f'id="notification-{n.pk}"') for n in shown]
    assert positions == sorted(positions)
    assert hidden.title not in html
    assert someone_elses.title not in html


def test_notification_read_marks_it_read_and_redirects(world: World) -> None:
    target = Notification.objects.create(
        kind="t", recipient=world.coordinator, title="Lees mij", url="/koppelingen/"
    )
    other = Notification.objects.create(
        kind="t", occasion="x", recipient=world.coordinator, title="Ik niet"
    )

    response = client_for(world.coordinator).post(reverse("notification_read", args=[target.pk]))

    assert response.status_code == 302
    assert response["Location"] == "/koppelingen/"
    target.refresh_from_db()
    other.refresh_from_db()
    assert target.read_at is not None
    assert other.read_at is None


def test_notification_read_without_url_goes_back_to_the_list(world: World) -> None:
    target = Notification.objects.create(kind="t", recipient=world.coordinator, title="Zonder link")

    response = client_for(world.coordinator).post(reverse("notification_read", args=[target.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("notification_list")
    target.refresh_from_db()
    assert target.read_at is not None


def test_notification_read_with_htmx_returns_the_partial(world: World) -> None:
    target = Notification.objects.create(kind="t", recipient=world.coordinator, title="Via htmx")

    response = client_for(world.coordinator).post(
        reverse("notification_read", args=[target.pk]), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert [t.name for t in response.templates] == [
        "reclass_volunteers/partials/notification_item.html"
    ]
    html = response.content.decode()
    assert html.lstrip().startswith("<li")
    assert f'id="notification-{target.pk}"' in html
    assert "notification-unread" not in html
    target.refresh_from_db()
    assert target.read_at is not None


def test_notification_read_of_someone_elses_is_404_and_changes_nothing(world: World) -> None:
    theirs = Notification.objects.create(kind="t", recipient=world.professional, title="Niet jij")

    response = client_for(world.coordinator).post(reverse("notification_read", args=[theirs.pk]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_notifications_read_all_marks_only_the_users_own(world: World) -> None:
    _make_notifications(world.coordinator, 4, read=1)
    _make_notifications(world.professional, 3)
    earlier_read = Notification.objects.get(recipient=world.coordinator, read_at__isnull=False)

    response = client_for(world.coordinator).post(reverse("notifications_read_all"))

    assert response.status_code == 302
    assert response["Location"] == reverse("notification_list")
    assert not Notification.objects.filter(
        recipient=world.coordinator, read_at__isnull=True
    ).exists()
    assert (
        Notification.objects.filter(recipient=world.professional, read_at__isnull=True).count() == 3
    )
    # Already read stays as it was read.
    assert Notification.objects.get(pk=earlier_read.pk).read_at == earlier_read.read_at


def test_notification_list_query_count_does_not_grow(
    world: World, django_assert_max_num_queries: Any
) -> None:
    http = client_for(world.coordinator)
    _make_notifications(world.coordinator, 3, read=1)
    http.get(reverse("notification_list"))  # warm the session
    with CaptureQueriesContext(connection) as small:
        response = http.get(reverse("notification_list"))
    assert len(response.context["page"].object_list) == 3

    _make_notifications(world.coordinator, 27, read=10, start=3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = http.get(reverse("notification_list"))
    assert len(response.context["page"].object_list) == 25


def test_notify_by_address_for_people_without_an_account(
    db: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first, created = outbox.notify(
            kind="application.received", to_email="Nina@Example.org", title="t"
        )
        again, created_again = outbox.notify(
            kind="application.received", to_email="nina@example.org", title="t"
        )

    assert created and not created_again
    assert again.pk == first.pk
    assert first.recipient is None
    assert not first.show_in_app  # nobody to show it to
    assert [m.to for m in mail.outbox] == [["Nina@Example.org"]]
    assert Notification.objects.get(pk=first.pk).recipient_key == "email:nina@example.org"


def test_notify_needs_exactly_one_kind_of_recipient(world: World) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        outbox.notify(kind="x", title="t")
    with pytest.raises(ValueError, match="exactly one"):
        outbox.notify(kind="x", title="t", recipient=world.coordinator, to_email="a@example.org")
    # And the database refuses a row with neither.
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(kind="x", title="t")


# --- Reminders: quiet hours and opt-out (issue 6) ------------------------------------------


def _reminder(world: World, recipient: User, occasion: str = "7d") -> Notification:
    notification, _created = outbox.notify(
        kind="session.reminder",
        recipient=recipient,
        title="Training over een week",
        subject=world.match,
        occasion=occasion,
        reminder=True,
    )
    return notification


@pytest.mark.django_db(transaction=True)
def test_a_reminder_due_at_night_waits_for_the_morning(world: World) -> None:
    from reclass_volunteers.models import ReminderPolicy

    ReminderPolicy.objects.create(organisation=world.org_a)  # quiet 21:00-07:00
    night = timezone.make_aware(timezone.datetime(2026, 12, 1, 23, 30))
    with time_machine.travel(night, tick=False):
        held = _reminder(world, world.volunteer_user)
    assert mail.outbox == []
    assert timezone.localtime(held.next_attempt_at).strftime("%Y-%m-%d %H:%M") == (
        "2026-12-02 07:00"
    )
    # The outbox sweep leaves it until it is due, then sends it once.
    with time_machine.travel(night + timedelta(hours=3), tick=False):
        outbox_sweep_task()
    assert mail.outbox == []
    with time_machine.travel(night + timedelta(hours=8), tick=False):
        outbox_sweep_task()
        outbox_sweep_task()
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_reminder_by_day_and_a_signal_at_night_go_at_once(world: World) -> None:
    day = timezone.make_aware(timezone.datetime(2026, 12, 1, 10, 0))
    with time_machine.travel(day, tick=False):
        _reminder(world, world.volunteer_user)
    assert len(mail.outbox) == 1
    night = timezone.make_aware(timezone.datetime(2026, 12, 1, 2, 0))
    with time_machine.travel(night, tick=False):
        _notify(world, recipient=world.professional)  # not a reminder: never held
    assert len(mail.outbox) == 2


def test_a_title_too_long_for_its_column_is_shortened_not_refused(world: World) -> None:
    """Titles are built from names and course names; one long name must not fail a sweep."""
    notification, created = outbox.notify(
        kind="training.expiry", recipient=world.coordinator, title="Training " + "x" * 400
    )
    notification.refresh_from_db()
    assert created
    assert len(notification.title) == 200
    assert notification.title.startswith("Training xxx") and notification.title.endswith("…")


def test_an_opted_out_volunteer_gets_reminders_in_the_app_only(world: World) -> None:
    world.volunteer_user.reminders_opt_out = True
    world.volunteer_user.save()
    held = _reminder(world, world.volunteer_user)
    assert held.email_status == Notification.EmailStatus.NONE
    assert held.show_in_app
    # Essential messages still go by e-mail.
    essential = _notify(world, recipient=world.volunteer_user)
    assert essential.email_status != Notification.EmailStatus.NONE
    # Which is which is recorded, for the operations page's chart.
    assert (held.is_reminder, essential.is_reminder) == (True, False)


def test_the_reminder_e_mail_setting_on_the_notifications_page(world: World) -> None:
    http = client_for(world.volunteer_user)
    page = http.get(reverse("notification_list")).content.decode()
    assert 'name="reminder_emails"' in page and "checked" in page
    http.post(reverse("reminder_emails_set"), {})
    world.volunteer_user.refresh_from_db()
    assert world.volunteer_user.reminders_opt_out
    http.post(reverse("reminder_emails_set"), {"reminder_emails": "on"})
    world.volunteer_user.refresh_from_db()
    assert not world.volunteer_user.reminders_opt_out
