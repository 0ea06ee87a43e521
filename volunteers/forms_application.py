"""Forms of the public application page and of the organisation's volunteer policy.

They check and normalise input only; the rules (minimum age, applications open, the rate
limit, one volunteer per e-mail) live in volunteers.services.pipeline.volunteer_apply.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.forms.renderers import BaseRenderer, TemplatesSetting
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from reclass_volunteers.dutch_formats import normalise_phone, normalise_postcode, split_languages
from volunteers.choices import (
    AVAILABILITY_SLOTS,
    ActivityType,
    DayPart,
    Motive,
    VolunteerRole,
    Weekday,
)
from volunteers.models import Volunteer, VolunteerPolicy

MAX_LANGUAGES = 10
OLDEST_PLAUSIBLE_AGE = 110


class AvailabilityGrid(forms.CheckboxSelectMultiple):
    """The 21 "<day>_<part>" slots as a table of days by parts of the day."""

    template_name = "volunteers/apply_availability_widget.html"

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        # The template lives with the project's templates, which Django's default form
        # renderer does not search.
        return super().render(name, value, attrs, renderer=TemplatesSetting())

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        chosen = {str(v) for v in (value or [])}
        base_id = context["widget"]["attrs"].get("id", f"id_{name}")
        context["parts"] = DayPart.choices
        context["rows"] = [
            {
                "label": day_label,
                "cells": [
                    {
                        "value": f"{day}_{part}",
                        "id": f"{base_id}_{day}_{part}",
                        "checked": f"{day}_{part}" in chosen,
                        "part_label": part_label,
                    }
                    for part, part_label in DayPart.choices
                ],
            }
            for day, day_label in Weekday.choices
        ]
        return context


class ApplicationForm(forms.Form):
    first_name = forms.CharField(
        label=_("First name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        error_messages={"invalid": _("Enter a valid e-mail address, such as name@example.nl.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=30,
        help_text=_("A Dutch mobile or landline number, for example 06 12345678."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel"}),
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        error_messages={"invalid": _("Enter a date such as 31-12-1980.")},
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"],
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=10,
        help_text=_("For example 1234 AB."),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    city = forms.CharField(
        label=_("Place of residence"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    languages = forms.CharField(
        label=_("Languages you speak"),
        required=False,
        max_length=400,
        help_text=_("Separate languages with commas, for example: Dutch, English, Arabic."),
    )
    motives = forms.MultipleChoiceField(
        label=_("Why would you like to volunteer?"),
        required=False,
        choices=Motive.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick everything that applies."),
    )
    motivation_text = forms.CharField(
        label=_("Your motivation in your own words"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    availability = forms.MultipleChoiceField(
        label=_("When are you usually available?"),
        choices=[(slot, slot) for slot in AVAILABILITY_SLOTS],
        widget=AvailabilityGrid,
        error_messages={"required": _("Tick at least one part of the week.")},
    )
    activity_preferences = forms.MultipleChoiceField(
        label=_("What would you like to do with a client?"),
        required=False,
        choices=ActivityType.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    roles_of_interest = forms.MultipleChoiceField(
        label=_("Which kind of volunteer work interests you?"),
        required=False,
        choices=VolunteerRole.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    willing_sex_offences = forms.TypedChoiceField(
        label=_("Would you be willing to support a client who was convicted of a sexual offence?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        help_text=_(
            "Some of our clients were convicted of a sexual offence, for example the clients "
            "of the support circles. We ask so that we only offer you work you are comfortable "
            "with. Either answer is fine and does not affect your application."
        ),
        error_messages={"required": _("Choose yes or no.")},
    )
    privacy_consent = forms.BooleanField(
        label=_("I agree that my details are used as described in the privacy statement."),
        error_messages={"required": _("We can only handle your application if you agree to this.")},
    )
    # A honeypot: hidden from people (CSS, aria-hidden, out of the tab order), so only a robot
    # fills it in. Named like a field such robots like to complete.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, minimum_age: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.minimum_age = minimum_age

    def is_spam(self) -> bool:
        """The honeypot was filled in (whatever else was sent, valid or not)."""
        return self.is_bound and bool(str(self.data.get("website", "")).strip())

    def clean_phone(self) -> str:
        phone = normalise_phone(self.cleaned_data["phone"])
        if phone is None:
            raise forms.ValidationError(
                _("Enter a Dutch phone number, such as 06 12345678 or 020 1234567."),
                code="invalid",
            )
        return phone

    def clean_postcode(self) -> str:
        postcode = normalise_postcode(self.cleaned_data["postcode"])
        if postcode is None:
            raise forms.ValidationError(
                _("Enter a Dutch postcode: four digits and two letters, such as 1234 AB."),
                code="invalid",
            )
        return postcode

    def clean_date_of_birth(self) -> Any:
        born = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if born > today:
            raise forms.ValidationError(
                _("Your date of birth cannot be in the future."), code="future"
            )
        age = Volunteer(date_of_birth=born).age_on(today) or 0
        if age > OLDEST_PLAUSIBLE_AGE:
            raise forms.ValidationError(_("Check the year of your date of birth."), code="old")
        # Told here, with the other mistakes, rather than only after they are fixed; the
        # service checks it again.
        if age < self.minimum_age:
            raise forms.ValidationError(
                _("Volunteers here must be at least %(age)d years old.")
                % {"age": self.minimum_age},
                code="too_young",
            )
        return born

    def clean_languages(self) -> list[str]:
        languages = split_languages(self.cleaned_data["languages"])
        if len(languages) > MAX_LANGUAGES:
            raise forms.ValidationError(
                _("Name at most %(count)d languages.") % {"count": MAX_LANGUAGES}
            )
        if any(len(name) > 40 for name in languages):
            raise forms.ValidationError(_("Separate the languages with commas."))
        return languages

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if Motive.OTHER in cleaned.get("motives", []) and not cleaned.get("motivation_text"):
            self.add_error(
                "motivation_text", _("You ticked “Other”: please tell us briefly what it is.")
            )
        return cleaned

    def answers(self) -> dict[str, Any]:
        """What the service stores: every answer, without the honeypot."""
        return {name: value for name, value in self.cleaned_data.items() if name != "website"}


class VolunteerPolicyForm(forms.ModelForm[VolunteerPolicy]):
    class Meta:
        model = VolunteerPolicy
        fields = [
            "minimum_age",
            "certificate_max_age_months",
            "certificate_renew_years",
            "retention_months_after_farewell",
            "privacy_statement_version",
            "applications_open",
        ]
        help_texts = {
            "certificate_max_age_months": _(
                "A certificate of conduct older than this cannot be used to start."
            ),
            "certificate_renew_years": _("Three years is common."),
            "privacy_statement_version": _(
                "Change this when the privacy statement changes; every application stores the "
                "version the applicant agreed to."
            ),
            "applications_open": _("When off, the public application form says it is closed."),
        }
        error_messages = {
            "minimum_age": {
                "min_value": _("The minimum age must be at least %(limit_value)s."),
                "max_value": _("The minimum age can be at most %(limit_value)s."),
            },
            "certificate_max_age_months": {
                "min_value": _("Enter at least %(limit_value)s month."),
                "max_value": _("Enter at most %(limit_value)s months."),
            },
            "certificate_renew_years": {
                "min_value": _("Enter at least %(limit_value)s year."),
                "max_value": _("Enter at most %(limit_value)s years."),
            },
            "retention_months_after_farewell": {
                "min_value": _("Enter at least %(limit_value)s month."),
                "max_value": _("Enter at most %(limit_value)s months."),
            },
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The form field would only know "positive"; give it the model's own limits, so the
        # browser offers them and a refusal names the real bound.
        for name, field in self.fields.items():
            if not isinstance(field, forms.IntegerField):
                continue
            model_field = VolunteerPolicy._meta.get_field(name)
            assert isinstance(model_field, models.Field)
            validators = model_field.validators
            lowest = max(v.limit_value for v in validators if isinstance(v, MinValueValidator))
            highest = min(v.limit_value for v in validators if isinstance(v, MaxValueValidator))
            field.validators = [
                v
                for v in field.validators
                if not isinstance(v, MinValueValidator | MaxValueValidator)
            ] + [MinValueValidator(lowest), MaxValueValidator(highest)]
            field.widget.attrs.update(min=lowest, max=highest)

    def clean_privacy_statement_version(self) -> str:
        version = str(self.cleaned_data["privacy_statement_version"]).strip()
        if not re.fullmatch(r"[\w.\-]{1,20}", version):
            raise forms.ValidationError(
                _("Use letters, digits, dots and dashes only, for example 2026-1.")
            )
        return version
