"""End to end with a REAL Celery worker against the real Redis (issue 6, "Tests"): the test
publishes the reminder sweeps' task, a worker process runs it against the test database, the
sweep writes a reminder to the outbox, its e-mail delivery task goes back through Redis to the
worker, and the e-mail lands in a file.

Isolation: the broker is Redis database 13 (used by nothing else) and the worker consumes only
a queue with a random name. The worker's default queue is set to that queue as well, so the
delivery task it queues itself (outbox.enqueue_delivery uses `.delay()`, which goes to the
default queue) reaches it and never lands in the shared "celery" queue. The queue is deleted
afterwards. CI starts Redis on 127.0.0.1:6379; without it this test fails (it is not skipped).
"""

from __future__ import annotations

import email
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone
from kombu import Connection

from reclass_volunteers.models import Notification, ReminderPolicy, Role, SweepRun
from tests.factories import OrganisationFactory, UserFactory, VolunteerFactory
from tests.volunteers.factories_training import CourseFactory, EnrolmentFactory, SessionFactory
from volunteers.sweeps import SESSION_KIND

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BROKER_URL = os.environ.get("CELERY_INTEGRATION_BROKER_URL", "redis://127.0.0.1:6379/13")
TIMEOUT = 60.0
RUN_SWEEPS = "reclass_volunteers.tasks.run_sweeps_task"

# Runs the worker exactly as `celery -A reclass_volunteers worker --pool=solo --concurrency=1
# -Q <queue>` would, after pointing the app's default queue at <queue>: the Celery command line
# cannot set that, and the settings module (read by every process) should not.
WORKER_PROGRAM = """
import sys
from reclass_volunteers.celery import app

queue = sys.argv[1]
app.conf.task_default_queue = queue
app.worker_main([
    "worker", "--pool=solo", "--concurrency=1", "-Q", queue, "-n", queue + "@%h",
    "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
])
"""


@dataclass
class Worker:
    queue: str
    mail_dir: Path
    log: Path
    process: subprocess.Popen[bytes]

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


def _test_database_url() -> str:
    """The database this test writes to (test_<name>), as a URL for the worker's settings."""
    db = connection.settings_dict
    assert db["ENGINE"] == "django.db.backends.postgresql"
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


def _wait_for(condition: Callable[[], bool], worker: Worker, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if condition():
            return
        if worker.process.poll() is not None:
            raise AssertionError(f"the worker exited ({worker.process.returncode}) before {what}")
        time.sleep(0.25)
    raise AssertionError(f"timed out after {TIMEOUT:.0f} s waiting for {what}")


@pytest.fixture
def worker(transactional_db: None, tmp_path: Path) -> Iterator[Worker]:
    """A real worker process on its own queue, stopped (and its queue deleted) afterwards. It
    depends on transactional_db, so it is gone before the test database is flushed."""
    with Connection(BROKER_URL, connect_timeout=3) as broker:
        broker.ensure_connection(max_retries=1)  # a clear failure when Redis is not there
    queue = f"integration-{uuid.uuid4().hex}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "reclass_volunteers.settings",
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        # Four slashes: django-environ drops the first one of the path after "filemail://".
        "EMAIL_URL": f"filemail:///{mail_dir}",
        "PYTHONUNBUFFERED": "1",
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-c", WORKER_PROGRAM, queue],
            cwd=Path(__file__).resolve().parent.parent,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    started = Worker(queue=queue, mail_dir=mail_dir, log=log, process=process)
    try:
        # The worker declares its queue when it is ready; publishing earlier could be lost.
        _wait_for(lambda: " ready." in started.log_text(), started, "the worker to be ready")
        yield started
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        with Connection(BROKER_URL, connect_timeout=3) as broker:
            # The queue's list and its exchange's bindings (kombu keeps them in Redis under
            # names that contain the queue's); a fresh channel does not know them to delete.
            client = broker.default_channel.client
            client.delete(*[queue, *client.scan_iter(match=f"_kombu.binding*.{queue}")])
        # Shown by pytest only when the test fails.
        print(f"--- worker log ({queue}) ---\n{started.log_text()}")


def _emails(mail_dir: Path) -> list[email.message.Message]:
    """Every message the file backend wrote (one file per connection, messages separated by a
    line of dashes)."""
    messages = []
    for path in sorted(mail_dir.iterdir()):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk.lstrip()))
    return messages


