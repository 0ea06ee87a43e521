"""Who may see what: the one place where visibility is decided (ARCHITECTURE.md, "Roles").

Every view reads through these functions. Each returns a queryset scoped to the user, so an
object outside it is simply not found: a 404 that does not reveal it exists.

- coordinator / admin: everything of their own organisation;
- professional: the clients they are responsible for, the volunteers matched to those clients
  (in a live match) and the volunteers they supervise;
- volunteer: themselves, and the clients of their own active matches;
- nobody sees another organisation's data, with one exception: a referral is seen by the
  coordinators and administrators of the partner organisation it was sent to (only the data
  shared in it, never the client record).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.http import Http404

from reclass_volunteers import audit
from reclass_volunteers.models import AuditEvent, Notification, Role, User

if TYPE_CHECKING:
    from django.http import HttpRequest

    from clients.models import Client
    from matching.models import Match, Referral
    from supervision.models import (
        ContactReport,
        DiscussionPoint,
        Expense,
        IntervisionGroup,
        IntervisionSession,
        PracticeNote,
        RelapseSignal,
        SupervisionNote,
        WellbeingCheckIn,
    )
    from volunteers.models import (
        AttentionItem,
        Competency,
        Course,
        Enrolment,
        RoleProfile,
        TrainingSession,
        Volunteer,
    )

M = TypeVar("M", bound=models.Model)


def _is_member(user: Any) -> bool:
    """An active, logged-in user who belongs to an organisation (superusers do not)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.organisation_id is not None
    )


def volunteers_visible_to(user: User) -> models.QuerySet[Volunteer]:
    from matching.models import Match
    from volunteers.models import Volunteer

    qs = Volunteer.objects.all()
    if not _is_member(user):
        return qs.none()
    qs = qs.filter(organisation=user.organisation)
    if user.role in (Role.COORDINATOR, Role.ADMIN):
        return qs
    if user.role == Role.PROFESSIONAL:
        matched = Q(
            pk__in=Match.objects.filter(
                client__responsible_professional=user, status__in=Match.LIVE_STATUSES
            ).values("memberships__volunteer")
        )
        return qs.filter(Q(supervisor=user) | matched)
    if user.role == Role.VOLUNTEER:
        return qs.filter(user=user)
    return qs.none()


def clients_visible_to(user: User) -> models.QuerySet[Client]:
    from clients.models import Client
    from matching.models import Match

    qs = Client.objects.all()
    if not _is_member(user):
        return qs.none()
    qs = qs.filter(organisation=user.organisation)
    if user.role in (Role.COORDINATOR, Role.ADMIN):
        return qs
    if user.role == Role.PROFESSIONAL:
        return qs.filter(responsible_professional=user)
    if user.role == Role.VOLUNTEER:
        return qs.filter(
            pk__in=Match.objects.filter(
                status=Match.Status.ACTIVE, memberships__volunteer__user=user
            ).values("client")
        )
    return qs.none()


def matches_visible_to(user: User) -> models.QuerySet[Match]:
    from matching.models import Match

    qs = Match.objects.all()
    if not _is_member(user):
        return qs.none()
    qs = qs.filter(organisation=user.organisation)
    if user.role in (Role.COORDINATOR, Role.ADMIN):
        return qs
    if user.role == Role.PROFESSIONAL:
        return qs.filter(client__responsible_professional=user)
    if user.role == Role.VOLUNTEER:
        return qs.filter(
            pk__in=Match.objects.filter(
                status=Match.Status.ACTIVE, memberships__volunteer__user=user
            ).values("pk")
        )
    return qs.none()


def matches_to_evaluate_by(user: User) -> models.QuerySet[Match]:
    """Matches this user may open the evaluation page of. A volunteer keeps this, and only this,
    for their own active or ended matches: `matches_visible_to` hides an ended match from them,
    yet they are asked how it went (the evaluation page shows no client data)."""
    from matching.models import Match, MatchVolunteer

    if not _is_member(user):
        return Match.objects.none()
    if user.role == Role.VOLUNTEER:
        return Match.objects.filter(
            organisation=user.organisation,
            status__in=(Match.Status.ACTIVE, Match.Status.ENDED),
            pk__in=MatchVolunteer.objects.filter(volunteer__user=user).values("match"),
        )
    return matches_visible_to(user).select_related("client")


def referrals_visible_to(user: User) -> models.QuerySet[Referral]:
    """Sent: the sending organisation's coordinators and admins, and the professional
    responsible. Received: the partner organisation's coordinators and admins."""
    from matching.models import Referral

    qs = Referral.objects.all()
    if not _is_member(user):
        return qs.none()
    sent = Q(organisation=user.organisation)
    received = Q(partner=user.organisation)
    if user.role in (Role.COORDINATOR, Role.ADMIN):
        return qs.filter(sent | received)
    if user.role == Role.PROFESSIONAL:
        return qs.filter(
            sent & (Q(responsible_professional=user) | Q(client__responsible_professional=user))
        )
    return qs.none()


