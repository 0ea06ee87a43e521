"""Supervision: what volunteers report (contacts, signals, discussion points, expenses), how
professionals answer and guide them, intervision and shared ways of working."""

from supervision.models.expenses import AllowanceClaim, Expense
from supervision.models.notes import (
    IntervisionGroup,
    IntervisionInvitation,
    IntervisionSession,
    PracticeComment,
    PracticeNote,
    SupervisionNote,
)
from supervision.models.policy import AllowanceLimit, SupervisionPolicy
from supervision.models.reports import (
    CircleMinutes,
    ContactKind,
    ContactReport,
    DiscussionPoint,
    DiscussionTopic,
    ReportReply,
)
from supervision.models.signals import RelapseSignal, Severity, SignalCategory
from supervision.models.wellbeing import WellbeingCheckIn

__all__ = [
    "AllowanceClaim",
    "AllowanceLimit",
    "CircleMinutes",
    "ContactKind",
    "ContactReport",
    "DiscussionPoint",
    "DiscussionTopic",
    "Expense",
    "IntervisionGroup",
    "IntervisionInvitation",
    "IntervisionSession",
    "PracticeComment",
    "PracticeNote",
    "RelapseSignal",
    "ReportReply",
    "Severity",
    "SignalCategory",
    "SupervisionNote",
    "SupervisionPolicy",
    "WellbeingCheckIn",
]
