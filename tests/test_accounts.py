"""Accounts through the views: invitations end to end, (de)activation, log-in and password reset."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.messages import constants as message_levels
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from reclass_volunteers import services
from reclass_volunteers.models import Invitation, Notification, Role, User
from tests.conftest import World, client_for
from tests.factories import PASSWORD, UserFactory

NEW_PASSWORD = "lange-zomeravond-bij-de-ijssel-7"
LINK = re.compile(r"http://testserver(/uitnodiging/[^/\s]+/)")


def _without_csrf(content: bytes) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+', "", content.decode())


def _messages(response: Any) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in response.context["messages"]]


@pytest.fixture
def invite(world: World, django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """POST the invitation form as the admin, run the on-commit e-mail, return the response."""

    def post(**data: str) -> Any:
        form = {"full_name": "Nina Nieuw", "email": "nina@example.org", "role": Role.VOLUNTEER}
        form.update(data)
        with django_capture_on_commit_callbacks(execute=True):
            return client_for(world.admin).post(reverse("user_invite"), form)

    return post


@pytest.fixture
def invitation_link(invite: Callable[..., Any]) -> str:
    response = invite()
    assert response.status_code == 302
    match = LINK.search(mail.outbox[-1].body)
    assert match is not None, mail.outbox[-1].body
    return match.group(1)


def _invitee() -> User:
    return User.objects.get(email="nina@example.org")


def _assert_untouched(invitee: User) -> None:
    invitee.refresh_from_db()
    assert not invitee.is_active
    assert not invitee.has_usable_password()
    invitation = Invitation.objects.get(user=invitee)
    assert invitation.accepted_at is None


# --- Invitation -----------------------------------------------------------------------------


def test_admin_invites_a_user(world: World, invite: Callable[..., Any]) -> None:
    response = invite(email="Nina@Example.org")

    assert response.status_code == 302
    assert response.url == reverse("user_list")
    invitee = User.objects.get(email="nina@example.org")
    assert not invitee.is_active
    assert not invitee.has_usable_password()
    assert invitee.organisation == world.org_a
    assert invitee.role == Role.VOLUNTEER
    assert invitee.full_name == "Nina Nieuw"

    invitation = Invitation.objects.get(user=invitee)
    assert invitation.organisation == world.org_a
    assert invitation.invited_by == world.admin
    assert invitation.accepted_at is None and invitation.revoked_at is None
    assert invitation.expires_at == invitation.created_at + settings.INVITATION_VALID_FOR

    notification = Notification.objects.get(recipient=invitee)
    assert notification.kind == "account.invitation"
    assert notification.show_in_app is False
    assert notification.email_status == Notification.EmailStatus.SENT

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nina@example.org"]
    link = LINK.search(message.body)
    assert link is not None
    # Only a hash of the token is stored; the e-mail alone carries the token.
    token = link.group(1).split("/")[2]
    assert token not in invitation.token_hash
    assert services.invitation_for_token(token) == invitation


def test_invitation_link_shows_the_set_password_form(world: World, invitation_link: str) -> None:
    response = HttpClient().get(invitation_link)

    assert response.status_code == 200
    assert response.templates[0].name == "registration/invitation_accept.html"
    assert set(response.context["form"].fields) == {"password1", "password2"}
    assert "Nina Nieuw" in response.content.decode()
    _assert_untouched(_invitee())


def test_too_short_password_is_refused(world: World, invitation_link: str) -> None:
    response = HttpClient().post(invitation_link, {"password1": "kort", "password2": "kort"})

    assert response.status_code == 200
    form = response.context["form"]
    assert [e.code for e in form.errors.as_data()["password1"]] == ["password_too_short"]
    assert form.errors["password1"][0] in response.content.decode()
    assert SESSION_KEY not in response.client.session
    _assert_untouched(_invitee())


def test_too_short_password_message_is_dutch(world: World, invitation_link: str) -> None:
    """Django 5.2 reworded this msgid ("at least %d characters") and its own nl catalogue lacks
    the new one; forms.MinimumLengthValidator keeps the translated wording."""
    response = HttpClient().post(invitation_link, {"password1": "kort", "password2": "kort"})
    message = response.context["form"].errors["password1"][0]
    assert message.startswith("Dit wachtwoord is te kort.")
    assert "12" in message
    assert message in response.content.decode()


def test_common_password_is_refused_in_dutch(world: World, invitation_link: str) -> None:
    response = HttpClient().post(
        invitation_link, {"password1": "password1234", "password2": "password1234"}
    )

    assert response.status_code == 200
    assert "Dit wachtwoord is te algemeen." in response.context["form"].errors["password1"]
    _assert_untouched(_invitee())


def test_mismatched_passwords_are_refused(world: World, invitation_link: str) -> None:
    response = HttpClient().post(
        invitation_link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"}
    )

    assert response.status_code == 200
    form = response.context["form"]
    # Our nl catalogue ("The two passwords do not match.").
    assert form.errors["password2"] == ["De twee wachtwoorden zijn niet hetzelfde."]
    assert "password1" not in form.errors
    assert SESSION_KEY not in response.client.session
    _assert_untouched(_invitee())


def test_good_password_activates_logs_in_and_the_link_then_stops_working(
    world: World, invitation_link: str
) -> None:
    http = HttpClient()
    response = http.post(invitation_link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("home")
    invitee = _invitee()
    assert invitee.is_active
    assert invitee.check_password(NEW_PASSWORD)
    assert http.session[SESSION_KEY] == str(invitee.pk)
    invitation = Invitation.objects.get(user=invitee)
    assert invitation.accepted_at is not None
    assert http.get(reverse("home")).status_code == 200

    # The link works once: a second visit, or a second password, changes nothing.
    other = HttpClient()
    response = other.get(invitation_link)
    assert response.status_code == 410
    assert "registration/invitation_invalid.html" in [t.name for t in response.templates]
    response = other.post(invitation_link, {"password1": "x" * 20, "password2": "x" * 20})
    assert response.status_code == 410
    assert SESSION_KEY not in other.session
    invitee.refresh_from_db()
    assert invitee.check_password(NEW_PASSWORD)
    accepted_at = invitation.accepted_at
    invitation.refresh_from_db()
    assert invitation.accepted_at == accepted_at


def test_expired_link_no_longer_works(world: World, invitation_link: str) -> None:
    later = timezone.now() + settings.INVITATION_VALID_FOR + timedelta(minutes=1)
    with time_machine.travel(later):
        http = HttpClient()
        assert http.get(invitation_link).status_code == 410
        response = http.post(
            invitation_link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )
        assert response.status_code == 410
        assert "registration/invitation_invalid.html" in [t.name for t in response.templates]
        assert SESSION_KEY not in http.session
    _assert_untouched(_invitee())


def test_link_still_works_just_before_it_expires(world: World, invitation_link: str) -> None:
    almost = timezone.now() + settings.INVITATION_VALID_FOR - timedelta(minutes=1)
    with time_machine.travel(almost):
        response = HttpClient().post(
            invitation_link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )
    assert response.status_code == 302
    assert _invitee().is_active


def test_unknown_token_is_404_with_the_same_page(world: World) -> None:
    url = reverse("invitation_accept", kwargs={"token": "not-a-real-token"})
    response = HttpClient().post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 404
    assert "registration/invitation_invalid.html" in [t.name for t in response.templates]
    assert HttpClient().get(url).status_code == 404


def test_revoked_invitation_no_longer_works(world: World, invitation_link: str) -> None:
    invitation = Invitation.objects.get(user=_invitee())
    response = client_for(world.admin).post(reverse("invitation_revoke", args=[invitation.pk]))
    assert response.status_code == 302
    assert response.url == reverse("user_list")
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None

    http = HttpClient()
    assert http.get(invitation_link).status_code == 410
    response = http.post(invitation_link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 410
    assert "registration/invitation_invalid.html" in [t.name for t in response.templates]
    _assert_untouched(_invitee())


def test_inviting_an_existing_email_is_refused_and_creates_nothing(
    world: World, invite: Callable[..., Any]
) -> None:
    users, invitations, notifications = (
        User.objects.count(),
        Invitation.objects.count(),
        Notification.objects.count(),
    )
    # Case does not make it a different address.
    response = invite(email=world.coordinator.email.upper())

    assert response.status_code == 200
    assert "reclass_volunteers/user_invite.html" in [t.name for t in response.templates]
    form = response.context["form"]
    assert list(form.errors) == ["email"]
    # Our nl catalogue ("There is already an account with this e-mail address.").
    assert form.errors["email"] == ["Er bestaat al een account met dit e-mailadres."]
    assert "Er bestaat al een account met dit e-mailadres." in response.content.decode()
    assert User.objects.count() == users
    assert Invitation.objects.count() == invitations
    assert Notification.objects.count() == notifications
    assert mail.outbox == []


def test_invalid_invitation_form_shows_django_dutch_errors(
    world: World, invite: Callable[..., Any]
) -> None:
    response = invite(email="geen-adres", full_name="")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["email"] == ["Voer een geldig e-mailadres in."]
    assert form.errors["full_name"] == ["Dit veld is verplicht."]
    assert not User.objects.filter(email="geen-adres").exists()
    assert mail.outbox == []


@pytest.mark.parametrize("ended_by", ["revoked", "expired"])
def test_a_withdrawn_or_expired_invitation_can_be_sent_again(
    world: World, invite: Callable[..., Any], invitation_link: str, ended_by: str
) -> None:
    invitee = _invitee()
    old = Invitation.objects.get(user=invitee)
    when = timezone.now()
    if ended_by == "revoked":
        client_for(world.admin).post(reverse("invitation_revoke", args=[old.pk]))
    else:
        when += settings.INVITATION_VALID_FOR + timedelta(minutes=1)
    mail.outbox.clear()

    with time_machine.travel(when):
        response = invite(role=Role.PROFESSIONAL, full_name="Nina de Nieuwe")
        assert response.status_code == 302
        assert response.url == reverse("user_list")
        # The same account, invited afresh: one open invitation, a new link.
        assert User.objects.filter(email="nina@example.org").count() == 1
        new = Invitation.objects.get(user=invitee)
        assert new.pk != old.pk
        assert new.is_open
        invitee.refresh_from_db()
        assert invitee.role == Role.PROFESSIONAL
        assert invitee.full_name == "Nina de Nieuwe"
        assert not invitee.is_active
        assert len(mail.outbox) == 1
        link = LINK.search(mail.outbox[0].body)
        assert link is not None
        assert link.group(1) != invitation_link

        http = HttpClient()
        assert http.get(invitation_link).status_code in (404, 410)
        response = http.post(link.group(1), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
        assert response.status_code == 302
    invitee.refresh_from_db()
    assert invitee.is_active
    assert invitee.check_password(NEW_PASSWORD)


def test_an_open_invitation_is_not_sent_twice(
    world: World, invite: Callable[..., Any], invitation_link: str
) -> None:
    mail.outbox.clear()
    response = invite()
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["email"]
    assert Invitation.objects.count() == 1
    assert mail.outbox == []
    # The first link still works.
    response = HttpClient().post(
        invitation_link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302


def test_another_organisations_expired_invitee_cannot_be_taken_over(
    world: World, invitation_link: str
) -> None:
    admin_b = UserFactory(organisation=world.org_b, role=Role.ADMIN)
    later = timezone.now() + settings.INVITATION_VALID_FOR + timedelta(minutes=1)
    with time_machine.travel(later), pytest.raises(ValidationError):
        services.invitation_create(
            by=admin_b,
            email="nina@example.org",
            full_name="Nina",
            role=Role.ADMIN,
            base_url="http://testserver/",
        )
    invitee = _invitee()
    assert invitee.organisation == world.org_a
    assert invitee.role == Role.VOLUNTEER
    assert Invitation.objects.get().user == invitee


@pytest.mark.parametrize("role", ["coordinator", "professional", "volunteer", "outsider"])
def test_only_an_admin_can_create_an_invitation(world: World, role: str) -> None:
    with pytest.raises(ValidationError):
        services.invitation_create(
            by=world.user(role),
            email="nina@example.org",
            full_name="Nina Nieuw",
            role=Role.VOLUNTEER,
            base_url="http://testserver/",
        )
    assert not User.objects.filter(email="nina@example.org").exists()
    assert not Invitation.objects.exists()
    assert not Notification.objects.filter(kind="account.invitation").exists()


def test_invitation_with_an_invalid_role_is_refused(world: World) -> None:
    with pytest.raises(ValidationError):
        services.invitation_create(
            by=world.admin,
            email="nina@example.org",
            full_name="Nina Nieuw",
            role="superhero",
            base_url="http://testserver/",
        )
    assert not User.objects.filter(email="nina@example.org").exists()


# --- Deactivation ---------------------------------------------------------------------------


def test_admin_deactivates_and_reactivates_a_user(world: World) -> None:
    target = world.coordinator
    victim_session = client_for(target)
    assert victim_session.get(reverse("home")).status_code == 200
    admin = client_for(world.admin)
    url = reverse("user_set_active", args=[target.pk])

    response = admin.post(url, {"active": "0"}, follow=True)
    assert response.redirect_chain == [(reverse("user_list"), 302)]
    assert [level for level, _ in _messages(response)] == [message_levels.SUCCESS]
    target.refresh_from_db()
    assert not target.is_active
    # The deactivated user's running session ends on the next request.
    response = victim_session.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    login = HttpClient().post(reverse("login"), {"username": target.email, "password": PASSWORD})
    assert login.status_code == 200
    assert SESSION_KEY not in login.client.session

    response = admin.post(url, {"active": "1"}, follow=True)
    assert response.redirect_chain == [(reverse("user_list"), 302)]
    assert [level for level, _ in _messages(response)] == [message_levels.SUCCESS]
    target.refresh_from_db()
    assert target.is_active
    login = HttpClient().post(reverse("login"), {"username": target.email, "password": PASSWORD})
    assert login.status_code == 302
    assert login.client.session[SESSION_KEY] == str(target.pk)


def test_admin_cannot_deactivate_themselves(world: World) -> None:
    response = client_for(world.admin).post(
        reverse("user_set_active", args=[world.admin.pk]), {"active": "0"}, follow=True
    )

    assert response.redirect_chain == [(reverse("user_list"), 302)]
    assert response.status_code == 200
    # Our nl catalogue ("You cannot deactivate your own account.").
    assert _messages(response) == [
        (message_levels.ERROR, "Je kunt je eigen account niet deactiveren.")
    ]
    world.admin.refresh_from_db()
    assert world.admin.is_active


def test_an_invited_account_is_not_activated_without_its_invitation(world: World) -> None:
    invitee = UserFactory(
        organisation=world.org_a, role=Role.VOLUNTEER, is_active=False, password=None
    )
    invitee.set_unusable_password()
    invitee.save()

    response = client_for(world.admin).post(
        reverse("user_set_active", args=[invitee.pk]), {"active": "1"}, follow=True
    )

    assert response.redirect_chain == [(reverse("user_list"), 302)]
    assert [level for level, _ in _messages(response)] == [message_levels.ERROR]
    invitee.refresh_from_db()
    assert not invitee.is_active


def test_admin_cannot_deactivate_a_user_of_another_organisation(world: World) -> None:
    response = client_for(world.admin).post(
        reverse("user_set_active", args=[world.outsider.pk]), {"active": "0"}
    )
    assert response.status_code == 404
    world.outsider.refresh_from_db()
    assert world.outsider.is_active


# --- Log-in ---------------------------------------------------------------------------------


def _login_error(email: str, password: str) -> tuple[Any, list[str]]:
    response = HttpClient().post(reverse("login"), {"username": email, "password": password})
    return response, list(response.context["form"].non_field_errors())


def test_login_page_is_dutch(db: Any) -> None:
    response = HttpClient().get(reverse("login"))
    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="nl">' in content
    # Django's catalogue: the password label of the authentication form.
    assert "Wachtwoord" in content
    # Our catalogue: English source "Log in".
    assert "Inloggen" in content


def test_wrong_password_message_is_the_same_whether_or_not_the_account_exists(
    world: World,
) -> None:
    existing, existing_errors = _login_error(world.coordinator.email, "wrong-password-123")
    unknown, unknown_errors = _login_error("nobody@example.org", "wrong-password-123")

    assert existing.status_code == unknown.status_code == 200
    assert existing_errors == unknown_errors
    # Our nl catalogue ("This combination of e-mail address and password is not correct...").
    assert len(existing_errors) == 1
    assert existing_errors[0].startswith(
        "Deze combinatie van e-mailadres en wachtwoord klopt niet."
    )
    assert SESSION_KEY not in existing.client.session
    assert SESSION_KEY not in unknown.client.session

    # An inactive account says nothing different either.
    User.objects.filter(pk=world.professional.pk).update(is_active=False)
    _, inactive_errors = _login_error(world.professional.email, PASSWORD)
    assert inactive_errors == existing_errors


def test_login_with_the_right_password(world: World) -> None:
    http = HttpClient()
    response = http.post(
        reverse("login"), {"username": world.coordinator.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert http.session[SESSION_KEY] == str(world.coordinator.pk)


# --- Password reset -------------------------------------------------------------------------


def test_password_reset_sends_a_link_to_an_existing_account(world: World) -> None:
    http = HttpClient()
    response = http.post(reverse("password_reset"), {"email": world.coordinator.email})

    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world.coordinator.email]
    link = re.search(r"http://testserver(/wachtwoord/herstellen/[^/\s]+/[^/\s]+/)", message.body)
    assert link is not None, message.body

    # The link leads to a form that sets the new password.
    response = http.get(link.group(1), follow=True)
    assert response.status_code == 200
    assert response.context["validlink"] is True
    response = http.post(
        response.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response.url == reverse("password_reset_complete")
    world.coordinator.refresh_from_db()
    assert world.coordinator.check_password(NEW_PASSWORD)


def test_password_reset_for_an_unknown_address_sends_nothing_but_looks_the_same(
    world: World,
) -> None:
    known = HttpClient().post(
        reverse("password_reset"), {"email": world.coordinator.email}, follow=True
    )
    mail.outbox.clear()
    unknown = HttpClient().post(
        reverse("password_reset"), {"email": "nobody@example.org"}, follow=True
    )

    assert mail.outbox == []
    assert unknown.redirect_chain == known.redirect_chain == [(reverse("password_reset_done"), 302)]
    assert unknown.status_code == known.status_code == 200
    assert _without_csrf(unknown.content) == _without_csrf(known.content)
