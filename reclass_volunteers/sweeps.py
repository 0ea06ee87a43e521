"""Periodic sweeps (issue 6): each asks the database what is due now and sends it through the
outbox, whose unique key (kind, recipient, subject, occasion) makes a second run send nothing.

A sweep is a function `(now) -> SweepResult` registered with `@sweep("name")` in an app's
`sweeps.py`; `run_sweeps()` imports those modules, runs every sweep (or the named ones), and
records a SweepRun each, also when one fails (the others still run). Beat calls
`reclass_volunteers.tasks.run_sweeps_task`; `manage.py run_sweeps` runs them by hand.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from reclass_volunteers.models import Organisation, SweepRun

logger = logging.getLogger(__name__)


@dataclass
class SweepResult:
    sent: int = 0
    skipped: int = 0
    # Per organisation id: [sent, skipped], so an organisation's administrator sees their own
    # figures on the operations page and nobody else's.
    by_organisation: dict[int, list[int]] = field(default_factory=dict)

    def count(self, created: bool, organisation: Organisation | int | None = None) -> None:
        """Count one notify() outcome: new, or already sent by an earlier run."""
        if created:
            self.sent += 1
        else:
            self.skipped += 1
        if organisation is not None:
            key = organisation if isinstance(organisation, int) else organisation.pk
            counts = self.by_organisation.setdefault(key, [0, 0])
            counts[0 if created else 1] += 1

    def skip(self, organisation: Organisation | int | None = None) -> None:
        """Count one message an earlier run already sent."""
        self.count(False, organisation)


SweepFn = Callable[[datetime], SweepResult]
REGISTRY: dict[str, SweepFn] = {}


def sweep(name: str) -> Callable[[SweepFn], SweepFn]:
    def register(fn: SweepFn) -> SweepFn:
        REGISTRY[name] = fn
        return fn

    return register


def discover() -> dict[str, SweepFn]:
    autodiscover_modules("sweeps")
    return REGISTRY


def run_sweeps(
    names: Iterable[str] | None = None, *, now: datetime | None = None
) -> list[SweepRun]:
    """Run the sweeps and record each run. An unknown name raises KeyError before anything
    runs; a sweep that fails is recorded with its error and does not stop the others."""
    registry = discover()
    chosen = list(names) if names is not None else sorted(registry)
    unknown = [name for name in chosen if name not in registry]
    if unknown:
        raise KeyError(f"Unknown sweeps: {', '.join(unknown)}")
    runs = []
    for name in chosen:
        run = SweepRun.objects.create(name=name)
        try:
            result = registry[name](now or timezone.now())
        except Exception as error:  # recorded and logged; the next sweep still runs
            logger.exception("Sweep %s failed", name)
            run.error = f"{type(error).__name__}: {error}"
        else:
            run.sent, run.skipped = result.sent, result.skipped
            run.counts = {
                str(org): {"sent": sent, "skipped": skipped}
                for org, (sent, skipped) in sorted(result.by_organisation.items())
            }
        run.finished_at = timezone.now()
        run.save(update_fields=["sent", "skipped", "counts", "error", "finished_at"])
        runs.append(run)
    return runs
