"""The reminder settings page (issue 6): coordinators and admins set when reminders go out;
every setting that makes no sense is refused with a clear message, and nothing is saved."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reclass_volunteers.models import AuditEvent, ReminderPolicy
from reclass_volunteers.services_reminders import reminder_policy_update
from tests.conftest import World, client_for

VALID: dict[str, Any] = {
    "session_first_days": "10",
    "session_second_days": "2",
    "expiry_first_days": "90",
    "expiry_second_days": "30",
    "contact_nudge_volunteer_days": "14",
    "contact_nudge_professional_days": "28",
    "wellbeing_interval_weeks": "8",
    "wellbeing_risk_flags": ["sex_offence", "violence"],
    "attention_lead_days": "10",
    "quiet_from": "22:00",
    "quiet_until": "08:00",
}


def _post(world: World, **changes: Any) -> Any:
    return client_for(world.coordinator).post(reverse("reminder_policy"), {**VALID, **changes})


def test_page_shows_the_defaults_with_help(world: World) -> None:
    response = client_for(world.coordinator).get(reverse("reminder_policy"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["session_first_days"].value() == 7
    assert form["quiet_from"].value() == time(21, 0)
    assert all(field.help_text for field in form)
    assert not ReminderPolicy.objects.exists()  # reading never writes


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_save_creates_then_updates_the_policy(world: World, role: str) -> None:
    http = client_for(world.user(role))
    response = http.post(reverse("reminder_policy"), VALID)
    assert response.status_code == 302
    assert response["Location"] == reverse("reminder_policy")
    policy = ReminderPolicy.objects.get(organisation=world.org_a)
    assert (policy.session_first_days, policy.session_second_days) == (10, 2)
    assert (policy.quiet_from, policy.quiet_until) == (time(22, 0), time(8, 0))
    assert policy.wellbeing_risk_flags == ["sex_offence", "violence"]
    assert policy.attention_lead_days == 10
    assert AuditEvent.objects.filter(action="reminder_policy.create").count() == 1

    http.post(reverse("reminder_policy"), {**VALID, "wellbeing_interval_weeks": "4"})
    policy.refresh_from_db()
    assert policy.wellbeing_interval_weeks == 4
    assert ReminderPolicy.objects.count() == 1
    assert AuditEvent.objects.filter(action="reminder_policy.update").count() == 1


def test_quiet_hours_may_run_over_midnight_or_within_a_day(world: World) -> None:
    assert _post(world, quiet_from="12:00", quiet_until="13:00").status_code == 302
    assert _post(world, quiet_from="23:00", quiet_until="06:30").status_code == 302


def test_the_second_organisation_is_not_touched(world: World) -> None:
    _post(world)
    assert not ReminderPolicy.objects.filter(organisation=world.org_b).exists()


REFUSALS = [
    ({"session_first_days": "0"}, "session_first_days", "at least 1 day"),
    ({"expiry_second_days": "-3"}, "expiry_second_days", "at least 1 day"),
    ({"contact_nudge_volunteer_days": "0"}, "contact_nudge_volunteer_days", "at least 1 day"),
    ({"wellbeing_interval_weeks": "0"}, "wellbeing_interval_weeks", "at least 1 week"),
    ({"contact_nudge_professional_days": "366"}, "contact_nudge_professional_days", "365 days"),
    ({"expiry_first_days": "400"}, "expiry_first_days", "365 days"),
    ({"wellbeing_interval_weeks": "53"}, "wellbeing_interval_weeks", "52 weeks"),
    ({"quiet_from": "21:00", "quiet_until": "21:00"}, "quiet_until", "whole day"),
    ({"session_second_days": "10"}, "session_second_days", "fewer days than for the first"),
    ({"session_second_days": "12"}, "session_second_days", "fewer days than for the first"),
    ({"expiry_second_days": "90"}, "expiry_second_days", "fewer days than for the first"),
    ({"attention_lead_days": "0"}, "attention_lead_days", "at least 1 day"),
    (
        {"contact_nudge_professional_days": "14"},
        "contact_nudge_professional_days",
        "more days than for the volunteer",
    ),
    ({"wellbeing_risk_flags": "kidnapping"}, "wellbeing_risk_flags", "Select a valid choice"),
]


@pytest.mark.parametrize(("changes", "field", "message"), REFUSALS)
def test_refusals_keep_the_input_and_save_nothing(
    world: World, changes: dict[str, str], field: str, message: str, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "en"
    response = _post(world, **changes)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors, response.context["form"].errors
    # The user's input stays on the form.
    for name, value in changes.items():
        shown = response.context["form"][name].value()
        assert (shown if isinstance(shown, list) else str(shown)) in (value, [value])
    assert not ReminderPolicy.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="reminder_policy").exists()


def test_a_refusal_leaves_a_saved_policy_unchanged(world: World) -> None:
    _post(world)
    _post(world, session_first_days="0", wellbeing_interval_weeks="3")
    policy = ReminderPolicy.objects.get()
    assert (policy.session_first_days, policy.wellbeing_interval_weeks) == (10, 8)


def test_text_instead_of_a_number_is_refused(world: World) -> None:
    response = _post(world, session_first_days="zeven")
    assert response.status_code == 200
    assert "session_first_days" in response.context["form"].errors
    assert not ReminderPolicy.objects.exists()


def test_extra_fields_change_nothing(world: World) -> None:
    _post(world, organisation=str(world.org_b.pk), id="999")
    assert ReminderPolicy.objects.get().organisation == world.org_a


@pytest.mark.parametrize("role", ["professional", "volunteer"])
def test_others_are_refused(world: World, role: str) -> None:
    http = client_for(world.user(role))
    assert http.get(reverse("reminder_policy")).status_code == 403
    assert http.post(reverse("reminder_policy"), VALID).status_code == 403
    assert not ReminderPolicy.objects.exists()


def test_service_refuses_another_organisation_and_other_roles(world: World) -> None:
    with pytest.raises(ValidationError):
        reminder_policy_update(by=world.outsider, organisation=world.org_a, session_first_days=5)
    with pytest.raises(ValidationError):
        reminder_policy_update(by=world.professional, organisation=world.org_a)
    assert not ReminderPolicy.objects.exists()


def test_service_keeps_fields_not_given(world: World) -> None:
    policy = reminder_policy_update(
        by=world.coordinator, organisation=world.org_a, session_first_days=3
    )
    assert (policy.session_first_days, policy.session_second_days) == (3, 1)
    with pytest.raises(ValidationError) as refused:
        reminder_policy_update(by=world.coordinator, organisation=world.org_a, session_first_days=1)
    assert "session_second_days" in refused.value.error_dict


def test_no_risk_factor_means_no_check_ins_and_is_allowed(world: World) -> None:
    data = {k: v for k, v in VALID.items() if k != "wellbeing_risk_flags"}
    response = client_for(world.coordinator).post(reverse("reminder_policy"), data)
    assert response.status_code == 302
    assert ReminderPolicy.objects.get().wellbeing_risk_flags == []


def test_service_refuses_an_unknown_risk_factor(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        reminder_policy_update(
            by=world.coordinator, organisation=world.org_a, wellbeing_risk_flags=["nonsense"]
        )
    assert "wellbeing_risk_flags" in refused.value.error_dict
    assert not ReminderPolicy.objects.exists()


def test_defaults_check_in_on_volunteers_of_sex_offence_clients(world: World) -> None:
    policy = ReminderPolicy.for_organisation(world.org_a)
    assert (policy.wellbeing_risk_flags, policy.attention_lead_days) == (["sex_offence"], 7)
