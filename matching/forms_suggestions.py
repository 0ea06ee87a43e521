"""The form on the suggestions page that makes a match. Input only: whether the chosen
volunteers may be matched (hard rules, circle sizes, the reason for another choice) is decided by
`matching.services.matches.match_create`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from matching.models import Match

Choices = Sequence[tuple[int, str]]


class MatchForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of match"),
        choices=Match.Kind.choices,
        initial=Match.Kind.BUDDY,
        widget=forms.RadioSelect,
    )
    # The suggestions' checkboxes. Any candidate volunteer of the organisation is a valid
    # value, not only the ones listed: the ranking may change between showing and posting.
    volunteers = forms.TypedMultipleChoiceField(
        label=_("Suggested volunteers"), coerce=int, required=False
    )
    others = forms.TypedMultipleChoiceField(
        label=_("Someone else"),
        coerce=int,
        required=False,
        help_text=_(
            "Any active volunteer of your organisation. Hold Ctrl (Cmd on a Mac) to choose more "
            "than one."
        ),
    )
    lead = forms.TypedChoiceField(
        label=_("Lead volunteer"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("For a circle. Left empty, the first chosen volunteer leads."),
    )
    goals = forms.CharField(
        label=_("Goals"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    starts_in_prison = forms.BooleanField(
        label=_("The circle starts while the client is in prison (18 months instead of 12)"),
        required=False,
    )
    override_reason = forms.CharField(
        label=_("Why this choice"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, candidates: Choices, active: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, choices in (
            ("volunteers", list(candidates)),
            ("others", list(active)),
            ("lead", [("", "—"), *candidates]),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = choices
            field.error_messages["invalid_choice"] = _(
                "Choose a volunteer of your own organisation."
            )

    def chosen_ids(self) -> list[int]:
        """The chosen volunteers, suggestions first, each once."""
        data = self.cleaned_data
        return list(dict.fromkeys([*data.get("volunteers", []), *data.get("others", [])]))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "volunteers" in cleaned and "others" in cleaned and not self.chosen_ids():
            raise forms.ValidationError(
                _("Choose a volunteer: tick a suggestion or pick someone else.")
            )
        lead = cleaned.get("lead")
        if lead is not None and "volunteers" in cleaned and lead not in self.chosen_ids():
            self.add_error("lead", _("The lead volunteer must be one of the chosen volunteers."))
        return cleaned