# --- Supervision (issue 5) ------------------------------------------------------------------


def signals_visible_to(user: User) -> models.QuerySet[RelapseSignal]:
    """Coordinators and admins: the organisation's. Professionals: signals they must handle,
    about their clients, or escalated to them as team lead. Volunteers: what they reported."""
    from supervision.models import RelapseSignal

    qs = RelapseSignal.objects.all()
    if not _is_member(user):
        return qs.none()
    qs = qs.filter(organisation=user.organisation)
    if user.role in (Role.COORDINATOR, Role.ADMIN):
        return qs
    if user.role == Role.PROFESSIONAL:
        return qs.filter(
            Q(professional=user)
            | Q(client__responsible_professional=user)
            | Q(professional__team_lead=user)
        )
    if user.role == Role.VOLUNTEER:
        return qs.filter(volunteer__user=user)
    return qs.none()


def contact_reports_visible_to(user: User) -> models.QuerySet[ContactReport]:
    """Staff as for the match (professionals: their clients' matches) plus the volunteer's
    supervisor; volunteers: their own reports."""
    from supervision.models import ContactReport

    qs = ContactReport.objects.all()
    if not _is_member(user):
        return qs.none()
    qs = qs.filter(match__organisation=user.organisation)
    if user.role in (Role.COORDINATOR, Role.ADMIN):
        return qs
    if user.role == Role.PROFESSIONAL:
        return qs.filter(
            Q(match__client__responsible_professional=user) | Q(volunteer__supervisor=user)
        )
    if user.role == Role.VOLUNTEER:
        return qs.filter(volunteer__user=user)
    return qs.none()


def _by_volunteer_supervisor(qs: models.QuerySet[M], user: User) -> models.QuerySet[M]:
    """Coordinators/admins: the organisation's; professionals: of the volunteers they
    supervise; volunteers: their own."""
    if not _is_member(user):
        return qs.none()
    qs = qs.filter(volunteer__organisation=user.organisation)
    if user.role in (Role.COORDINATOR, Role.ADMIN):
        return qs
    if user.role == Role.PROFESSIONAL:
        return qs.filter(volunteer__supervisor=user)
    if user.role == Role.VOLUNTEER:
        return qs.filter(volunteer__user=user)
    return qs.none()


def discussion_points_visible_to(user: User) -> models.QuerySet[DiscussionPoint]:
    """Never the client, never the responsible professional as such: the volunteer, their
    supervisor, the coordinators."""
    from supervision.models import DiscussionPoint

    return _by_volunteer_supervisor(DiscussionPoint.objects.all(), user)


def expenses_visible_to(user: User) -> models.QuerySet[Expense]:
    from supervision.models import Expense

    return _by_volunteer_supervisor(Expense.objects.all(), user)


def supervision_notes_visible_to(user: User) -> models.QuerySet[SupervisionNote]:
    """Staff: notes about the volunteers they may see. Volunteers: only notes about themselves
    that were shared with them."""
    from supervision.models import SupervisionNote

    qs = SupervisionNote.objects.all()
    if not _is_member(user):
        return qs.none()
    if user.role == Role.VOLUNTEER:
        return qs.filter(volunteer__user=user, shared_with_volunteer=True)
    return qs.filter(volunteer__in=volunteers_visible_to(user).values("pk"))


def intervision_groups_visible_to(user: User) -> models.QuerySet[IntervisionGroup]:
    from supervision.models import IntervisionGroup

    qs = IntervisionGroup.objects.all()
    if not _is_member(user):
        return qs.none()
    qs = qs.filter(organisation=user.organisation)
    if user.role in STAFF:
        return qs
    if user.role == Role.VOLUNTEER:
        return qs.filter(members__user=user)
    return qs.none()


def intervision_sessions_visible_to(user: User) -> models.QuerySet[IntervisionSession]:
    from supervision.models import IntervisionSession

    return IntervisionSession.objects.filter(
        group__in=intervision_groups_visible_to(user).values("pk")
    )


def practice_notes_visible_to(user: User) -> models.QuerySet[PracticeNote]:
    """Ways of working are for the organisation's staff; volunteers do not read them."""
    from supervision.models import PracticeNote

    qs = PracticeNote.objects.all()
    if not _is_member(user) or user.role not in STAFF:
        return qs.none()
    return qs.filter(organisation=user.organisation)


def courses_visible_to(user: User) -> models.QuerySet[Course]:
    """Trainings are organisation-wide knowledge: every member of the organisation sees them;
    the views decide by role who may change them."""
    from volunteers.models import Course

    if not _is_member(user):
        return Course.objects.none()
    return Course.objects.filter(organisation=user.organisation)


