"""The public application form (no log-in) and the organisation's volunteer policy."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from reclass_volunteers import access, audit
from reclass_volunteers.client_ip import client_ip
from reclass_volunteers.forms import add_service_errors
from reclass_volunteers.models import Organisation, Role, User
from volunteers.forms_application import ApplicationForm, VolunteerPolicyForm
from volunteers.models import VolunteerPolicy
from volunteers.services.pipeline import volunteer_apply


@login_not_required
@never_cache  # the form carries this visitor's CSRF token
def apply(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    policy = VolunteerPolicy.for_organisation(organisation)
    if not policy.applications_open:
        return render(request, "volunteers/apply_closed.html", {"organisation": organisation})
    data = request.POST if request.method == "POST" else None
    form = ApplicationForm(data, minimum_age=policy.minimum_age)
    if request.method == "POST" and form.is_spam():
        # A robot filled the hidden field: it sees the usual thanks and learns nothing.
        return redirect("volunteers:apply_thanks", organisation_id=organisation.pk)
    if request.method == "POST" and form.is_valid():
        try:
            volunteer_apply(
                organisation=organisation, answers=form.answers(), sender=client_ip(request)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("volunteers:apply_thanks", organisation_id=organisation.pk)
    return render(
        request,
        "volunteers/apply_form.html",
        {"form": form, "organisation": organisation, "policy": policy},
    )


@login_not_required
@require_GET
def apply_thanks(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    return render(request, "volunteers/apply_thanks.html", {"organisation": organisation})


@login_not_required
@require_GET
def privacy_statement(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    return render(
        request,
        "volunteers/apply_privacy.html",
        {"organisation": organisation, "policy": VolunteerPolicy.for_organisation(organisation)},
    )


@access.role_required(Role.COORDINATOR, Role.ADMIN)
def policy_edit(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User) and user.organisation is not None
    organisation = user.organisation
    policy = VolunteerPolicy.for_organisation(organisation)
    applications_open = policy.applications_open  # as saved, not as typed in an invalid form
    data = request.POST if request.method == "POST" else None
    form = VolunteerPolicyForm(data, instance=policy)
    if request.method == "POST" and form.is_valid():
        if form.has_changed():
            form.save()
            audit.record(action="volunteer_policy.update", request=request, obj=policy)
        messages.success(request, _("The volunteer policy has been saved."))
        return redirect("volunteers:policy_edit")
    apply_url = request.build_absolute_uri(
        reverse("volunteers:apply", kwargs={"organisation_id": organisation.pk})
    )
    return render(
        request,
        "volunteers/policy_edit.html",
        {
            "form": form,
            "organisation": organisation,
            "apply_url": apply_url,
            "applications_open": applications_open,
        },
    )


urlpatterns = [
    path("aanmelden/<int:organisation_id>/", apply, name="apply"),
    path("aanmelden/<int:organisation_id>/bedankt/", apply_thanks, name="apply_thanks"),
    path("aanmelden/<int:organisation_id>/privacy/", privacy_statement, name="privacy_statement"),
    path("beleid/", policy_edit, name="policy_edit"),
]
