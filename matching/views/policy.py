"""The matching policy page: the weights of the suggestion criteria, the circle sizes, how many
suggestions are shown, and which trainings each risk flag requires. Coordinators and
administrators of the organisation; everyone else 403."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from matching.forms_policy import MatchingPolicyForm, weight_label
from matching.models import WEIGHT_FIELDS, FlagTraining, MatchingPolicy
from matching.services.policy import policy_update
from reclass_volunteers import access
from reclass_volunteers.forms import add_service_errors
from reclass_volunteers.models import Role, User


@dataclass(frozen=True)
class WeightShare:
    label: str
    weight: int
    percent: int


def _shares(policy: MatchingPolicy) -> list[WeightShare]:
    weights = {name: int(getattr(policy, name)) for name in WEIGHT_FIELDS}
    total = sum(weights.values()) or 1
    return [
        WeightShare(
            label=weight_label(name),
            weight=weight,
            percent=round(100 * weight / total),
        )
        for name, weight in weights.items()
    ]


@require_http_methods(["GET", "POST"])
@access.role_required(Role.COORDINATOR, Role.ADMIN)
def matching_policy(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User) and user.organisation is not None
    organisation = user.organisation
    policy = MatchingPolicy.for_organisation(organisation)
    courses = list(access.courses_visible_to(user).order_by("name"))
    required: dict[str, set[int]] = defaultdict(set)
    for flag, course_id in FlagTraining.objects.filter(organisation=organisation).values_list(
        "flag", "course_id"
    ):
        required[flag].add(course_id)
    shares = _shares(policy)  # as saved, not as typed in a refused form
    form = MatchingPolicyForm(
        request.POST if request.method == "POST" else None,
        policy=policy,
        courses=courses,
        required=required,
    )
    if request.method == "POST" and form.is_valid():
        try:
            policy_update(by=user, organisation=organisation, **form.service_arguments(courses))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The matching policy has been saved."))
            return redirect("matching:matching_policy")
    return render(
        request,
        "matching/policy_edit.html",
        {
            "form": form,
            "organisation": organisation,
            "shares": shares,
            "has_courses": bool(courses),
            "is_saved": policy.pk is not None,
        },
    )


urlpatterns = [
    path("beleid/", matching_policy, name="matching_policy"),
]
