"""Forms of the match page. They validate input only; the rules (which step is legal, which
dates, who may act) live in matching/services/lifecycle.py. Each lifecycle form carries the
status the user saw, so the service can tell a user whose page is out of date."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from matching.models import Match, OuterCircleMember
from volunteers.models import Volunteer

DATE_FORMAT = "%Y-%m-%d"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=DATE_FORMAT)


def _date_field(label: Any, *, required: bool = True) -> forms.DateField:
    # Browsers send ISO dates from <input type="date">; the Dutch formats stay accepted.
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput,
        input_formats=[DATE_FORMAT, "%d-%m-%Y", "%d/%m/%Y"],
    )


class _PageForm(forms.Form):
    """Several forms share the match page: each gets its own prefix for element ids."""

    id_prefix = "form"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class _ExpectedStatusForm(_PageForm):
    expected_status = forms.ChoiceField(choices=Match.Status.choices, widget=forms.HiddenInput)

    def __init__(self, *args: Any, match: Match, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("expected_status", match.status)
        super().__init__(*args, **kwargs)
        self.match = match


class AdvanceForm(_ExpectedStatusForm):
    """Proposed → introduction needs nothing more; introduction → active needs the start date
    (and for a circle whether it starts in prison and how often it is reviewed)."""

    id_prefix = "advance"
    started_on = _date_field(_("Start date"), required=False)
    starts_in_prison = forms.BooleanField(
        label=_("The circle starts while the client is in prison (18 months instead of 12)"),
        required=False,
    )
    review_every_weeks = forms.IntegerField(
        label=_("Review every (weeks)"), required=False, min_value=1, max_value=52
    )

    def __init__(self, *args: Any, match: Match, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("started_on", timezone.localdate())
        kwargs["initial"].setdefault("starts_in_prison", match.starts_in_prison)
        kwargs["initial"].setdefault("review_every_weeks", match.review_every_weeks or 12)
        super().__init__(*args, match=match, **kwargs)
        self.fields["review_every_weeks"].widget.attrs.update({"inputmode": "numeric"})
        if match.status == Match.Status.INTRODUCTION:
            self.fields["started_on"].required = True
        if not match.is_circle:
            del self.fields["starts_in_prison"]
            del self.fields["review_every_weeks"]

    @property
    def activates(self) -> bool:
        return self.match.status == Match.Status.INTRODUCTION

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if not self.activates:
            return {"expected_status": data["expected_status"]}
        if "starts_in_prison" not in data:
            data["starts_in_prison"] = None
        return data


class EndForm(_ExpectedStatusForm):
    id_prefix = "end"
    ended_on = _date_field(_("End date"))
    reason = forms.ChoiceField(label=_("Reason for ending"), choices=Match.EndReason.choices)
    note = forms.CharField(
        label=_("Explanation"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the reason is “Other”."),
    )
    client_status = forms.ChoiceField(
        label=_("Afterwards the client"),
        choices=[
            (Client.Status.WAITING, _("goes back to the waiting list")),
            (Client.Status.CLOSED, _("is closed: no new volunteer")),
        ],
        initial=Client.Status.WAITING,
        widget=forms.RadioSelect,
        help_text=_("Only when the client has no other match that is still running."),
    )

    def __init__(self, *args: Any, match: Match, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("ended_on", timezone.localdate())
        super().__init__(*args, match=match, **kwargs)


class EvaluationForm(_PageForm):
    id_prefix = "evaluation"
    rating = forms.TypedChoiceField(
        label=_("How did it go? (1 = badly, 5 = very well)"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    went_well = forms.CharField(
        label=_("What went well"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    could_improve = forms.CharField(
        label=_("What could be better"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class VolunteerChoiceField(forms.ModelChoiceField[Volunteer]):
    def label_from_instance(self, obj: Volunteer) -> str:
        return obj.full_name


class LeadForm(_PageForm):
    """Only the circle's own volunteers can be chosen: any other id makes the form invalid."""

    id_prefix = "lead"
    volunteer = VolunteerChoiceField(
        label=_("Lead volunteer"), queryset=Volunteer.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, match: Match, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["volunteer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Volunteer.objects.filter(match_memberships__match=match).order_by(
            "first_name", "last_name"
        )


class OuterCircleForm(_PageForm):
    id_prefix = "outer"
    role = forms.ChoiceField(label=_("Role"), choices=OuterCircleMember.Role.choices)
    name = forms.CharField(label=_("Name"), max_length=150)
    organisation_name = forms.CharField(label=_("Organisation"), max_length=150, required=False)
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(label=_("E-mail address"), required=False)


class ReviewForm(_PageForm):
    id_prefix = "review"
    held_on = _date_field(_("Held on"))
    summary = forms.CharField(
        label=_("How the circle is doing"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    decisions = forms.CharField(
        label=_("Agreements"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    next_review_on = _date_field(_("Next review"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("held_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["next_review_on"].help_text = _(
            "Leave empty for one review period after this review."
        )
