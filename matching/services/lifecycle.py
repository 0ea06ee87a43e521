"""The life of a match after it was made (issue 4, item 3): proposed → introduction → active →
ended, the evaluations by its volunteers and its professional, and for a circle (COSA) its lead
volunteer, its outer circle of professionals and its periodic reviews.

Two users acting on one match at the same moment: every change locks the match row
(SELECT ... FOR UPDATE) and compares the status with the one the user saw (`expected_status`),
so of two coordinators activating or ending one match the first succeeds and the second is told
the match changed under them; nothing is done twice.

Choices someone would otherwise undo:
- A start date may lie up to `START_AHEAD_DAYS` (7) days ahead: the first real meeting is
  usually agreed for the coming week, and the volunteers need the match to be active to see the
  client's contact details when they prepare it. Never before the match was made.
- Ending a match that never started (proposed, introduction) is allowed: that is how a
  proposal is called off, with its reason on record.
- The client goes back to the waiting list or is closed, as the user chooses, only when no other
  live match of the client remains; a client referred to a partner meanwhile stays "referred".
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from clients.models import Client
from matching.models import CircleReview, Match, MatchEvaluation, MatchVolunteer, OuterCircleMember
from reclass_volunteers import audit, outbox
from reclass_volunteers.dutch_formats import normalise_phone
from reclass_volunteers.models import Role, User
from volunteers.models import Volunteer

# The same day some months later, clamped to the month's end (one helper for the project).
from volunteers.models.screening import _add_months as add_months

S = Match.Status
MANAGERS = (Role.COORDINATOR, Role.ADMIN)
NEXT_STATUS: dict[str, str] = {S.PROPOSED: S.INTRODUCTION, S.INTRODUCTION: S.ACTIVE}
START_AHEAD_DAYS = 7
CIRCLE_MONTHS = 12
CIRCLE_MONTHS_FROM_PRISON = 18
DEFAULT_REVIEW_WEEKS = 12
# What happens to the client when their last live match ends.
CLIENT_AFTER_END = (Client.Status.WAITING, Client.Status.CLOSED)
EVALUABLE = (S.ACTIVE, S.ENDED)


def planned_end(started_on: date, *, starts_in_prison: bool) -> date:
    """A circle lasts 12 months, 18 when it starts while the client is still in prison."""
    return add_months(started_on, CIRCLE_MONTHS_FROM_PRISON if starts_in_prison else CIRCLE_MONTHS)


def next_review_on(
    *,
    started_on: date | None,
    review_every_weeks: int | None,
    last_held_on: date | None,
    last_next_review_on: date | None,
) -> date | None:
    """When a circle's next review is due: the date the last review set, else a review period
    after the last review or after the start."""
    if last_next_review_on is not None:
        return last_next_review_on
    weeks = timedelta(weeks=review_every_weeks or DEFAULT_REVIEW_WEEKS)
    if last_held_on is not None:
        return last_held_on + weeks
    if started_on is not None:
        return started_on + weeks
    return None


def _long_date(day: date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def _full_clean(match: Match) -> None:
    match.full_clean()


def _lock(match: Match) -> Match:
    return Match.objects.select_for_update().get(pk=match.pk)


def changed_meanwhile_message(match: Match) -> str:
    return _(
        "Someone else changed this match a moment ago: it is now “%(status)s”. "
        "Look at the page again before you continue."
    ) % {"status": match.get_status_display()}


def _check_expected(match: Match, expected_status: str) -> None:
    """The user acted on the page as it was; if someone changed the match since, say so."""
    if match.status != expected_status:
        raise ValidationError(changed_meanwhile_message(match))


def _is_manager(match: Match, by: User) -> bool:
    return by.role in MANAGERS and by.organisation_id == match.organisation_id


def _is_responsible(match: Match, by: User) -> bool:
    return (
        match.responsible_professional_id is not None
        and match.responsible_professional_id == by.pk
        and by.organisation_id == match.organisation_id
    )


def can_advance(match: Match, by: User) -> bool:
    return _is_manager(match, by)


def can_end(match: Match, by: User) -> bool:
    """Coordinators, and the professional who keeps final responsibility."""
    return _is_manager(match, by) or _is_responsible(match, by)


can_manage_circle = can_end


def _check_circle(match: Match, by: User) -> None:
    if not can_manage_circle(match, by):
        raise ValidationError(
            _("Only coordinators and the responsible professional change a circle.")
        )
    if not match.is_circle:
        raise ValidationError(_("Only a circle has a lead volunteer, an outer circle and reviews."))
    if not match.is_live:
        raise ValidationError(_("This match has ended; it cannot change any more."))


def _match_url(match: Match) -> str:
    return reverse("matching:match_detail", args=[match.pk])


def _volunteer_users(match: Match) -> list[User]:
    return [
        membership.volunteer.user
        for membership in match.memberships.select_related("volunteer__user")
        if membership.volunteer.user is not None and membership.volunteer.user.is_active
    ]


# --- Moving forward --------------------------------------------------------------------------


@transaction.atomic
def match_advance(
    *,
    match: Match,
    by: User,
    expected_status: str,
    started_on: date | None = None,
    starts_in_prison: bool | None = None,
    review_every_weeks: int | None = None,
) -> Match:
    """Proposed → introduction, or introduction → active (with its start date; a circle also
    gets its planned end and review period). Coordinators and admins only."""
    match = _lock(match)
    if not can_advance(match, by):
        raise ValidationError(_("Only the organisation's coordinators move a match forward."))
    _check_expected(match, expected_status)
    target = NEXT_STATUS.get(match.status)
    if target is None:
        raise ValidationError(
            _("A match that is “%(status)s” cannot move forward.")
            % {"status": match.get_status_display()}
        )
    fields = ["status", "updated_at"]
    if target == S.ACTIVE:
        _activate(
            match,
            started_on=started_on,
            starts_in_prison=starts_in_prison,
            review_every_weeks=review_every_weeks,
        )
        fields += ["started_on", "starts_in_prison", "planned_end_on", "review_every_weeks"]
    match.status = target
    _full_clean(match)
    match.save(update_fields=fields)
    audit.record(
        action="match.activate" if target == S.ACTIVE else "match.introduce", user=by, obj=match
    )
    if target == S.ACTIVE:
        for user in _volunteer_users(match):
            outbox.notify(
                kind="match.active",
                recipient=user,
                title=_("Your match has started. You find the goals and contacts on its page."),
                subject=match,
                url=_match_url(match),
            )
    return match


def _activate(
    match: Match,
    *,
    started_on: date | None,
    starts_in_prison: bool | None,
    review_every_weeks: int | None,
) -> None:
    if started_on is None:
        raise ValidationError({"started_on": _("Enter the date the match starts.")})
    today = timezone.localdate()
    if started_on > today + timedelta(days=START_AHEAD_DAYS):
        raise ValidationError(
            {
                "started_on": _(
                    "The start date can be at most %(days)d days ahead. Activate the match "
                    "closer to its first meeting."
                )
                % {"days": START_AHEAD_DAYS}
            }
        )
    made_on = timezone.localdate(match.created_at)
    if started_on < made_on:
        raise ValidationError(
            {
                "started_on": _("The match was made on %(date)s; it cannot start before that.")
                % {"date": _long_date(made_on)}
            }
        )
    not_active = [
        m.volunteer.full_name
        for m in match.memberships.select_related("volunteer")
        if m.volunteer.status != Volunteer.Status.ACTIVE
    ]
    if not_active:
        raise ValidationError(
            _("A volunteer who is not active (paused or left) cannot start a match: %(names)s.")
            % {"names": ", ".join(sorted(not_active))}
        )
    match.started_on = started_on
    if match.is_circle:
        if starts_in_prison is not None:
            match.starts_in_prison = starts_in_prison
        weeks = review_every_weeks or match.review_every_weeks or DEFAULT_REVIEW_WEEKS
        if not 1 <= weeks <= 52:
            raise ValidationError({"review_every_weeks": _("Review a circle every 1 to 52 weeks.")})
        match.review_every_weeks = weeks
        match.planned_end_on = planned_end(started_on, starts_in_prison=match.starts_in_prison)


# --- Ending ----------------------------------------------------------------------------------


@transaction.atomic
def match_end(
    *,
    match: Match,
    by: User,
    expected_status: str,
    ended_on: date,
    reason: str,
    note: str = "",
    client_status: str = Client.Status.WAITING,
) -> Match:
    """End a proposed, introduced or active match. The client goes back to the waiting list or
    is closed (`client_status`) unless another live match of theirs remains. The volunteers and
    the responsible professional are told and asked for their evaluation."""
    # The client first, then the match: the order match_create locks in.
    client = Client.objects.select_for_update().get(pk=match.client_id)
    match = _lock(match)
    if not can_end(match, by):
        raise ValidationError(_("Only coordinators and the responsible professional end a match."))
    _check_expected(match, expected_status)
    if not match.is_live:
        raise ValidationError(_("This match has ended already."))
    if reason not in Match.EndReason.values:
        raise ValidationError({"reason": _("Choose why the match ends.")})
    note = note.strip()
    if reason == Match.EndReason.OTHER and not note:
        raise ValidationError({"note": _("Explain why the match ends.")})
    if client_status not in CLIENT_AFTER_END:
        raise ValidationError(
            {"client_status": _("Choose whether the client waits for a new volunteer.")}
        )
    today = timezone.localdate()
    if ended_on > today:
        raise ValidationError({"ended_on": _("The end date cannot be in the future.")})
    if match.started_on is not None and match.started_on > today:
        # Planned to start in a few days, called off before then: it never started, so it
        # ends like a proposal (no evaluations), and any date since it was made will do.
        match.started_on = None
    earliest = match.started_on or timezone.localdate(match.created_at)
    if ended_on < earliest:
        raise ValidationError(
            {
                "ended_on": _("The match cannot end before %(date)s.")
                % {"date": _long_date(earliest)}
            }
        )
    record_end(
        match,
        client,
        by=by,
        ended_on=ended_on,
        reason=reason,
        note=note,
        client_status=client_status,
    )
    return match


def record_end(
    match: Match,
    client: Client,
    *,
    by: User,
    ended_on: date,
    reason: str,
    note: str = "",
    client_status: str = Client.Status.WAITING,
) -> None:
    """Record that a live match ended, for every caller that ends one (a coordinator, a
    volunteer's farewell): the client goes back to `client_status` unless another live match of
    theirs remains, and the volunteers and the professional are asked for their evaluation.
    The caller has checked the input and holds the client's and the match's row locks."""
    match.status = S.ENDED
    match.ended_on = ended_on
    match.end_reason = reason
    match.end_note = note
    _full_clean(match)
    match.save(
        update_fields=["status", "started_on", "ended_on", "end_reason", "end_note", "updated_at"]
    )
    others_live = (
        Match.objects.filter(client=client, status__in=Match.LIVE_STATUSES)
        .exclude(pk=match.pk)
        .exists()
    )
    if not others_live and client.status != Client.Status.REFERRED:
        client.status = client_status
        client.save(update_fields=["status", "updated_at"])
    audit.record(action="match.end", user=by, obj=match)
    _ask_for_evaluations(match)


def _ask_for_evaluations(match: Match) -> None:
    if match.started_on is None:
        # A proposal called off: nothing happened to evaluate; the volunteers are only told.
        for user in _volunteer_users(match):
            outbox.notify(
                kind="match.ended",
                recipient=user,
                title=_("A proposed match of yours was called off."),
                subject=match,
            )
        return
    url = reverse("matching:match_evaluate", args=[match.pk])
    recipients = _volunteer_users(match)
    professional = match.responsible_professional
    if professional is not None and professional.is_active:
        recipients.append(professional)
    for user in recipients:
        outbox.notify(
            kind="match.ended",
            recipient=user,
            title=_("A match has ended. Please tell us how it went."),
            subject=match,
            url=url,
        )


# --- Evaluations -----------------------------------------------------------------------------


def evaluation_perspective(match: Match, by: User) -> str | None:
    """In whose name `by` evaluates this match: one of its volunteers, or its responsible
    professional; None for anyone else."""
    if by.organisation_id != match.organisation_id:
        return None
    if (
        by.role == Role.VOLUNTEER
        and MatchVolunteer.objects.filter(match=match, volunteer__user=by).exists()
    ):
        return MatchEvaluation.Perspective.VOLUNTEER
    if _is_responsible(match, by):
        return MatchEvaluation.Perspective.PROFESSIONAL
    return None


@transaction.atomic
def match_evaluate(
    *, match: Match, by: User, rating: int, went_well: str = "", could_improve: str = ""
) -> MatchEvaluation:
    """One evaluation per author, by a volunteer of the match or its responsible professional,
    once the match is active or has ended."""
    match = _lock(match)
    perspective = evaluation_perspective(match, by)
    if perspective is None:
        raise ValidationError(
            _("Only the volunteers of this match and its responsible professional evaluate it.")
        )
    if match.status not in EVALUABLE:
        raise ValidationError(_("A match can be evaluated once it is active or has ended."))
    if match.started_on is None:
        raise ValidationError(_("This match never started; there is nothing to evaluate."))
    if MatchEvaluation.objects.filter(match=match, perspective=perspective, author=by).exists():
        raise ValidationError(_("You have already written your evaluation of this match."))
    evaluation = MatchEvaluation(
        match=match,
        perspective=perspective,
        author=by,
        rating=rating,
        went_well=went_well.strip(),
        could_improve=could_improve.strip(),
    )
    evaluation.full_clean()
    evaluation.save()
    audit.record(action="match.evaluate", user=by, obj=evaluation)
    return evaluation


# --- Circles ---------------------------------------------------------------------------------


@transaction.atomic
def match_set_lead(*, match: Match, by: User, volunteer: Volunteer) -> Match:
    """Make one of the circle's volunteers its lead (there is always exactly one)."""
    match = _lock(match)
    _check_circle(match, by)
    memberships = list(match.memberships.all())
    if volunteer.pk not in {m.volunteer_id for m in memberships}:
        raise ValidationError({"volunteer": _("Choose one of the circle's volunteers.")})
    # The old lead steps down first: the database allows one lead per match at any moment.
    match.memberships.filter(is_lead=True).exclude(volunteer=volunteer).update(is_lead=False)
    match.memberships.filter(volunteer=volunteer).update(is_lead=True)
    audit.record(action="match.lead", user=by, obj=match)
    return match


@transaction.atomic
def outer_circle_add(
    *,
    match: Match,
    by: User,
    role: str,
    name: str,
    organisation_name: str = "",
    phone: str = "",
    email: str = "",
) -> OuterCircleMember:
    """Record a professional around the circle: probation officer, therapist, police..."""
    match = _lock(match)
    _check_circle(match, by)
    phone = phone.strip()
    if phone:
        normalised = normalise_phone(phone)
        if normalised is None:
            raise ValidationError({"phone": _("Enter a Dutch phone number, e.g. 06 12345678.")})
        phone = normalised
    member = OuterCircleMember(
        match=match,
        role=role,
        name=name.strip(),
        organisation_name=organisation_name.strip(),
        phone=phone,
        email=email.strip().lower(),
    )
    member.full_clean()
    member.save()
    audit.record(action="match.outer_circle.add", user=by, obj=member)
    return member


@transaction.atomic
def outer_circle_remove(*, member: OuterCircleMember, by: User) -> None:
    match = _lock(member.match)
    _check_circle(match, by)
    audit.record(action="match.outer_circle.remove", user=by, obj=member)
    OuterCircleMember.objects.filter(pk=member.pk, match=match).delete()


@transaction.atomic
def circle_review_add(
    *,
    match: Match,
    by: User,
    held_on: date,
    summary: str,
    decisions: str = "",
    next_review_on: date | None = None,
) -> CircleReview:
    """Record a review of an active circle. Without a date for the next one it is due a review
    period (the circle's `review_every_weeks`) later."""
    match = _lock(match)
    _check_circle(match, by)
    if match.status != S.ACTIVE:
        raise ValidationError(_("A circle is reviewed once it is active."))
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": _("A review cannot be recorded before it was held.")})
    if match.started_on is not None and held_on < match.started_on:
        raise ValidationError(
            {
                "held_on": _("The circle started on %(date)s; a review cannot be before that.")
                % {"date": _long_date(match.started_on)}
            }
        )
    if next_review_on is None:
        next_review_on = held_on + timedelta(weeks=match.review_every_weeks or DEFAULT_REVIEW_WEEKS)
    elif next_review_on <= held_on:
        raise ValidationError({"next_review_on": _("The next review comes after this one.")})
    review = CircleReview(
        match=match,
        held_on=held_on,
        summary=summary.strip(),
        decisions=decisions.strip(),
        next_review_on=next_review_on,
        recorded_by=by,
    )
    review.full_clean()
    review.save()
    audit.record(action="match.review", user=by, obj=review)
    return review
