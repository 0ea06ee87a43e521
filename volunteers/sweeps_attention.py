"""The appreciation sweep (issue 6): moments a coordinator should not forget become personal
attention items, `attention_lead_days` (the organisation's reminder policy) ahead.

The moments, for volunteers who work with us now (active or paused):
- a birthday (29 February is celebrated on 28 February in other years), occasion the year;
- 1, 2, 5 and 10 years since they first became active, occasion "5y";
- 3, 6 and 12 months of a running match, one item per volunteer in it, occasion "<match>:6m";
- 25, 50, 100, 250 and 500 contact hours reported: due the day the sweep sees them, and only
  the highest threshold reached, so a first run does not flood the page with four items;
- the National Volunteer Day (7 December), for every active volunteer, occasion the year.

A moment whose day has passed is not created (a sweep after a week of downtime does not bring
last week's birthday). Per organisation a fixed number of queries: the volunteers with their
first day and contact minutes, the running matches' members, the keys already used, and one
insert. The unique key (volunteer, kind, occasion) and `ignore_conflicts` make a rerun, or two
sweeps at once, create every item once.
"""

from __future__ import annotations

from calendar import isleap
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import IntegerField, Min, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from matching.models import Match, MatchVolunteer
from reclass_volunteers.models import Organisation
from reclass_volunteers.sweeps import SweepResult, sweep
from supervision.models import ContactReport
from volunteers.models import AttentionItem, Volunteer
from volunteers.models.screening import _add_months
from volunteers.services.attention import with_first_name
from volunteers.sweeps import WORKING, policy_of, reminder_policies

Kind = AttentionItem.Kind

ANNIVERSARY_YEARS = (1, 2, 5, 10)
MATCH_MONTHS = (3, 6, 12)
CONTACT_HOURS = (25, 50, 100, 250, 500)
VOLUNTEER_DAY = (12, 7)  # National Volunteer Day, 7 December


@dataclass(frozen=True)
class Moment:
    volunteer: Volunteer
    kind: str
    occasion: str
    due_on: date
    title: str
    suggested_message: str
    match: Match | None = None

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.volunteer.pk, self.kind, self.occasion)


def day_in_year(day: date, year: int) -> date:
    """The same day in another year; 29 February falls on 28 February outside leap years."""
    if (day.month, day.day) == (2, 29) and not isleap(year):
        return date(year, 2, 28)
    return day.replace(year=year)


def _years(today: date, horizon: date) -> range:
    """The years the window touches (two when it runs over New Year)."""
    return range(today.year, horizon.year + 1)


def _birthdays(volunteer: Volunteer, today: date, horizon: date) -> list[Moment]:
    born = volunteer.date_of_birth
    if born is None:
        return []
    moments = []
    for year in _years(today, horizon):
        day = day_in_year(born, year)
        if year > born.year and today <= day <= horizon:
            name, age = volunteer.first_name, year - born.year
            moments.append(
                Moment(
                    volunteer=volunteer,
                    kind=Kind.BIRTHDAY,
                    occasion=str(year),
                    due_on=day,
                    title=_("Birthday of %(name)s (%(age)d)")
                    % {"name": volunteer.full_name, "age": age},
                    suggested_message=_(
                        "Dear %(name)s, happy birthday! We hope you have a lovely day with the "
                        "people close to you. Thank you for everything you do for others; it "
                        "makes a real difference."
                    )
                    % {"name": name},
                )
            )
    return moments


