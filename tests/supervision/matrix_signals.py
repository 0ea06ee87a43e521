"""Role-matrix rows of the relapse-signal routes (merged into tests/test_role_matrix.py).

Volunteers report signals and see their own; staff see the signals in their scope (the
professional of organisation A is responsible for A's client); coordinators and professionals
acknowledge, administrators only read; only administrators set a professional's team lead.
Another organisation's signal is not found."""

from __future__ import annotations

from typing import Any

from matching.models import Match
from tests.matrix import A, C, O, P, Row, V, everyone
from tests.supervision.factories_signals import signal_for


def _signal(match: Match) -> dict[str, Any]:
    return {"pk": signal_for(match).pk}


ROWS: dict[str, Row] = {
    # Volunteers see their own list; staff the list of their scope.
    "supervision:signal_list": Row("get", everyone(200)),
    "supervision:signal_report": Row("get", {C: 403, P: 403, V: 200, A: 403, O: 403}),
    "supervision:signal_detail": Row(
        "get",
        {C: 200, P: 200, V: 200, A: 200, O: 404},
        own=lambda w: _signal(w.match),
        foreign=lambda w: _signal(w.foreign_match),
    ),
    "supervision:signal_acknowledge": Row(
        "post",
        {C: 302, P: 302, V: 403, A: 403, O: 404},
        own=lambda w: _signal(w.match),
        foreign=lambda w: _signal(w.foreign_match),
        data={"action_taken": "Gebeld met de cliënt, afspraak morgen."},
    ),
    "supervision:team_lead_set": Row(
        "post",
        {C: 403, P: 403, V: 403, A: 302, O: 403},
        own=lambda w: {"pk": w.professional.pk},
        foreign=lambda w: {"pk": w.foreign_client.responsible_professional_id},
        data={"team_lead": ""},
    ),
}
