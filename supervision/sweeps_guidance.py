"""Guidance sweeps (issue 6): supervision that lags behind a volunteer's supervision plan, and
active matches on which no contact was reported for longer than the organisation allows.

Both work organisation by organisation with a fixed number of queries each: the candidates with
everything a message needs (aggregates and joins, no query per volunteer or match), the keys
already used (`Sender`, one query per kind), and the coordinators only when someone has nobody
else to tell. The occasion names the moment the lag is measured from, so the same lag is told
once, and a new supervision note or contact report starts a new one.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import F, Max, Prefetch
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from matching.models import Match, MatchVolunteer
from reclass_volunteers.models import Organisation, User
from reclass_volunteers.sweeps import SweepResult, sweep
from supervision.services.guidance import overdue_supervision
from volunteers.models import Volunteer
from volunteers.sweeps import Sender, policy_of, reminder_policies, usable

OVERDUE_KIND = "supervision.overdue"
NUDGE_VOLUNTEER_KIND = "contact.nudge_volunteer"
NUDGE_PROFESSIONAL_KIND = "contact.nudge_professional"


def _day(day: date) -> str:
    return formats.date_format(day, "j F Y")


class _Coordinators:
    """The organisation's active coordinators, read at most once and only when needed."""

    def __init__(self, organisation: Organisation) -> None:
        self.organisation = organisation
        self._users: list[User] | None = None

    def all(self) -> list[User]:
        if self._users is None:
            self._users = list(User.objects.coordinators_of(self.organisation))
        return self._users


def _colleague(user: User | None, organisation: Organisation) -> bool:
    """An active account of this organisation (a deactivated or moved professional is not
    told anything any more)."""
    return usable(user) and user is not None and user.organisation_id == organisation.pk


@sweep("supervision_overdue")
def supervision_overdue(now: datetime) -> SweepResult:
    """Tell the supervisor of each volunteer whose supervision is overdue, once per missed due
    date; when the volunteer has no active supervisor, tell the coordinators instead."""
    result = SweepResult()
    today = timezone.localdate(now)
    for organisation in Organisation.objects.order_by("pk"):
        rows = overdue_supervision(Volunteer.objects.filter(organisation=organisation), today)
        if not rows:
            continue
        coordinators = _Coordinators(organisation)
        sender = Sender(result, kind=OVERDUE_KIND, subjects=[row.volunteer for row in rows])
        for row in rows:
            volunteer = row.volunteer
            names = {"name": volunteer.full_name, "day": _day(row.due_on)}
            occasion = f"due:{row.due_on.isoformat()}"
            url = reverse("supervision:note_list", args=[volunteer.pk])
            supervisor = volunteer.supervisor
            if supervisor is not None and _colleague(supervisor, organisation):
                sender.send(
                    recipient=supervisor,
                    subject=volunteer,
                    occasion=occasion,
                    organisation=organisation,
                    title=_("Supervision of %(name)s is overdue") % names,
                    body=_(
                        "According to the supervision plan of %(name)s, the next supervision "
                        "was due on %(day)s. Plan a conversation and record it as a "
                        "supervision note."
                    )
                    % names,
                    url=url,
                )
                continue
            for coordinator in coordinators.all():
                sender.send(
                    recipient=coordinator,
                    subject=volunteer,
                    occasion=occasion,
                    organisation=organisation,
                    title=_("%(name)s has a supervision plan but no supervisor") % names,
                    body=_(
                        "The supervision of %(name)s was due on %(day)s, but no active "
                        "professional supervises them. Assign a supervisor or record the "
                        "guidance yourself."
                    )
                    % names,
                    url=url,
                )
    return result


def _volunteers_to_nudge(match: Match) -> list[Volunteer]:
    """Who reports for the match: the lead of a circle, else every member (a buddy match has
    one); only active volunteers with an active account."""
    memberships = list(match.memberships.all())
    leads = [m for m in memberships if m.is_lead]
    chosen = leads if match.is_circle and leads else memberships
    return [
        m.volunteer
        for m in chosen
        if m.volunteer.status == Volunteer.Status.ACTIVE and usable(m.volunteer.user)
    ]


