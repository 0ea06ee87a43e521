"""Forms of the relapse-signal pages. They validate input only; the rules (whose client, not in
the future, the deadline) live in supervision/services/signals.py. The match to choose from is
the volunteer's own active matches, so a foreign id in a POST makes the form invalid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matching.models import Match
from reclass_volunteers.models import User
from supervision.forms_reports import MatchChoiceField
from supervision.models import Severity, SignalCategory

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class SignalReportForm(forms.Form):
    match = MatchChoiceField(label=_("About"), queryset=Match.objects.none(), empty_label=None)
    category = forms.ChoiceField(
        label=_("What kind of signal"), choices=[("", "---------"), *SignalCategory.choices]
    )
    severity = forms.ChoiceField(
        label=_("How serious"),
        choices=Severity.choices,
        widget=forms.RadioSelect,
        help_text=_("Acute: someone is in danger now. Call first, then report it here."),
    )
    observed_at = forms.DateTimeField(
        label=_("When you noticed it"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    observation = forms.CharField(
        label=_("What you noticed"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Describe what you saw or heard, in your own words."),
    )
    # Set once the acute advice (whom to call) was on the screen: by signal-form.js as soon as
    # "acute" is chosen, or by the server's extra step when the browser runs no JavaScript.
    acute_seen = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, matches: QuerySet[Match], **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial", {"observed_at": timezone.localtime().replace(second=0, microsecond=0)}
        )
        super().__init__(*args, **kwargs)
        field = self.fields["match"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = matches
        if len(matches) == 1:
            field.widget = forms.HiddenInput()
            field.initial = matches[0].pk
        self.fields["observation"].widget.attrs["maxlength"] = 5000


class SignalAcknowledgeForm(forms.Form):
    action_taken = forms.CharField(
        label=_("Action taken"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you did or are going to do. The volunteer does not see this."),
    )


class SignalFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Which signals"),
        choices=[("open", _("Open signals")), ("all", _("All signals"))],
        required=False,
    )
    severity = forms.ChoiceField(
        label=_("How serious"),
        choices=[("", _("Every severity")), *Severity.choices],
        required=False,
    )


class TeamLeadForm(forms.Form):
    team_lead = forms.ModelChoiceField(
        label=_("Team lead"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args: Any, candidates: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["team_lead"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = candidates
