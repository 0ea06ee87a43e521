"""Two-factor log-in (TOTP) for staff: enforcement, setting up an app, verifying, resetting."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from reclass_volunteers.models import AuditEvent
from tests.conftest import World, client_for


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _confirmed_device(user: Any) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="app", confirmed=True)


@pytest.fixture
def required(world: World) -> World:
    world.org_a.require_two_factor = True
    world.org_a.save()
    return world


@pytest.mark.parametrize("role", ["coordinator", "professional", "admin"])
def test_staff_without_an_app_are_sent_to_set_one_up(required: World, role: str) -> None:
    response = client_for(required.user(role)).get(reverse("clients:client_list") + "?q=x")
    assert response.status_code == 302
    assert response["Location"] == (reverse("two_factor_setup") + "?next=%2Fclienten%2F%3Fq%3Dx")


def test_volunteers_and_organisations_without_the_setting_are_not_asked(
    required: World,
) -> None:
    assert client_for(required.volunteer_user).get("/").status_code == 200
    assert client_for(required.outsider).get("/").status_code == 200  # organisation B: off


def test_the_installation_setting_requires_it_for_every_organisation(
    world: World, settings: Any
) -> None:
    settings.TWO_FACTOR_REQUIRED = True
    response = client_for(world.outsider).get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_setup"))


def test_public_pages_and_log_out_stay_reachable_before_verification(required: World) -> None:
    http = client_for(required.coordinator)
    assert http.get(reverse("security_txt")).status_code == 200
    assert http.get(reverse("health")).status_code == 200
    assert http.post(reverse("logout")).status_code == 302
    assert http.get("/").status_code == 302  # logged out now: to the log-in page
    assert http.get("/")["Location"].startswith(reverse("login"))


def test_setting_up_an_app_with_a_wrong_code_changes_nothing(required: World) -> None:
    http = client_for(required.coordinator)
    page = http.get(reverse("two_factor_setup"))
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in page.content.decode()
    device = TOTPDevice.objects.get(user=required.coordinator)
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"

    response = http.post(reverse("two_factor_setup"), {"token": wrong, "next": "/"})

    assert response.status_code == 200
    assert "Deze code klopt niet" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert http.get("/").status_code == 302
    assert AuditEvent.objects.filter(
        action="auth.two_factor_setup", result="failure", actor=required.coordinator
    ).exists()


def test_letters_are_refused_with_a_clear_message(required: World) -> None:
    http = client_for(required.coordinator)
    http.get(reverse("two_factor_setup"))
    response = http.post(reverse("two_factor_setup"), {"token": "abcdef"})
    assert response.status_code == 200
    assert "Vul de 6 cijfers uit je app in." in response.content.decode()


def test_setting_up_an_app_verifies_the_session_and_keeps_the_key_across_reloads(
    required: World,
) -> None:
    http = client_for(required.coordinator)
    first = http.get(reverse("two_factor_setup")).context["secret"]
    assert http.get(reverse("two_factor_setup")).context["secret"] == first
    device = TOTPDevice.objects.get(user=required.coordinator)

    response = http.post(
        reverse("two_factor_setup"), {"token": _code(device), "next": "/clienten/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/clienten/"
    device.refresh_from_db()
    assert device.confirmed
    assert http.get("/").status_code == 200
    assert AuditEvent.objects.filter(
        action="auth.two_factor_setup", result="success", actor=required.coordinator
    ).exists()


def test_a_new_session_asks_for_a_code_and_refuses_a_wrong_one(required: World) -> None:
    device = _confirmed_device(required.professional)
    http = client_for(required.professional)
    assert http.get("/")["Location"].startswith(reverse("two_factor_verify"))
    # With an app linked, the set-up page cannot be used to replace it unverified.
    assert http.get(reverse("two_factor_setup"))["Location"].startswith(
        reverse("two_factor_verify")
    )

    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"
    refused = http.post(reverse("two_factor_verify"), {"token": wrong})
    assert refused.status_code == 200
    assert http.get("/").status_code == 302

    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=60)):
        # django-otp slows down guessing: after a failure the next try must wait a moment.
        accepted = http.post(
            reverse("two_factor_verify"), {"token": _code(device), "next": "https://evil.example/"}
        )
        assert accepted.status_code == 302
        assert accepted["Location"] == reverse("home")  # never off-site
        assert http.get("/").status_code == 200
    assert list(
        AuditEvent.objects.filter(action="auth.two_factor", actor=required.professional)
        .order_by("id")
        .values_list("result", flat=True)
    ) == ["failure", "success"]


def test_repeated_wrong_codes_are_throttled(required: World) -> None:
    device = _confirmed_device(required.professional)
    http = client_for(required.professional)
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"
    http.post(reverse("two_factor_verify"), {"token": wrong})
    # Straight after a failure even the right code is refused, with its own message.
    response = http.post(reverse("two_factor_verify"), {"token": _code(device)})
    assert response.status_code == 200
    assert "Te veel verkeerde codes" in response.content.decode()
    assert http.get("/").status_code == 302


def test_an_admin_resets_a_lost_app_and_ends_that_users_sessions(required: World) -> None:
    _confirmed_device(required.coordinator)
    admin = client_for(required.admin)
    with time_machine.travel(timezone.now()):
        device = _confirmed_device(required.admin)
        admin.post(reverse("two_factor_verify"), {"token": _code(device)})
    victim_session = client_for(required.coordinator)

    response = admin.post(reverse("user_two_factor_reset", args=[required.coordinator.pk]))

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=required.coordinator).exists()
    assert victim_session.get("/")["Location"].startswith(reverse("login"))
    assert AuditEvent.objects.filter(
        action="user.two_factor_reset", object_id=str(required.coordinator.pk)
    ).exists()


def test_the_admin_turns_the_organisation_setting_on(world: World) -> None:
    http = client_for(world.admin)
    response = http.post(reverse("organisation_settings"), {"require_two_factor": "on"})
    assert response.status_code == 302
    world.org_a.refresh_from_db()
    assert world.org_a.require_two_factor
    assert AuditEvent.objects.filter(action="organisation.settings").exists()
    # The setting applies at once, to the admin too.
    assert http.get("/")["Location"].startswith(reverse("two_factor_setup"))


def test_posting_extra_fields_to_the_organisation_settings_changes_nothing_else(
    world: World,
) -> None:
    client_for(world.admin).post(
        reverse("organisation_settings"),
        {"name": "Hacked", "kind": "partner", "require_two_factor": ""},
    )
    world.org_a.refresh_from_db()
    assert world.org_a.name == "Reclassering A"
    assert world.org_a.kind == "probation"
