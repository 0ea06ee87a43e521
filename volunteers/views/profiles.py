from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from reclass_volunteers import access, audit
from reclass_volunteers.forms import add_service_errors
from reclass_volunteers.models import Role, User
from volunteers.choices import AVAILABILITY_SLOTS, DayPart, VolunteerRole, Weekday
from volunteers.forms_profiles import OwnProfileForm, VolunteerFilterForm
from volunteers.models import Volunteer
from volunteers.services import profiles as service
from volunteers.timeline import volunteer_timeline
from volunteers.views import competencies, pipeline, training

PAGE_SIZE = 25
MANAGERS = (Role.COORDINATOR, Role.ADMIN)


def list_filters(
    request: HttpRequest, visible: QuerySet[Volunteer]
) -> tuple[VolunteerFilterForm, QuerySet[Volunteer]]:
    """The filter form bound to the query string, and the visible volunteers it selects. The
    list, its CSV export and the group message all use this, so they agree on who is in it."""
    form = VolunteerFilterForm(request.GET, regions=service.regions_of(visible))
    form.is_valid()  # a value that does not validate is simply not applied
    filters = service.ListFilters.from_cleaned(getattr(form, "cleaned_data", {}))
    return form, service.volunteers_filtered(visible, filters, today=timezone.localdate())


def _columns(request: HttpRequest, sort: str) -> list[dict[str, str]]:
    """The table's headers; a sortable one links to the list sorted by it (again: reversed),
    keeping the filters."""
    # (sort key or "", label, shown on phones too)
    headers = [
        ("name", _("Name"), True),
        ("stage", _("Stage"), True),
        ("since", _("In stage since"), False),
        ("", _("Role"), False),
        ("postcode", _("Postcode"), True),
        ("", _("Certificate of conduct"), True),
        ("", _("Trainings"), True),
        ("", _("Supervisor"), False),
    ]
    columns = []
    for key, label, on_phones in headers:
        column = {
            "label": label,
            "url": "",
            "aria_sort": "",
            "css": "" if on_phones else "d-none d-md-table-cell",
        }
        if key:
            params = request.GET.copy()
            params.pop("page", None)
            params["sort"] = f"-{key}" if sort == key else key
            column["url"] = params.urlencode()
            if sort.removeprefix("-") == key:
                column["aria_sort"] = "descending" if sort.startswith("-") else "ascending"
        columns.append(column)
    return columns


