"""The pipeline pages: the panel on a volunteer's page with the steps that are possible from
their current stage, one POST view per step, the thank-you letter and the overview.

Each step view follows one path (`_act`): fetch the volunteer through access, refuse a form from
a page that shows an older stage ("someone else just moved…"), refuse a step that is not possible
from the current stage, validate the form, call the service, redirect with a message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from reclass_volunteers import access, audit
from reclass_volunteers.forms import add_service_errors
from reclass_volunteers.models import Role, User
from volunteers import letters, pipeline
from volunteers.forms_pipeline import (
    CertificateForm,
    FarewellForm,
    IntakePlanForm,
    IntakeRecordForm,
    MatchingSettingsForm,
    PauseForm,
    ReferencesForm,
    RejectForm,
    StageForm,
    SupervisionPlanForm,
    TrainingStartForm,
    TransitionForm,
    data_without_stage,
)
from volunteers.models import Competency, Farewell, StatusChange, Volunteer
from volunteers.services import pipeline as services

S = Volunteer.Status
MANAGERS = (Role.COORDINATOR, Role.ADMIN)

Service = Callable[[Volunteer, Any, User], object]


@dataclass(frozen=True)
class Action:
    """One step a coordinator can take on the panel. `to` is the stage it moves the volunteer
    to (None for recording something without a move); `stages` narrows where it is offered
    beyond what pipeline.ALLOWED permits."""

    name: str
    label: Promise
    submit: Promise
    done: Promise
    form_class: type[StageForm]
    to: str | None = None
    stages: frozenset[str] | None = None
    danger: bool = False
    note: Promise | None = None

    def offered(self, status: str) -> bool:
        if self.to is not None and not pipeline.can_move(status, self.to):
            return False
        return self.stages is None or status in self.stages

    @property
    def url_name(self) -> str:
        return f"pipeline_{self.name}"


STILL_HERE = frozenset(set(S.values) - set(pipeline.ENDED))

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action(
            "intake_plan",
            gettext_lazy("Plan the intake"),
            gettext_lazy("Plan the intake"),
            gettext_lazy("The intake has been planned."),
            IntakePlanForm,
            to=S.INTAKE_PLANNED,
        ),
        Action(
            "intake_record",
            gettext_lazy("Record the intake"),
            gettext_lazy("Save the intake"),
            gettext_lazy("The intake has been recorded."),
            IntakeRecordForm,
            to=S.INTAKE_DONE,
        ),
        Action(
            "screening_start",
            gettext_lazy("Start screening"),
            gettext_lazy("Start screening"),
            gettext_lazy("Screening has started."),
            TransitionForm,
            to=S.SCREENING,
        ),
        Action(
            "certificate",
            gettext_lazy("Record a certificate of conduct"),
            gettext_lazy("Save the certificate"),
            gettext_lazy("The certificate of conduct has been recorded."),
            CertificateForm,
            stages=frozenset({S.SCREENING, S.TRAINING, S.ACTIVE, S.PAUSED}),
        ),
        Action(
            "references",
            gettext_lazy("Record the references"),
            gettext_lazy("Save the references"),
            gettext_lazy("The references have been recorded."),
            ReferencesForm,
            stages=frozenset({S.SCREENING, S.TRAINING}),
        ),
        Action(
            "training_start",
            gettext_lazy("Start training"),
            gettext_lazy("Start training"),
            gettext_lazy("Training has started."),
            TrainingStartForm,
            to=S.TRAINING,
        ),
        Action(
            "activate",
            gettext_lazy("Activate"),
            gettext_lazy("Activate"),
            gettext_lazy("The volunteer is now active."),
            TransitionForm,
            to=S.ACTIVE,
            stages=frozenset({S.TRAINING}),
        ),
        Action(
            "resume",
            gettext_lazy("Resume"),
            gettext_lazy("Resume"),
            gettext_lazy("The volunteer is active again."),
            TransitionForm,
            to=S.ACTIVE,
            stages=frozenset({S.PAUSED}),
        ),
        Action(
            "supervision_plan",
            gettext_lazy("Supervision plan"),
            gettext_lazy("Save the supervision plan"),
            gettext_lazy("The supervision plan has been saved."),
            SupervisionPlanForm,
            stages=STILL_HERE,
        ),
        Action(
            "matching_settings",
            gettext_lazy("Matching"),
            gettext_lazy("Save the matching settings"),
            gettext_lazy("The matching settings have been saved."),
            MatchingSettingsForm,
            stages=STILL_HERE,
        ),
        Action(
            "pause",
            gettext_lazy("Pause"),
            gettext_lazy("Pause"),
            gettext_lazy("The volunteer has been paused."),
            PauseForm,
            to=S.PAUSED,
        ),
        Action(
            "reject",
            gettext_lazy("Reject"),
            gettext_lazy("Reject"),
            gettext_lazy("The volunteer has been rejected."),
            RejectForm,
            to=S.REJECTED,
            danger=True,
            note=gettext_lazy("Only possible before the volunteer has started."),
        ),
        Action(
            "farewell",
            gettext_lazy("Farewell"),
            gettext_lazy("Record the farewell"),
            gettext_lazy("The farewell has been recorded."),
            FarewellForm,
            to=S.FAREWELL,
            danger=True,
            note=gettext_lazy(
                "Recording the farewell ends every running match, closes the volunteer's account "
                "and sets the date on which their personal data will be removed."
            ),
        ),
    )
}

# What must be in order before the next step, by stage (the services enforce the same lists).
BLOCKERS: dict[str, tuple[str, Callable[[Volunteer], list[str]]]] = {
    S.SCREENING: ("training_start", pipeline.screening_blockers),
    S.TRAINING: ("activate", pipeline.activation_blockers),
    S.PAUSED: ("resume", pipeline.resume_blockers),
}


TODAY_FIELDS = ("held_on", "checked_on")

# Settings kept apart from the stage steps on the page.
SETTINGS_ACTIONS = ("supervision_plan", "matching_settings")


def _form(
    action: Action, volunteer: Volunteer, user: User, data: Any = None, *, in_panel: bool = False
) -> StageForm:
    kwargs: dict[str, Any] = {"initial": {"expected_status": volunteer.status}}
    # Conversations and checks are usually recorded on the day they happen.
    kwargs["initial"].update(dict.fromkeys(TODAY_FIELDS, timezone.localdate()))
    if in_panel:
        # Several forms on one page: ids must stay unique, the field names stay plain.
        kwargs["auto_id"] = f"id_{action.name}_%s"
    if action.form_class is IntakeRecordForm:
        kwargs["competencies"] = Competency.objects.filter(
            organisation_id=volunteer.organisation_id, is_active=True
        )
    elif action.form_class is SupervisionPlanForm:
        kwargs["professionals"] = access.professionals_of(user)
        kwargs["initial"].update(
            supervisor=volunteer.supervisor_id,
            form=volunteer.supervision_form,
            interval_weeks=volunteer.supervision_interval_weeks,
        )
    elif action.form_class is MatchingSettingsForm:
        kwargs["initial"].update(
            max_matches=volunteer.max_matches,
            willing_sex_offences=volunteer.willing_sex_offences,
            abroad_country=volunteer.abroad_country,
        )
    return action.form_class(data, **kwargs)


def _has_fields(form: forms.Form) -> bool:
    return bool(form.visible_fields())


def panel_context(*, volunteer: Volunteer, user: User) -> dict[str, Any]:
    """What templates/volunteers/partials/pipeline_panel.html needs on the volunteer's page."""
    manages = user.role in MANAGERS
    last_change = (
        StatusChange.objects.filter(volunteer=volunteer, to_status=volunteer.status)
        .select_related("by")
        .last()
    )
    panel: dict[str, Any] = {
        "manages": manages,
        "since": volunteer.status_changed_at,
        "days": max((timezone.now() - volunteer.status_changed_at).days, 0),
        "last_change": last_change,
    }
    if not manages:
        return {"pipeline_panel": panel}
    blocked_action, blockers = "", []
    if volunteer.status in BLOCKERS:
        blocked_action, find = BLOCKERS[volunteer.status]
        blockers = find(volunteer)
    offered: list[dict[str, Any]] = [
        {
            "action": action,
            "url": reverse(f"volunteers:{action.url_name}", kwargs={"pk": volunteer.pk}),
            "form": (form := _form(action, volunteer, user, in_panel=True)),
            "has_fields": _has_fields(form),
            "blocked": bool(blockers) and action.name == blocked_action,
        }
        for action in ACTIONS.values()
        if action.offered(volunteer.status)
    ]
    panel.update(
        blockers=blockers,
        blocked_action=ACTIONS[blocked_action].label if blocked_action else "",
        actions=[item for item in offered if item["action"].name not in SETTINGS_ACTIONS],
        plan=next((item for item in offered if item["action"].name == "supervision_plan"), None),
        matching=next(
            (item for item in offered if item["action"].name == "matching_settings"), None
        ),
        intake=volunteer.intakes.filter(held_on__isnull=True).first()
        if volunteer.status == S.INTAKE_PLANNED
        else None,
        certificates=list(volunteer.certificates.select_related("checked_by"))
        if volunteer.status in (S.SCREENING, S.TRAINING, S.ACTIVE, S.PAUSED)
        else [],
        show_references=volunteer.status in (S.SCREENING, S.TRAINING),
        farewell=Farewell.objects.filter(volunteer=volunteer).first()
        if volunteer.status == S.FAREWELL
        else None,
    )
    return {"pipeline_panel": panel}


