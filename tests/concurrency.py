"""Real concurrency for the tests that prove row locks on PostgreSQL: several threads, each
with its own database connection, released at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.utils import translation


def race(work: list[Any], target: Callable[[Any], Any]) -> tuple[list[Any], list[BaseException]]:
    """Run target(item) for every item in its own thread, all released at once. Returns what
    the calls returned and what they raised. Each thread speaks English (threads do not share
    the active language), so assertions on messages are stable."""
    barrier = threading.Barrier(len(work))
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(item: Any) -> None:
        try:
            barrier.wait(timeout=10)
            with translation.override("en"):
                results.append(target(item))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(item,)) for item in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors
