"""The organisation's volunteer policy page: who may edit it, what it refuses, the audit."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from reclass_volunteers.models import AuditEvent
from tests.conftest import World, client_for
from tests.volunteers.factories_application import VolunteerPolicyFactory
from volunteers.models import VolunteerPolicy

URL = "/vrijwilligers/beleid/"

VALID = {
    "minimum_age": "21",
    "certificate_max_age_months": "3",
    "certificate_renew_years": "2",
    "retention_months_after_farewell": "12",
    "privacy_statement_version": "2026-3",
    "applications_open": "",  # unticked: closed
}


def as_dict(policy: VolunteerPolicy) -> dict[str, Any]:
    return {name: getattr(policy, name) for name in VALID}


def test_the_route_is_where_the_brief_says() -> None:
    assert reverse("volunteers:policy_edit") == URL


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_coordinators_and_admins_see_the_policy_and_the_public_link(
    world: World, role: str
) -> None:
    VolunteerPolicyFactory(organisation=world.org_a, minimum_age=19)

    response = client_for(world.user(role)).get(URL)

    assert response.status_code == 200
    assert response.context["form"].initial["minimum_age"] == 19
    link = "http://testserver" + reverse(
        "volunteers:apply", kwargs={"organisation_id": world.org_a.pk}
    )
    assert response.context["apply_url"] == link
    assert f'value="{link}"' in response.content.decode()


def test_an_organisation_without_a_policy_sees_the_defaults_and_nothing_is_written(
    world: World,
) -> None:
    response = client_for(world.coordinator).get(URL)

    assert response.status_code == 200
    assert response.context["form"].initial["minimum_age"] == 18
    assert not VolunteerPolicy.objects.filter(organisation=world.org_a).exists()


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_saving_changes_the_policy_and_is_audited(world: World, role: str) -> None:
    user = world.user(role)

    response = client_for(user).post(URL, VALID)

    assert response.status_code == 302
    assert response["Location"] == URL
    policy = VolunteerPolicy.objects.get(organisation=world.org_a)
    assert as_dict(policy) == {
        "minimum_age": 21,
        "certificate_max_age_months": 3,
        "certificate_renew_years": 2,
        "retention_months_after_farewell": 12,
        "privacy_statement_version": "2026-3",
        "applications_open": False,
    }
    event = AuditEvent.objects.get(action="volunteer_policy.update")
    assert event.actor == user
    assert event.organisation == world.org_a
    assert event.object_id == str(policy.pk)


def test_saving_without_changes_writes_no_audit_row(world: World) -> None:
    policy = VolunteerPolicyFactory(organisation=world.org_a)
    unchanged = {k: str(v) for k, v in as_dict(policy).items()}
    unchanged["applications_open"] = "on"

    response = client_for(world.coordinator).post(URL, unchanged)

    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="volunteer_policy.update").exists()


BAD = [
    ("minimum_age", "10", "16"),
    ("minimum_age", "15", "16"),
    ("minimum_age", "100", "99"),
    ("minimum_age", "-1", "16"),
    ("minimum_age", "achttien", None),
    ("certificate_max_age_months", "0", "1"),
    ("certificate_max_age_months", "61", "60"),
    ("certificate_renew_years", "0", "1"),
    ("certificate_renew_years", "11", "10"),
    ("retention_months_after_farewell", "0", "1"),
    ("retention_months_after_farewell", "121", "120"),
    ("retention_months_after_farewell", "", None),
    ("privacy_statement_version", "", None),
    ("privacy_statement_version", "versie 1!", None),
    ("privacy_statement_version", "x" * 21, None),
]


@pytest.mark.parametrize(("field", "value", "limit"), BAD)
def test_bad_values_are_refused_next_to_the_field_and_nothing_changes(
    world: World, field: str, value: str, limit: str | None
) -> None:
    policy = VolunteerPolicyFactory(organisation=world.org_a)
    before = as_dict(policy)

    response = client_for(world.coordinator).post(URL, {**VALID, field: value})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    if limit is not None:
        assert limit in errors[field][0]
    html = response.content.decode()
    assert f'id="id_{field}"' in html and "is-invalid" in html
    policy.refresh_from_db()
    assert as_dict(policy) == before
    assert not AuditEvent.objects.filter(action="volunteer_policy.update").exists()


def test_the_number_inputs_carry_the_limits(world: World) -> None:
    form = client_for(world.coordinator).get(URL).context["form"]

    assert form.fields["minimum_age"].widget.attrs["min"] == 16
    assert form.fields["minimum_age"].widget.attrs["max"] == 99
    assert form.fields["certificate_max_age_months"].widget.attrs["min"] == 1


@pytest.mark.parametrize("role", ["professional", "volunteer"])
def test_other_roles_may_not_change_the_policy(world: World, role: str) -> None:
    policy = VolunteerPolicyFactory(organisation=world.org_a)
    before = as_dict(policy)

    response = client_for(world.user(role)).post(URL, VALID)

    assert response.status_code == 403
    policy.refresh_from_db()
    assert as_dict(policy) == before


def test_anonymous_visitors_are_sent_to_log_in(world: World) -> None:
    response = HttpClient().post(URL, VALID)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not VolunteerPolicy.objects.exists()


def test_each_organisation_edits_only_its_own_policy(world: World) -> None:
    own = VolunteerPolicyFactory(organisation=world.org_a)
    before = as_dict(own)

    response = client_for(world.outsider).post(
        URL, {**VALID, "organisation": str(world.org_a.pk), "organisation_id": world.org_a.pk}
    )

    assert response.status_code == 302
    own.refresh_from_db()
    assert as_dict(own) == before
    assert VolunteerPolicy.objects.get(organisation=world.org_b).minimum_age == 21


def test_closing_applications_closes_the_public_form(world: World) -> None:
    client_for(world.coordinator).post(URL, VALID)

    response = HttpClient().get(
        reverse("volunteers:apply", kwargs={"organisation_id": world.org_a.pk})
    )

    assert response.templates[0].name == "volunteers/apply_closed.html"
