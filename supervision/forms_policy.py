"""The supervision policy form: input only; `supervision.services.policy.policy_update`
decides. Signal deadlines are typed as hours and minutes and passed on as minutes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from supervision.forms_expenses import money_field
from supervision.models import SupervisionPolicy
from supervision.services.policy import DEADLINE_MAX, SEVERITY_ORDER, severity_label

MONEY_FIELDS = ("expense_item_limit", "expense_month_limit", "expense_hard_maximum")


def _whole(label: Any, high: int) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=high,
        error_messages={
            "min_value": _("Enter at least %(limit_value)s."),
            "max_value": _("Enter at most %(limit_value)s."),
            "required": _("Enter a number (0 if none)."),
            "invalid": _("Enter a whole number."),
        },
        widget=forms.NumberInput(attrs={"min": 0, "max": high, "inputmode": "numeric"}),
    )


class SupervisionPolicyForm(forms.Form):
    emergency_number = forms.CharField(
        label=_("Emergency number"),
        max_length=20,
        help_text=_("Shown to volunteers who report an acute signal, next to the professional."),
    )
    expense_item_limit = money_field(_("Approval needed above (per expense, EUR)"), max_digits=7)
    expense_month_limit = money_field(_("Approval needed above (per month, EUR)"), max_digits=7)
    expense_hard_maximum = money_field(
        _("Highest expense possible (per expense, EUR)"), max_digits=7
    )
    km_rate = money_field(_("Travel allowance per km (EUR)"), max_digits=4)
    pays_allowance = forms.BooleanField(
        label=_("Our organisation pays a volunteer allowance"), required=False
    )
    allowance_hourly_rate = money_field(_("Allowance per hour (EUR)"), max_digits=5)

    def __init__(self, *args: Any, policy: SupervisionPolicy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for severity in SEVERITY_ORDER:
            label = severity_label(severity)
            self.fields[f"{severity}_hours"] = _whole(
                _("%(severity)s: hours") % {"severity": label}, DEADLINE_MAX // 60
            )
            self.fields[f"{severity}_mins"] = _whole(
                _("%(severity)s: minutes") % {"severity": label}, 59
            )
            hours, minutes = divmod(policy.deadline_minutes(severity), 60)
            self.initial[f"{severity}_hours"] = hours
            self.initial[f"{severity}_mins"] = minutes
        for name in (
            "emergency_number",
            *MONEY_FIELDS,
            "km_rate",
            "pays_allowance",
            "allowance_hourly_rate",
        ):
            self.initial[name] = getattr(policy, name)
        self.fields["expense_hard_maximum"].help_text = _(
            "An expense above this amount is refused; above the approval limits a coordinator "
            "approves it first."
        )

    def deadline_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [(severity_label(s), self[f"{s}_hours"], self[f"{s}_mins"]) for s in SEVERITY_ORDER]

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned input as `policy_update`'s keyword arguments (besides by/organisation)."""
        data = self.cleaned_data
        arguments: dict[str, Any] = {
            f"{s}_minutes": data[f"{s}_hours"] * 60 + data[f"{s}_mins"] for s in SEVERITY_ORDER
        }
        for name in ("emergency_number", *MONEY_FIELDS, "km_rate", "allowance_hourly_rate"):
            arguments[name] = data[name]
        arguments["pays_allowance"] = bool(data["pays_allowance"])
        return arguments

    def add_service_error(self, error: ValidationError) -> None:
        """Show the service's error next to the input it is about (a deadline's minutes)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, errors in error.error_dict.items():
            field = key
            if key.endswith("_minutes") and key[: -len("_minutes")] in SEVERITY_ORDER:
                field = f"{key[: -len('_minutes')]}_mins"
            self.add_error(field if field in self.fields else None, errors)
