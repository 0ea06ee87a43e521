"""The organisation's matching policy (issue 4, item 2): the weights of the suggestion criteria,
the circle size limits, how many suggestions the page shows, and which trainings each risk flag
requires of a volunteer.

`MatchingPolicy.for_organisation` hands out unsaved defaults while an organisation has no row;
`policy_update` creates the row on the first save. Updates of one organisation's policy are
serialised on the organisation's row, so two administrators saving at once never both create a
policy (the second would hit the one-to-one constraint) and the trainings are never a mix of
both saves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clients.models import RiskFlag
from matching.models import WEIGHT_FIELDS, FlagTraining, MatchingPolicy
from reclass_volunteers import audit
from reclass_volunteers.models import Organisation, Role, User
from volunteers.models import Course

POLICY_EDITORS = (Role.COORDINATOR, Role.ADMIN)
WEIGHT_MAX = 100
CIRCLE_MIN, CIRCLE_MAX = 2, 8
SHOWN_MIN, SHOWN_MAX = 1, 50


def _check(
    *,
    weights: Mapping[str, int],
    circle_min_size: int,
    circle_max_size: int,
    suggestions_shown: int,
) -> None:
    errors: dict[str, list[str]] = {}
    for name, value in weights.items():
        if not 0 <= value <= WEIGHT_MAX:
            errors.setdefault(name, []).append(
                _("Enter a weight from 0 to %(max)d.") % {"max": WEIGHT_MAX}
            )
    if not errors and sum(weights.values()) == 0:
        errors[NON_FIELD_ERRORS] = [
            _(
                "Give at least one criterion a weight above 0; otherwise every volunteer scores "
                "the same."
            )
        ]
    for name, value in (("circle_min_size", circle_min_size), ("circle_max_size", circle_max_size)):
        if not CIRCLE_MIN <= value <= CIRCLE_MAX:
            errors.setdefault(name, []).append(
                _("A circle has %(min)d to %(max)d volunteers.")
                % {"min": CIRCLE_MIN, "max": CIRCLE_MAX}
            )
    sizes_known = "circle_min_size" not in errors and "circle_max_size" not in errors
    if sizes_known and circle_min_size > circle_max_size:
        errors["circle_max_size"] = [
            _("The largest circle cannot be smaller than the smallest circle (%(min)d).")
            % {"min": circle_min_size}
        ]
    if not SHOWN_MIN <= suggestions_shown <= SHOWN_MAX:
        errors["suggestions_shown"] = [
            _("Show from %(min)d to %(max)d suggestions.") % {"min": SHOWN_MIN, "max": SHOWN_MAX}
        ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def policy_update(
    *,
    by: User,
    organisation: Organisation,
    need_overlap: int,
    distance: int,
    language: int,
    availability: int,
    preferences: int,
    workload: int,
    circle_min_size: int,
    circle_max_size: int,
    suggestions_shown: int,
    flag_trainings: Mapping[str, Iterable[Course]],
) -> MatchingPolicy:
    """Save the organisation's matching policy and replace the trainings each risk flag requires.

    `flag_trainings` maps a risk flag to the courses it requires; a flag left out requires none.
    Refused (ValidationError, nothing written) when the user may not change the policy, every
    weight is 0, a size or weight is out of range, the smallest circle is larger than the
    largest, or a course or flag is unknown to the organisation.
    """
    if by.role not in POLICY_EDITORS or by.organisation_id != organisation.pk:
        raise ValidationError(
            _("Only the organisation's coordinators and administrators change the policy.")
        )
    weights = {
        "need_overlap": need_overlap,
        "distance": distance,
        "language": language,
        "availability": availability,
        "preferences": preferences,
        "workload": workload,
    }
    assert tuple(weights) == WEIGHT_FIELDS
    _check(
        weights=weights,
        circle_min_size=circle_min_size,
        circle_max_size=circle_max_size,
        suggestions_shown=suggestions_shown,
    )
    unknown = set(flag_trainings) - set(RiskFlag.values)
    if unknown:
        raise ValidationError(
            _("Unknown risk flag: %(flags)s.") % {"flags": ", ".join(sorted(unknown))}
        )
    wanted = {
        (flag, course.pk): course for flag, courses in flag_trainings.items() for course in courses
    }
    if any(course.organisation_id != organisation.pk for course in wanted.values()):
        raise ValidationError(_("Choose trainings of your own organisation."))

    Organisation.objects.select_for_update().only("pk").get(pk=organisation.pk)
    policy = MatchingPolicy.objects.filter(organisation=organisation).first()
    if policy is None:
        policy = MatchingPolicy(organisation=organisation)
    for name, value in weights.items():
        setattr(policy, name, value)
    policy.circle_min_size = circle_min_size
    policy.circle_max_size = circle_max_size
    policy.suggestions_shown = suggestions_shown
    policy.full_clean()
    policy.save()

    FlagTraining.objects.filter(organisation=organisation).delete()
    FlagTraining.objects.bulk_create(
        [
            FlagTraining(organisation=organisation, flag=flag, course_id=course_pk)
            for flag, course_pk in sorted(wanted)
        ]
    )
    audit.record(action="matching_policy.update", user=by, obj=policy)
    return policy
