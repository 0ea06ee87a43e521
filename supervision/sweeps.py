"""Reminder sweep for intervision (issue 6): the same rule as training sessions, a first and a
second reminder before the session (the organisation's reminder policy), to every invited
volunteer with an account who has not declined. A fixed number of queries per organisation."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.urls import reverse
from django.utils.translation import gettext as _

from reclass_volunteers.models import Organisation
from reclass_volunteers.sweeps import SweepResult, sweep
from supervision.models import IntervisionInvitation
from volunteers.sweeps import ENDED, Sender, moment_text, policy_of, reminder_due, reminder_policies

INTERVISION_KIND = "intervision.reminder"


@sweep("intervision_reminders")
def intervision_reminders(now: datetime) -> SweepResult:
    result = SweepResult()
    policies = reminder_policies()
    url = reverse("supervision:intervision_mine")
    for organisation in Organisation.objects.order_by("pk"):
        policy = policy_of(policies, organisation)
        first, second = policy.session_first_days, policy.session_second_days
        horizon = now + timedelta(days=max(first, second))
        invitations = list(
            IntervisionInvitation.objects.filter(
                session__group__organisation=organisation,
                session__starts_at__gt=now,
                session__starts_at__lte=horizon,
                volunteer__user__isnull=False,
                volunteer__user__is_active=True,
            )
            .exclude(answer=IntervisionInvitation.Answer.NO)
            .exclude(volunteer__status__in=ENDED)
            .select_related("session__group", "volunteer__user")
            .order_by("session__starts_at", "pk")
        )
        sender = Sender(result, kind=INTERVISION_KIND, subjects=[i.session for i in invitations])
        for invitation in invitations:
            session, user = invitation.session, invitation.volunteer.user
            due = reminder_due(
                now=now, moment=session.starts_at, first_days=first, second_days=second
            )
            if due is None or user is None:
                continue
            which, lead = due
            sender.send(
                recipient=user,
                subject=session,
                occasion=f"{which}:{lead}d",
                organisation=organisation,
                title=_("Reminder: intervision on %(when)s")
                % {"when": moment_text(session.starts_at)},
                body=_("%(group)s meets at %(place)s. Topic: %(topic)s.")
                % {"group": session.group.name, "place": session.place, "topic": session.topic},
                url=url,
            )
    return result


# The other supervision sweeps live in their own modules; importing them registers them.
from supervision import sweeps_guidance, sweeps_wellbeing  # noqa: E402, F401