def _anniversaries(volunteer: Volunteer, today: date, horizon: date) -> list[Moment]:
    started: datetime | None = getattr(volunteer, "first_active_at", None)
    if started is None:
        return []
    first_day = timezone.localdate(started)
    moments = []
    for years in ANNIVERSARY_YEARS:
        day = day_in_year(first_day, first_day.year + years)
        if today <= day <= horizon:
            moments.append(
                Moment(
                    volunteer=volunteer,
                    kind=Kind.ANNIVERSARY,
                    occasion=f"{years}y",
                    due_on=day,
                    title=ngettext(
                        "%(name)s: a year with us",
                        "%(name)s: %(years)d years with us",
                        years,
                    )
                    % {"name": volunteer.full_name, "years": years},
                    suggested_message=ngettext(
                        "Dear %(name)s, today it is a year since you started with us. Thank "
                        "you for your time, your patience and your warmth; the people you "
                        "support notice it, and so do we.",
                        "Dear %(name)s, today it is %(years)d years since you started with us. "
                        "Thank you for your loyalty, your time and your warmth; the people you "
                        "support notice it, and so do we.",
                        years,
                    )
                    % {"name": volunteer.first_name, "years": years},
                )
            )
    return moments


def _match_milestones(membership: MatchVolunteer, today: date, horizon: date) -> list[Moment]:
    match, volunteer = membership.match, membership.volunteer
    if match.started_on is None:
        return []
    moments = []
    for months in MATCH_MONTHS:
        day = _add_months(match.started_on, months)
        if today <= day <= horizon:
            moments.append(
                Moment(
                    volunteer=volunteer,
                    kind=Kind.MATCH_MILESTONE,
                    occasion=f"{match.pk}:{months}m",
                    due_on=day,
                    match=match,
                    title=_("%(name)s: %(months)d months in a match")
                    % {"name": volunteer.full_name, "months": months},
                    suggested_message=_(
                        "Dear %(name)s, it is now %(months)d months since your match started. "
                        "Week after week you are there for someone who needs it; that takes "
                        "heart. Thank you, and let us know whenever you want to talk."
                    )
                    % {"name": volunteer.first_name, "months": months},
                )
            )
    return moments


def _contact_hours(volunteer: Volunteer, today: date, reached: set[str]) -> list[Moment]:
    """Only the highest threshold reached, and only when it has no item yet: an earlier
    threshold that was never marked is not worth a message any more."""
    minutes = getattr(volunteer, "contact_minutes", None) or 0
    passed = [hours for hours in CONTACT_HOURS if minutes >= hours * 60]
    if not passed or f"{passed[-1]}h" in reached:
        return []
    hours = passed[-1]
    return [
        Moment(
            volunteer=volunteer,
            kind=Kind.CONTACT_HOURS,
            occasion=f"{hours}h",
            due_on=today,
            title=_("%(name)s: %(hours)d hours of contact")
            % {"name": volunteer.full_name, "hours": hours},
            suggested_message=_(
                "Dear %(name)s, you have now spent more than %(hours)d hours with the people "
                "you support. Every one of those hours counted. Thank you for your commitment!"
            )
            % {"name": volunteer.first_name, "hours": hours},
        )
    ]


def _volunteer_days(volunteer: Volunteer, today: date, horizon: date) -> list[Moment]:
    moments = []
    for year in _years(today, horizon):
        day = date(year, *VOLUNTEER_DAY)
        if today <= day <= horizon:
            moments.append(
                Moment(
                    volunteer=volunteer,
                    kind=Kind.VOLUNTEER_DAY,
                    occasion=str(year),
                    due_on=day,
                    title=_("National Volunteer Day: %(name)s") % {"name": volunteer.full_name},
                    suggested_message=with_first_name(volunteer_day_message(), volunteer),
                )
            )
    return moments


def volunteer_day_message() -> str:
    """The National Volunteer Day message; `{first_name}` becomes each volunteer's first name
    when it is sent to all at once."""
    return _(
        "Dear {first_name}, today is National Volunteer Day. A good day to say what we think "
        "all year: thank you for your time, your patience and your trust. Without you this "
        "work would not be possible."
    )


def _volunteers(organisation: Organisation) -> list[Volunteer]:
    contact_minutes = (
        ContactReport.objects.filter(volunteer=OuterRef("pk"))
        .order_by()
        .values("volunteer")
        .annotate(total=Sum("duration_minutes"))
        .values("total")
    )
    return list(
        Volunteer.objects.filter(organisation=organisation, status__in=WORKING)
        .annotate(
            # The first day as an active volunteer: a pause and a return do not reset it.
            first_active_at=Min(
                "status_changes__at",
                filter=Q(status_changes__to_status=Volunteer.Status.ACTIVE),
            ),
            contact_minutes=Subquery(contact_minutes, output_field=IntegerField()),
        )
        .only("pk", "organisation_id", "first_name", "last_name", "status", "date_of_birth")
        .order_by("pk")
    )