@access.role_required(*access.STAFF)
def volunteer_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    visible = access.volunteers_visible_to(user)
    form, volunteers = list_filters(request, visible)
    page = Paginator(volunteers.select_related("supervisor"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "volunteers/volunteer_list.html",
        {
            "page": page,
            "form": form,
            "query": form.cleaned_data.get("q", ""),
            "columns": _columns(request, form.cleaned_data.get("sort") or "name"),
            "can_manage": user.role in MANAGERS,
            "today": timezone.localdate(),
        },
    )


# Cells a spreadsheet would run as a formula are prefixed with an apostrophe (OWASP, CSV
# injection); a phone number "+31 6 ..." then shows as text, which it is.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


@access.role_required(*MANAGERS)
def volunteer_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as CSV for a spreadsheet: contact details, stage, role, certificate
    end date and missing training. No risk data, no screening profile, no notes. Semicolons,
    as Dutch spreadsheet settings expect, and a BOM so they read the file as UTF-8."""
    user = request.user
    assert isinstance(user, User)
    _form, volunteers = list_filters(request, access.volunteers_visible_to(user))
    rows = list(volunteers.select_related("supervisor"))
    today = timezone.localdate()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="vrijwilligers-{today:%Y-%m-%d}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
            _("First name"),
            _("Last name"),
            _("E-mail address"),
            _("Phone number"),
            _("Postcode"),
            _("Place of residence"),
            _("Stage"),
            _("In this stage since"),
            _("Role"),
            _("Supervising professional"),
            _("Certificate of conduct valid until"),
            _("Missing a required training"),
        ]
    )
    for v in rows:
        expires = getattr(v, "certificate_expires_on", None)
        writer.writerow(
            [
                _cell(v.first_name),
                _cell(v.last_name),
                _cell(v.email),
                _cell(v.phone),
                _cell(v.postcode),
                _cell(v.city),
                v.get_status_display(),
                timezone.localtime(v.status_changed_at).date().isoformat(),
                v.get_role_display(),
                _cell(v.supervisor.full_name if v.supervisor else ""),
                expires.isoformat() if expires else "",
                _("yes") if getattr(v, "missing_training", False) else _("no"),
            ]
        )
    # The audit row says how many volunteers left the application in this file.
    audit.record(
        action="volunteer.export",
        request=request,
        object_type="volunteers.volunteer",
        object_id=len(rows),
    )
    return response


def volunteer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    volunteer = access.get_or_404(
        request, access.volunteers_visible_to(user).select_related("supervisor"), pk=pk
    )
    matches = access.matches_visible_to(user).filter(memberships__volunteer=volunteer)
    is_self = user.role == Role.VOLUNTEER
    context = {
        "volunteer": volunteer,
        "matches": matches.select_related("client"),
        "is_self": is_self,
        # The timeline holds the organisation's working notes (reasons, references, intake
        # decisions): for staff. A volunteer sees their own page without it.
        "timeline": [] if is_self else volunteer_timeline(volunteer, user=user),
        "role_label": dict(VolunteerRole.choices).get(volunteer.role, ""),
    }
    for area in (pipeline, training, competencies):
        context.update(area.panel_context(volunteer=volunteer, user=user))
    return render(request, "volunteers/volunteer_detail.html", context)


def _availability_grid(form: OwnProfileForm) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    """Weekday rows x part-of-day columns of (slot, label, checked), for the checkbox grid."""
    value = form["availability"].value() or []
    chosen = set(value if isinstance(value, list) else [value])
    parts = dict(DayPart.choices)
    grid = []
    for day, day_label in Weekday.choices:
        cells = []
        for part in DayPart.values:
            slot = f"{day}_{part}"
            assert slot in AVAILABILITY_SLOTS
            cells.append((slot, f"{day_label} {parts[part]}", slot in chosen))
        grid.append((str(day_label), cells))
    return grid


@access.role_required(Role.VOLUNTEER)
def own_profile(request: HttpRequest) -> HttpResponse:
    """The volunteer's own profile: availability, preferences and contact details to edit;
    name, e-mail, stage and role to read; their trainings."""
    user = request.user
    assert isinstance(user, User)
    volunteer = access.get_or_404(
        request,
        access.volunteers_visible_to(user)
        .select_related("supervisor")
        .prefetch_related("enrolments__session__course"),
        user=user,
    )
    form = OwnProfileForm(request.POST or None, initial=OwnProfileForm.initial_for(volunteer))
    if request.method == "POST" and form.is_valid():
        try:
            service.profile_update(volunteer=volunteer, by=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your profile has been saved."))
            return redirect("volunteers:own_profile")
    enrolments = sorted(volunteer.enrolments.all(), key=lambda e: e.session.starts_at, reverse=True)
    return render(
        request,
        "volunteers/profile_own.html",
        {
            "volunteer": volunteer,
            "form": form,
            "grid": _availability_grid(form),
            "day_parts": DayPart.choices,
            "required": service.own_trainings(volunteer),
            "enrolments": enrolments,
            "role_label": dict(VolunteerRole.choices).get(volunteer.role, ""),
        },
    )


urlpatterns = [
    path("", volunteer_list, name="volunteer_list"),
    path("export/", volunteer_export, name="volunteer_export"),
    path("mijn-profiel/", own_profile, name="own_profile"),
    path("<int:pk>/", volunteer_detail, name="volunteer_detail"),
]
