"""The Django admin is for operations (superusers) only; organisations use their own pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from reclass_volunteers.models import (
    AuditEvent,
    Invitation,
    Notification,
    Organisation,
    SweepRun,
    User,
)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ["name", "kind"]
    fields = ["name", "kind", "description"]


@admin.register(User)
class UserAdmin(admin.ModelAdmin[User]):
    list_display = ["email", "full_name", "organisation", "role", "is_active"]
    list_filter = ["role", "is_active", "organisation"]
    search_fields = ["email", "full_name"]
    fields = ["email", "full_name", "phone", "organisation", "role", "is_active"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin[Invitation]):
    list_display = ["email", "organisation", "role", "created_at", "expires_at", "accepted_at"]
    fields = ["email", "organisation", "role", "created_at", "expires_at", "accepted_at"]
    readonly_fields = fields  # type: ignore[assignment]  # same strings, narrower stub

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ["title", "kind", "recipient", "email_status", "email_attempts", "created_at"]
    list_filter = ["email_status", "kind"]
    fields = [
        "title",
        "kind",
        "recipient",
        "email_status",
        "email_attempts",
        "created_at",
        "occasion",
        "next_attempt_at",
        "sent_at",
        "last_error",
    ]
    readonly_fields = fields  # type: ignore[assignment]  # same strings, narrower stub

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """Read-only: the audit log offers no change or delete anywhere."""

    list_display = ["at", "actor", "action", "object_type", "object_id", "result", "remote_addr"]
    list_filter = ["result", "action"]
    fields = [
        "at",
        "actor",
        "action",
        "object_type",
        "object_id",
        "result",
        "remote_addr",
        "on_behalf_of",
        "organisation",
        "attempted_username",
        "path",
    ]
    readonly_fields = fields  # type: ignore[assignment]  # same strings, narrower stub

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SweepRun)
class SweepRunAdmin(admin.ModelAdmin[SweepRun]):
    """The operations page of the reminder sweeps: each run, what it sent, what failed."""

    list_display = ["name", "started_at", "finished_at", "sent", "skipped", "failed"]
    list_filter = ["name"]
    fields = ["name", "started_at", "finished_at", "sent", "skipped", "error"]
    readonly_fields = fields  # type: ignore[assignment]  # same strings, narrower stub

    @admin.display(boolean=True, description="failed")
    def failed(self, run: SweepRun) -> bool:
        return bool(run.error)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
