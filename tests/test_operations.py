"""The operations page (issue 6): each sweep's last run and history with this organisation's
own figures only, the outbox (waiting, held for the quiet hours, failed), "try again" one at a
time and all at once, and the e-mails sent per day; a fixed number of queries."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reclass_volunteers import access, services_operations, sweeps
from reclass_volunteers.models import AuditEvent, Notification, Role, SweepRun, User
from reclass_volunteers.views_operations import SWEEP_HISTORY
from tests.concurrency import race
from tests.conftest import World, client_for
from tests.factories import OrganisationFactory, UserFactory
from tests.operations_matrix import failed_email

NOON = datetime(2025, 6, 20, 12, 0, tzinfo=timezone.get_fixed_timezone(120))


def _page(world: World) -> Any:
    response = client_for(world.admin).get(reverse("operations"))
    assert response.status_code == 200
    return response


def _run(
    name: str,
    started_at: datetime,
    *,
    counts: dict[str, dict[str, int]] | None = None,
    error: str = "",
    finished: bool = True,
) -> SweepRun:
    return SweepRun.objects.create(
        name=name,
        started_at=started_at,
        finished_at=started_at + timedelta(seconds=2, milliseconds=500) if finished else None,
        sent=sum(c["sent"] for c in (counts or {}).values()),
        skipped=sum(c["skipped"] for c in (counts or {}).values()),
        counts=counts or {},
        error=error,
    )


def _message(recipient: User, number: int, **fields: Any) -> Notification:
    return Notification.objects.create(
        kind=fields.pop("kind", "test.message"),
        recipient=recipient,
        email=recipient.email,
        occasion=str(number),
        title=fields.pop("title", f"Message {number}"),
        **fields,
    )


# --- Sweeps ------------------------------------------------------------------------------------


def test_sweeps_show_this_organisations_counts_never_the_totals(world: World) -> None:
    a, b = str(world.org_a.pk), str(world.org_b.pk)
    _run(
        "session_reminders",
        NOON,
        counts={a: {"sent": 2, "skipped": 3}, b: {"sent": 40, "skipped": 50}},
    )
    rows = {row.name: row for row in _page(world).context["sweeps"]}
    assert set(sweeps.discover()) == set(rows)
    last = rows["session_reminders"].last
    assert last is not None
    assert (last.sent, last.skipped, last.failed, last.running) == (2, 3, False, False)
    assert last.duration == timedelta(seconds=2, milliseconds=500)


def test_a_run_without_this_organisation_counts_zero(world: World) -> None:
    _run("session_reminders", NOON, counts={str(world.org_b.pk): {"sent": 7, "skipped": 1}})
    response = _page(world)
    last = {row.name: row for row in response.context["sweeps"]}["session_reminders"].last
    assert last is not None and (last.sent, last.skipped) == (0, 0)
    # The other organisation's figures are nowhere on the page.
    row = re.search(rb'<tr data-sweep="session_reminders">.*?</tr>', response.content, re.S)
    assert row is not None and b">7<" not in row.group(0)


def test_a_sweep_that_never_ran_says_so(world: World) -> None:
    _run("session_reminders", NOON)
    rows = {row.name: row for row in _page(world).context["sweeps"]}
    assert rows["session_reminders"].last is not None
    assert rows["expiry_warnings"].runs == []
    assert rows["expiry_warnings"].last is None


def test_a_failed_run_shows_only_its_exception_class(world: World) -> None:
    _run(
        "expiry_warnings",
        NOON,
        error="IntegrityError: duplicate key for volunteer Geheime Naam of Reclassering B",
    )
    response = _page(world)
    last = {row.name: row for row in response.context["sweeps"]}["expiry_warnings"].last
    assert last is not None and last.failed and last.error_class == "IntegrityError"
    assert b"IntegrityError" in response.content
    assert b"Geheime Naam" not in response.content
    assert b"duplicate key" not in response.content


def test_a_run_still_going_is_running(world: World) -> None:
    _run("session_reminders", NOON, finished=False)
    last = {row.name: row for row in _page(world).context["sweeps"]}["session_reminders"].last
    assert last is not None and last.running and last.duration is None


def test_history_lists_the_last_runs_newest_first(world: World) -> None:
    a = str(world.org_a.pk)
    for hour in range(SWEEP_HISTORY + 3):
        _run(
            "session_reminders",
            NOON + timedelta(hours=hour),
            counts={a: {"sent": hour, "skipped": 0}},
        )
    _run("expiry_warnings", NOON, counts={a: {"sent": 99, "skipped": 0}})
    rows = {row.name: row for row in _page(world).context["sweeps"]}
    runs = rows["session_reminders"].runs
    assert [run.sent for run in runs] == list(range(SWEEP_HISTORY + 2, 2, -1))
    assert [run.sent for run in rows["expiry_warnings"].runs] == [99]


def test_runs_of_sweeps_no_longer_registered_are_not_listed(world: World) -> None:
    _run("retired_sweep", NOON)
    names = [row.name for row in _page(world).context["sweeps"]]
    assert "retired_sweep" not in names
    assert names == sorted(sweeps.discover())


# --- Outbox ------------------------------------------------------------------------------------


def test_outbox_counts_are_this_organisations(world: World) -> None:
    now = timezone.now()
    pending = Notification.EmailStatus.PENDING
    _message(world.coordinator, 1, email_status=pending, next_attempt_at=now - timedelta(minutes=1))
    _message(
        world.volunteer_user, 2, email_status=pending, next_attempt_at=now + timedelta(hours=8)
    )
    _message(
        world.volunteer_user, 3, email_status=pending, next_attempt_at=now + timedelta(hours=9)
    )
    _message(
        world.professional,
        4,
        email_status=pending,
        email_attempts=2,
        next_attempt_at=now + timedelta(minutes=4),
    )
    _message(world.coordinator, 5, email_status=Notification.EmailStatus.SENDING, claimed_at=now)
    failed_email(world.professional)
    _message(world.coordinator, 6, email_status=Notification.EmailStatus.SENT, sent_at=now)
    # Another organisation's outbox is not counted.
    _message(world.outsider, 7, email_status=pending, next_attempt_at=now)
    _message(world.outsider, 8, email_status=pending, next_attempt_at=now + timedelta(hours=8))
    failed_email(world.outsider)

    counts = _page(world).context["counts"]
    assert {k: v for k, v in counts.items() if k != "held_until"} == {
        "waiting": 1,
        "held": 2,
        "retrying": 1,
        "sending": 1,
        "failed": 1,
    }
    held_until = counts["held_until"]
    assert held_until is not None
    assert abs(held_until - (now + timedelta(hours=8))) < timedelta(seconds=1)


def test_failed_list_shows_recipient_title_attempts_error_and_only_ours(world: World) -> None:
    ours = failed_email(world.volunteer_user)
    theirs = failed_email(world.outsider)
    response = _page(world)
    assert [n.pk for n in response.context["failed"]] == [ours.pk]
    html = response.content.decode()
    assert world.volunteer_user.full_name in html
    assert "SMTPServerDisconnected" in html
    assert reverse("operations_retry", args=[ours.pk]) in html
    assert reverse("operations_retry", args=[theirs.pk]) not in html
    assert world.outsider.full_name not in html


def test_outbox_of_anyone_but_an_admin_is_empty(world: World) -> None:
    failed_email(world.coordinator)
    for user in (world.coordinator, world.professional, world.volunteer_user, world.outsider):
        assert not access.outbox_visible_to(user).exists()
    assert access.outbox_visible_to(world.admin).count() == 1


# --- Try again ---------------------------------------------------------------------------------


def test_try_again_resets_sends_and_audits(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    message = failed_email(world.coordinator)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(world.admin).post(reverse("operations_retry", args=[message.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("operations")
    assert len(callbacks) == 1
    message.refresh_from_db()
    # Sent by the (eager) delivery task queued on commit, with a fresh count of attempts.
    assert message.email_status == Notification.EmailStatus.SENT
    assert message.email_attempts == 1
    assert message.last_error == ""
    assert [m.subject for m in mail.outbox] == ["Failed test message"]
    event = AuditEvent.objects.get(action="notification.retry")
    assert (event.actor, event.object_id, event.organisation) == (
        world.admin,
        str(message.pk),
        world.org_a,
    )


def test_try_again_before_commit_only_resets(world: World) -> None:
    message = failed_email(world.coordinator)
    services_operations.notification_retry(by=world.admin, notification=message)
    message.refresh_from_db()
    # Inside the test's transaction nothing is queued yet: the row waits, due now.
    assert message.email_status == Notification.EmailStatus.PENDING
    assert message.email_attempts == 0
    assert message.next_attempt_at <= timezone.now()
    assert mail.outbox == []


def test_try_again_on_a_message_no_longer_failed_changes_nothing(world: World) -> None:
    message = failed_email(world.coordinator)
    Notification.objects.filter(pk=message.pk).update(
        email_status=Notification.EmailStatus.SENT, sent_at=timezone.now()
    )
    http = client_for(world.admin)
    response = http.post(reverse("operations_retry", args=[message.pk]), follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    message.refresh_from_db()
    assert message.email_status == Notification.EmailStatus.SENT
    assert not AuditEvent.objects.filter(action="notification.retry").exists()


def test_try_again_on_another_organisations_message_is_404(world: World) -> None:
    message = failed_email(world.outsider)
    response = client_for(world.admin).post(reverse("operations_retry", args=[message.pk]))
    assert response.status_code == 404
    message.refresh_from_db()
    assert message.email_status == Notification.EmailStatus.FAILED
    assert AuditEvent.objects.filter(action="access.denied", actor=world.admin).exists()


def test_try_all_again_retries_only_this_organisations_failed(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    ours = [failed_email(world.coordinator), failed_email(world.volunteer_user)]
    Notification.objects.filter(pk=ours[1].pk).update(occasion="second")
    theirs = failed_email(world.outsider)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(world.admin).post(reverse("operations_retry_all"))
    assert response.status_code == 302
    assert len(callbacks) == 2
    statuses = dict(Notification.objects.values_list("pk", "email_status"))
    assert [statuses[n.pk] for n in ours] == [Notification.EmailStatus.PENDING] * 2
    assert statuses[theirs.pk] == Notification.EmailStatus.FAILED
    assert sorted(
        AuditEvent.objects.filter(action="notification.retry").values_list("object_id", flat=True)
    ) == sorted(str(n.pk) for n in ours)


def test_try_all_again_with_nothing_failed_says_so(world: World) -> None:
    response = client_for(world.admin).post(reverse("operations_retry_all"), follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["info"]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.PROFESSIONAL, Role.VOLUNTEER])
def test_the_service_refuses_anyone_but_an_admin(world: World, role: str) -> None:
    from django.core.exceptions import ValidationError

    message = failed_email(world.coordinator)
    user = UserFactory(organisation=world.org_a, role=role)
    with pytest.raises(ValidationError):
        services_operations.notification_retry(by=user, notification=message)
    with pytest.raises(ValidationError):
        services_operations.notifications_retry_failed(by=user)
    message.refresh_from_db()
    assert message.email_status == Notification.EmailStatus.FAILED


def test_the_service_refuses_an_admin_of_another_organisation(world: World) -> None:
    from django.core.exceptions import ValidationError

    message = failed_email(world.coordinator)
    other_admin = UserFactory(organisation=world.org_b, role=Role.ADMIN)
    with pytest.raises(ValidationError):
        services_operations.notification_retry(by=other_admin, notification=message)
    assert services_operations.notifications_retry_failed(by=other_admin) == 0
    message.refresh_from_db()
    assert message.email_status == Notification.EmailStatus.FAILED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_admins_trying_all_again_at_once_retry_each_message_once() -> None:
    organisation = OrganisationFactory()
    admins = [UserFactory(organisation=organisation, role=Role.ADMIN) for _ in range(2)]
    member = UserFactory(organisation=organisation, role=Role.COORDINATOR)
    for number in range(5):
        message = failed_email(member)
        Notification.objects.filter(pk=message.pk).update(occasion=str(number))
    results, errors = race(
        admins, lambda admin: services_operations.notifications_retry_failed(by=admin)
    )
    assert errors == []
    assert sorted(results) == [0, 5]
    assert AuditEvent.objects.filter(action="notification.retry").count() == 5
    # Delivered on commit (eagerly here): each message once.
    assert sorted(m.subject for m in mail.outbox) == ["Failed test message"] * 5
    assert set(Notification.objects.values_list("email_status", flat=True)) == {"sent"}


# --- Chart -------------------------------------------------------------------------------------


@time_machine.travel(NOON, tick=False)
def test_sent_per_day_by_family_for_this_organisation_over_14_days(world: World) -> None:
    sent = Notification.EmailStatus.SENT
    today = NOON
    rows = [
        (world.volunteer_user, "training.session_reminder", True, today),
        (world.volunteer_user, "intervision.reminder", True, today),
        (world.professional, "signal.reported", False, today),
        (world.coordinator, "match.proposed", False, today - timedelta(days=1)),
        (world.coordinator, "volunteer.certificate_expiry", True, today - timedelta(days=13)),
        # Outside the window, another organisation's, and not sent: not counted.
        (world.coordinator, "match.ended", False, today - timedelta(days=14)),
        (world.outsider, "training.session_reminder", True, today),
    ]
    for number, (recipient, kind, reminder, at) in enumerate(rows):
        _message(recipient, number, kind=kind, is_reminder=reminder, email_status=sent, sent_at=at)
    # An alert about a person's welfare is not a reminder, whatever its kind is called.
    welfare_day = today - timedelta(days=2)
    _message(world.coordinator, 98, kind="wellbeing.low", email_status=sent, sent_at=welfare_day)
    _message(world.coordinator, 99, email_status=Notification.EmailStatus.FAILED)

    response = _page(world)
    days = response.context["days"]
    assert len(days) == 14
    assert days[-1]["day"] == NOON.date()
    assert {k: days[-1][k] for k in ("reminders", "signals", "other", "total")} == {
        "reminders": 2,
        "signals": 1,
        "other": 0,
        "total": 3,
    }
    assert (days[-2]["other"], days[-2]["total"]) == (1, 1)
    assert (days[0]["reminders"], days[0]["total"]) == (1, 1)
    assert (days[-3]["reminders"], days[-3]["other"]) == (0, 1)
    assert sum(day["total"] for day in days) == 6

    chart = json.loads(
        re.search(
            rb'<script id="operations-data" type="application/json">(.*?)</script>',
            response.content,
            re.S,
        ).group(1)
    )
    assert len(chart["labels"]) == 14
    assert [serie["data"][-1] for serie in chart["series"]] == [2, 1, 0]
    assert b"js/operations-chart.js" in response.content
    assert b"vendor/chart.js-4.5.1.umd.min.js" in response.content
    # No inline script (CSP): the only <script> without src is the JSON data block.
    inline = re.findall(rb"<script(?![^>]*\bsrc=)[^>]*>", response.content)
    assert inline == [b'<script id="operations-data" type="application/json">']


# --- Query count -------------------------------------------------------------------------------


def _fill(world: World, size: int, offset: int) -> None:
    """`size` messages of every state, and `size` runs of every sweep, with failures."""
    now = timezone.now()
    pending = Notification.EmailStatus.PENDING
    for number in range(offset, offset + size):
        _message(world.coordinator, number * 10, email_status=pending, next_attempt_at=now)
        _message(
            world.volunteer_user,
            number * 10 + 1,
            email_status=pending,
            next_attempt_at=now + timedelta(hours=3),
        )
        failed = failed_email(world.professional)
        Notification.objects.filter(pk=failed.pk).update(occasion=f"f{number}")
        _message(
            world.coordinator,
            number * 10 + 2,
            kind="signal.reported" if number % 2 else "training.expiry",
            email_status=Notification.EmailStatus.SENT,
            sent_at=now - timedelta(days=number % 14),
        )
        for name in sweeps.discover():
            _run(
                name,
                now - timedelta(minutes=15 * number),
                counts={str(world.org_a.pk): {"sent": 1, "skipped": number}},
                error="RuntimeError: x" if number % 3 == 0 else "",
            )


def test_page_costs_the_same_queries_at_two_sizes(
    world: World, django_assert_max_num_queries: Any
) -> None:
    http = client_for(world.admin)
    _fill(world, 2, 0)
    http.get(reverse("operations"))  # warm the session
    with CaptureQueriesContext(connection) as small:
        response = http.get(reverse("operations"))
    assert response.context["counts"]["failed"] == 2

    _fill(world, 40, 2)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = http.get(reverse("operations"))
    assert response.context["counts"]["failed"] == 42
    assert len(response.context["failed"]) == 42
    assert all(len(row.runs) == SWEEP_HISTORY for row in response.context["sweeps"])
