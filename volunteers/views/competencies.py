"""Competency pages: the organisation's catalogue, a profile per role, assessments of a
volunteer over time, and the competencies panel on a volunteer's page.

Coordinators and admins edit the catalogue and the role profiles; professionals read them and,
like coordinators, assess the volunteers they may see; volunteers see their own assessments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reclass_volunteers import access
from reclass_volunteers.forms import add_service_errors
from reclass_volunteers.models import Organisation, Role, User
from volunteers import pipeline
from volunteers.choices import VolunteerRole
from volunteers.forms_competencies import AssessmentForm, CompetencyForm, RoleProfileForm
from volunteers.models import (
    Assessment,
    Competency,
    IntakeScore,
    RoleCompetency,
    RoleProfile,
    Volunteer,
)
from volunteers.services import competencies

MANAGERS = (Role.COORDINATOR, Role.ADMIN)
PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _organisation(user: User) -> Organisation:
    # access.role_required lets only members of an organisation through.
    assert user.organisation is not None
    return user.organisation


# Scoped reads: the user's own organisation (views are gated by role first).


# --- Catalogue -------------------------------------------------------------------------------


@access.role_required(*access.STAFF)
def competency_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    used = OuterRef("pk")
    qs = access.competencies_visible_to(user).annotate(
        assessed=Exists(Assessment.objects.filter(competency=used)),
        scored=Exists(IntakeScore.objects.filter(competency=used)),
        required=Exists(RoleCompetency.objects.filter(competency=used)),
    )
    show = request.GET.get("show", "active")
    if show == "retired":
        qs = qs.filter(is_active=False)
    elif show != "all":
        show = "active"
        qs = qs.filter(is_active=True)
    page = Paginator(qs.order_by("name"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/competency_list.html",
        {"page": page, "show": show, "can_manage": user.role in MANAGERS},
    )


@access.role_required(*MANAGERS)
def competency_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = CompetencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            competency = competencies.competency_create(
                organisation=_organisation(user), by=user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The competency “%(name)s” was added.") % {"name": competency}
            )
            return redirect("volunteers:competency_list")
    return render(request, "volunteers/competency_form.html", {"form": form, "competency": None})


@access.role_required(*MANAGERS)
def competency_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    competency = access.get_or_404(request, access.competencies_visible_to(user), pk=pk)
    form = CompetencyForm(request.POST or None, instance=competency)
    if request.method == "POST" and form.is_valid():
        try:
            competencies.competency_update(competency=competency, by=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The competency was saved."))
            return redirect("volunteers:competency_list")
        competency.refresh_from_db()
    return render(
        request, "volunteers/competency_form.html", {"form": form, "competency": competency}
    )


@require_POST
@access.role_required(*MANAGERS)
def competency_retire(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    competency = access.get_or_404(request, access.competencies_visible_to(user), pk=pk)
    competencies.competency_retire(competency=competency, by=user)
    messages.success(
        request,
        _("“%(name)s” is no longer in use; its history stays.") % {"name": competency},
    )
    return redirect("volunteers:competency_list")


@require_POST
@access.role_required(*MANAGERS)
def competency_reinstate(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    competency = access.get_or_404(request, access.competencies_visible_to(user), pk=pk)
    competencies.competency_reinstate(competency=competency, by=user)
    messages.success(request, _("“%(name)s” is in use again.") % {"name": competency})
    return redirect("volunteers:competency_list")


@require_POST
@access.role_required(*MANAGERS)
def competency_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    competency = access.get_or_404(request, access.competencies_visible_to(user), pk=pk)
    name = competency.name
    try:
        competencies.competency_delete(competency=competency, by=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("“%(name)s” was deleted.") % {"name": name})
    return redirect("volunteers:competency_list")


# --- Role profiles ---------------------------------------------------------------------------


@dataclass
class ProfileCard:
    role: str
    label: str
    profile: RoleProfile | None


@access.role_required(*access.STAFF)
def roleprofile_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    profiles = {
        profile.role: profile
        for profile in access.role_profiles_visible_to(user).prefetch_related(
            "required_courses",
            Prefetch(
                "requirements",
                queryset=RoleCompetency.objects.filter(competency__is_active=True)
                .select_related("competency")
                .order_by("competency__name"),
            ),
        )
    }
    cards = [
        ProfileCard(role=value, label=str(label), profile=profiles.get(value))
        for value, label in VolunteerRole.choices
    ]
    return render(
        request,
        "volunteers/roleprofile_list.html",
        {"cards": cards, "can_manage": user.role in MANAGERS},
    )


@access.role_required(*MANAGERS)
def roleprofile_edit(request: HttpRequest, role: str) -> HttpResponse:
    """The profile of one role of the user's organisation; it is created on first save."""
    user = _user(request)
    if role not in VolunteerRole.values:
        raise Http404
    profile = access.role_profiles_visible_to(user).filter(role=role).first()
    initial: dict[str, Any] = {}
    if profile is not None:
        initial = {
            "description": profile.description,
            "required_courses": list(profile.required_courses.all()),
        }
        for requirement in profile.requirements.all():
            initial[f"level_{requirement.competency_id}"] = requirement.minimum_level
    form = RoleProfileForm(request.POST or None, organisation=_organisation(user), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            competencies.role_profile_save(
                organisation=_organisation(user),
                role=role,
                by=user,
                description=form.cleaned_data["description"],
                required_courses=form.cleaned_data["required_courses"],
                minimum_levels=form.minimum_levels(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The role profile was saved."))
            return redirect("volunteers:roleprofile_list")
    return render(
        request,
        "volunteers/roleprofile_form.html",
        {"form": form, "role_label": VolunteerRole(role).label},
    )


# --- Assessments -----------------------------------------------------------------------------


@access.role_required(*access.STAFF)
def assessment_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Assess a volunteer the user may see. The form also sits on the volunteer's page; this
    page shows it on its own, with the errors when something was wrong."""
    user = _user(request)
    volunteer = access.get_or_404(request, access.volunteers_visible_to(user), pk=pk)
    initial = {}
    competency = request.GET.get("competency", "")
    if competency.isdigit():
        initial["competency"] = int(competency)
    form = AssessmentForm(
        request.POST or None, organisation=volunteer.organisation, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            assessment = competencies.assessment_record(
                volunteer=volunteer, by=user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The assessment of %(name)s on “%(competency)s” was recorded.")
                % {"name": volunteer.full_name, "competency": assessment.competency},
            )
            return redirect("volunteers:volunteer_detail", pk=volunteer.pk)
    return render(
        request, "volunteers/assessment_form.html", {"form": form, "volunteer": volunteer}
    )


# --- The competencies panel on a volunteer's page --------------------------------------------


@dataclass
class CompetencyRow:
    """A competency on a volunteer's page: the latest level against the role's minimum, and
    the history, newest first."""

    competency: Competency
    minimum: int | None
    history: list[Assessment] = field(default_factory=list)

    @property
    def latest(self) -> Assessment | None:
        return self.history[0] if self.history else None

    @property
    def state(self) -> str:
        """ "meets", "below", "not_assessed" (required but never assessed) or "" (no minimum)."""
        if self.minimum is None:
            return ""
        if self.latest is None:
            return "not_assessed"
        return "meets" if self.latest.level >= self.minimum else "below"


def panel_context(*, volunteer: Volunteer, user: User) -> dict[str, Any]:
    """What templates/volunteers/partials/competencies_panel.html needs on the volunteer's page."""
    minimums: dict[int, RoleCompetency] = {}
    profile = None
    if volunteer.role:
        profile = RoleProfile.objects.filter(
            organisation_id=volunteer.organisation_id, role=volunteer.role
        ).first()
    if profile is not None:
        minimums = {
            requirement.competency_id: requirement
            for requirement in profile.requirements.filter(
                competency__is_active=True
            ).select_related("competency")
        }
    rows: dict[int, CompetencyRow] = {
        competency_id: CompetencyRow(
            competency=requirement.competency, minimum=requirement.minimum_level
        )
        for competency_id, requirement in minimums.items()
    }
    # Ordered newest first by the model, so each row's history is too.
    for assessment in volunteer.assessments.select_related("competency", "assessed_by"):
        row = rows.setdefault(
            assessment.competency_id, CompetencyRow(competency=assessment.competency, minimum=None)
        )
        row.history.append(assessment)
    ordered = sorted(rows.values(), key=lambda r: (r.minimum is None, r.competency.name.lower()))
    may_assess = user.role in access.STAFF and volunteer.status not in pipeline.ENDED
    return {
        "competency_rows": ordered,
        "competency_profile": profile,
        "competency_below_count": sum(1 for r in ordered if r.state in ("below", "not_assessed")),
        "assessment_form": (
            AssessmentForm(organisation=volunteer.organisation, auto_id="id_assessment_%s")
            if may_assess
            else None
        ),
    }


urlpatterns: list[URLPattern] = [
    path("competenties/", competency_list, name="competency_list"),
    path("competenties/nieuw/", competency_create, name="competency_create"),
    path("competenties/<int:pk>/wijzigen/", competency_edit, name="competency_edit"),
    path("competenties/<int:pk>/buiten-gebruik/", competency_retire, name="competency_retire"),
    path(
        "competenties/<int:pk>/weer-in-gebruik/",
        competency_reinstate,
        name="competency_reinstate",
    ),
    path("competenties/<int:pk>/verwijderen/", competency_delete, name="competency_delete"),
    path("rolprofielen/", roleprofile_list, name="roleprofile_list"),
    path("rolprofielen/<str:role>/", roleprofile_edit, name="roleprofile_edit"),
    path("<int:pk>/beoordelingen/nieuw/", assessment_create, name="assessment_create"),
]
