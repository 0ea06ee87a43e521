"""Volunteer models, by part of the lifecycle."""

from volunteers.models.attention import AttentionItem
from volunteers.models.competencies import (
    Assessment,
    Competency,
    Intake,
    IntakeScore,
    RoleCompetency,
    RoleProfile,
)
from volunteers.models.screening import Certificate
from volunteers.models.training import Course, Enrolment, TrainingSession
from volunteers.models.volunteer import (
    Application,
    Farewell,
    StatusChange,
    Volunteer,
    VolunteerPolicy,
    VolunteerQuerySet,
)

__all__ = [
    "Application",
    "Assessment",
    "AttentionItem",
    "Certificate",
    "Competency",
    "Course",
    "Enrolment",
    "Farewell",
    "Intake",
    "IntakeScore",
    "RoleCompetency",
    "RoleProfile",
    "StatusChange",
    "TrainingSession",
    "Volunteer",
    "VolunteerPolicy",
    "VolunteerQuerySet",
]