def training_sessions_visible_to(user: User) -> models.QuerySet[TrainingSession]:
    from volunteers.models import TrainingSession

    if not _is_member(user):
        return TrainingSession.objects.none()
    return TrainingSession.objects.filter(course__organisation=user.organisation)


def enrolments_visible_to(user: User) -> models.QuerySet[Enrolment]:
    """Enrolments of the organisation; which volunteers' names a user sees is still decided by
    volunteers_visible_to."""
    from volunteers.models import Enrolment

    if not _is_member(user):
        return Enrolment.objects.none()
    return Enrolment.objects.filter(session__course__organisation=user.organisation)


def competencies_visible_to(user: User) -> models.QuerySet[Competency]:
    from volunteers.models import Competency

    if not _is_member(user):
        return Competency.objects.none()
    return Competency.objects.filter(organisation=user.organisation)


def role_profiles_visible_to(user: User) -> models.QuerySet[RoleProfile]:
    from volunteers.models import RoleProfile

    if not _is_member(user):
        return RoleProfile.objects.none()
    return RoleProfile.objects.filter(organisation=user.organisation)


# --- Reminders and appreciation (issue 6) --------------------------------------------------


def attention_items_visible_to(user: User) -> models.QuerySet[AttentionItem]:
    """Personal attention is the coordinators' work: coordinators and admins see their
    organisation's items; nobody else sees any (not even the volunteer it is about)."""
    from volunteers.models import AttentionItem

    qs = AttentionItem.objects.all()
    if not _is_member(user) or user.role not in (Role.COORDINATOR, Role.ADMIN):
        return qs.none()
    return qs.filter(organisation=user.organisation)


def wellbeing_checkins_visible_to(user: User) -> models.QuerySet[WellbeingCheckIn]:
    """How a volunteer is doing is between them and the coordinators (who follow up a low
    answer); admins read along. Professionals do not see check-ins: the volunteer answers more
    freely when their supervisor does not read it. A volunteer sees only their own."""
    from supervision.models import WellbeingCheckIn

    qs = WellbeingCheckIn.objects.all()
    if not _is_member(user):
        return qs.none()
    qs = qs.filter(organisation=user.organisation)
    if user.role in (Role.COORDINATOR, Role.ADMIN):
        return qs
    if user.role == Role.VOLUNTEER:
        return qs.filter(volunteer__user=user)
    return qs.none()


def outbox_visible_to(user: User) -> models.QuerySet[Notification]:
    """The organisation's outbox (messages to its members), for the operations page: for its
    administrators only."""
    if not _is_member(user) or user.role != Role.ADMIN:
        return Notification.objects.none()
    return Notification.objects.filter(recipient__organisation=user.organisation)


def users_visible_to(user: User) -> models.QuerySet[User]:
    """Accounts an organisation's admin manages; everyone else sees only themselves."""
    qs = User.objects.all()
    if not _is_member(user):
        return qs.none()
    if user.role == Role.ADMIN:
        return qs.filter(organisation=user.organisation)
    return qs.filter(pk=user.pk)


def professionals_of(user: User) -> models.QuerySet[User]:
    """Colleagues who can be chosen as responsible or supervising professional."""
    if not _is_member(user):
        return User.objects.none()
    return User.objects.filter(
        organisation=user.organisation, role=Role.PROFESSIONAL, is_active=True
    )


def notifications_visible_to(user: User) -> models.QuerySet[Notification]:
    if not (user.is_authenticated and user.is_active):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user, show_in_app=True)


def audit_events_visible_to(user: User) -> models.QuerySet[AuditEvent]:
    if not _is_member(user) or user.role != Role.ADMIN:
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(organisation=user.organisation)


def get_or_404(request: HttpRequest, queryset: models.QuerySet[M], **lookup: Any) -> M:
    """Fetch one object from a scoped queryset; a miss is recorded as a denied request."""
    try:
        return queryset.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError):
        audit.record(
            action="access.denied",
            request=request,
            object_type=queryset.model._meta.label_lower,
            object_id=next(iter(lookup.values()), ""),
            result=AuditEvent.Result.DENIED,
        )
        raise Http404 from None


def role_required(*roles: str) -> Any:
    """Allow a view to the given roles only; others get 403 (the page exists for everyone,
    so refusing it reveals nothing). Objects outside a user's scope are 404 via get_or_404."""
    from functools import wraps

    from django.core.exceptions import PermissionDenied

    def decorator(view: Any) -> Any:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            user = request.user
            if not _is_member(user) or user.role not in roles:  # type: ignore[union-attr]
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


STAFF = (Role.COORDINATOR, Role.PROFESSIONAL, Role.ADMIN)
