"""Forms of the expense and allowance pages. They validate input only; the rules (limits, the
rate per km, the tax-free allowance) live in supervision/services/expenses.py. Choices of a
match or volunteer are limited to what the user may see, so a foreign id makes the form
invalid."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from matching.models import Match
from supervision import uploads
from supervision.forms_reports import MatchChoiceField
from supervision.models import Expense
from supervision.services.expenses import month_start
from volunteers.models import Volunteer

DATE_INPUT = "%Y-%m-%d"
# How many months back hours can be recorded from the form.
ALLOWANCE_MONTHS_BACK = 15


def money_field(label: Any, *, max_digits: int, required: bool = True) -> forms.DecimalField:
    """An amount in euros; accepts "12,50" as well as "12.50"."""
    return forms.DecimalField(
        label=label,
        max_digits=max_digits,
        decimal_places=2,
        min_value=Decimal("0"),
        required=required,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"min_value": _("Enter an amount of 0 or more.")},
    )


class ExpenseForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What do you claim?"),
        choices=Expense.Kind.choices,
        initial=Expense.Kind.ITEM,
        widget=forms.RadioSelect,
    )
    spent_on = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format=DATE_INPUT),
    )
    description = forms.CharField(
        label=_("What for"),
        max_length=200,
        help_text=_("For example: coffee with my client, bus ticket to the municipality."),
    )
    amount = money_field(_("Amount (EUR)"), max_digits=8, required=False)
    kilometres = forms.DecimalField(
        label=_("Kilometres"),
        max_digits=6,
        decimal_places=1,
        min_value=Decimal("0"),
        required=False,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    match = MatchChoiceField(
        label=_("For which client (optional)"),
        queryset=Match.objects.none(),
        required=False,
        empty_label=_("Not for one client in particular"),
        error_messages={"invalid_choice": _("Choose one of your own matches.")},
    )
    receipt = forms.FileField(
        label=_("Receipt (optional)"),
        required=False,
        # The browser offers what the server accepts (uploads checks the content again).
        widget=forms.FileInput(attrs={"accept": uploads.ACCEPT}),
    )

    def __init__(self, *args: Any, matches: QuerySet[Match], km_rate: Decimal, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["match"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = matches.select_related("client")
        self.fields["spent_on"].widget.attrs["max"] = timezone.localdate().strftime(DATE_INPUT)
        self.fields["receipt"].help_text = _(
            "A photo (JPEG, PNG or HEIC) or a PDF, at most %(size)s MB."
        ) % {"size": uploads.megabytes(uploads.receipt_max_bytes())}
        self.fields["kilometres"].help_text = _(
            "Your organisation pays %(rate)s per km; the amount is calculated for you."
        ) % {"rate": "€ " + formats.number_format(km_rate, 2, use_l10n=True)}
        self.fields["amount"].help_text = _("Only for an expense; travel is paid per km.")


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Do not approve"))],
        error_messages={"required": _("Choose to approve or not.")},
    )
    note = forms.CharField(
        label=_("Explanation for the volunteer"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


def month_choices(today: date) -> list[tuple[str, str]]:
    months: list[tuple[str, str]] = []
    month = month_start(today)
    for _step in range(ALLOWANCE_MONTHS_BACK):
        months.append((month.strftime("%Y-%m"), formats.date_format(month, "YEAR_MONTH_FORMAT")))
        month = month_start(month - timedelta(days=1))
    return months


def _parse_month(value: str) -> date:
    year, month = value.split("-")
    return date(int(year), int(month), 1)


class VolunteerChoiceField(forms.ModelChoiceField[Volunteer]):
    def label_from_instance(self, obj: Volunteer) -> str:
        return obj.full_name


class AllowanceClaimForm(forms.Form):
    """Hours for a month. Coordinators also choose the volunteer; volunteers claim for
    themselves."""

    volunteer = VolunteerChoiceField(
        label=_("Volunteer"),
        queryset=Volunteer.objects.none(),
        error_messages={"invalid_choice": _("Choose a volunteer of your own organisation.")},
    )
    month = forms.TypedChoiceField(label=_("Month"), coerce=_parse_month, choices=[])
    hours = forms.DecimalField(
        label=_("Hours"),
        max_digits=5,
        decimal_places=1,
        min_value=Decimal("0.1"),
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"min_value": _("Enter a number of hours above 0.")},
    )

    def __init__(self, *args: Any, volunteers: QuerySet[Volunteer] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        month = self.fields["month"]
        assert isinstance(month, forms.TypedChoiceField)
        month.choices = month_choices(timezone.localdate())
        if volunteers is None:
            del self.fields["volunteer"]
        else:
            field = self.fields["volunteer"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = volunteers.order_by("first_name", "last_name")
