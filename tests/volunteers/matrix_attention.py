"""Role-matrix rows of the personal attention pages (issue 6), merged into
tests/test_role_matrix.py MATRIX; `attention_item` makes the items for them and for the tests.

Personal attention is the coordinators' work: coordinators and administrators (who are
coordinators of the organisation too) read and act; professionals and volunteers get 403; an
item of another organisation is 404. The own item is about A's volunteer, who has an account,
so sending succeeds (302); the foreign one about a volunteer of B with an account, so the
outsider (for whom it is their own) gets 302 as well."""

from __future__ import annotations

from datetime import date
from typing import Any

from reclass_volunteers.models import Role
from tests.conftest import World
from tests.factories import UserFactory, VolunteerFactory
from tests.matrix import A, C, O, P, Row, V
from volunteers.models import AttentionItem, Volunteer

ACT = {C: 302, P: 403, V: 403, A: 302, O: 404}


def attention_item(
    volunteer: Volunteer,
    *,
    kind: str = AttentionItem.Kind.BIRTHDAY,
    occasion: str = "2025",
    due_on: date = date(2025, 6, 25),
    **fields: Any,
) -> AttentionItem:
    defaults: dict[str, Any] = {
        "title": f"Verjaardag van {volunteer.full_name}",
        "suggested_message": f"Dear {volunteer.first_name}, happy birthday!",
    }
    defaults.update(fields)
    return AttentionItem.objects.create(
        organisation=volunteer.organisation,
        volunteer=volunteer,
        kind=kind,
        occasion=occasion,
        due_on=due_on,
        **defaults,
    )


def _foreign_volunteer(w: World) -> Volunteer:
    user = UserFactory(organisation=w.org_b, role=Role.VOLUNTEER)
    return VolunteerFactory(organisation=w.org_b, user=user)


def _own(w: World) -> dict[str, Any]:
    return {"pk": attention_item(w.volunteer).pk}


def _foreign(w: World) -> dict[str, Any]:
    return {"pk": attention_item(_foreign_volunteer(w)).pk}


def _own_day(w: World) -> dict[str, Any]:
    attention_item(w.volunteer, kind=AttentionItem.Kind.VOLUNTEER_DAY, occasion="2025")
    return {"occasion": "2025"}


def _foreign_day(w: World) -> dict[str, Any]:
    attention_item(_foreign_volunteer(w), kind=AttentionItem.Kind.VOLUNTEER_DAY, occasion="2024")
    return {"occasion": "2024"}


MESSAGE = {"message": "Lieve Vera, van harte!", "seen_status": "open"}

ROWS: dict[str, Row] = {
    "volunteers:attention_list": Row("get", {C: 200, P: 403, V: 403, A: 200, O: 200}),
    "volunteers:attention_send": Row("post", ACT, own=_own, foreign=_foreign, data=MESSAGE),
    "volunteers:attention_done": Row(
        "post", ACT, own=_own, foreign=_foreign, data={"note": "Gebeld", "seen_status": "open"}
    ),
    "volunteers:attention_skip": Row(
        "post", ACT, own=_own, foreign=_foreign, data={"seen_status": "open"}
    ),
    "volunteers:attention_send_day": Row(
        "post", ACT, own=_own_day, foreign=_foreign_day, data={"message": "Dank je wel!"}
    ),
}
