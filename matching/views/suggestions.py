"""The suggestions page of one client (issue 4, items 2 and 3): the best volunteers with the
score of every criterion explained, the volunteers left out with every rule they break, and the
form that turns a suggestion (or the coordinator's own pick) into a match.

Coordinators and administrators only: they make matches. The page reads the organisation's
volunteers as facts in a fixed number of queries (`matching.facts`) and ranks them with
`matching.fast.suggest_fast`, which gives the engine's results without explaining every one of
thousands of volunteers. `match_create` re-checks everything under locks, so the form only
validates input.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from clients.models import Client, NeedPriority, RiskFlag
from matching import engine, facts
from matching.fast import VolunteerTable, suggest_fast
from matching.forms_suggestions import MatchForm
from matching.models import MatchingPolicy
from matching.services.matches import match_create
from reclass_volunteers import access, audit
from reclass_volunteers.forms import add_service_errors
from reclass_volunteers.models import Role, User
from volunteers.choices import ActivityType, slot_label

MATCH_MAKERS = (Role.COORDINATOR, Role.ADMIN)
# Excluded volunteers listed by name with their reasons; the rest are only counted per rule.
EXCLUSIONS_SHOWN = 20

RULE_LABELS: dict[str, Promise] = {
    "inactive": gettext_lazy("Not active (paused)"),
    "no_certificate": gettext_lazy("No valid certificate of conduct"),
    "missing_training": gettext_lazy("Missing a training this client's risk flags require"),
    "not_willing": gettext_lazy("Does not want to work with this client group"),
    "at_capacity": gettext_lazy("No free place: already at their maximum number of matches"),
    "conflict_of_interest": gettext_lazy("Declared a conflict of interest with this client"),
    "experience_expert_unsuitable": gettext_lazy(
        "Experience expert, while this client's needs do not fit one"
    ),
}


@dataclass(frozen=True)
class CriterionRow:
    label: str
    percent: int  # the criterion's own score, 0..100
    points: float  # what it adds to the total
    max_points: float  # what it could add: its share of the weights
    explanation: str


@dataclass(frozen=True)
class SuggestionRow:
    rank: int
    id: int
    name: str
    total: float
    criteria: list[CriterionRow]


@dataclass(frozen=True)
class ExclusionRow:
    id: int
    name: str
    reasons: list[str]


@dataclass(frozen=True)
class RuleCount:
    key: str
    label: str
    count: int


def _client_summary(client: Client, required: frozenset[str]) -> dict[str, object]:
    """What the coordinator needs to judge the suggestions (staff-only page: flags included)."""
    activities = dict(ActivityType.choices)
    flags = dict(RiskFlag.choices)
    return {
        "needs": [
            (label, NeedPriority(priority).label if priority in NeedPriority.values else priority)
            for _key, label, priority in client.needs_by_priority()
        ],
        "flags": [str(flags.get(flag, flag)) for flag in client.risk_flags or []],
        "required_trainings": sorted(required),
        "languages": list(client.languages or []),
        "availability": [slot_label(slot) for slot in client.availability or []],
        "preferences": [str(activities.get(key, key)) for key in client.preferences or []],
    }


def _blocked_reason(client: Client) -> str:
    """Why no match can be made for this client now; empty when one can."""
    if not client.has_consent:
        return _(
            "%(client)s has not consented to volunteer support. Record the consent on the "
            "client's page first: until then no volunteer can be suggested or matched."
        ) % {"client": client.code}
    if client.status != Client.Status.WAITING:
        return _(
            "%(client)s is not waiting for a volunteer (status: %(status)s). Suggestions are "
            "made only for clients on the waiting list."
        ) % {"client": client.code, "status": client.get_status_display()}
    return ""


def _suggestion_rows(suggestions: list[engine.Suggestion]) -> list[SuggestionRow]:
    return [
        SuggestionRow(
            rank=rank,
            id=s.volunteer.id,
            name=s.volunteer.name,
            total=s.total,
            criteria=[
                CriterionRow(
                    label=c.label,
                    percent=round(100 * c.score),
                    points=c.contribution,
                    max_points=100 * c.weight,
                    explanation=c.explanation,
                )
                for c in s.criteria
            ],
        )
        for rank, s in enumerate(suggestions, start=1)
    ]


def _suggested_score(
    ids: list[int],
    table: VolunteerTable,
    client: engine.ClientFacts,
    weights: engine.Weights,
) -> float | None:
    """The engine's total of the chosen volunteers (their mean for a circle); None when one of
    them is not eligible, which the service will refuse anyway."""
    totals: list[float] = []
    for pk in ids:
        volunteer = table.volunteer_by_id(pk)
        if volunteer is None or engine.hard_rule_failures(volunteer, client):
            return None
        criteria = engine.score(volunteer, client, weights)
        totals.append(min(sum(c.contribution for c in criteria), 100.0))
    return round(sum(totals) / len(totals), 6) if totals else None


def _posted_ids(form: MatchForm, name: str) -> set[str]:
    value = form[name].value()
    if value is None:
        return set()
    if isinstance(value, list | tuple):
        return {str(v) for v in value}
    return {str(value)}


@require_http_methods(["GET", "POST"])
@access.role_required(*MATCH_MAKERS)
def client_suggestions(request: HttpRequest, client_pk: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    client = access.get_or_404(
        request,
        access.clients_visible_to(user).select_related("organisation", "responsible_professional"),
        pk=client_pk,
    )
    audit.record(action="client.suggestions", request=request, obj=client)
    organisation = client.organisation
    required_by_flag = facts.required_trainings(organisation)
    client_facts = facts.client_facts(client, required_by_flag)
    context: dict[str, object] = {
        "client": client,
        "summary": _client_summary(client, client_facts.required_trainings),
    }
    blocked = _blocked_reason(client)
    if blocked:
        context["blocked"] = blocked
        return render(request, "matching/suggestion_list.html", context)

    policy = MatchingPolicy.for_organisation(organisation)
    weights = facts.weights_for(policy)
    table = VolunteerTable.load(organisation)
    result = suggest_fast(
        client_facts,
        table,
        weights,
        limit=policy.suggestions_shown,
        excluded_limit=EXCLUSIONS_SHOWN,
    )
    by_name = sorted(table.roster(), key=lambda row: (row[1], row[0]))
    candidates = [(pk, name) for pk, name, _active in by_name]
    active = [(pk, name) for pk, name, is_active in by_name if is_active]
    form = MatchForm(
        request.POST if request.method == "POST" else None, candidates=candidates, active=active
    )
    if request.method == "POST" and form.is_valid():
        ids = form.chosen_ids()
        chosen = {v.pk: v for v in access.volunteers_visible_to(user).filter(pk__in=ids)}
        lead_id = form.cleaned_data["lead"]
        try:
            match = match_create(
                by=user,
                client=client,
                volunteers=[chosen[pk] for pk in ids if pk in chosen],
                lead=chosen.get(lead_id) if lead_id is not None else None,
                kind=form.cleaned_data["kind"],
                goals=form.cleaned_data["goals"],
                override_reason=form.cleaned_data["override_reason"],
                suggested_score=_suggested_score(ids, table, client_facts, weights),
                starts_in_prison=form.cleaned_data["starts_in_prison"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            names = ", ".join(chosen[pk].full_name for pk in ids if pk in chosen)
            messages.success(
                request,
                _(
                    "The match of %(client)s with %(volunteers)s is proposed. The responsible "
                    "professional and the volunteers with an account have been notified."
                )
                % {"client": client.code, "volunteers": names},
            )
            return redirect("matching:match_detail", pk=match.pk)

    rows = _suggestion_rows(result.suggestions)
    shown_ids = {str(row.id) for row in rows}
    candidate_names = dict(candidates)
    picked_others = _posted_ids(form, "others")
    # The lead can be any chosen volunteer: the suggestions, and whoever was picked besides.
    lead_options = [(str(row.id), row.name) for row in rows] + [
        (pk, candidate_names[int(pk)])
        for pk in sorted(picked_others - shown_ids)
        if pk.isdigit() and int(pk) in candidate_names
    ]
    context.update(
        {
            "form": form,
            "policy": policy,
            "suggestions": rows,
            "eligible_total": result.eligible_total,
            "excluded_total": result.excluded_total,
            "considered_total": len(table),
            "rule_counts": [
                RuleCount(key=key, label=str(RULE_LABELS.get(key, key)), count=count)
                for key, count in result.excluded_by_rule.items()
            ],
            "exclusions": [
                ExclusionRow(
                    id=e.volunteer.id,
                    name=e.volunteer.name,
                    reasons=[reason.text for reason in e.reasons],
                )
                for e in result.exclusions
            ],
            "exclusions_hidden": max(result.excluded_total - len(result.exclusions), 0),
            "active_volunteers": [(str(pk), name) for pk, name in active],
            "checked": _posted_ids(form, "volunteers"),
            "picked_others": picked_others,
            "picked_lead": _posted_ids(form, "lead"),
            "lead_options": lead_options,
        }
    )
    return render(request, "matching/suggestion_list.html", context)


urlpatterns = [
    path("clienten/<int:client_pk>/suggesties/", client_suggestions, name="client_suggestions"),
]
