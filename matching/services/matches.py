"""Making a match (issue 4, item 3). The lifecycle after it lives in `lifecycle.py`.

`match_create` is the one way a match comes into being, from the suggestions page, the
waiting list or a coordinator's own pick. It re-checks every hard rule of the engine on fresh
data under row locks, so a match that breaks one is refused also when posted directly, and of
two coordinators taking a volunteer's last free place at once one succeeds and the other is told.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from clients.models import Client
from matching import engine, facts, fast
from matching.models import Match, MatchingPolicy, MatchVolunteer
from reclass_volunteers import audit, outbox
from reclass_volunteers.models import Role, User
from volunteers.models import Volunteer

MATCH_MAKERS = (Role.COORDINATOR, Role.ADMIN)


def top_volunteer_ids(client: Client, count: int) -> list[int]:
    """The ids of the `count` best suggestions for this client, best first."""
    organisation = client.organisation
    weights = facts.weights_for(MatchingPolicy.for_organisation(organisation))
    result = fast.suggest_fast(
        facts.client_facts(client),
        fast.VolunteerTable.load(organisation),
        weights,
        limit=count,
        excluded_limit=0,
    )
    return [s.volunteer.id for s in result.suggestions]


def _check_size(kind: str, count: int, policy: MatchingPolicy) -> None:
    if kind == Match.Kind.BUDDY and count != 1:
        raise ValidationError(_("A match with one volunteer needs exactly one volunteer."))
    if kind == Match.Kind.CIRCLE and not (
        policy.circle_min_size <= count <= policy.circle_max_size
    ):
        raise ValidationError(
            _("A circle has %(min)d to %(max)d volunteers; you chose %(count)d.")
            % {"min": policy.circle_min_size, "max": policy.circle_max_size, "count": count}
        )


@transaction.atomic
def match_create(
    *,
    by: User,
    client: Client,
    volunteers: Sequence[Volunteer],
    lead: Volunteer | None = None,
    kind: str = Match.Kind.BUDDY,
    goals: str = "",
    override_reason: str = "",
    suggested_score: float | None = None,
    starts_in_prison: bool = False,
) -> Match:
    """Propose a match of these volunteers with this client.

    Refused (ValidationError, nothing written) when the user may not make matches, the client
    has no recorded consent or is not waiting, the number of volunteers does not fit the kind,
    any volunteer breaks a hard rule (the messages name each rule), or the coordinator chose
    other volunteers than the best suggestions without saying why.
    """
    organisation = client.organisation
    if by.role not in MATCH_MAKERS or by.organisation_id != organisation.pk:
        raise ValidationError(_("Only the organisation's coordinators make matches."))
    if kind not in Match.Kind.values:
        raise ValidationError(_("Unknown kind of match."))
    # The client first, then the volunteers in id order: every caller locks in this order.
    client = Client.objects.select_for_update().get(pk=client.pk)
    if not client.has_consent:
        raise ValidationError(
            _(
                "%(client)s has not consented to volunteer support. Record the consent on the "
                "client's page first."
            )
            % {"client": client.code}
        )
    if client.status != Client.Status.WAITING:
        raise ValidationError(
            _("%(client)s is not waiting for a volunteer (status: %(status)s).")
            % {"client": client.code, "status": client.get_status_display()}
        )
    ids = list(dict.fromkeys(v.pk for v in volunteers))
    policy = MatchingPolicy.for_organisation(organisation)
    _check_size(kind, len(ids), policy)
    locked = list(
        Volunteer.objects.select_for_update()
        .filter(pk__in=ids, organisation=organisation)
        .order_by("pk")
    )
    if len(locked) != len(ids):
        raise ValidationError(_("Choose volunteers of your own organisation."))
    lead_id = lead.pk if lead is not None else ids[0]
    if lead_id not in ids:
        raise ValidationError(_("The lead volunteer must be one of the chosen volunteers."))

    # Fresh facts after the locks: a place taken a moment ago by another coordinator counts.
    client_facts = facts.client_facts(client)
    problems: list[str] = []
    for volunteer_facts in facts.volunteer_facts(organisation, volunteer_ids=ids):
        failures = engine.hard_rule_failures(volunteer_facts, client_facts)
        if failures:
            reasons = " ".join(failure.text for failure in failures)
            problems.append(f"{volunteer_facts.name}: {reasons}")
    if problems:
        raise ValidationError([_("This match breaks a rule that cannot be overridden."), *problems])

    override_reason = override_reason.strip()
    # A written reason makes the ranking unnecessary: it is the expensive part under the locks.
    if not override_reason and set(top_volunteer_ids(client, len(ids))) != set(ids):
        raise ValidationError(
            {
                "override_reason": _(
                    "You chose someone other than the best suggestion. Write down why: your "
                    "judgement counts, and the next coordinator will want to know."
                )
            }
        )

    match = Match(
        organisation=organisation,
        client=client,
        kind=kind,
        responsible_professional=client.responsible_professional,
        goals=goals.strip(),
        override_reason=override_reason,
        suggested_score=suggested_score,
        starts_in_prison=starts_in_prison if kind == Match.Kind.CIRCLE else False,
        created_by=by,
    )
    match.full_clean()
    match.save()
    MatchVolunteer.objects.bulk_create(
        [MatchVolunteer(match=match, volunteer_id=pk, is_lead=pk == lead_id) for pk in ids]
    )
    client.status = Client.Status.MATCHED
    client.save(update_fields=["status", "updated_at"])
    audit.record(action="match.create", user=by, obj=match)
    url = reverse("matching:match_detail", args=[match.pk])
    outbox.notify(
        kind="match.proposed",
        recipient=client.responsible_professional,
        title=_("A volunteer is proposed for %(client)s") % {"client": client.code},
        subject=match,
        url=url,
    )
    for volunteer in locked:
        if volunteer.user_id is not None:
            outbox.notify(
                kind="match.proposed",
                recipient=volunteer.user,
                title=_("You are proposed for a new match; your coordinator will contact you."),
                subject=match,
                url=url,
            )
    return match
