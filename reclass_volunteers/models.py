"""Accounts (organisations, users, invitations), the audit log and the message outbox."""

from __future__ import annotations

import secrets
from datetime import time
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Cast, Concat, Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    class Kind(models.TextChoices):
        PROBATION = "probation", _("Probation organisation")
        PARTNER = "partner", _("Partner volunteer organisation")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    require_two_factor = models.BooleanField(
        _("two-factor log-in for staff"),
        default=False,
        help_text=_(
            "Coordinators, professionals and administrators confirm every log-in with a code "
            "from an authenticator app. Always on in production."
        ),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["probation", "partner"]), name="organisation_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    PROFESSIONAL = "professional", _("Professional")
    VOLUNTEER = "volunteer", _("Volunteer")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = frozenset({Role.COORDINATOR, Role.PROFESSIONAL, Role.ADMIN})


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)

    def coordinators_of(self, organisation: Organisation | int) -> models.QuerySet[User]:
        """The organisation's active coordinators, in a stable order: whom the features tell
        when something needs the organisation's attention."""
        organisation_id = organisation if isinstance(organisation, int) else organisation.pk
        return self.filter(
            organisation_id=organisation_id, role=Role.COORDINATOR, is_active=True
        ).order_by("pk")


def _new_session_epoch() -> str:
    return secrets.token_hex(16)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. One organisation, one role; superusers exist only for operations."""

    email = models.EmailField(_("e-mail address"), max_length=254, unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    phone = models.CharField(_("phone number"), max_length=30, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    reminders_opt_out = models.BooleanField(
        _("no reminder e-mails"),
        default=False,
        help_text=_(
            "Reminders and appreciation messages are not e-mailed (they stay visible here). "
            "Signals and safety messages always are."
        ),
    )
    # A professional's team lead: relapse signals left unacknowledged escalate to them.
    team_lead = models.ForeignKey(
        "self",
        verbose_name=_("team lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="team_members",
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("operations staff"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Part of the session hash: changing it ends every session of this user at once.
    session_epoch = models.CharField(max_length=32, default=_new_session_epoch, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
            models.CheckConstraint(
                condition=Q(is_superuser=True) | (Q(organisation__isnull=False) & ~Q(role="")),
                name="user_has_organisation_and_role",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["", *Role.values]), name="user_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def get_session_auth_hash(self) -> str:
        return self._session_hash(secret=None)

    def get_session_auth_fallback_hash(self) -> Any:
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret=fallback_secret)

    def _session_hash(self, *, secret: str | bytes | None) -> str:
        return salted_hmac(
            "reclass_volunteers.User.session",
            f"{self.password}:{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def end_all_sessions(self) -> None:
        self.session_epoch = _new_session_epoch()
        self.save(update_fields=["session_epoch"])

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.COORDINATOR

    @property
    def is_professional(self) -> bool:
        return self.role == Role.PROFESSIONAL

    @property
    def is_volunteer(self) -> bool:
        return self.role == Role.VOLUNTEER

    @property
    def is_org_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES


class Invitation(models.Model):
    """An admin's invitation: a link to set a password, valid for a limited time, usable once.

    Only a hash of the token is stored; the token itself exists in the e-mail alone.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    full_name = models.CharField(_("full name"), max_length=200)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invitations_sent"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="invitation",
        help_text="The account, created inactive with the invitation and activated on acceptance.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="invitation_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class AuditEvent(models.Model):
    """Append-only access log (NEN 7513). The database refuses UPDATE and DELETE of its rows."""

    class Result(models.TextChoices):
        SUCCESS = "success", _("success")
        FAILURE = "failure", _("failure")
        DENIED = "denied", _("denied")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on behalf of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The name typed at a failed log-in; kept so repeated guesses are visible. Never a password.
    attempted_username = models.CharField(max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=100)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    remote_addr = models.GenericIPAddressField(_("address"), null=True, blank=True)
    path = models.CharField(_("path"), max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.result}"


class NotificationQuerySet(models.QuerySet["Notification"]):
    def due_for_email(self) -> NotificationQuerySet:
        now = timezone.now()
        stale_claim = now - settings.OUTBOX_CLAIM_TIMEOUT
        return self.filter(
            Q(email_status=Notification.EmailStatus.PENDING, next_attempt_at__lte=now)
            | Q(email_status=Notification.EmailStatus.SENDING, claimed_at__lt=stale_claim)
        )