def _detail(volunteer: Volunteer) -> HttpResponse:
    return redirect(reverse("volunteers:volunteer_detail", kwargs={"pk": volunteer.pk}) + "#stage")


def _act(request: HttpRequest, pk: int, action: Action, service: Service) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    volunteer = access.get_or_404(request, access.volunteers_visible_to(user), pk=pk)
    expected = request.POST.get("expected_status", "")
    if expected not in S.values:
        return HttpResponseBadRequest()
    if action.to is not None and expected != volunteer.status:
        messages.warning(request, services.stage_changed_message(volunteer))
        return _detail(volunteer)
    if not action.offered(volunteer.status):
        messages.error(
            request,
            _("“%(step)s” is not possible in the stage “%(stage)s”.")
            % {"step": action.label, "stage": volunteer.get_status_display()},
        )
        return _detail(volunteer)
    form = _form(action, volunteer, user, request.POST)
    if form.is_valid():
        try:
            service(volunteer, form, user)
        except services.StageChanged as error:
            messages.warning(request, " ".join(error.messages))
            return _detail(volunteer)
        except ValidationError as error:
            if not _has_fields(form):
                messages.error(request, " ".join(error.messages))
                return _detail(volunteer)
            add_service_errors(form, error)
        else:
            messages.success(request, str(action.done))
            return _detail(volunteer)
    volunteer.refresh_from_db()
    return render(
        request,
        "volunteers/pipeline_action.html",
        {
            "volunteer": volunteer,
            "action": action,
            "form": form,
            "url": reverse(f"volunteers:{action.url_name}", kwargs={"pk": volunteer.pk}),
        },
    )


