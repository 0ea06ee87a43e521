"""Role-matrix rows of the volunteer portal, contact reports, discussion points and circle
minutes (merged into tests/test_role_matrix.py).

Portal pages are for volunteers only (others 403); another organisation's match or report is
404 for them. Staff pages follow access.py: the professional of the world is both the client's
responsible professional and the volunteer's supervisor. Administrators read but do not answer
volunteers (403 on the answering POSTs)."""

from __future__ import annotations

from typing import Any

from supervision.models import ContactReport
from tests.conftest import World
from tests.matrix import STAFF_ONLY, A, C, O, P, Row, V
from tests.supervision.factories_reports import (
    ContactReportFactory,
    DiscussionPointFactory,
    ReportReplyFactory,
    circle_with,
)

VOLUNTEER_ONLY = {C: 403, P: 403, V: 200, A: 403, O: 403}
VOLUNTEER_POST = {C: 403, P: 403, V: 302, A: 403, O: 403}
READ = {C: 200, P: 200, V: 403, A: 200, O: 404}
ANSWER = {C: 302, P: 302, V: 403, A: 403, O: 404}


def _report(w: World, *, own: bool) -> ContactReport:
    match = w.match if own else w.foreign_match
    volunteer = w.volunteer if own else w.foreign_volunteer
    return ContactReportFactory(match=match, volunteer=volunteer)


def _report_with_question(w: World, *, own: bool) -> dict[str, Any]:
    report = _report(w, own=own)
    author = w.professional if own else w.outsider
    ReportReplyFactory(report=report, author=author, is_question=True, text="Hoe ging het?")
    return {"pk": report.pk}


def _point(w: World, *, own: bool) -> dict[str, Any]:
    volunteer = w.volunteer if own else w.foreign_volunteer
    return {"pk": DiscussionPointFactory(volunteer=volunteer).pk}


def _circle(w: World, *, own: bool) -> dict[str, Any]:
    volunteer = w.volunteer if own else w.foreign_volunteer
    client = w.client if own else w.foreign_client
    return {"match_pk": circle_with(volunteer, client=client).pk}


ROWS: dict[str, Row] = {
    "supervision:portal": Row("get", VOLUNTEER_ONLY),
    "supervision:report_create": Row(
        "get",
        VOLUNTEER_ONLY,
        own=lambda w: {"match_pk": w.match.pk},
        foreign=lambda w: {"match_pk": w.foreign_match.pk},
    ),
    "supervision:portal_report": Row(
        "get",
        VOLUNTEER_ONLY,
        own=lambda w: {"pk": _report(w, own=True).pk},
        foreign=lambda w: {"pk": _report(w, own=False).pk},
    ),
    "supervision:report_answer": Row(
        "post",
        VOLUNTEER_POST,
        own=lambda w: _report_with_question(w, own=True),
        foreign=lambda w: _report_with_question(w, own=False),
        data={"text": "Goed, dank je."},
    ),
    "supervision:discussion_create": Row("get", VOLUNTEER_ONLY),
    "supervision:minutes_create": Row(
        "get",
        VOLUNTEER_ONLY,
        own=lambda w: _circle(w, own=True),
        foreign=lambda w: _circle(w, own=False),
    ),
    "supervision:report_list": Row("get", STAFF_ONLY),
    "supervision:report_detail": Row(
        "get",
        READ,
        own=lambda w: {"pk": _report(w, own=True).pk},
        foreign=lambda w: {"pk": _report(w, own=False).pk},
    ),
    "supervision:report_mark_read": Row(
        "post",
        ANSWER,
        own=lambda w: {"pk": _report(w, own=True).pk},
        foreign=lambda w: {"pk": _report(w, own=False).pk},
    ),
    "supervision:report_reply": Row(
        "post",
        ANSWER,
        own=lambda w: {"pk": _report(w, own=True).pk},
        foreign=lambda w: {"pk": _report(w, own=False).pk},
        data={"text": "Dank je wel."},
    ),
    "supervision:discussion_list": Row("get", STAFF_ONLY),
    "supervision:discussion_detail": Row(
        "get", READ, own=lambda w: _point(w, own=True), foreign=lambda w: _point(w, own=False)
    ),
    "supervision:discussion_address": Row(
        "post",
        ANSWER,
        own=lambda w: _point(w, own=True),
        foreign=lambda w: _point(w, own=False),
        data={"response": "Goed dat je het zegt; laten we het bespreken."},
    ),
    "supervision:minutes_list": Row(
        "get",
        READ,
        own=lambda w: {"match_pk": w.match.pk},
        foreign=lambda w: {"match_pk": w.foreign_match.pk},
    ),
}
