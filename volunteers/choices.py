"""The field's vocabulary (shared/domain/DOMAIN.md), used by forms, filters and the engine."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityType(models.TextChoices):
    ADMINISTRATION = "administration", _("Administration help")
    PRACTICAL = "practical", _("Practical jobs")
    ACCOMPANYING = "accompanying", _("Accompanying contact with agencies")
    EMOTIONAL = "emotional", _("Emotional support")
    HOUSING = "housing", _("Finding housing")
    NETWORK = "network", _("Keeping up and widening the social network")
    EDUCATION_WORK = "education_work", _("Finding education or work")
    SOCIAL = "social", _("Social activities")
    RECOVERY = "recovery", _("Recovery from addiction")
    RELAPSE = "relapse", _("Noticing relapse")


class Motive(models.TextChoices):
    MEANINGFUL_TIME = "meaningful_time", _("Meaningful use of my time")
    EXPERIENCE = "experience", _("Practical experience")
    HELP_OTHERS = "help_others", _("Doing something for another person")
    CLIENT_GROUP = "client_group", _("Interest in this client group")
    SAFER_SOCIETY = "safer_society", _("A safer society")
    OWN_DETENTION = "own_detention", _("Own experience with detention")
    OTHER = "other", _("Other")


class VolunteerRole(models.TextChoices):
    BUDDY = "buddy", _("Buddy")
    EXPERIENCE_EXPERT = "experience_expert", _("Experience expert")
    CIRCLE_MEMBER = "circle_member", _("Circle member (COSA)")
    VISITOR_ABROAD = "visitor_abroad", _("Visitor of detainees abroad")
    PRACTICAL_HELP = "practical_help", _("Practical help")


class Weekday(models.TextChoices):
    MON = "mon", _("Monday")
    TUE = "tue", _("Tuesday")
    WED = "wed", _("Wednesday")
    THU = "thu", _("Thursday")
    FRI = "fri", _("Friday")
    SAT = "sat", _("Saturday")
    SUN = "sun", _("Sunday")


class DayPart(models.TextChoices):
    MORNING = "morning", _("morning")
    AFTERNOON = "afternoon", _("afternoon")
    EVENING = "evening", _("evening")


# Availability is stored as "<weekday>_<daypart>" slots, e.g. "mon_evening".
AVAILABILITY_SLOTS = [f"{day}_{part}" for day in Weekday.values for part in DayPart.values]


def slot_label(slot: str) -> str:
    """ "mon_evening" as the reader says it ("maandag avond"); unknown parts stay as they are."""
    from django.utils.translation import gettext

    day, _sep, part = slot.partition("_")
    return gettext("%(day)s %(part)s") % {
        "day": dict(Weekday.choices).get(day, day),
        "part": dict(DayPart.choices).get(part, part),
    }


class SupervisionForm(models.TextChoices):
    ONE_TO_ONE = "one_to_one", _("One-to-one")
    ON_THE_JOB = "on_the_job", _("On the job")
    GROUP = "group", _("Group")


class FarewellReason(models.TextChoices):
    DID_NOT_START = "did_not_start", _("Did not start")
    MOVED = "moved", _("Moved")
    RESIGNED = "resigned", _("Resigned")
    DISMISSED = "dismissed", _("Dismissed")
    DECEASED = "deceased", _("Deceased")
    OTHER = "other", _("Other")


class CourseKind(models.TextChoices):
    BASIC = "basic", _("Basic training")
    ON_THE_JOB = "on_the_job", _("On-the-job training")
    SPECIALISED = "specialised", _("Specialised training")


class IntakeDecision(models.TextChoices):
    PROCEED = "proceed", _("Proceed to screening")
    REJECT = "reject", _("Do not proceed")
