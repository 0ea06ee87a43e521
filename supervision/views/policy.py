"""The supervision policy page: how fast signals must be acknowledged, the emergency number,
what volunteers may spend, and the volunteer allowance, with the tax-free allowance limits
(read only: they are national, not the organisation's). Coordinators and administrators of the
organisation; everyone else 403."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from reclass_volunteers import access
from reclass_volunteers.models import Role, User
from supervision.forms_policy import SupervisionPolicyForm
from supervision.models import AllowanceLimit, SupervisionPolicy
from supervision.services.policy import SEVERITY_ORDER, hours_and_minutes, policy_update


@require_http_methods(["GET", "POST"])
@access.role_required(Role.COORDINATOR, Role.ADMIN)
def supervision_policy(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User) and user.organisation is not None
    organisation = user.organisation
    policy = SupervisionPolicy.for_organisation(organisation)
    # As saved, not as typed in a refused form.
    saved_deadlines = [
        (severity, hours_and_minutes(policy.deadline_minutes(severity)))
        for severity in SEVERITY_ORDER
    ]
    form = SupervisionPolicyForm(request.POST if request.method == "POST" else None, policy=policy)
    if request.method == "POST" and form.is_valid():
        try:
            policy_update(by=user, organisation=organisation, **form.service_arguments())
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("The supervision policy has been saved."))
            return redirect("supervision:supervision_policy")
    today = timezone.localdate()
    return render(
        request,
        "supervision/policy_edit.html",
        {
            "form": form,
            "organisation": organisation,
            "is_saved": policy.pk is not None,
            "deadline_rows": [
                (label, hours, minutes, saved)
                for (label, hours, minutes), (_severity, saved) in zip(
                    form.deadline_rows(), saved_deadlines, strict=True
                )
            ],
            "limits": AllowanceLimit.objects.order_by("-valid_from"),
            "current_limit": AllowanceLimit.on(today),
        },
    )


urlpatterns: list[URLPattern] = [
    path("beleid/", supervision_policy, name="supervision_policy"),
]
