"""Forms of the personal attention pages: the filters of the list, the inline form of one item
(its message, a note for "done in person", the status the coordinator saw, where to go back
to) and the one message for all of the National Volunteer Day."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from volunteers.models import AttentionItem

MESSAGE_MAX = 2000


class AttentionFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Occasion"),
        required=False,
        choices=[("", _("All occasions")), *AttentionItem.Kind.choices],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *AttentionItem.Status.choices],
    )


class AttentionItemForm(forms.Form):
    """One form for the three actions; each button posts it to its own address. Sending needs
    a message (the service says so), the others do not."""

    message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    note = forms.CharField(
        label=_("What did you do? (optional)"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. called, sent a card")}),
    )
    seen_status = forms.ChoiceField(choices=AttentionItem.Status.choices, widget=forms.HiddenInput)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, item: AttentionItem, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_attention{item.pk}_%s")
        kwargs.setdefault(
            "initial", {"message": item.suggested_message, "seen_status": item.status}
        )
        super().__init__(*args, **kwargs)
        self.item = item


class AttentionDayForm(forms.Form):
    message = forms.CharField(
        label=_("One message for everyone"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("{first_name} becomes each volunteer's first name."),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, occasion: str, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_day{occasion}_%s")
        super().__init__(*args, **kwargs)
        self.occasion = occasion
