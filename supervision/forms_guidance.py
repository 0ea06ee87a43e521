"""Forms of the guidance pages: supervision notes, intervision and shared ways of working.

They validate input only; the rules live in supervision/services/{guidance,intervision,
practice}.py. Every choice of a person is limited to the user's organisation, so a foreign id in
a POST makes the form invalid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reclass_volunteers import access
from reclass_volunteers.models import Organisation, User
from supervision.models import IntervisionGroup, IntervisionInvitation, IntervisionSession
from supervision.services.intervision import MEMBER_STATUSES
from volunteers.choices import ActivityType, SupervisionForm, VolunteerRole
from volunteers.models import Volunteer

DATE = "%Y-%m-%d"
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format=DATE)


# --- Supervision notes -----------------------------------------------------------------------


class SupervisionNoteForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=_date_widget())
    form = forms.ChoiceField(label=_("Form"), choices=SupervisionForm.choices)
    topics = forms.CharField(
        label=_("Topics"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    agreements = forms.CharField(
        label=_("Agreements"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )
    next_on = forms.DateField(label=_("Next supervision"), required=False, widget=_date_widget())
    shared_with_volunteer = forms.BooleanField(
        label=_("Share with the volunteer"),
        required=False,
        help_text=_("Private notes are read by staff only."),
    )


# --- Intervision -----------------------------------------------------------------------------


class PersonChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.full_name} ({obj.get_role_display()})"


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Volunteer) -> str:
        return obj.full_name


class IntervisionGroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    facilitator = PersonChoiceField(label=_("Facilitator"), queryset=User.objects.none())
    members = MemberChoiceField(
        label=_("Members"),
        queryset=Volunteer.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        organisation: Organisation,
        group: IntervisionGroup | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        facilitator = self.fields["facilitator"]
        assert isinstance(facilitator, forms.ModelChoiceField)
        facilitator.queryset = User.objects.filter(
            organisation=organisation, role__in=access.STAFF, is_active=True
        ).order_by("full_name")
        members = self.fields["members"]
        assert isinstance(members, forms.ModelMultipleChoiceField)
        choosable = Q(status__in=MEMBER_STATUSES)
        if group is not None:
            # A member who has since left stays choosable, so saving the group keeps them.
            choosable |= Q(intervision_groups=group)
        members.queryset = (
            Volunteer.objects.filter(choosable, organisation=organisation)
            .distinct()
            .order_by("last_name", "first_name")
        )


class IntervisionSessionForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    place = forms.CharField(label=_("Place"), max_length=200)
    topic = forms.CharField(
        label=_("Topic"),
        max_length=300,
        help_text=_("Choose a starting question from the suggestions, or write your own."),
        widget=forms.TextInput(attrs={"list": "intervision-prompts", "autocomplete": "off"}),
    )


class AttendanceForm(forms.Form):
    attended = forms.ModelMultipleChoiceField(
        label=_("Present"),
        queryset=IntervisionInvitation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, session: IntervisionSession, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["attended"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = session.invitations.all()


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Short minutes"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What was discussed and learnt. Never write a client's name."),
    )
    confirm_no_client = forms.BooleanField(
        label=_("I checked the minutes: they do not identify a client."), required=False
    )


class RsvpForm(forms.Form):
    answer = forms.ChoiceField(
        choices=[
            (IntervisionInvitation.Answer.YES, _("Coming")),
            (IntervisionInvitation.Answer.NO, _("Not coming")),
        ]
    )


# --- Shared ways of working ------------------------------------------------------------------


class PracticeNoteForm(forms.Form):
    title = forms.CharField(
        label=_("What I do when…"),
        max_length=200,
        help_text=_("For example: what I do when a volunteer hears about a relapse."),
    )
    body = forms.CharField(
        label=_("How I work"), max_length=10000, widget=forms.Textarea(attrs={"rows": 8})
    )
    roles = forms.MultipleChoiceField(
        label=_("Volunteer roles"),
        choices=VolunteerRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    activities = forms.MultipleChoiceField(
        label=_("Activity types"),
        choices=ActivityType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class PracticeFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    role = forms.ChoiceField(
        label=_("Volunteer role"),
        choices=[("", _("All roles")), *VolunteerRole.choices],
        required=False,
    )
    activity = forms.ChoiceField(
        label=_("Activity type"),
        choices=[("", _("All activities")), *ActivityType.choices],
        required=False,
    )


class PracticeCommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment or question"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    is_question = forms.BooleanField(label=_("This is a question for the author"), required=False)
