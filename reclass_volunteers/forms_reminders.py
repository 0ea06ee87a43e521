"""Input of the reminder settings page. The form checks only that numbers and times were typed;
the rules (ranges, second reminder before the first, quiet hours not all day) live in
services_reminders, so they hold for every caller and give one clear message each. A plain Form,
not a ModelForm: a ModelForm would test the database constraints first and answer with their
technical names."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from clients.models import RiskFlag
from reclass_volunteers.models import ReminderPolicy
from reclass_volunteers.services_reminders import FLAG_FIELDS, POLICY_FIELDS, TIME_FIELDS

HELP_TEXTS = {
    "session_first_days": _(
        "Volunteers enrolled in a training or invited to intervision get a first "
        "reminder this many days before it starts (1 to 365)."
    ),
    "session_second_days": _(
        "The second reminder, closer to the start: fewer days than the first."
    ),
    "expiry_first_days": _(
        "A first warning this many days before a certificate of conduct or a "
        "training runs out (1 to 365)."
    ),
    "expiry_second_days": _("The second warning, closer to the date: fewer days than the first."),
    "contact_nudge_volunteer_days": _(
        "When a volunteer has reported no contact with their client for this many "
        "days, they get a friendly reminder (1 to 365)."
    ),
    "contact_nudge_professional_days": _(
        "After this many days without a contact report the responsible professional "
        "is told (1 to 365)."
    ),
    "wellbeing_interval_weeks": _(
        "How often volunteers are asked how they are doing (1 to 52 weeks)."
    ),
    "attention_lead_days": _(
        "Birthdays, anniversaries and other moments for personal attention appear on the "
        "coordinators' home page this many days ahead (1 to 365)."
    ),
    "wellbeing_risk_flags": _(
        "Volunteers with a running match with a client who has one of these risk factors "
        "are asked regularly how they are doing. Choose none to ask nobody."
    ),
    "quiet_from": _(
        "From this time no e-mail goes out; what falls in the quiet hours is sent when they end."
    ),
    "quiet_until": _(
        "Until this time no e-mail goes out. It may be the next morning; it may not "
        "be the same as the start."
    ),
}


class ReminderPolicyForm(forms.Form):
    def __init__(self, *args: Any, instance: ReminderPolicy, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {name: getattr(instance, name) for name in POLICY_FIELDS})
        super().__init__(*args, **kwargs)
        for name in POLICY_FIELDS:
            model_field = ReminderPolicy._meta.get_field(name)
            assert isinstance(model_field, models.Field)
            label = model_field.verbose_name
            field: forms.Field
            if name in FLAG_FIELDS:
                field = forms.MultipleChoiceField(
                    label=label,
                    choices=RiskFlag.choices,
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                )
            elif name in TIME_FIELDS:
                field = forms.TimeField(
                    label=label,
                    widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                )
            else:
                field = forms.IntegerField(label=label)
            field.help_text = HELP_TEXTS[name]
            self.fields[name] = field
