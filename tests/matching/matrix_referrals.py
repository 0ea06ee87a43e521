"""Role-matrix rows for the referral routes (merged into tests/test_role_matrix.py MATRIX).

The own object is a referral of organisation A's client to organisation B, turned into a
partner organisation, so the outsider (B's coordinator) is the receiving partner: they see it
(200) and may answer it (302), while A's side may not answer it (403: they see it, so refusing
reveals nothing). The foreign object is a referral of B's client to a third, partner
organisation: A's roles do not find it (404), the outsider is its sender.

- referral_create: staff of the client's organisation (the professional is the responsible
  one); the outsider gets B's client as their own (200) and A's client is 404.
- referral_list: every staff member, each sees their own organisation's referrals.
- referral_detail: both sides; volunteers never (403).
- referral_accept / decline / report_match / end: only the partner's coordinators and admins
  (professionals and volunteers 403 by role).
- referral_withdraw: only the sender side (coordinators, admins, the responsible professional).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from matching.models import Referral
from tests.conftest import World
from tests.matching.factories_referrals import PartnerFactory, make_partner, referral_for
from tests.matrix import STAFF_ONLY, A, C, O, P, Row, V

S = Referral.Status
# Sent before the dates the rows post, so reporting a volunteer or the end is accepted.
SENT_AT = datetime(2019, 12, 1, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))

READ = {C: 200, P: 200, V: 403, A: 200, O: 200}
# Answers: only the partner (the outsider on the own object).
ANSWER = {C: 403, P: 403, V: 403, A: 403, O: 302}
# On the foreign object (B -> a third organisation) A's managers find nothing, and the
# outsider is the sender, who may not answer.
ANSWER_FOREIGN = {C: 404, P: 403, V: 403, A: 404, O: 403}
WITHDRAW = {C: 302, P: 302, V: 403, A: 302, O: 403}


def _extra(status: str) -> dict[str, Any]:
    extra: dict[str, Any] = {"status": status, "sent_at": SENT_AT}
    if status == S.MATCHED:
        extra["matched_on"] = date(2019, 12, 15)
    return extra


def _own(status: str = S.SENT) -> Any:
    def build(w: World) -> dict[str, Any]:
        partner = make_partner(w.org_b)
        return {"pk": referral_for(w.client, partner, **_extra(status)).pk}

    return build


def _foreign(status: str = S.SENT) -> Any:
    def build(w: World) -> dict[str, Any]:
        return {"pk": referral_for(w.foreign_client, PartnerFactory(), **_extra(status)).pk}

    return build


def _answer(status: str, data: dict[str, str] | None = None) -> Row:
    return Row(
        "post",
        ANSWER,
        own=_own(status),
        foreign=_foreign(status),
        data=data or {},
        expect_foreign=ANSWER_FOREIGN,
    )


ROWS: dict[str, Row] = {
    "matching:referral_create": Row(
        "get",
        {C: 200, P: 200, V: 403, A: 200, O: 404},
        own=lambda w: {"client_pk": w.client.pk},
        foreign=lambda w: {"client_pk": w.foreign_client.pk},
    ),
    "matching:referral_list": Row("get", STAFF_ONLY),
    "matching:referral_detail": Row("get", READ, own=_own(), foreign=_foreign()),
    "matching:referral_accept": _answer(S.SENT),
    "matching:referral_decline": _answer(S.SENT, {"reason": "Geen plek"}),
    "matching:referral_report_match": _answer(
        S.ACCEPTED, {"partner_volunteer": "Henk de Vries", "matched_on": "2019-12-15"}
    ),
    "matching:referral_end": _answer(S.MATCHED, {"ended_on": "2020-01-01", "end_note": ""}),
    "matching:referral_withdraw": Row("post", WITHDRAW, own=_own(), foreign=_foreign()),
}
