"""Thin Celery tasks: take ids, call the outbox service."""

from __future__ import annotations

from celery import Task, shared_task

from reclass_volunteers import outbox, services


@shared_task(bind=True, max_retries=5, acks_late=True)
def deliver_notification_task(self: Task, notification_id: int) -> bool:
    try:
        return outbox.deliver(notification_id=notification_id)
    except outbox.DeliveryError as exc:
        # The row is already back in the outbox with its own back-off; retrying here only makes
        # the next attempt prompt. Whoever claims the row first sends it; the other does nothing.
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc


@shared_task(acks_late=True)
def outbox_sweep_task() -> dict[str, int]:
    return outbox.sweep()


@shared_task(acks_late=True)
def housekeeping_task() -> dict[str, int]:
    return services.housekeeping_run()


@shared_task(acks_late=True)
def run_sweeps_task() -> dict[str, int]:
    """All reminder sweeps (issue 6); each records a SweepRun."""
    from reclass_volunteers.sweeps import run_sweeps

    return {run.name: run.sent for run in run_sweeps()}
