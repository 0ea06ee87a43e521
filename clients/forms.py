"""Forms of the client pages: the list's filters, the client record, a conflict of interest.
They validate and normalise input only; the rules live in clients/services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from clients.models import AgeBand, Client, ConsentMethod, Gender, NeedPriority, RiskFlag
from clients.services import ABROAD, ClientDetails
from reclass_volunteers.dutch_formats import split_languages
from reclass_volunteers.models import User
from volunteers.choices import AVAILABILITY_SLOTS, ActivityType
from volunteers.forms_application import AvailabilityGrid
from volunteers.forms_profiles import clean_phone, clean_postcode
from volunteers.models import Volunteer

MAX_LANGUAGES = 10
NEED_PREFIX = "need_"

SORT_CHOICES = [
    ("code", _("Code (A to Z)")),
    ("-code", _("Code (Z to A)")),
    ("waiting", _("Longest waiting first")),
    ("-waiting", _("Newest first")),
]


class ProfessionalChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return str(obj.full_name or obj.email)


class ClientFilterForm(forms.Form):
    """The list's search, filters and sort order (a GET form). A value that does not validate
    is left out of cleaned_data and so not applied."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Code or name")}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *Client.Status.choices],
    )
    professional = ProfessionalChoiceField(
        label=_("Responsible professional"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("All professionals"),
    )
    need = forms.ChoiceField(
        label=_("Need"), required=False, choices=[("", _("All needs")), *ActivityType.choices]
    )
    risk_flag = forms.ChoiceField(
        label=_("Risk flag"),
        required=False,
        choices=[("", _("All clients")), *RiskFlag.choices],
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)
    consent_missing = forms.BooleanField(
        label=_("Consent missing"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(
        self,
        *args: Any,
        regions: list[str],
        professionals: QuerySet[User] | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        assert isinstance(region, forms.ChoiceField)
        region.choices = [
            ("", _("All regions")),
            *((r, r) for r in regions),
            (ABROAD, _("Detained abroad")),
        ]
        if professionals is None:
            # A professional sees only their own clients: the filter would have one choice.
            del self.fields["professional"]
        else:
            professional = self.fields["professional"]
            assert isinstance(professional, forms.ModelChoiceField)
            professional.queryset = professionals.order_by("full_name")


NEED_CHOICES = [("", _("Not needed")), *((str(v), label) for v, label in NeedPriority.choices)]


def _coerce_priority(value: str) -> int:
    return int(value)


class ClientForm(forms.Form):
    """The whole client record as staff keep it. Status, organisation and who recorded the
    consent are not fields, so posting them changes nothing."""

    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("Pseudonymous code used in reports, unique within your organisation."),
    )
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    postcode = forms.CharField(label=_("Postcode"), max_length=10, required=False)
    region = forms.CharField(label=_("Region"), max_length=100, required=False)
    abroad_country = forms.CharField(
        label=_("Country of detention"),
        max_length=2,
        required=False,
        help_text=_("Two-letter country code, e.g. ES, only for a detainee abroad."),
    )
    abroad_prison = forms.CharField(label=_("Prison"), max_length=200, required=False)
    languages = forms.CharField(
        label=_("Languages"),
        required=False,
        max_length=300,
        help_text=_("Separate them with commas, for example: Dutch, English, Arabic."),
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, initial=Gender.UNKNOWN)
    age_band = forms.ChoiceField(
        label=_("Age"), required=False, choices=[("", _("Not recorded")), *AgeBand.choices]
    )
    availability = forms.MultipleChoiceField(
        label=_("When is the client available?"),
        required=False,
        choices=[(slot, slot) for slot in AVAILABILITY_SLOTS],
        widget=AvailabilityGrid,
    )
    preferences = forms.MultipleChoiceField(
        label=_("What would the client like to do with a volunteer?"),
        required=False,
        choices=ActivityType.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    preferences_note = forms.CharField(
        label=_("Wishes about the volunteer"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: an older volunteer, someone who knows the neighbourhood."),
    )
    experience_expert_suitable = forms.BooleanField(
        label=_("An experience expert fits"),
        required=False,
        help_text=_("The client's needs fit support by someone with own detention experience."),
    )
    consent_on = forms.DateField(
        label=_("Consent to volunteer support given on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    consent_method = forms.ChoiceField(
        label=_("How consent was recorded"),
        required=False,
        choices=[("", _("No consent yet")), *ConsentMethod.choices],
    )
    risk_flags = forms.MultipleChoiceField(
        label=_("Risk flags"),
        required=False,
        choices=RiskFlag.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    staff_note = forms.CharField(
        label=_("Staff-only note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Offence and risk details. Never shown to volunteers."),
    )
    responsible_professional = ProfessionalChoiceField(
        label=_("Responsible professional"), queryset=User.objects.none()
    )

    def __init__(self, *args: Any, professionals: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["responsible_professional"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = professionals.order_by("full_name")
        for key, label in ActivityType.choices:
            self.fields[f"{NEED_PREFIX}{key}"] = forms.TypedChoiceField(
                label=label,
                required=False,
                choices=NEED_CHOICES,
                coerce=_coerce_priority,
                empty_value=None,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )

    @property
    def need_fields(self) -> list[forms.BoundField]:
        return [self[f"{NEED_PREFIX}{key}"] for key in ActivityType.values]

    def clean_code(self) -> str:
        return "".join(str(self.cleaned_data["code"]).split())

    def clean_phone(self) -> str:
        value = str(self.cleaned_data["phone"])
        return clean_phone(value) if value.strip() else ""

    def clean_postcode(self) -> str:
        value = str(self.cleaned_data["postcode"])
        return clean_postcode(value) if value.strip() else ""

    def clean_abroad_country(self) -> str:
        value = str(self.cleaned_data["abroad_country"]).strip().upper()
        if value and not (len(value) == 2 and value.isascii() and value.isalpha()):
            raise ValidationError(_("Enter a two-letter country code, e.g. ES."))
        return value

    def clean_languages(self) -> list[str]:
        languages = split_languages(str(self.cleaned_data["languages"]))
        if any(len(name) > 40 for name in languages):
            raise ValidationError(_("A language name can be at most 40 characters."))
        if len(languages) > MAX_LANGUAGES:
            raise ValidationError(_("Name at most 10 languages."))
        return languages

    def details(self) -> ClientDetails:
        data = self.cleaned_data
        needs = {
            key: data[f"{NEED_PREFIX}{key}"]
            for key in ActivityType.values
            if data.get(f"{NEED_PREFIX}{key}") is not None
        }
        return ClientDetails(
            needs=needs,
            **{
                name: data[name]
                for name in ClientDetails.field_names()
                if name != "needs" and name in data
            },
        )

    @staticmethod
    def initial_for(client: Client) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(client, name)
            for name in ClientDetails.field_names()
            if name not in ("needs", "languages", "responsible_professional")
        }
        initial["languages"] = ", ".join(client.languages or [])
        initial["responsible_professional"] = client.responsible_professional_id
        for key, priority in (client.needs or {}).items():
            initial[f"{NEED_PREFIX}{key}"] = str(priority)
        return initial


class VolunteerChoiceField(forms.ModelChoiceField[Volunteer]):
    def label_from_instance(self, obj: Volunteer) -> str:
        return f"{obj.first_name} {obj.last_name}".strip()


class ConflictForm(forms.Form):
    volunteer = VolunteerChoiceField(
        label=_("Volunteer"), queryset=Volunteer.objects.none(), empty_label=_("Choose…")
    )
    note = forms.CharField(
        label=_("Explanation"),
        required=False,
        max_length=300,
        help_text=_("For example: a neighbour, family, or someone from the victim's circle."),
    )

    def __init__(self, *args: Any, volunteers: QuerySet[Volunteer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["volunteer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = volunteers.order_by("last_name", "first_name", "pk")
