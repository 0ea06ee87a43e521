"""Forms for moving a volunteer through the pipeline. They validate input only; the rules live in
volunteers/services/pipeline.py.

Every form carries `expected_status`, the stage the user saw when the page was drawn, so that of
two coordinators moving the same volunteer at once only the first one acts (the service locks
the row and compares)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from reclass_volunteers.models import User
from volunteers.choices import FarewellReason, IntakeDecision, SupervisionForm, VolunteerRole
from volunteers.models import Competency, Volunteer


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class StageForm(forms.Form):
    """The base of every pipeline form: the stage the user saw, sent back unchanged."""

    expected_status = forms.ChoiceField(choices=Volunteer.Status.choices, widget=forms.HiddenInput)


class IntakePlanForm(StageForm):
    planned_at = forms.DateTimeField(label=_("Date and time"), widget=DateTimeInput)
    location = forms.CharField(
        label=_("Place"),
        max_length=200,
        required=False,
        help_text=_("For example the office, a library or a video call."),
    )


SCORES = [("", "—"), *((str(n), str(n)) for n in range(1, 6))]


class IntakeRecordForm(StageForm):
    """Dilemma 1, both sides: a score per competency of the organisation *and* the coordinator's
    own impression in their own words."""

    held_on = forms.DateField(label=_("Held on"), widget=DateInput)
    impression = forms.CharField(
        label=_("Your own impression"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you noticed that the scores do not say."),
    )
    decision = forms.ChoiceField(
        label=_("Decision"), choices=IntakeDecision.choices, widget=forms.RadioSelect
    )
    decision_reason = forms.CharField(
        label=_("Reason for the decision"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Required when you do not proceed."),
    )

    def __init__(self, *args: Any, competencies: QuerySet[Competency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.competencies = list(competencies)
        # The score fields go between the date and the impression, in catalogue order.
        fields = list(self.fields.items())
        scored = {
            self.score_field(c): forms.TypedChoiceField(
                label=_("Score: %(competency)s") % {"competency": c.name},
                choices=SCORES,
                coerce=int,
                help_text=c.description or _("1 = weak, 5 = strong"),
            )
            for c in self.competencies
        }
        self.fields = dict([*fields[:2], *scored.items(), *fields[2:]])

    @staticmethod
    def score_field(competency: Competency) -> str:
        return f"score_{competency.pk}"

    def scores(self) -> dict[Competency, int]:
        return {c: self.cleaned_data[self.score_field(c)] for c in self.competencies}

    def score_fields(self) -> list[forms.BoundField]:
        return [self[self.score_field(c)] for c in self.competencies]


class TransitionForm(StageForm):
    """A step without anything to fill in (start screening, activate, resume)."""


class CertificateForm(StageForm):
    requested_on = forms.DateField(label=_("Requested on"), widget=DateInput)
    issued_on = forms.DateField(
        label=_("Issued on"),
        widget=DateInput,
        required=False,
        help_text=_("Leave empty while the certificate has not arrived."),
    )
    screening_areas = forms.CharField(
        label=_("Screening areas"),
        max_length=100,
        required=False,
        help_text=_("For example 08."),
    )
    function_aspects = forms.CharField(
        label=_("Function aspects"),
        max_length=100,
        required=False,
        help_text=_("For example 84, 85."),
    )


class ReferencesForm(StageForm):
    checked_on = forms.DateField(label=_("Checked on"), widget=DateInput)
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Whom you spoke to and what stood out."),
    )


class TrainingStartForm(StageForm):
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[("", "—"), *VolunteerRole.choices],
        help_text=_("The role decides which trainings are required."),
    )


class PauseForm(StageForm):
    reason = forms.CharField(label=_("Reason for the pause"), max_length=300)
    expected_return_on = forms.DateField(
        label=_("Expected return"), widget=DateInput, required=False
    )


class RejectForm(StageForm):
    reason = forms.CharField(
        label=_("Reason for rejection"), widget=forms.Textarea(attrs={"rows": 3})
    )


RECOMMEND = [("yes", _("Yes")), ("no", _("No")), ("unknown", _("Unknown"))]


class FarewellForm(StageForm):
    held_on = forms.DateField(label=_("Date of the exit conversation"), widget=DateInput)
    reason = forms.ChoiceField(
        label=_("Reason for leaving"), choices=[("", "—"), *FarewellReason.choices]
    )
    reason_text = forms.CharField(
        label=_("Explanation"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    went_well = forms.CharField(
        label=_("What went well"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    should_change = forms.CharField(
        label=_("What should change"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    would_recommend = forms.ChoiceField(
        label=_("Would recommend volunteering here"),
        choices=RECOMMEND,
        initial="unknown",
        widget=forms.RadioSelect,
    )

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("expected_status")
        data["would_recommend"] = {"yes": True, "no": False}.get(data["would_recommend"])
        return data


class SupervisionPlanForm(StageForm):
    supervisor = forms.ModelChoiceField(
        label=_("Supervising professional"), queryset=User.objects.none(), required=False
    )
    form = forms.ChoiceField(
        label=_("Form of supervision"),
        choices=[("", "—"), *SupervisionForm.choices],
        required=False,
    )
    interval_weeks = forms.IntegerField(
        label=_("Every how many weeks"),
        min_value=1,
        max_value=26,
        required=False,
        help_text=_("For example 2, 4 or 8."),
    )

    def __init__(self, *args: Any, professionals: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the organisation's own active professionals: a foreign id is an invalid choice.
        field = self.fields["supervisor"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = professionals.order_by("full_name")


class MatchingSettingsForm(StageForm):
    max_matches = forms.IntegerField(
        label=_("Maximum number of matches"), min_value=0, max_value=10, initial=1
    )
    willing_sex_offences = forms.BooleanField(
        label=_("Willing to support clients convicted of a sex offence"), required=False
    )
    abroad_country = forms.CharField(
        label=_("Country visited"),
        max_length=2,
        required=False,
        help_text=_("Only for visitors of detainees abroad: two-letter country code, e.g. ES."),
    )


def data_without_stage(form: forms.Form) -> dict[str, Any]:
    """cleaned_data minus the stage the user saw, ready for a service's keyword arguments."""
    return {k: v for k, v in form.cleaned_data.items() if k != "expected_status"}
