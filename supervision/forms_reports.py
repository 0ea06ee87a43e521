"""Forms of the volunteer portal and of the staff pages for reports, discussion points and
circle minutes. They validate input only; the rules (own active match, not in the future, the
48 hours for minutes, who may answer) live in supervision/services/reports.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matching.models import Match
from supervision.models import CircleMinutes, ContactKind, ContactReport, DiscussionTopic
from volunteers.choices import ActivityType

HOW_IT_WENT = [
    (1, _("1 · Difficult")),
    (2, _("2 · Not so good")),
    (3, _("3 · All right")),
    (4, _("4 · Good")),
    (5, _("5 · Very good")),
]


def _date_widget() -> forms.DateInput:
    # The browser's date picker stops at today; the service refuses a future date anyway.
    return forms.DateInput(
        attrs={"type": "date", "max": timezone.localdate().isoformat()}, format="%Y-%m-%d"
    )


class ContactReportForm(forms.ModelForm[ContactReport]):
    activities = forms.MultipleChoiceField(
        label=_("What did it serve?"),
        choices=ActivityType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    how_it_went = forms.TypedChoiceField(
        label=_("How did it go?"),
        choices=HOW_IT_WENT,
        coerce=int,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = ContactReport
        fields = ["happened_on", "duration_minutes", "kind", "activities", "how_it_went", "notes"]
        widgets = {
            "kind": forms.RadioSelect,
            "notes": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {"notes": _("What happened, what went well, what you noticed.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["happened_on"].widget = _date_widget()
        self.fields["happened_on"].initial = timezone.localdate()
        self.fields["duration_minutes"].widget.attrs.update(
            {"min": 1, "max": 24 * 60, "inputmode": "numeric", "step": 5}
        )
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = ContactKind.choices


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    is_question = forms.BooleanField(
        label=_("This is a question the volunteer should answer"), required=False
    )


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )


class MatchChoiceField(forms.ModelChoiceField[Match]):
    """A volunteer's choice of one of their matches: they know their client by first name
    only (the code means nothing to them); every volunteer form uses this field."""

    def label_from_instance(self, obj: Match) -> str:
        return obj.client.first_name or str(obj.client)


class DiscussionPointForm(forms.Form):
    topic = forms.ChoiceField(
        label=_("What is it about?"), choices=DiscussionTopic.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("What happened?"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        help_text=_("Tell it in your own words. Nobody will blame you for asking."),
    )
    match = MatchChoiceField(
        label=_("About which client? (optional)"),
        queryset=Match.objects.none(),
        required=False,
        empty_label=_("Not about one client"),
    )

    def __init__(self, *args: Any, matches: QuerySet[Match], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["match"]
        assert isinstance(field, forms.ModelChoiceField)
        # Only the volunteer's own active matches: another id makes the form invalid.
        field.queryset = matches.select_related("client")


class DiscussionAddressForm(forms.Form):
    response = forms.CharField(
        label=_("Your response to the volunteer"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text=_("The volunteer sees this response."),
    )


class CircleMinutesForm(forms.ModelForm[CircleMinutes]):
    class Meta:
        model = CircleMinutes
        fields = ["held_on", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 10})}
        help_texts = {
            "held_on": _("File the minutes within 48 hours of the meeting."),
            "text": _("They are sent to the professionals of the outer circle."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["held_on"].widget = _date_widget()
        self.fields["held_on"].initial = timezone.localdate()