def _stage(form: Any) -> str:
    return str(form.cleaned_data["expected_status"])


@require_POST
@access.role_required(*MANAGERS)
def intake_plan(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        ACTIONS["intake_plan"],
        lambda v, form, by: services.intake_plan(
            volunteer=v, by=by, expected_status=_stage(form), **data_without_stage(form)
        ),
    )


@require_POST
@access.role_required(*MANAGERS)
def intake_record(request: HttpRequest, pk: int) -> HttpResponse:
    def record(v: Volunteer, form: IntakeRecordForm, by: User) -> object:
        data = form.cleaned_data
        return services.intake_record(
            volunteer=v,
            by=by,
            held_on=data["held_on"],
            scores=form.scores(),
            impression=data["impression"],
            decision=data["decision"],
            decision_reason=data["decision_reason"],
            expected_status=_stage(form),
        )

    return _act(request, pk, ACTIONS["intake_record"], record)


@require_POST
@access.role_required(*MANAGERS)
def screening_start(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        ACTIONS["screening_start"],
        lambda v, form, by: services.screening_start(
            volunteer=v, by=by, expected_status=_stage(form)
        ),
    )


@require_POST
@access.role_required(*MANAGERS)
def certificate_record(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        ACTIONS["certificate"],
        lambda v, form, by: services.certificate_record(
            volunteer=v, by=by, **data_without_stage(form)
        ),
    )


@require_POST
@access.role_required(*MANAGERS)
def references_record(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        ACTIONS["references"],
        lambda v, form, by: services.references_record(
            volunteer=v, by=by, **data_without_stage(form)
        ),
    )


@require_POST
@access.role_required(*MANAGERS)
def training_start(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        ACTIONS["training_start"],
        lambda v, form, by: services.training_start(
            volunteer=v, by=by, role=form.cleaned_data["role"], expected_status=_stage(form)
        ),
    )


@require_POST
@access.role_required(*MANAGERS)
def activate(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        ACTIONS["activate"],
        lambda v, form, by: services.volunteer_activate(
            volunteer=v, by=by, expected_status=_stage(form)
        ),
    )


@require_POST
@access.role_required(*MANAGERS)
def resume(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        ACTIONS["resume"],
        lambda v, form, by: services.volunteer_activate(
            volunteer=v, by=by, expected_status=_stage(form)
        ),
    )


