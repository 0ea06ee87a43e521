"""Forms of the training pages. They validate input only; the rules live in
volunteers/services/training.py. Every choice of a course, session or volunteer is limited to
the user's organisation, so a foreign id in a POST makes the form invalid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from reclass_volunteers.models import Organisation
from volunteers import pipeline
from volunteers.models import Course, TrainingSession, Volunteer

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class CourseForm(forms.ModelForm[Course]):
    class Meta:
        model = Course
        fields = ["name", "kind", "description", "validity_months"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class SessionForm(forms.ModelForm[TrainingSession]):
    class Meta:
        model = TrainingSession
        fields = ["course", "starts_at", "location", "capacity"]
        widgets = {
            "starts_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format=DATETIME_LOCAL
            ),
        }

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        course = self.fields["course"]
        assert isinstance(course, forms.ModelChoiceField)
        course.queryset = Course.objects.filter(organisation=organisation)
        self.fields["capacity"].widget.attrs.update({"min": 1, "inputmode": "numeric"})


def enrollable_volunteers(organisation: Organisation) -> QuerySet[Volunteer]:
    return Volunteer.objects.filter(organisation=organisation).exclude(status__in=pipeline.ENDED)


class EnrolForm(forms.Form):
    """On a session's page: whom to enrol."""

    volunteer = forms.ModelChoiceField(label=_("Volunteer"), queryset=Volunteer.objects.none())

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["volunteer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = enrollable_volunteers(organisation)


class SessionChoiceField(forms.ModelChoiceField[TrainingSession]):
    def label_from_instance(self, obj: TrainingSession) -> str:
        when = formats.date_format(timezone.localtime(obj.starts_at), "DATETIME_FORMAT")
        return f"{obj.course.name} · {when} · {obj.location}"


class VolunteerEnrolForm(forms.Form):
    """On a volunteer's page: in which upcoming session."""

    session = SessionChoiceField(
        label=_("Enrol in a session"), queryset=TrainingSession.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["session"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = TrainingSession.objects.filter(
            course__organisation=organisation, starts_at__gte=timezone.now()
        ).select_related("course")


class AttendanceForm(forms.Form):
    attended = forms.TypedChoiceField(
        label=_("Attendance"),
        choices=[("1", _("Attended")), ("0", _("Absent"))],
        coerce=lambda value: value == "1",
    )


class CompletionForm(forms.Form):
    completed_on = forms.DateField(
        label=_("Completed on"),
        widget=forms.DateInput(
            attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d"
        ),
    )
