"""Forms of the referral pages. They validate input only; the rules (consent, waiting client,
partner organisation, one open referral, who may answer) live in matching/services/referrals.py,
whose refusals the views show on these forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from matching.services.referrals import SHARE_CHOICES, SHARE_DEFAULTS, partner_choices
from reclass_volunteers.models import Organisation

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReferralForm(forms.Form):
    partner = forms.ModelChoiceField(
        label=_("Partner organisation"), queryset=Organisation.objects.none()
    )
    question = forms.CharField(
        label=_("What do you ask of the partner?"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For example: a buddy for social activities and help with administration."),
    )
    share = forms.MultipleChoiceField(
        label=_("Share with the partner"),
        choices=SHARE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Share only what the partner needs. The partner never sees the client file."),
    )
    # Not required here: the service refuses an unconfirmed consent with its own message.
    consent_confirmed = forms.BooleanField(
        label=_("The client consented to this referral and to sharing the data chosen above."),
        required=False,
    )

    def __init__(self, *args: Any, organisation: Organisation | None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"share": SHARE_DEFAULTS})
        super().__init__(*args, **kwargs)
        field = self.fields["partner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = partner_choices(organisation)


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for declining"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReportMatchForm(forms.Form):
    partner_volunteer = forms.CharField(
        label=_("Name of the volunteer"), max_length=150, required=False
    )
    matched_on = forms.DateField(label=_("Matched on"), widget=DATE_INPUT)


class EndForm(forms.Form):
    ended_on = forms.DateField(label=_("Ended on"), widget=DATE_INPUT)
    end_note = forms.CharField(
        label=_("How it went and how it ended"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    client_needs_more_support = forms.BooleanField(
        label=_("The client needs more support: put them back on the sender's waiting list"),
        required=False,
    )
