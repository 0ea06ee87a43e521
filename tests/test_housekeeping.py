"""The nightly housekeeping task removes expired sessions and stale lock-out records only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine
from axes.models import AccessAttempt, AccessLog
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from reclass_volunteers.tasks import housekeeping_task


def _session(expires_in: timedelta) -> str:
    store = SessionStore()
    store["x"] = 1
    store.set_expiry(int(expires_in.total_seconds()))
    store.create()
    return str(store.session_key)


def test_housekeeping_removes_only_what_has_expired(db: Any, settings: Any) -> None:
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = False
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=100)):
        old_session = _session(timedelta(minutes=30))
        AccessAttempt.objects.create(
            username="a@example.org", ip_address="10.0.0.1", failures_since_start=5
        )
        AccessLog.objects.create(username="a@example.org", ip_address="10.0.0.1")
    live_session = _session(timedelta(minutes=30))
    fresh = AccessAttempt.objects.create(
        username="b@example.org", ip_address="10.0.0.2", failures_since_start=1
    )
    recent_log = AccessLog.objects.create(username="b@example.org", ip_address="10.0.0.2")

    result = housekeeping_task()

    assert result == {"sessions": 1, "lockout_counters": 1, "login_records": 1}
    assert not Session.objects.filter(session_key=old_session).exists()
    assert Session.objects.filter(session_key=live_session).exists()
    assert list(AccessAttempt.objects.all()) == [fresh]
    assert list(AccessLog.objects.all()) == [recent_log]
    assert housekeeping_task() == {"sessions": 0, "lockout_counters": 0, "login_records": 0}
