"""Role-matrix rows of supervision notes, intervision and shared ways of working (merged into
tests/test_role_matrix.py).

The professional of organisation A supervises A's volunteer and facilitates A's intervision
group; the outsider coordinates organisation B, so B's objects are theirs. Writing guidance is
for professionals and coordinators; groups are managed by coordinators and administrators;
sessions are led by the facilitator and the coordinators; a volunteer answers only their own
invitation; ways of working are for staff only and only the author edits a note."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from reclass_volunteers.models import Organisation, User
from tests.conftest import World
from tests.matrix import STAFF_ONLY, A, C, O, P, Row, V
from tests.supervision.factories_guidance import (
    IntervisionGroupFactory,
    IntervisionInvitationFactory,
    IntervisionSessionFactory,
    PracticeNoteFactory,
)
from volunteers.models import Volunteer

READ = {C: 200, P: 200, V: 403, A: 200, O: 404}
MANAGE = {C: 200, P: 403, V: 403, A: 200, O: 404}
LEAD = {C: 200, P: 200, V: 403, A: 200, O: 404}
LEAD_POST = {C: 302, P: 302, V: 403, A: 302, O: 404}


def _group(organisation: Organisation, facilitator: User, member: Volunteer) -> Any:
    return IntervisionGroupFactory(
        organisation=organisation, facilitator=facilitator, members=[member]
    )


def _own_group(w: World) -> dict[str, Any]:
    return {"pk": _group(w.org_a, w.professional, w.volunteer).pk}


def _foreign_group(w: World) -> dict[str, Any]:
    return {"pk": _group(w.org_b, w.outsider, w.foreign_volunteer).pk}


def _session(w: World, *, own: bool, days: int) -> dict[str, Any]:
    group = (
        _group(w.org_a, w.professional, w.volunteer)
        if own
        else _group(w.org_b, w.outsider, w.foreign_volunteer)
    )
    session = IntervisionSessionFactory(
        group=group, starts_at=timezone.now() + timedelta(days=days)
    )
    IntervisionInvitationFactory(
        session=session, volunteer=w.volunteer if own else w.foreign_volunteer
    )
    return {"pk": session.pk}


def _invitation(w: World, *, own: bool) -> dict[str, Any]:
    session_pk = _session(w, own=own, days=7)["pk"]
    volunteer = w.volunteer if own else w.foreign_volunteer
    return {"pk": volunteer.intervision_invitations.get(session_id=session_pk).pk}


def _note(organisation: Organisation, author: User) -> dict[str, Any]:
    return {"pk": PracticeNoteFactory(organisation=organisation, author=author).pk}


ROWS: dict[str, Row] = {
    # --- Supervision notes ---
    "supervision:note_list": Row(
        "get",
        {C: 200, P: 200, V: 200, A: 200, O: 404},
        own=lambda w: {"pk": w.volunteer.pk},
        foreign=lambda w: {"pk": w.foreign_volunteer.pk},
    ),
    "supervision:note_create": Row(
        "get",
        {C: 200, P: 200, V: 403, A: 403, O: 404},
        own=lambda w: {"pk": w.volunteer.pk},
        foreign=lambda w: {"pk": w.foreign_volunteer.pk},
    ),
    "supervision:note_overdue": Row("get", STAFF_ONLY),
    # --- Intervision ---
    "supervision:intervision_group_list": Row("get", STAFF_ONLY),
    "supervision:intervision_group_create": Row("get", {C: 200, P: 403, V: 403, A: 200, O: 200}),
    "supervision:intervision_group_detail": Row(
        "get", READ, own=_own_group, foreign=_foreign_group
    ),
    "supervision:intervision_group_edit": Row(
        "get", MANAGE, own=_own_group, foreign=_foreign_group
    ),
    "supervision:intervision_session_create": Row(
        "get", LEAD, own=_own_group, foreign=_foreign_group
    ),
    "supervision:intervision_session_detail": Row(
        "get",
        READ,
        own=lambda w: _session(w, own=True, days=7),
        foreign=lambda w: _session(w, own=False, days=7),
    ),
    "supervision:intervision_attendance": Row(
        "post",
        LEAD_POST,
        own=lambda w: _session(w, own=True, days=-1),
        foreign=lambda w: _session(w, own=False, days=-1),
    ),
    "supervision:intervision_minutes": Row(
        "post",
        LEAD_POST,
        own=lambda w: _session(w, own=True, days=-1),
        foreign=lambda w: _session(w, own=False, days=-1),
        data={"minutes": "We spraken over grenzen stellen bij cadeautjes."},
    ),
    "supervision:intervision_mine": Row("get", {C: 403, P: 403, V: 200, A: 403, O: 403}),
    "supervision:intervision_rsvp": Row(
        "post",
        {C: 403, P: 403, V: 302, A: 403, O: 403},
        own=lambda w: _invitation(w, own=True),
        foreign=lambda w: _invitation(w, own=False),
        data={"answer": "yes"},
    ),
    # --- Shared ways of working ---
    "supervision:practice_list": Row("get", STAFF_ONLY),
    "supervision:practice_create": Row("get", {C: 200, P: 200, V: 403, A: 403, O: 200}),
    "supervision:practice_detail": Row(
        "get",
        READ,
        own=lambda w: _note(w.org_a, w.professional),
        foreign=lambda w: _note(w.org_b, w.outsider),
    ),
    # Only the author edits: here the coordinator wrote A's note and the outsider B's.
    "supervision:practice_edit": Row(
        "get",
        {C: 200, P: 403, V: 403, A: 403, O: 404},
        own=lambda w: _note(w.org_a, w.coordinator),
        foreign=lambda w: _note(w.org_b, w.outsider),
        expect_foreign={C: 404, P: 404, V: 403, A: 403, O: 200},
    ),
    "supervision:practice_comment": Row(
        "post",
        {C: 302, P: 302, V: 403, A: 302, O: 404},
        own=lambda w: _note(w.org_a, w.professional),
        foreign=lambda w: _note(w.org_b, w.outsider),
        data={"text": "Hoe pak je dat aan bij een cirkel?"},
    ),
}
