"""Matching: the organisation's matching policy, matches between volunteers and a client (one
volunteer for a buddy, three to five for a circle), the circle's outer ring and reviews,
evaluations, declared conflicts of interest, and referrals to partner organisations.

The rules that decide who may be matched live in `matching/engine.py` (pure functions) and are
enforced by `matching/services.py`; the constraints below are the database's last line.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from clients.models import Client, RiskFlag
from reclass_volunteers.models import Organisation
from volunteers.models import Course, Volunteer

WEIGHT_FIELDS = ("need_overlap", "distance", "language", "availability", "preferences", "workload")


def _weight(label: StrOrPromise, default: int) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MaxValueValidator(100)]
    )


class MatchingPolicy(models.Model):
    """Per organisation: the weights of the suggestion criteria and the circle size limits."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="matching_policy"
    )
    need_overlap = _weight(_("needs and preferred activities"), 30)
    distance = _weight(_("distance"), 20)
    language = _weight(_("shared language"), 15)
    availability = _weight(_("availability"), 15)
    preferences = _weight(_("client's preferences"), 10)
    workload = _weight(_("current workload"), 10)
    circle_min_size = models.PositiveSmallIntegerField(
        _("smallest circle"), default=3, validators=[MinValueValidator(2), MaxValueValidator(8)]
    )
    circle_max_size = models.PositiveSmallIntegerField(
        _("largest circle"), default=5, validators=[MinValueValidator(2), MaxValueValidator(8)]
    )
    suggestions_shown = models.PositiveSmallIntegerField(
        _("suggestions shown"), default=10, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )

    class Meta:
        verbose_name = _("matching policy")
        verbose_name_plural = _("matching policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(need_overlap__gt=0)
                | Q(distance__gt=0)
                | Q(language__gt=0)
                | Q(availability__gt=0)
                | Q(preferences__gt=0)
                | Q(workload__gt=0),
                name="matching_policy_some_weight",
            ),
            models.CheckConstraint(
                condition=Q(circle_min_size__gte=2)
                & Q(circle_max_size__lte=8)
                & Q(circle_min_size__lte=F("circle_max_size")),
                name="matching_policy_circle_sizes",
            ),
        ]

    def __str__(self) -> str:
        return str(self.organisation)

    @classmethod
    def for_organisation(cls, organisation: Organisation) -> MatchingPolicy:
        """The saved policy, or the defaults (unsaved: reading never writes)."""
        policy = cls.objects.filter(organisation=organisation).first()
        return policy or cls(organisation=organisation)


class FlagTraining(models.Model):
    """A training a volunteer must have completed (and not expired) to support a client with
    this risk flag, e.g. the circle training for a sex offence."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="flag_trainings"
    )
    flag = models.CharField(_("risk flag"), max_length=20, choices=RiskFlag.choices)
    course = models.ForeignKey(
        Course, verbose_name=_("training"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ["flag", "course__name"]
        verbose_name = _("training required by a risk flag")
        verbose_name_plural = _("trainings required by risk flags")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "flag", "course"], name="flag_training_once"
            ),
            models.CheckConstraint(
                condition=Q(flag__in=RiskFlag.values), name="flag_training_flag_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_flag_display()}: {self.course}"


class ConflictOfInterest(models.Model):
    """A volunteer knows this client (neighbour, family, victim's circle...): never match them."""

    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="conflicts_of_interest"
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="conflicts")
    note = models.CharField(_("explanation"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "client"], name="conflict_once")
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} / {self.client}"


