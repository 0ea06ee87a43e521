"""Make the audit log append-only in the database itself: UPDATE and DELETE raise an error.

TRUNCATE is deliberately not blocked: it is what test-database teardown uses, and it needs
table-owner rights the application role should not have in production (docs/operations.md).
"""

from __future__ import annotations

from django.db import migrations

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION reclass_audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER reclass_audit_append_only
    BEFORE UPDATE OR DELETE ON reclass_volunteers_auditevent
    FOR EACH ROW EXECUTE FUNCTION reclass_audit_refuse_change();
"""
POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS reclass_audit_append_only ON reclass_volunteers_auditevent;
DROP FUNCTION IF EXISTS reclass_audit_refuse_change();
"""
SQLITE_FORWARD = [
    """CREATE TRIGGER reclass_audit_no_update BEFORE UPDATE ON reclass_volunteers_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only (UPDATE refused)'); END;""",
    """CREATE TRIGGER reclass_audit_no_delete BEFORE DELETE ON reclass_volunteers_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only (DELETE refused)'); END;""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS reclass_audit_no_update;",
    "DROP TRIGGER IF EXISTS reclass_audit_no_delete;",
]


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("reclass_volunteers", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
