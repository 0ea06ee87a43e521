"""Entry-point guard: a configuration error stops the process with one line, not a traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")


def or_exit(start: Callable[[], T]) -> T:
    try:
        return start()
    except ImproperlyConfigured as error:
        sys.stderr.write(f"reclass_volunteers: configuration error: {error}\n")
        raise SystemExit(2) from None
