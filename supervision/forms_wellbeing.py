"""Forms of the well-being pages. They validate input only (the same 1-5 the service and the
database check); whose check-in it is and whether it is still open live in
supervision/services/wellbeing.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from supervision.models import WellbeingCheckIn
from supervision.models.wellbeing import ANSWERS

SCALE = [(n, str(n)) for n in range(1, 6)]

# Each question's two ends, shown under its five buttons: 1 is always the worst.
ENDS: dict[str, tuple[StrOrPromise, StrOrPromise]] = {
    "overall": (_("1 = bad"), _("5 = good")),
    "burden": (_("1 = very heavy"), _("5 = not heavy")),
    "support": (_("1 = not supported"), _("5 = well supported")),
    "surroundings": (_("1 = badly"), _("5 = well")),
}


def _score(name: str) -> forms.TypedChoiceField:
    field = WellbeingCheckIn._meta.get_field(name)
    assert isinstance(field, models.Field)
    return forms.TypedChoiceField(
        label=field.verbose_name,
        choices=SCALE,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a number from 1 to 5."),
            "invalid_choice": _("Choose a number from 1 to 5."),
        },
    )


class WellbeingAnswerForm(forms.Form):
    overall = _score("overall")
    burden = _score("burden")
    support = _score("support")
    surroundings = _score("surroundings")
    wants_contact = forms.BooleanField(
        label=_("I would like someone to contact me"), required=False
    )
    comment = forms.CharField(
        label=_("Anything else you want to tell us?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
    )

    def questions(self) -> list[dict[str, Any]]:
        """The four scores with their end labels, for the template's button groups."""
        return [
            {"field": self[name], "low": ENDS[name][0], "high": ENDS[name][1]} for name in ANSWERS
        ]


class WellbeingFollowUpForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "For example: called the volunteer, planned a talk. The volunteer does not see this."
        ),
        error_messages={"required": _("Write down what was done.")},
    )


# The list's tabs, the first the default: low answers nobody followed up yet.
TABS: list[tuple[str, StrOrPromise]] = [
    ("follow_up", _("To follow up")),
    ("not_answered", _("Not answered")),
    ("all", _("All")),
]


class WellbeingFilterForm(forms.Form):
    tab = forms.ChoiceField(choices=TABS, required=False)
