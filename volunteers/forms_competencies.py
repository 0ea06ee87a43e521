"""Forms of the competency pages. They validate input only; the rules live in
volunteers/services/competencies.py. Competencies and courses on offer are those of the user's
organisation, so a foreign id in a POST makes the form invalid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reclass_volunteers.models import Organisation
from volunteers.models import Competency, Course

LEVEL_CHOICES = [(level, str(level)) for level in range(1, 6)]


class CompetencyForm(forms.ModelForm[Competency]):
    class Meta:
        model = Competency
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class RoleProfileForm(forms.Form):
    """A role's description, its required trainings and, per competency in use, the minimum
    level (empty: not required). The competency fields are named `level_<id>`."""

    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    required_courses = forms.ModelMultipleChoiceField(
        label=_("Required trainings"),
        queryset=Course.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        courses = self.fields["required_courses"]
        assert isinstance(courses, forms.ModelMultipleChoiceField)
        courses.queryset = Course.objects.filter(organisation=organisation)
        self.competencies = list(
            Competency.objects.filter(organisation=organisation, is_active=True)
        )
        for competency in self.competencies:
            self.fields[f"level_{competency.pk}"] = forms.TypedChoiceField(
                label=competency.name,
                choices=[("", _("Not required")), *LEVEL_CHOICES],
                coerce=int,
                empty_value=None,
                required=False,
                help_text=competency.description,
                widget=forms.Select(attrs={"class": "form-select"}),
            )

    def level_fields(self) -> list[forms.BoundField]:
        return [self[f"level_{competency.pk}"] for competency in self.competencies]

    def minimum_levels(self) -> dict[Competency, int | None]:
        return {
            competency: self.cleaned_data[f"level_{competency.pk}"]
            for competency in self.competencies
        }


class AssessmentForm(forms.Form):
    competency = forms.ModelChoiceField(label=_("Competency"), queryset=Competency.objects.none())
    # No level is preselected: a default would be recorded by anyone who forgets to choose.
    level = forms.TypedChoiceField(
        label=_("Level"),
        choices=[("", "---------"), *LEVEL_CHOICES],
        coerce=int,
        help_text=_("1 = not yet shown, 3 = sufficient, 5 = excellent."),
    )
    assessed_on = forms.DateField(
        label=_("Date"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    evidence = forms.CharField(
        label=_("Evidence"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What you saw or heard that shows this level."),
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["competency"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Competency.objects.filter(organisation=organisation, is_active=True)