@require_POST
@access.role_required(*MANAGERS)
def pause(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        ACTIONS["pause"],
        lambda v, form, by: services.volunteer_pause(
            volunteer=v, by=by, expected_status=_stage(form), **data_without_stage(form)
        ),
    )


@require_POST
@access.role_required(*MANAGERS)
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        ACTIONS["reject"],
        lambda v, form, by: services.volunteer_reject(
            volunteer=v, by=by, reason=form.cleaned_data["reason"], expected_status=_stage(form)
        ),
    )


@require_POST
@access.role_required(*MANAGERS)
def farewell(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        ACTIONS["farewell"],
        lambda v, form, by: services.volunteer_farewell(
            volunteer=v, by=by, expected_status=_stage(form), **form.service_kwargs()
        ),
    )


@require_POST
@access.role_required(*MANAGERS)
def supervision_plan(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        ACTIONS["supervision_plan"],
        lambda v, form, by: services.supervision_plan_set(
            volunteer=v, by=by, **data_without_stage(form)
        ),
    )


@require_POST
@access.role_required(*MANAGERS)
def matching_settings(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        ACTIONS["matching_settings"],
        lambda v, form, by: services.volunteer_matching_set(
            volunteer=v, by=by, **data_without_stage(form)
        ),
    )


@require_GET
@access.role_required(*MANAGERS)
def farewell_letter(request: HttpRequest, pk: int) -> HttpResponse:
    """The thank-you letter, as a PDF to download; only once the farewell has been recorded."""
    user = request.user
    assert isinstance(user, User)
    volunteer = access.get_or_404(
        request, access.volunteers_visible_to(user).select_related("organisation"), pk=pk
    )
    parting = Farewell.objects.filter(volunteer=volunteer).select_related("conducted_by").first()
    if volunteer.status != S.FAREWELL or parting is None:
        raise Http404
    started = (
        StatusChange.objects.filter(volunteer=volunteer, to_status=S.ACTIVE)
        .order_by("at", "id")
        .values_list("at", flat=True)
        .first()
    )
    pdf = letters.thank_you_letter(
        volunteer=volunteer,
        farewell=parting,
        started_on=timezone.localdate(started) if started else None,
        signed_by=parting.conducted_by or user,
    )
    audit.record(action="volunteer.farewell_letter", request=request, obj=volunteer)
    filename = f"{slugify(_('thank-you letter'))}-{slugify(volunteer.full_name)}.pdf"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@access.role_required(*MANAGERS)
def pipeline_overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    figures = pipeline.stage_figures(access.volunteers_visible_to(user), timezone.now())
    chart = {
        "labels": [f.label for f in figures],
        "counts": [f.count for f in figures],
        "median": [f.median_days for f in figures],
        "longest": [f.longest_days for f in figures],
        "text": {
            "counts": _("Number of volunteers"),
            "median": _("Median days in this stage"),
            "longest": _("Longest days in this stage"),
        },
    }
    return render(
        request,
        "volunteers/pipeline_overview.html",
        {"figures": figures, "chart": chart, "total": sum(f.count for f in figures)},
    )


urlpatterns: list[URLPattern] = [
    path("pijplijn/", pipeline_overview, name="pipeline_overview"),
    path("<int:pk>/fase/intake-plannen/", intake_plan, name="pipeline_intake_plan"),
    path("<int:pk>/fase/intake-vastleggen/", intake_record, name="pipeline_intake_record"),
    path("<int:pk>/fase/screening/", screening_start, name="pipeline_screening_start"),
    path("<int:pk>/fase/vog/", certificate_record, name="pipeline_certificate"),
    path("<int:pk>/fase/referenties/", references_record, name="pipeline_references"),
    path("<int:pk>/fase/training/", training_start, name="pipeline_training_start"),
    path("<int:pk>/fase/activeren/", activate, name="pipeline_activate"),
    path("<int:pk>/fase/hervatten/", resume, name="pipeline_resume"),
    path("<int:pk>/fase/pauzeren/", pause, name="pipeline_pause"),
    path("<int:pk>/fase/afwijzen/", reject, name="pipeline_reject"),
    path("<int:pk>/fase/afscheid/", farewell, name="pipeline_farewell"),
    path("<int:pk>/begeleidingsplan/", supervision_plan, name="pipeline_supervision_plan"),
    path("<int:pk>/koppelen/", matching_settings, name="pipeline_matching_settings"),
    path("<int:pk>/bedankbrief/", farewell_letter, name="pipeline_farewell_letter"),
]
