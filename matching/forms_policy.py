"""The matching policy form: input only; `matching.services.policy.policy_update` decides."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from clients.models import RiskFlag
from matching.models import WEIGHT_FIELDS, MatchingPolicy
from matching.services.policy import CIRCLE_MAX, CIRCLE_MIN, SHOWN_MAX, SHOWN_MIN, WEIGHT_MAX
from volunteers.models import Course

WEIGHT_HELP = {
    "need_overlap": _("Does the volunteer like to help with what the client needs most?"),
    "distance": _(
        "How close the volunteer lives (from the 4-digit postcodes); for a detainee abroad: "
        "does the volunteer visit that country."
    ),
    "language": _("Does the volunteer speak one of the client's languages?"),
    "availability": _("Is the volunteer free at the times the client can?"),
    "preferences": _("Does the volunteer like the activities the client would like to do?"),
    "workload": _("Volunteers with fewer current matches score higher."),
}


def weight_label(name: str) -> str:
    """The criterion's name, from the policy model's field."""
    field = MatchingPolicy._meta.get_field(name)
    assert isinstance(field, models.Field)
    return str(field.verbose_name).capitalize()


def flag_field_name(flag: str) -> str:
    return f"trainings_{flag}"


def _number(label: Any, low: int, high: int, help_text: Any = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        help_text=help_text,
        error_messages={
            "min_value": _("Enter at least %(limit_value)s."),
            "max_value": _("Enter at most %(limit_value)s."),
            "required": _("Enter a number."),
            "invalid": _("Enter a whole number."),
        },
        widget=forms.NumberInput(attrs={"min": low, "max": high}),
    )


class MatchingPolicyForm(forms.Form):
    def __init__(
        self,
        *args: Any,
        policy: MatchingPolicy,
        courses: Sequence[Course],
        required: dict[str, set[int]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name in WEIGHT_FIELDS:
            self.fields[name] = _number(weight_label(name), 0, WEIGHT_MAX, WEIGHT_HELP[name])
            self.initial[name] = getattr(policy, name)
        self.fields["circle_min_size"] = _number(
            _("Smallest circle (volunteers)"), CIRCLE_MIN, CIRCLE_MAX
        )
        self.fields["circle_max_size"] = _number(
            _("Largest circle (volunteers)"), CIRCLE_MIN, CIRCLE_MAX
        )
        self.fields["suggestions_shown"] = _number(
            _("Suggestions shown per client"),
            SHOWN_MIN,
            SHOWN_MAX,
            _("How many of the best suggestions the suggestions page lists."),
        )
        for name in ("circle_min_size", "circle_max_size", "suggestions_shown"):
            self.initial[name] = getattr(policy, name)
        choices = [(course.pk, course.name) for course in courses]
        for flag, label in RiskFlag.choices:
            name = flag_field_name(flag)
            self.fields[name] = forms.TypedMultipleChoiceField(
                label=label,
                choices=choices,
                coerce=int,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                error_messages={
                    "invalid_choice": _("Choose trainings of your own organisation."),
                },
            )
            self.initial[name] = sorted(required.get(flag, set()))

    def weight_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in WEIGHT_FIELDS]

    def size_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("circle_min_size", "circle_max_size", "suggestions_shown")]

    def flag_fields(self) -> list[forms.BoundField]:
        return [self[flag_field_name(flag)] for flag in RiskFlag.values]

    def service_arguments(self, courses: Sequence[Course]) -> dict[str, Any]:
        """The cleaned input as `policy_update`'s keyword arguments (besides by/organisation)."""
        by_pk = {course.pk: course for course in courses}
        data = self.cleaned_data
        arguments: dict[str, Any] = {
            name: data[name]
            for name in (*WEIGHT_FIELDS, "circle_min_size", "circle_max_size", "suggestions_shown")
        }
        arguments["flag_trainings"] = {
            flag: [by_pk[pk] for pk in data.get(flag_field_name(flag)) or []]
            for flag in RiskFlag.values
        }
        return arguments