def _memberships(organisation: Organisation) -> list[MatchVolunteer]:
    return list(
        MatchVolunteer.objects.filter(
            match__organisation=organisation,
            match__status=Match.Status.ACTIVE,
            match__started_on__isnull=False,
            volunteer__status__in=WORKING,
        )
        .select_related("match", "volunteer")
        .only(
            "match__id",
            "match__started_on",
            "volunteer__id",
            "volunteer__first_name",
            "volunteer__last_name",
        )
        .order_by("match_id", "volunteer_id")
    )


def moments_for(
    organisation: Organisation, today: date, horizon: date
) -> tuple[list[Moment], set[tuple[int, str, str]]]:
    """Every moment due in [today, horizon] and the keys already used (three queries)."""
    volunteers = _volunteers(organisation)
    memberships = _memberships(organisation)
    moments: list[Moment] = []
    for volunteer in volunteers:
        moments += _birthdays(volunteer, today, horizon)
        moments += _anniversaries(volunteer, today, horizon)
        if volunteer.status == Volunteer.Status.ACTIVE:
            moments += _volunteer_days(volunteer, today, horizon)
    for membership in memberships:
        moments += _match_milestones(membership, today, horizon)
    # Contact-hour items already made are read whatever their occasion, to know which
    # threshold each volunteer was last congratulated on.
    existing = set(
        AttentionItem.objects.filter(organisation=organisation)
        .filter(Q(kind=Kind.CONTACT_HOURS) | Q(occasion__in=sorted({m.occasion for m in moments})))
        .values_list("volunteer_id", "kind", "occasion")
    )
    hours_done: dict[int, set[str]] = {}
    for volunteer_id, kind, occasion in existing:
        if kind == Kind.CONTACT_HOURS:
            hours_done.setdefault(volunteer_id, set()).add(occasion)
    for volunteer in volunteers:
        moments += _contact_hours(volunteer, today, hours_done.get(volunteer.pk, set()))
    return moments, existing


@sweep("appreciation_moments")
def appreciation_moments(now: datetime) -> SweepResult:
    """Create a personal attention item for every moment due within the organisation's
    `attention_lead_days`, once."""
    result = SweepResult()
    policies = reminder_policies()
    today = timezone.localdate(now)
    for organisation in Organisation.objects.order_by("pk"):
        horizon = today + timedelta(days=policy_of(policies, organisation).attention_lead_days)
        with transaction.atomic():
            _sweep_organisation(organisation, today, horizon, now, result)
    return result


def _sweep_organisation(
    organisation: Organisation, today: date, horizon: date, now: datetime, result: SweepResult
) -> None:
    # Two sweeps at once (a second beat by mistake) take turns per organisation, so the keys
    # read below are still true when the items are written and each is counted once. NO KEY:
    # inserts that refer to the organisation meanwhile are not blocked.
    Organisation.objects.select_for_update(no_key=True).filter(pk=organisation.pk).first()
    moments, existing = moments_for(organisation, today, horizon)
    new = []
    for moment in moments:
        created = moment.key not in existing
        result.count(created, organisation)
        if created:
            existing.add(moment.key)
            new.append(
                AttentionItem(
                    organisation=organisation,
                    volunteer=moment.volunteer,
                    match=moment.match,
                    kind=moment.kind,
                    occasion=moment.occasion,
                    due_on=moment.due_on,
                    title=moment.title[:200],
                    suggested_message=moment.suggested_message,
                    created_at=now,
                )
            )
    if new:
        # The lock above makes conflicts impossible between sweeps; ignore_conflicts keeps
        # any other writer (none today) from failing the round.
        AttentionItem.objects.bulk_create(new, ignore_conflicts=True)
