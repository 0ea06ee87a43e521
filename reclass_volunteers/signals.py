"""Audit log-in outcomes. Django reports them only through signals, so this is the hook."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from reclass_volunteers import audit
from reclass_volunteers.models import AuditEvent


@receiver(user_logged_in)
def _audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None:
        # Absolute session timeout counts from here.
        from reclass_volunteers.middleware import mark_session_start

        mark_session_start(request)
    audit.record(action="auth.login", user=user, request=request)


@receiver(user_login_failed)
def _audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # The typed user name is kept so repeated guesses show; the password never is.
    attempted = str(credentials.get("username") or credentials.get("email") or "")
    audit.record(
        action="auth.login",
        request=request,
        result=AuditEvent.Result.FAILURE,
        attempted_username=attempted,
    )


@receiver(user_logged_out)
def _end_other_sessions(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    # Logging out here logs out everywhere: every other session's hash stops matching.
    user.end_all_sessions()
    audit.record(action="auth.logout", user=user, request=request)
