"""Intervision: groups of volunteers with a facilitator, their sessions, invitations and
answers, attendance and short minutes.

Who leads a group (may plan sessions, record attendance and minutes): its facilitator and the
organisation's coordinators and administrators (`can_lead`). Volunteers answer their own
invitation until the session starts. Minutes are read by the group, so they must not identify
a client: a client's name in them is refused until the writer confirms they checked it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from reclass_volunteers import access, audit, outbox
from reclass_volunteers.models import Organisation, Role, User
from supervision.models import IntervisionGroup, IntervisionInvitation, IntervisionSession
from volunteers.models import Volunteer

Answer = IntervisionInvitation.Answer
MANAGERS = (Role.COORDINATOR, Role.ADMIN)
# Stages in which a volunteer can take part in a group.
MEMBER_STATUSES = (
    Volunteer.Status.TRAINING,
    Volunteer.Status.ACTIVE,
    Volunteer.Status.PAUSED,
)


def can_lead(user: User, group: IntervisionGroup) -> bool:
    """May plan sessions of this group, record attendance and write minutes."""
    if user.organisation_id != group.organisation_id or not user.is_active:
        return False
    return user.role in MANAGERS or user.pk == group.facilitator_id


# --- Groups ----------------------------------------------------------------------------------


def _check_group(
    *,
    organisation: Organisation,
    name: str,
    facilitator: User,
    members: Iterable[Volunteer],
    group: IntervisionGroup | None,
) -> None:
    errors: dict[str, str] = {}
    clash = IntervisionGroup.objects.filter(organisation=organisation, name__iexact=name.strip())
    if group is not None:
        clash = clash.exclude(pk=group.pk)
    if clash.exists():
        errors["name"] = _("There is already a group with this name.")
    if (
        facilitator.organisation_id != organisation.pk
        or facilitator.role not in access.STAFF
        or not facilitator.is_active
    ):
        errors["facilitator"] = _("Choose a staff member of your own organisation.")
    if any(member.organisation_id != organisation.pk for member in members):
        errors["members"] = _("Choose volunteers of your own organisation.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def intervision_group_create(
    *,
    organisation: Organisation,
    by: User,
    name: str,
    facilitator: User,
    members: Iterable[Volunteer],
) -> IntervisionGroup:
    members = list(members)
    _check_group(
        organisation=organisation, name=name, facilitator=facilitator, members=members, group=None
    )
    group = IntervisionGroup(organisation=organisation, name=name.strip(), facilitator=facilitator)
    group.full_clean()
    group.save()
    group.members.set(members)
    audit.record(action="intervision.group.create", user=by, obj=group)
    return group


@transaction.atomic
def intervision_group_update(
    *,
    group: IntervisionGroup,
    by: User,
    name: str,
    facilitator: User,
    members: Iterable[Volunteer],
) -> IntervisionGroup:
    """Change a group. New members are invited to its upcoming sessions; members who leave
    lose their invitations to them (past sessions keep who was there)."""
    group = IntervisionGroup.objects.select_for_update().get(pk=group.pk)
    members = list(members)
    _check_group(
        organisation=group.organisation,
        name=name,
        facilitator=facilitator,
        members=members,
        group=group,
    )
    before = set(group.members.values_list("pk", flat=True))
    group.name = name.strip()
    group.facilitator = facilitator
    group.full_clean()
    group.save()
    group.members.set(members)
    after = {member.pk for member in members}
    upcoming = list(group.sessions.filter(starts_at__gt=timezone.now()))
    if before - after:
        IntervisionInvitation.objects.filter(
            session__in=upcoming, volunteer_id__in=before - after
        ).delete()
    joined = [member for member in members if member.pk in after - before]
    for session in upcoming:
        _invite(session, joined)
    audit.record(action="intervision.group.update", user=by, obj=group)
    return group


# --- Sessions and invitations ----------------------------------------------------------------


def _invite(session: IntervisionSession, volunteers: list[Volunteer]) -> None:
    """Invite these volunteers to the session and tell those with an account. A volunteer who
    is invited already is left alone, and each is told once per session."""
    if not volunteers:
        return
    IntervisionInvitation.objects.bulk_create(
        [IntervisionInvitation(session=session, volunteer=v) for v in volunteers],
        ignore_conflicts=True,
    )
    when = formats.date_format(timezone.localtime(session.starts_at), "l j F Y, H:i")
    url = reverse("supervision:intervision_mine")
    for volunteer in volunteers:
        user = volunteer.user
        if user is None or not user.is_active:
            continue
        outbox.notify(
            kind="intervision.invitation",
            recipient=user,
            title=_("Invitation to intervision on %(when)s") % {"when": when},
            body=_("%(group)s meets at %(place)s. Topic: %(topic)s. Will you come?")
            % {"group": session.group.name, "place": session.place, "topic": session.topic},
            url=url,
            subject=session,
            occasion="invitation",
        )


@transaction.atomic
def intervision_session_create(
    *,
    group: IntervisionGroup,
    by: User,
    starts_at: datetime,
    place: str,
    topic: str,
    now: datetime | None = None,
) -> IntervisionSession:
    """Plan a session and invite every member of the group."""
    now = now or timezone.now()
    if not can_lead(by, group):
        raise ValidationError(_("Only the facilitator or a coordinator plans sessions."))
    if starts_at <= now:
        raise ValidationError({"starts_at": _("Choose a moment in the future.")})
    session = IntervisionSession(
        group=group, starts_at=starts_at, place=place.strip(), topic=topic.strip()
    )
    session.full_clean()
    session.save()
    _invite(session, list(group.members.select_related("user")))
    audit.record(action="intervision.session.create", user=by, obj=session)
    return session


@transaction.atomic
def intervision_rsvp(
    *,
    invitation: IntervisionInvitation,
    by: User,
    answer: str,
    now: datetime | None = None,
) -> IntervisionInvitation:
    """A volunteer answers their own invitation, until the session starts."""
    now = now or timezone.now()
    invitation = (
        IntervisionInvitation.objects.select_for_update(of=("self",))
        .select_related("session", "volunteer")
        .get(pk=invitation.pk)
    )
    if invitation.volunteer.user_id != by.pk:
        raise ValidationError(_("You can only answer your own invitation."))
    if answer not in (Answer.YES, Answer.NO):
        raise ValidationError({"answer": _("Choose whether you are coming.")})
    if invitation.session.starts_at <= now:
        raise ValidationError(_("This session has started; you can no longer change your answer."))
    invitation.answer = answer
    invitation.full_clean()
    invitation.save(update_fields=["answer"])
    audit.record(action="intervision.rsvp", user=by, obj=invitation)
    return invitation


def _check_after_start(session: IntervisionSession, by: User, now: datetime) -> None:
    if not can_lead(by, session.group):
        raise ValidationError(_("Only the facilitator or a coordinator can do this."))
    if session.starts_at > now:
        raise ValidationError(_("The session has not started yet."))


@transaction.atomic
def intervision_attendance_record(
    *,
    session: IntervisionSession,
    by: User,
    attended: Iterable[IntervisionInvitation],
    now: datetime | None = None,
) -> int:
    """After the session: who was there. Every invitation not ticked counts as absent.
    Returns the number present."""
    now = now or timezone.now()
    _check_after_start(session, by, now)
    present = {invitation.pk for invitation in attended}
    invitations = session.invitations.select_for_update()
    if not present <= set(invitations.values_list("pk", flat=True)):
        raise ValidationError({"attended": _("Choose people invited to this session.")})
    invitations.filter(pk__in=present).update(attended=True)
    invitations.exclude(pk__in=present).update(attended=False)
    audit.record(action="intervision.attendance", user=by, obj=session)
    return len(present)


# --- Minutes ---------------------------------------------------------------------------------


def client_names_in(*, text: str, organisation: Organisation) -> list[str]:
    """The words of `text` that are the first or last name of a client in one of the
    organisation's live matches (whole words, case-insensitive), as written, once each."""
    from clients.models import Client
    from matching.models import Match

    names: set[str] = set()
    for first, last in Client.objects.filter(
        pk__in=Match.objects.filter(
            organisation=organisation, status__in=Match.LIVE_STATUSES
        ).values("client")
    ).values_list("first_name", "last_name"):
        names.update(name.strip() for name in (first, last) if name.strip())
    if not names or not text.strip():
        return []
    # Longest first, so "van Dijk" wins over a first name "Dijk"; spaces inside a name match
    # any run of white space.
    alternatives = "|".join(
        r"\s+".join(re.escape(part) for part in name.split())
        for name in sorted(names, key=len, reverse=True)
    )
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
    found: dict[str, None] = {}
    for match in pattern.finditer(text):
        found.setdefault(" ".join(match.group(0).split()), None)
    return list(found)


class ClientNamesInMinutes(ValidationError):
    """The minutes contain a client's name and the writer did not confirm them."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        message = _(
            "The minutes contain the name of a client: %(names)s. Minutes must not identify "
            "clients. Remove the name, or confirm that it does not refer to a client."
        ) % {"names": ", ".join(names)}
        super().__init__({"minutes": ValidationError(message, code="client_name")})


@transaction.atomic
def intervision_minutes_save(
    *,
    session: IntervisionSession,
    by: User,
    minutes: str,
    confirmed: bool = False,
    now: datetime | None = None,
) -> IntervisionSession:
    """Write the short minutes after the session. A client's name in them is refused unless
    the writer confirmed (`confirmed`) that the minutes do not identify a client."""
    now = now or timezone.now()
    _check_after_start(session, by, now)
    session = IntervisionSession.objects.select_for_update().get(pk=session.pk)
    names = client_names_in(text=minutes, organisation=session.group.organisation)
    if names and not confirmed:
        raise ClientNamesInMinutes(names)
    session.minutes = minutes.strip()
    session.minutes_by = by
    session.full_clean()
    session.save(update_fields=["minutes", "minutes_by"])
    audit.record(action="intervision.minutes", user=by, obj=session)
    return session
