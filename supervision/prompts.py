"""Starting questions for intervision, from the three dilemmas of volunteer work in probation
(shared/domain/DOMAIN.md). The session form offers them as suggestions for the topic; a
facilitator may still write any topic of their own."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Dilemma:
    title: Promise
    prompts: tuple[Promise, ...]


DILEMMAS: tuple[Dilemma, ...] = (
    Dilemma(
        title=_("Standardisation versus room to manoeuvre"),
        prompts=(
            _("When did you follow your own judgement rather than the agreements, and why?"),
            _("Which rule helped you with your client, and which one got in the way?"),
        ),
    ),
    Dilemma(
        title=_("Ordinary versus trained citizens"),
        prompts=(
            _("When was being just yourself what helped your client most?"),
            _("In which situation did you wish you had been trained better?"),
        ),
    ),
    Dilemma(
        title=_("Loyalty to the organisation versus loyalty to the client"),
        prompts=(
            _("Have you ever bent a rule for your client? What made it hard to tell?"),
            _("A gift, a small payment, a favour: where do you draw the line?"),
        ),
    ),
)


def topic_suggestions() -> list[str]:
    """Every prompt as text in the active language, for the topic field's suggestions."""
    return [str(prompt) for dilemma in DILEMMAS for prompt in dilemma.prompts]