def _silent_matches(organisation: Organisation, *, quiet_since: date) -> list[tuple[Match, date]]:
    """The organisation's active matches whose last reported contact (or start, when later or
    when nothing was reported) lies on or before `quiet_since`, each with that date, and with
    their client, professionals and members: two queries."""
    matches = (
        Match.objects.filter(organisation=organisation, status=Match.Status.ACTIVE)
        .annotate(
            # The later of the start and the last report: a report from before the match was
            # active does not make the running match look older than it is.
            silent_since=Greatest(
                Coalesce(Max("contact_reports__happened_on"), F("started_on")), F("started_on")
            )
        )
        .filter(silent_since__lte=quiet_since)
        .select_related("client__responsible_professional", "responsible_professional")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=MatchVolunteer.objects.select_related("volunteer__user").order_by(
                    "-is_lead", "pk"
                ),
            )
        )
        .order_by("pk")
    )
    return [(match, match.silent_since) for match in matches]


@sweep("contact_nudges")
def contact_nudges(now: datetime) -> SweepResult:
    """A friendly nudge to the volunteer when no contact was reported on an active match for
    `contact_nudge_volunteer_days`, and a note to the responsible professional after
    `contact_nudge_professional_days` (the organisation's reminder policy). Once per silence:
    a new contact report starts a new one."""
    result = SweepResult()
    policies = reminder_policies()
    today = timezone.localdate(now)
    for organisation in Organisation.objects.order_by("pk"):
        policy = policy_of(policies, organisation)
        volunteer_days = policy.contact_nudge_volunteer_days
        professional_days = policy.contact_nudge_professional_days
        silent = _silent_matches(
            organisation,
            quiet_since=today - timedelta(days=min(volunteer_days, professional_days)),
        )
        if not silent:
            continue
        matches = [match for match, _since in silent]
        coordinators = _Coordinators(organisation)
        to_volunteers = Sender(result, kind=NUDGE_VOLUNTEER_KIND, subjects=matches)
        to_professionals = Sender(result, kind=NUDGE_PROFESSIONAL_KIND, subjects=matches)
        for match, since in silent:
            silent_days = (today - since).days
            occasion = f"since:{since.isoformat()}"
            if silent_days >= volunteer_days:
                # Only what a volunteer may see of their client: the first name.
                names = {"name": match.client.first_name, "day": _day(since)}
                for volunteer in _volunteers_to_nudge(match):
                    assert volunteer.user is not None
                    to_volunteers.send(
                        recipient=volunteer.user,
                        subject=match,
                        occasion=occasion,
                        organisation=organisation,
                        title=_("How is it going with %(name)s?") % names,
                        body=_(
                            "We have not seen a contact with %(name)s in your reports since "
                            "%(day)s. Did you meet, call or send a message? Report your "
                            "contacts here, even short ones: it helps us support you both."
                        )
                        % names,
                        url=reverse("supervision:report_create", args=[match.pk]),
                    )
            if silent_days >= professional_days:
                _tell_professional(
                    match, since, occasion, organisation, to_professionals, coordinators
                )
    return result


def _tell_professional(
    match: Match,
    since: date,
    occasion: str,
    organisation: Organisation,
    sender: Sender,
    coordinators: _Coordinators,
) -> None:
    """The match's responsible professional, else the client's; when neither is an active
    colleague, the coordinators, so a silent match never goes unnoticed."""
    volunteers = ", ".join(m.volunteer.full_name for m in match.memberships.all())
    names = {"client": match.client.code, "day": _day(since), "volunteers": volunteers}
    candidates = [match.responsible_professional, match.client.responsible_professional]
    professional = next(
        (p for p in candidates if p is not None and _colleague(p, organisation)), None
    )
    title = _("No contact reported for %(client)s since %(day)s") % names
    url = reverse("matching:match_detail", args=[match.pk])
    if professional is not None:
        sender.send(
            recipient=professional,
            subject=match,
            occasion=occasion,
            organisation=organisation,
            title=title,
            body=_(
                "The volunteers of the match with %(client)s (%(volunteers)s) have not reported "
                "a contact since %(day)s. You may want to check in with them."
            )
            % names,
            url=url,
        )
        return
    for coordinator in coordinators.all():
        sender.send(
            recipient=coordinator,
            subject=match,
            occasion=occasion,
            organisation=organisation,
            title=title,
            url=url,
            body=_(
                "The volunteers of the match with %(client)s (%(volunteers)s) have not reported "
                "a contact since %(day)s, and the match has no active responsible professional. "
                "Please assign one or check in yourself."
            )
            % names,
        )
