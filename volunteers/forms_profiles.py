"""Forms of the volunteer list (filters), the group message and the volunteer's own profile.
They validate input only; the rules live in volunteers/services/."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from reclass_volunteers.dutch_formats import normalise_phone, normalise_postcode, split_languages
from volunteers.choices import AVAILABILITY_SLOTS, ActivityType, DayPart, VolunteerRole, Weekday
from volunteers.models import Volunteer

SORT_CHOICES = [
    ("name", _("Name (A to Z)")),
    ("-name", _("Name (Z to A)")),
    ("stage", _("Stage (first to last)")),
    ("-stage", _("Stage (last to first)")),
    ("since", _("Longest in their stage")),
    ("-since", _("Shortest in their stage")),
    ("postcode", _("Postcode (ascending)")),
    ("-postcode", _("Postcode (descending)")),
]


class VolunteerFilterForm(forms.Form):
    """The list's search, filters and sort order (a GET form). A value that does not validate
    is left out of cleaned_data and so not applied."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, e-mail or postcode")}
        ),
    )
    status = forms.ChoiceField(
        label=_("Stage"),
        required=False,
        choices=[("", _("All stages")), *Volunteer.Status.choices],
    )
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All roles")), *VolunteerRole.choices]
    )
    # The Dutch postcode region: the postcode's first two digits ("75xx").
    region = forms.ChoiceField(label=_("Postcode region"), required=False)
    missing_training = forms.BooleanField(
        label=_("Missing a required training"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    certificate_expiring = forms.BooleanField(
        label=_("Certificate of conduct expires within 60 days"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args: Any, regions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["region"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All regions")), *((r, f"{r}xx") for r in regions)]


class GroupMessageForm(forms.Form):
    """A message to everyone on a filtered list. The token is made when the form is first
    shown and travels with it, so a second submit of the same message is recognised."""

    title = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 8})
    )
    token = forms.RegexField(regex=r"^[A-Za-z0-9_-]{16,40}$", widget=forms.HiddenInput)

    def clean_title(self) -> str:
        return " ".join(str(self.cleaned_data["title"]).split())


# --- The volunteer's own profile -------------------------------------------------------------

_DAYS = dict(Weekday.choices)
_PARTS = dict(DayPart.choices)
# Lazy labels ("Monday morning"), translated when the form is shown, not at import.
SLOT_CHOICES = [
    (slot, format_lazy("{} {}", _DAYS[slot.split("_")[0]], _PARTS[slot.split("_")[1]]))
    for slot in AVAILABILITY_SLOTS
]


def clean_postcode(value: str) -> str:
    postcode = normalise_postcode(value)
    if postcode is None:
        raise ValidationError(_("Enter a Dutch postcode, such as 1234 AB."), code="postcode")
    return postcode


def clean_phone(value: str) -> str:
    phone = normalise_phone(value)
    if phone is None:
        raise ValidationError(
            _("Enter a Dutch phone number, such as 06-12345678 or 010-1234567."), code="phone"
        )
    return phone


class OwnProfileForm(forms.Form):
    """What a volunteer may change about themselves. Nothing else is a field, so posting
    status, role, organisation or supervisor has no effect."""

    availability = forms.MultipleChoiceField(
        label=_("When are you available?"),
        choices=SLOT_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    activity_preferences = forms.MultipleChoiceField(
        label=_("What would you like to do?"),
        choices=ActivityType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.CharField(
        label=_("Languages you speak"),
        required=False,
        max_length=300,
        help_text=_("Separate them with commas, for example: Dutch, English, Arabic."),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )

    def clean_languages(self) -> list[str]:
        languages = split_languages(str(self.cleaned_data["languages"]))
        if any(len(name) > 40 for name in languages):
            raise ValidationError(_("A language name can be at most 40 characters."))
        if len(languages) > 10:
            raise ValidationError(_("Name at most 10 languages."))
        return languages

    def clean_phone(self) -> str:
        value = str(self.cleaned_data["phone"])
        return clean_phone(value) if value.strip() else ""

    def clean_postcode(self) -> str:
        return clean_postcode(str(self.cleaned_data["postcode"]))

    @classmethod
    def initial_for(cls, volunteer: Volunteer) -> dict[str, Any]:
        return {
            "availability": list(volunteer.availability or []),
            "activity_preferences": list(volunteer.activity_preferences or []),
            "languages": ", ".join(volunteer.languages or []),
            "phone": volunteer.phone,
            "postcode": volunteer.postcode,
        }
