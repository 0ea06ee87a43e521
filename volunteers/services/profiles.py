"""The volunteer list's filters, worked out in the database, and the one write a volunteer
makes about themselves: their own profile.

The list's facts (the current certificate's end date, a missing required training) are
annotations, so the list, its CSV export and a group message ask the same question in a fixed
number of queries however many volunteers there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import NotSupportedError, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    Case,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Replace, Substr
from django.db.models.sql.compiler import SQLCompiler

from reclass_volunteers import audit
from reclass_volunteers.models import User
from volunteers import pipeline
from volunteers.models import Certificate, Enrolment, RoleProfile, Volunteer, VolunteerPolicy

S = Volunteer.Status

# How far ahead the list warns about a certificate of conduct that runs out.
CERTIFICATE_WARNING_DAYS = 60


class AddMonths(Func):
    """`day + months`, clamped to the month's last day exactly like
    volunteers.models.screening._add_months (31 August + 6 months = 28/29 February), so the
    database and the pipeline agree on when a certificate or a training runs out."""

    arity = 2
    output_field = DateField()

    def as_sql(self, *args: Any, **kwargs: Any) -> Any:
        raise NotSupportedError("AddMonths is implemented for PostgreSQL and SQLite.")

    def _parts(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, str, list[Any]]:
        day_sql, day_params = compiler.compile(self.source_expressions[0])
        months_sql, months_params = compiler.compile(self.source_expressions[1])
        return day_sql, months_sql, [*day_params, *months_params]

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        # PostgreSQL clamps `date + interval 'n months'` to the end of the month by itself.
        day, months, params = self._parts(compiler, connection)
        return (
            f"CAST(({day}) + make_interval(months => CAST(({months}) AS integer)) AS date)",
            tuple(params),
        )

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        # SQLite rolls 31 August + 6 months over into March; the last day of the target month
        # caps it. ISO dates compare correctly as text.
        day, months, params = self._parts(compiler, connection)
        sql = (
            f"MIN(date({day}, '+' || ({months}) || ' months'), "
            f"date({day}, 'start of month', '+' || (({months}) + 1) || ' months', '-1 day'))"
        )
        return sql, (*params, *params)


def _default_renew_years() -> int:
    default = VolunteerPolicy._meta.get_field("certificate_renew_years").default
    return int(default)


def with_list_facts(volunteers: QuerySet[Volunteer], *, today: date) -> QuerySet[Volunteer]:
    """Annotate each volunteer with
    - `certificate_expires_on`: when their newest issued certificate of conduct runs out
      (issued on + the organisation's renewal period), None without one;
    - `missing_training`: whether a training their role profile requires was never completed
      or has expired (the same rule as volunteers.pipeline.course_states);
    - `region`: the first two digits of the postcode (the Dutch postcode region)."""
    renew_years = Coalesce(
        F("volunteer__organisation__volunteer_policy__certificate_renew_years"),
        Value(_default_renew_years()),
    )
    newest_certificate = (
        Certificate.objects.filter(
            volunteer=OuterRef("pk"), issued_on__isnull=False, issued_on__lte=today
        )
        .order_by("-issued_on", "-pk")
        .annotate(expires=AddMonths(F("issued_on"), renew_years * 12))
        .values("expires")[:1]
    )
    valid_completion = (
        Enrolment.objects.filter(
            volunteer=OuterRef(OuterRef("pk")),
            session__course=OuterRef("course"),
            status=Enrolment.Status.COMPLETED,
            completed_on__isnull=False,
        )
        .annotate(expires=AddMonths(F("completed_on"), F("session__course__validity_months")))
        .filter(Q(session__course__validity_months__isnull=True) | Q(expires__gt=today))
    )
    missing = RoleProfile.required_courses.through.objects.filter(
        roleprofile__organisation=OuterRef("organisation"),
        roleprofile__role=OuterRef("role"),
    ).filter(~Exists(valid_completion))
    return volunteers.annotate(
        certificate_expires_on=Subquery(newest_certificate, output_field=DateField()),
        missing_training=Exists(missing),
        region=Substr("postcode", 1, 2),
    )


# The list's sort orders: key → columns. Stage sorts in pipeline order, not alphabetically.
STAGE_ORDER = Case(
    *[When(status=value, then=Value(index)) for index, value in enumerate(S.values)],
    output_field=IntegerField(),
)
SORTS: dict[str, tuple[Any, ...]] = {
    "name": ("last_name", "first_name"),
    "stage": (STAGE_ORDER, "last_name", "first_name"),
    "since": ("status_changed_at",),
    "postcode": ("postcode", "last_name"),
}


@dataclass(frozen=True)
class ListFilters:
    """What the coordinator asked for on the list (see forms_profiles.VolunteerFilterForm)."""

    query: str = ""
    status: str = ""
    role: str = ""
    region: str = ""
    missing_training: bool = False
    certificate_expiring: bool = False
    sort: str = "name"

    @classmethod
    def from_cleaned(cls, cleaned: dict[str, Any]) -> ListFilters:
        """From a bound filter form's cleaned_data; a field that did not validate is absent
        there, so it is simply not applied."""
        return cls(
            query=cleaned.get("q") or "",
            status=cleaned.get("status") or "",
            role=cleaned.get("role") or "",
            region=cleaned.get("region") or "",
            missing_training=bool(cleaned.get("missing_training")),
            certificate_expiring=bool(cleaned.get("certificate_expiring")),
            sort=cleaned.get("sort") or "name",
        )


def volunteers_filtered(
    volunteers: QuerySet[Volunteer], filters: ListFilters, *, today: date
) -> QuerySet[Volunteer]:
    """The volunteers (already scoped to the user) that match the filters, annotated with the
    list's facts and sorted. One query, whatever the filters."""
    qs = with_list_facts(volunteers, today=today)
    if filters.query:
        compact = filters.query.replace(" ", "")
        qs = qs.alias(postcode_compact=Replace("postcode", Value(" "), Value(""))).filter(
            Q(first_name__icontains=filters.query)
            | Q(last_name__icontains=filters.query)
            | Q(email__icontains=filters.query)
            | Q(postcode_compact__icontains=compact)
        )
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.role:
        qs = qs.filter(role=filters.role)
    # Q() because the annotations are not model fields to the type checker.
    if filters.region:
        qs = qs.filter(Q(region=filters.region))
    if filters.missing_training:
        qs = qs.filter(Q(missing_training=True))
    if filters.certificate_expiring:
        qs = qs.filter(
            Q(certificate_expires_on__gt=today)
            & Q(certificate_expires_on__lte=today + timedelta(days=CERTIFICATE_WARNING_DAYS))
        )
    key = filters.sort.removeprefix("-")
    columns = SORTS.get(key, SORTS["name"])
    if filters.sort.startswith("-"):
        ordering = [c.desc() if hasattr(c, "desc") else f"-{c}" for c in columns]
    else:
        ordering = list(columns)
    return qs.order_by(*ordering, "pk")


def regions_of(volunteers: QuerySet[Volunteer]) -> list[str]:
    """The postcode regions (first two digits) that occur among these volunteers."""
    return sorted(
        r
        for r in volunteers.order_by()
        .annotate(r=Substr("postcode", 1, 2))
        .values_list("r", flat=True)
        .distinct()
        if r and r.isdigit()
    )


# --- The volunteer's own profile -------------------------------------------------------------

# What a volunteer may change about themselves; stage, role, name, e-mail and the supervision
# plan are the organisation's to change.
OWN_PROFILE_FIELDS = ("availability", "activity_preferences", "languages", "phone", "postcode")


@transaction.atomic
def profile_update(
    *,
    volunteer: Volunteer,
    by: User,
    availability: list[str],
    activity_preferences: list[str],
    languages: list[str],
    phone: str,
    postcode: str,
) -> Volunteer:
    """A volunteer updates their own availability, preferences and contact details. Only these
    columns are written, so a coordinator moving them through the pipeline at the same moment
    loses nothing."""
    volunteer.availability = availability
    volunteer.activity_preferences = activity_preferences
    volunteer.languages = languages
    volunteer.phone = phone
    volunteer.postcode = postcode
    others = [f.name for f in Volunteer._meta.fields if f.name not in OWN_PROFILE_FIELDS]
    volunteer.full_clean(exclude=others, validate_unique=False, validate_constraints=False)
    volunteer.save(update_fields=list(OWN_PROFILE_FIELDS))
    audit.record(action="volunteer.profile_update", user=by, obj=volunteer)
    return volunteer


def own_trainings(volunteer: Volunteer) -> list[pipeline.CourseState]:
    """The trainings the volunteer's role requires, with when each was completed and until
    when it counts. Expects `enrolments__session` prefetched."""
    return pipeline.course_states(volunteer, pipeline.required_courses(volunteer))
