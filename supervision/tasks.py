"""Thin Celery tasks of supervision: each calls a service that asks the database what is due."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def signal_escalation_sweep_task() -> dict[str, int]:
    from supervision.services.signals import signal_escalation_sweep

    return signal_escalation_sweep()


@shared_task(acks_late=True)
def weekly_digest_task() -> dict[str, int]:
    from supervision.services.reports import weekly_digest_run

    return weekly_digest_run()