def _subject(message: email.message.Message) -> str:
    return str(make_header(decode_header(message["Subject"] or "")))


def _publish(queue: str) -> None:
    """Send the sweeps' task to the worker's queue on the test broker (the app in this process
    is configured for another broker and for eager tasks)."""
    from reclass_volunteers.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False  # send_task always publishes; this only avoids a warning
    try:
        with Connection(BROKER_URL, connect_timeout=3) as broker:
            app.send_task(RUN_SWEEPS, queue=queue, connection=broker)
    finally:
        app.conf.task_always_eager = eager


def _reminder_due_now() -> Any:
    """A volunteer enrolled in a training session tomorrow: the day-before reminder is due.
    The quiet hours are put away from now, so the e-mail is not held for the morning."""
    organisation = OrganisationFactory(name="Reclassering Integratie")
    local_now = timezone.localtime()
    ReminderPolicy.objects.create(
        organisation=organisation,
        quiet_from=(local_now + timedelta(hours=2)).time().replace(second=0, microsecond=0),
        quiet_until=(local_now + timedelta(hours=3)).time().replace(second=0, microsecond=0),
    )
    user = UserFactory(
        organisation=organisation,
        role=Role.VOLUNTEER,
        email="vera.integratie@example.org",
        full_name="Vera Integratie",
    )
    volunteer = VolunteerFactory(organisation=organisation, user=user)
    session = SessionFactory(
        course=CourseFactory(organisation=organisation, name="Gespreksvaardigheden"),
        starts_at=timezone.now() + timedelta(hours=20),
    )
    EnrolmentFactory(session=session, volunteer=volunteer)
    return user


def test_a_real_worker_sends_a_due_reminder_end_to_end(worker: Worker) -> None:
    user = _reminder_due_now()
    _publish(worker.queue)

    _wait_for(
        lambda: SweepRun.objects.filter(
            name="session_reminders", finished_at__isnull=False
        ).exists(),
        worker,
        "the session_reminders run to finish",
    )
    run = SweepRun.objects.get(name="session_reminders")
    assert (run.error, run.sent, run.skipped) == ("", 1, 0)
    # The whole round ran, once: every sweep the worker knows finished once, none failed.
    _wait_for(
        lambda: f"{RUN_SWEEPS}[" in worker.log_text() and " succeeded in " in worker.log_text(),
        worker,
        "the sweeps' task to succeed",
    )
    names = list(SweepRun.objects.values_list("name", flat=True))
    assert len(names) == len(set(names)) and "session_reminders" in names
    assert not SweepRun.objects.filter(finished_at__isnull=True).exists()
    assert not SweepRun.objects.exclude(error="").exists()

    reminder = Notification.objects.get(kind=SESSION_KIND, recipient=user)
    assert reminder.occasion == "second:1d"
    assert "Gespreksvaardigheden" in reminder.title
    _wait_for(
        lambda: Notification.objects.filter(
            pk=reminder.pk, email_status=Notification.EmailStatus.SENT
        ).exists(),
        worker,
        "the reminder's e-mail to be sent",
    )
    reminder.refresh_from_db()
    assert reminder.email_attempts == 1
    assert reminder.sent_at is not None

    _wait_for(lambda: bool(_emails(worker.mail_dir)), worker, "the e-mail file")
    [message] = _emails(worker.mail_dir)
    assert _subject(message) == reminder.title
    assert message["To"] == user.email
    assert "deliver_notification_task" in worker.log_text()

    # Nothing left behind in the test's queue.
    with Connection(BROKER_URL, connect_timeout=3) as broker:
        assert broker.default_channel.client.llen(worker.queue) == 0