class Match(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        INTRODUCTION = "introduction", _("Introduction")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    class Kind(models.TextChoices):
        BUDDY = "buddy", _("One volunteer")
        CIRCLE = "circle", _("Circle (COSA)")

    class EndReason(models.TextChoices):
        GOALS_REACHED = "goals_reached", _("Goals reached")
        PLANNED_END = "planned_end", _("Planned end of the circle")
        CLIENT_STOPPED = "client_stopped", _("The client stopped")
        VOLUNTEER_STOPPED = "volunteer_stopped", _("The volunteer stopped")
        NO_CLICK = "no_click", _("No click between client and volunteer")
        DETAINED = "detained", _("The client was detained")
        SAFETY = "safety", _("Safety concerns")
        MOVED = "moved", _("The client moved")
        OTHER = "other", _("Other")

    # Statuses in which the professionals around a match keep seeing its volunteers, and that
    # take one of a volunteer's places.
    LIVE_STATUSES = (Status.PROPOSED, Status.INTRODUCTION, Status.ACTIVE)

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="matches",
    )
    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="matches"
    )
    volunteers = models.ManyToManyField(
        Volunteer, through="MatchVolunteer", related_name="matches", verbose_name=_("volunteers")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.BUDDY)
    responsible_professional = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible professional"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    goals = models.TextField(_("goals"), blank=True)
    started_on = models.DateField(_("start date"), null=True, blank=True)
    # Circles: 12 months, 18 when the circle starts while the client is still in prison.
    starts_in_prison = models.BooleanField(_("starts in prison"), default=False)
    planned_end_on = models.DateField(_("planned end"), null=True, blank=True)
    review_every_weeks = models.PositiveSmallIntegerField(
        _("review every (weeks)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(52)],
    )
    ended_on = models.DateField(_("end date"), null=True, blank=True)
    end_reason = models.CharField(
        _("reason for ending"), max_length=20, choices=EndReason.choices, blank=True
    )
    end_note = models.TextField(_("explanation"), blank=True)
    # The engine's total when the match was made, and the coordinator's reasons where they
    # chose differently from the suggestions (dilemma 1: the coordinator's judgement counts).
    suggested_score = models.FloatField(null=True, blank=True)
    override_reason = models.TextField(_("why this choice"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["proposed", "introduction", "active", "ended"]),
                name="match_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["buddy", "circle"]), name="match_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(ended_on__gte=models.F("started_on")),
                name="match_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(status="active") | Q(started_on__isnull=False),
                name="match_active_has_start",
            ),
            models.CheckConstraint(
                condition=~Q(status="ended") | (Q(ended_on__isnull=False) & ~Q(end_reason="")),
                name="match_ended_has_date_and_reason",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status"], name="match_org_status")]

    def __str__(self) -> str:
        return f"{self.client} ({self.get_status_display()})"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES

    @property
    def is_circle(self) -> bool:
        return self.kind == self.Kind.CIRCLE


class MatchVolunteer(models.Model):
    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="memberships")
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="match_memberships"
    )
    is_lead = models.BooleanField(_("lead volunteer"), default=False)

    class Meta:
        verbose_name = _("match volunteer")
        verbose_name_plural = _("match volunteers")
        constraints = [
            models.UniqueConstraint(fields=["match", "volunteer"], name="match_volunteer_once"),
            models.UniqueConstraint(
                fields=["match"], condition=Q(is_lead=True), name="match_one_lead"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} — {self.match}"


class OuterCircleMember(models.Model):
    """The professionals around a circle: probation officer, therapist, police, municipality."""

    class Role(models.TextChoices):
        PROBATION_OFFICER = "probation_officer", _("Probation officer")
        THERAPIST = "therapist", _("Therapist")
        POLICE = "police", _("Police")
        MUNICIPALITY = "municipality", _("Municipality")
        OTHER = "other", _("Other")

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="outer_circle")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    name = models.CharField(_("name"), max_length=150)
    organisation_name = models.CharField(_("organisation"), max_length=150, blank=True)
    phone = models.CharField(_("phone number"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)

    class Meta:
        ordering = ["role", "name"]
        verbose_name = _("outer circle member")
        verbose_name_plural = _("outer circle")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class CircleReview(models.Model):
    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="reviews")
    held_on = models.DateField(_("held on"))
    summary = models.TextField(_("how the circle is doing"))
    decisions = models.TextField(_("agreements"), blank=True)
    next_review_on = models.DateField(_("next review"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("circle review")
        verbose_name_plural = _("circle reviews")
        constraints = [
            models.CheckConstraint(
                condition=Q(next_review_on__isnull=True) | Q(next_review_on__gt=F("held_on")),
                name="review_next_after_held",
            )
        ]

    def __str__(self) -> str:
        return f"{self.match} {self.held_on}"


class MatchEvaluation(models.Model):
    """How the match went, by a volunteer of it or by the professional, at or after its end."""

    class Perspective(models.TextChoices):
        VOLUNTEER = "volunteer", _("Volunteer")
        PROFESSIONAL = "professional", _("Professional")

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="evaluations")
    perspective = models.CharField(_("by"), max_length=20, choices=Perspective.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(
        _("how it went (1-5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    went_well = models.TextField(_("what went well"), blank=True)
    could_improve = models.TextField(_("what could be better"), blank=True)
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["written_at"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [
            models.UniqueConstraint(
                fields=["match", "perspective", "author"], name="evaluation_once_per_author"
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5), name="evaluation_rating_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.match} ({self.get_perspective_display()})"


class Referral(models.Model):
    """A client referred to a partner volunteer organisation. The partner sees only
    `shared_data` (what the referrer chose to share, with the client's consent), never the
    client record; the responsible professional keeps final responsibility."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        MATCHED = "matched", _("Volunteer found")
        ENDED = "ended", _("Ended")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN_STATUSES = (Status.SENT, Status.ACCEPTED, Status.MATCHED)

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="referrals_sent"
    )
    partner = models.ForeignKey(
        Organisation,
        verbose_name=_("partner organisation"),
        on_delete=models.PROTECT,
        related_name="referrals_received",
    )
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="referrals")
    responsible_professional = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible professional"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SENT
    )
    question = models.TextField(_("what we ask of the partner"))
    shared_data = models.JSONField(_("shared data"), default=dict)
    consent_confirmed = models.BooleanField(_("the client consented to this referral"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    partner_volunteer = models.CharField(_("the partner's volunteer"), max_length=150, blank=True)
    matched_on = models.DateField(_("matched on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_note = models.TextField(_("how it ended"), blank=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=["sent", "accepted", "declined", "matched", "ended", "withdrawn"]
                ),
                name="referral_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(consent_confirmed=True), name="referral_needs_consent"
            ),
            models.CheckConstraint(
                condition=~Q(partner=F("organisation")), name="referral_to_another_organisation"
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="referral_declined_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="matched")
                | (~Q(partner_volunteer="") & Q(matched_on__isnull=False)),
                name="referral_matched_has_volunteer",
            ),
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(status__in=["sent", "accepted", "matched"]),
                name="referral_one_open_per_client",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} → {self.partner}"
