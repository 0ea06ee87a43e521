"""Role-matrix rows for the client routes (merged into tests/test_role_matrix.py MATRIX).

Staff keep client records; a volunteer sees only the client of their own active match, on the
volunteer's page. Closing or reopening the persona client fails (it has an active match, it is
not closed): the view still answers with a redirect and the message. Only coordinators and
admins record or remove conflicts of interest; an add without a volunteer re-renders the
client's page (200) with the error."""

from __future__ import annotations

from typing import Any

from clients.models import Client
from matching.models import ConflictOfInterest
from tests.conftest import World
from tests.factories import VolunteerFactory
from tests.matrix import STAFF_ONLY, A, C, O, P, Row, V

READ = {C: 200, P: 200, V: 200, A: 200, O: 404}
EDIT = {C: 200, P: 200, V: 403, A: 200, O: 404}
CHANGE = {C: 302, P: 302, V: 403, A: 302, O: 404}
CONFLICT_ADD = {C: 200, P: 403, V: 403, A: 200, O: 404}
CONFLICT_REMOVE = {C: 302, P: 403, V: 403, A: 302, O: 404}


def _own(w: World) -> dict[str, Any]:
    return {"pk": w.client.pk}


def _foreign(w: World) -> dict[str, Any]:
    return {"pk": w.foreign_client.pk}


def _conflict(client: Client) -> dict[str, Any]:
    volunteer = VolunteerFactory(organisation=client.organisation)
    conflict = ConflictOfInterest.objects.create(client=client, volunteer=volunteer)
    return {"pk": client.pk, "conflict_pk": conflict.pk}


ROWS: dict[str, Row] = {
    "clients:client_list": Row("get", STAFF_ONLY),
    "clients:client_create": Row("get", STAFF_ONLY),
    "clients:client_detail": Row("get", READ, own=_own, foreign=_foreign),
    "clients:client_edit": Row("get", EDIT, own=_own, foreign=_foreign),
    "clients:client_close": Row("post", CHANGE, own=_own, foreign=_foreign),
    "clients:client_reopen": Row("post", CHANGE, own=_own, foreign=_foreign),
    "clients:conflict_add": Row("post", CONFLICT_ADD, own=_own, foreign=_foreign),
    "clients:conflict_remove": Row(
        "post",
        CONFLICT_REMOVE,
        own=lambda w: _conflict(w.client),
        foreign=lambda w: _conflict(w.foreign_client),
    ),
}
