"""Well-being check-ins: the volunteer answers four questions once; a low answer (or a wish to
be contacted) alerts every active coordinator of the organisation at once, and one coordinator
records how it was followed up.

Both writes lock the check-in's row and check its state again under the lock, so two browser
tabs cannot answer twice and two coordinators cannot both follow up. The alert is not a
reminder: it is about a person's welfare, so it is never held for quiet hours nor opted out of.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from reclass_volunteers import access, audit, outbox
from reclass_volunteers.models import Role, User
from supervision.models import WellbeingCheckIn
from supervision.models.wellbeing import ANSWERS

LOW_KIND = "wellbeing.low"
# Who follows up a low answer. Administrators read along; they do not handle people.
FOLLOWERS = (Role.COORDINATOR,)


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "j F Y H:i")


def _locked(checkin: WellbeingCheckIn) -> WellbeingCheckIn:
    return (
        WellbeingCheckIn.objects.select_for_update(of=("self",))
        .select_related("volunteer__user", "organisation")
        .get(pk=checkin.pk)
    )


def is_replaced(checkin: WellbeingCheckIn) -> bool:
    """An unanswered check-in stays open until the volunteer's next one exists."""
    return WellbeingCheckIn.objects.filter(
        volunteer_id=checkin.volunteer_id, due_on__gt=checkin.due_on
    ).exists()


@transaction.atomic
def wellbeing_answer(
    *,
    by: User,
    checkin: WellbeingCheckIn,
    overall: int | None,
    burden: int | None,
    support: int | None,
    surroundings: int | None,
    wants_contact: bool = False,
    comment: str = "",
) -> WellbeingCheckIn:
    """The volunteer answers their own open check-in. All four scores are required, 1 to 5."""
    if (
        by.role != Role.VOLUNTEER
        or not by.is_active
        or not access.wellbeing_checkins_visible_to(by)
        .filter(pk=checkin.pk, volunteer__user=by)
        .exists()
    ):
        raise ValidationError(_("You can only answer your own check-in."))
    checkin = _locked(checkin)
    if checkin.answered_at is not None:
        raise ValidationError(
            _("You already answered this check-in on %(when)s. Thank you!")
            % {"when": _when(checkin.answered_at)}
        )
    if is_replaced(checkin):
        raise ValidationError(
            _("This check-in was replaced by a newer one. Please answer that one instead.")
        )
    scores = {
        "overall": overall,
        "burden": burden,
        "support": support,
        "surroundings": surroundings,
    }
    errors = {
        name: _("Choose a number from 1 to 5.")
        for name, score in scores.items()
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5
    }
    if errors:
        raise ValidationError(errors)
    for name in ANSWERS:
        setattr(checkin, name, scores[name])
    checkin.wants_contact = bool(wants_contact)
    checkin.comment = comment.strip()
    checkin.answered_at = timezone.now()
    checkin.full_clean()
    fields = [*ANSWERS, "wants_contact", "comment", "answered_at"]
    if checkin.is_low and _alert(checkin):
        checkin.alerted_at = checkin.answered_at
        fields.append("alerted_at")
    checkin.save(update_fields=fields)
    audit.record(action="wellbeing.answer", user=by, obj=checkin)
    return checkin


def _alert(checkin: WellbeingCheckIn) -> int:
    """Tell every active coordinator; returns how many were told. The message names nobody
    and gives no scores: e-mail leaves the system, the page behind the link is scoped."""
    coordinators = User.objects.coordinators_of(checkin.organisation_id)
    told = 0
    for coordinator in coordinators:
        outbox.notify(
            kind=LOW_KIND,
            recipient=coordinator,
            subject=checkin,
            occasion="",
            title=_("A well-being check-in needs your follow-up"),
            body=_(
                "A volunteer gave a low answer or asked to be contacted. Open the check-in to "
                "see who it is and record how you followed it up."
            ),
            url=reverse("supervision:wellbeing_detail", kwargs={"pk": checkin.pk}),
            reminder=False,
            organisation=checkin.organisation,
        )
        told += 1
    return told


@transaction.atomic
def wellbeing_follow_up(*, by: User, checkin: WellbeingCheckIn, note: str) -> WellbeingCheckIn:
    """A coordinator records what was done about an answered check-in, once."""
    if (
        by.role not in FOLLOWERS
        or not access.wellbeing_checkins_visible_to(by).filter(pk=checkin.pk).exists()
    ):
        raise ValidationError(_("You cannot follow up this check-in."))
    checkin = _locked(checkin)
    if checkin.answered_at is None:
        raise ValidationError(_("This check-in has not been answered yet."))
    if checkin.followed_up_at is not None:
        raise ValidationError(
            _("This check-in was already followed up on %(when)s.")
            % {"when": _when(checkin.followed_up_at)}
        )
    if not note.strip():
        raise ValidationError({"note": _("Write down what was done.")})
    checkin.followed_up_at = timezone.now()
    checkin.followed_up_by = by
    checkin.follow_up_note = note.strip()
    checkin.full_clean()
    checkin.save(update_fields=["followed_up_at", "followed_up_by", "follow_up_note"])
    audit.record(action="wellbeing.follow_up", user=by, obj=checkin)
    return checkin
