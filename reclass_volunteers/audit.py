"""The one helper that writes the audit log (NEN 7513, BIO2 8.15).

Rows carry ids and types, never client details, passwords or session keys. The table is
append-only: migration 0002 installs a trigger that refuses UPDATE and DELETE.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from reclass_volunteers.client_ip import client_ip
from reclass_volunteers.models import AuditEvent

if TYPE_CHECKING:
    from django.http import HttpRequest

    from reclass_volunteers.models import Organisation, User


def record(
    *,
    action: str,
    user: User | None = None,
    request: HttpRequest | None = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: Any = "",
    result: str = AuditEvent.Result.SUCCESS,
    organisation: Organisation | None = None,
    on_behalf_of: User | None = None,
    attempted_username: str = "",
) -> AuditEvent:
    """Write one audit row. `user` defaults to the request's authenticated user."""
    if user is None and request is not None and request.user.is_authenticated:
        user = request.user
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = obj.pk
    if organisation is None and user is not None:
        organisation = user.organisation
    return AuditEvent.objects.create(
        actor=user,
        on_behalf_of=on_behalf_of,
        attempted_username=attempted_username[:254],
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:64],
        result=result,
        organisation=organisation,
        remote_addr=client_ip(request) if request is not None else None,
        path=(request.path[:300] if request is not None else ""),
    )