class Notification(models.Model):
    """The message outbox: one row per thing a user is told, in-app and by e-mail.

    The unique key (kind, recipient, subject, occasion) makes asking twice a no-op, so a sweep or
    a retried request never tells anyone the same thing twice. The recipient is a user or, for
    people without an account, an e-mail address; recipient_key holds whichever it is.
    """

    class EmailStatus(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENDING = "sending", _("being sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        NONE = "none", _("no e-mail")

    kind = models.CharField(_("kind"), max_length=60)
    # A user (in-app and e-mail), or only an e-mail address for people without an account,
    # such as someone who just applied as a volunteer.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
    )
    email = models.EmailField(_("e-mail address"), blank=True)
    # Whichever the recipient is, derived by the database so it can never drift.
    recipient_key = models.GeneratedField(
        expression=Case(
            When(
                recipient__isnull=False,
                then=Concat(
                    Value("user:"),
                    Cast("recipient_id", models.CharField()),
                    output_field=models.CharField(),
                ),
            ),
            default=Concat(Value("email:"), Lower("email"), output_field=models.CharField()),
            output_field=models.CharField(),
        ),
        output_field=models.CharField(max_length=300),
        db_persist=True,
    )
    subject_type = models.CharField(max_length=100, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    occasion = models.CharField(max_length=100, blank=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    show_in_app = models.BooleanField(default=True)
    # A reminder or appreciation (notify(reminder=True)): its e-mail may wait for the end of the
    # quiet hours and follows the recipient's opt-out; signals and alerts never are.
    is_reminder = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    email_status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "recipient_key", "subject_type", "subject_id", "occasion"],
                name="notification_unique_key",
            ),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | ~Q(email=""),
                name="notification_has_recipient_or_email",
            ),
            models.CheckConstraint(
                condition=Q(email_status__in=["pending", "sending", "sent", "failed", "none"]),
                name="notification_email_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(email_status="sent") | Q(sent_at__isnull=False),
                name="notification_sent_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["email_status", "next_attempt_at"],
                name="notification_outbox_idx",
                condition=Q(email_status__in=["pending", "sending"]),
            ),
            models.Index(fields=["recipient", "read_at"], name="notification_inbox_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


def default_wellbeing_risk_flags() -> list[str]:
    return ["sex_offence"]


class ReminderPolicy(models.Model):
    """Per organisation: when reminders go out (issue 6). Each lead time is in days before the
    moment, each interval in days or weeks; messages due in the quiet hours wait for morning."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="reminder_policy"
    )
    session_first_days = models.PositiveSmallIntegerField(
        _("session reminder: first, days before"), default=7
    )
    session_second_days = models.PositiveSmallIntegerField(
        _("session reminder: second, days before"), default=1
    )
    expiry_first_days = models.PositiveSmallIntegerField(
        _("expiry warning: first, days before"), default=60
    )
    expiry_second_days = models.PositiveSmallIntegerField(
        _("expiry warning: second, days before"), default=14
    )
    contact_nudge_volunteer_days = models.PositiveSmallIntegerField(
        _("no contact reported: nudge the volunteer after (days)"), default=21
    )
    contact_nudge_professional_days = models.PositiveSmallIntegerField(
        _("no contact reported: tell the professional after (days)"), default=42
    )
    wellbeing_interval_weeks = models.PositiveSmallIntegerField(
        _("well-being check-in every (weeks)"), default=6
    )
    # Check-ins go to volunteers with a running match whose client carries one of these risk
    # factors (values of clients.models.RiskFlag; the stigma weighs on the volunteer too).
    wellbeing_risk_flags = models.JSONField(
        _("well-being check-ins for volunteers of clients with"),
        default=default_wellbeing_risk_flags,
        blank=True,
    )
    attention_lead_days = models.PositiveSmallIntegerField(
        _("personal attention: show moments this many days ahead"), default=7
    )
    quiet_from = models.TimeField(_("no e-mail from"), default=time(21, 0))
    quiet_until = models.TimeField(_("no e-mail until"), default=time(7, 0))

    class Meta:
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(session_first_days__gte=1)
                & Q(session_first_days__lte=365)
                & Q(session_second_days__gte=1)
                & Q(session_second_days__lte=365)
                & Q(expiry_first_days__gte=1)
                & Q(expiry_first_days__lte=365)
                & Q(expiry_second_days__gte=1)
                & Q(expiry_second_days__lte=365)
                & Q(contact_nudge_volunteer_days__gte=1)
                & Q(contact_nudge_volunteer_days__lte=365)
                & Q(contact_nudge_professional_days__gte=1)
                & Q(contact_nudge_professional_days__lte=365)
                & Q(wellbeing_interval_weeks__gte=1)
                & Q(wellbeing_interval_weeks__lte=52)
                & Q(attention_lead_days__gte=1)
                & Q(attention_lead_days__lte=365),
                name="reminder_policy_ranges",
            ),
            models.CheckConstraint(
                condition=~Q(quiet_from=F("quiet_until")), name="reminder_policy_quiet_not_all_day"
            ),
        ]

    def __str__(self) -> str:
        return str(self.organisation)

    @classmethod
    def for_organisation(cls, organisation: Organisation) -> ReminderPolicy:
        """The saved policy, or the defaults (unsaved: reading never writes).

        Read through the organisation's one-to-one accessor, which keeps the answer (also
        "none saved") on that Organisation object: a sweep sending a thousand reminders for
        one organisation asks the database once, not once per message."""
        try:
            return organisation.reminder_policy
        except cls.DoesNotExist:
            return cls(organisation=organisation)


class SweepRun(models.Model):
    """One run of one periodic sweep: for the operations page and to prove a rerun sent
    nothing. `sent` counts new messages; `skipped` those whose key was already used."""

    name = models.CharField(max_length=60, db_index=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    sent = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    # {"<organisation id>": {"sent": n, "skipped": m}}: what the run did for each organisation.
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("sweep run")
        verbose_name_plural = _("sweep runs")

    def __str__(self) -> str:
        return f"{self.name} {self.started_at:%Y-%m-%d %H:%M}"


from reclass_volunteers.models_calendar import CalendarToken  # noqa: E402, F401
