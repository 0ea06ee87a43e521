"""Role-matrix rows for the match pages (merged into tests/test_role_matrix.py MATRIX; the row of
matching:match_list lives there).

Coordinators and admins move a match forward; they and the responsible professional end it and
keep a circle's lead, outer circle and reviews; the match's volunteers and its professional
evaluate it. A volunteer sees their own active match on a reduced page. A POST with data the
form refuses (no lead chosen) re-renders the match page: 200."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from clients.models import Client
from matching.models import Match, MatchVolunteer, OuterCircleMember
from reclass_volunteers.models import Organisation, User
from tests.conftest import World
from tests.factories import ClientFactory, MatchFactory, VolunteerFactory
from tests.matrix import A, C, O, P, Row, V
from volunteers.models import Volunteer

TODAY = date.today().isoformat()

# Read by everyone in scope; volunteers see their own active match (reduced).
READ = {C: 200, P: 200, V: 200, A: 200, O: 404}
MANAGE = {C: 302, P: 403, V: 403, A: 302, O: 404}
# Coordinators, admins and the responsible professional.
RESPONSIBLE = {C: 302, P: 302, V: 403, A: 302, O: 404}
RESPONSIBLE_FORM_ERROR = {C: 200, P: 200, V: 403, A: 200, O: 404}
EVALUATE = {C: 403, P: 200, V: 200, A: 403, O: 403}


# Builders shared with tests/matching/test_lifecycle*.py and test_match_views*.py.


def client_in(organisation: Organisation, professional: User | None = None) -> Client:
    extra = {"responsible_professional": professional} if professional is not None else {}
    return ClientFactory(organisation=organisation, status=Client.Status.MATCHED, **extra)


def match_of(
    organisation: Organisation,
    *,
    professional: User | None = None,
    kind: str = Match.Kind.BUDDY,
    status: str = Match.Status.ACTIVE,
    volunteers: list[Volunteer] | None = None,
    client: Client | None = None,
    **fields: Any,
) -> Match:
    """A match of `organisation` with its volunteers (the first is the lead); an active one
    started 60 days ago, a circle with 3 volunteers and a 12-week review period."""
    if volunteers is None:
        count = 3 if kind == Match.Kind.CIRCLE else 1
        volunteers = VolunteerFactory.create_batch(count, organisation=organisation)
    if status in (Match.Status.ACTIVE, Match.Status.ENDED):
        fields.setdefault("started_on", date.today() - timedelta(days=60))
    else:
        fields.setdefault("started_on", None)
    if status == Match.Status.ENDED:
        fields.setdefault("ended_on", date.today() - timedelta(days=1))
        fields.setdefault("end_reason", Match.EndReason.GOALS_REACHED)
    if kind == Match.Kind.CIRCLE and fields["started_on"] is not None:
        fields.setdefault("review_every_weeks", 12)
        fields.setdefault("planned_end_on", fields["started_on"] + timedelta(days=365))
    match = MatchFactory(
        client=client or client_in(organisation, professional), kind=kind, status=status, **fields
    )
    MatchVolunteer.objects.bulk_create(
        [MatchVolunteer(match=match, volunteer=v, is_lead=i == 0) for i, v in enumerate(volunteers)]
    )
    return match


def _proposed(organisation: Organisation, professional: User | None) -> dict[str, Any]:
    return {"pk": match_of(organisation, professional=professional, status="proposed").pk}


def _circle(organisation: Organisation, professional: User | None) -> Match:
    return match_of(organisation, professional=professional, kind=Match.Kind.CIRCLE)


def _own_circle(w: World) -> dict[str, Any]:
    return {"pk": _circle(w.org_a, w.professional).pk}


def _foreign_circle(w: World) -> dict[str, Any]:
    return {"pk": _circle(w.org_b, None).pk}


def _outer_member(organisation: Organisation, professional: User | None) -> dict[str, Any]:
    match = _circle(organisation, professional)
    member = OuterCircleMember.objects.create(
        match=match, role=OuterCircleMember.Role.POLICE, name="Wijkagent"
    )
    return {"match_pk": match.pk, "pk": member.pk}


ROWS: dict[str, Row] = {
    "matching:match_detail": Row(
        "get", READ, own=lambda w: {"pk": w.match.pk}, foreign=lambda w: {"pk": w.foreign_match.pk}
    ),
    "matching:match_advance": Row(
        "post",
        MANAGE,
        own=lambda w: _proposed(w.org_a, w.professional),
        foreign=lambda w: _proposed(w.org_b, None),
        data={"expected_status": "proposed"},
    ),
    "matching:match_end": Row(
        "post",
        RESPONSIBLE,
        own=lambda w: {"pk": w.match.pk},
        foreign=lambda w: {"pk": w.foreign_match.pk},
        data={
            "expected_status": "active",
            "ended_on": TODAY,
            "reason": "goals_reached",
            "client_status": "waiting",
        },
    ),
    "matching:match_evaluate": Row(
        "get",
        EVALUATE,
        own=lambda w: {"pk": w.match.pk},
        foreign=lambda w: {"pk": w.foreign_match.pk},
    ),
    "matching:match_set_lead": Row(
        "post", RESPONSIBLE_FORM_ERROR, own=_own_circle, foreign=_foreign_circle
    ),
    "matching:match_outer_add": Row(
        "post",
        RESPONSIBLE,
        own=_own_circle,
        foreign=_foreign_circle,
        data={"role": "police", "name": "Wijkagent Jansen"},
    ),
    "matching:match_outer_remove": Row(
        "post",
        RESPONSIBLE,
        own=lambda w: _outer_member(w.org_a, w.professional),
        foreign=lambda w: _outer_member(w.org_b, None),
    ),
    "matching:match_review_add": Row(
        "post",
        RESPONSIBLE,
        own=_own_circle,
        foreign=_foreign_circle,
        data={"held_on": TODAY, "summary": "Het gaat goed."},
    ),
}
