"""Relapse signal pages through the browser's requests: the volunteer's report (with the acute
advice before sending), their own list and status without the professional's action; the
professional's list (scoped, open first, filters, fixed queries), the signal page (audited,
escalation history) and the acknowledgement; the team-lead form for administrators."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from reclass_volunteers.models import AuditEvent, Notification, Role
from supervision.models import RelapseSignal, Severity
from supervision.services import signals
from tests.conftest import World, client_for
from tests.factories import ClientFactory, VolunteerFactory, match_with
from tests.supervision.factories_signals import signal_for, user_in

REPORT = reverse("supervision:signal_report")
LIST = reverse("supervision:signal_list")
OBSERVATION = "Hij miste twee afspraken en zei dat hij weer blowt."


def _when(delta: timedelta = timedelta(hours=-1)) -> str:
    return timezone.localtime(timezone.now() + delta).strftime("%Y-%m-%dT%H:%M")


def _post(world: World, **overrides: str) -> dict[str, str]:
    data = {
        "match": str(world.match.pk),
        "category": "missed_appointments",
        "severity": "high",
        "observed_at": _when(),
        "observation": OBSERVATION,
        "acute_seen": "False",
    }
    data.update(overrides)
    return data


def _nl(msgid: str) -> str:
    with translation.override("nl"):
        return gettext(msgid)


# --- The volunteer's report ------------------------------------------------------------------


def test_the_report_page_shows_the_client_by_first_name_and_whom_to_call(world: World) -> None:
    world.professional.phone = "06-12345678"
    world.professional.save()
    world.client.staff_note = "MARKER-STAFF-NOTE"
    world.client.risk_flags = ["violence"]
    world.client.save()

    response = client_for(world.volunteer_user).get(REPORT)

    html = response.content.decode()
    assert response.status_code == 200
    assert world.client.first_name in html
    for hidden in (world.client.last_name, world.client.code, "MARKER-STAFF-NOTE"):
        assert hidden not in html
    # The acute advice is in the page (shown by signal-form.js when "acute" is chosen).
    assert 'id="acute-advice"' in html and "data-acute-advice hidden" in html
    assert 'href="tel:06-12345678"' in html
    assert 'href="tel:112"' in html
    assert "js/signal-form.js" in html
    assert "<script>" not in html and " onclick=" not in html


def test_a_volunteer_reports_a_high_signal(world: World) -> None:
    response = client_for(world.volunteer_user).post(REPORT, _post(world))

    signal = RelapseSignal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:signal_detail", args=[signal.pk])
    assert (signal.severity, signal.observation, signal.professional) == (
        Severity.HIGH,
        OBSERVATION,
        world.professional,
    )
    assert Notification.objects.filter(
        kind="signal.reported", recipient=world.professional
    ).exists()


def test_acute_without_javascript_shows_whom_to_call_first(world: World) -> None:
    volunteer = client_for(world.volunteer_user)

    first = volunteer.post(REPORT, _post(world, severity="acute"))

    html = first.content.decode()
    assert first.status_code == 200
    assert first.context["show_acute"] is True
    assert "data-acute-advice hidden" not in html and 'id="acute-advice"' in html
    assert OBSERVATION in html  # the text typed is kept
    assert 'name="acute_seen" value="True"' in html
    assert not RelapseSignal.objects.exists()

    second = volunteer.post(REPORT, _post(world, severity="acute", acute_seen="True"))
    assert second.status_code == 302
    assert RelapseSignal.objects.get().severity == Severity.ACUTE


def test_acute_seen_in_the_browser_is_sent_at_once(world: World) -> None:
    response = client_for(world.volunteer_user).post(
        REPORT, _post(world, severity="acute", acute_seen="True")
    )
    assert response.status_code == 302
    assert RelapseSignal.objects.count() == 1


def test_a_moment_in_the_future_is_refused_with_the_input_kept(world: World) -> None:
    response = client_for(world.volunteer_user).post(
        REPORT, _post(world, observed_at=_when(timedelta(hours=2)))
    )
    assert response.status_code == 200
    assert "observed_at" in response.context["form"].errors
    assert OBSERVATION in response.content.decode()
    assert not RelapseSignal.objects.exists()


@pytest.mark.parametrize("whose", ["foreign", "other volunteer"])
def test_a_signal_for_a_client_who_is_not_yours_is_refused(world: World, whose: str) -> None:
    if whose == "foreign":
        match = world.foreign_match
    else:
        other = VolunteerFactory(organisation=world.org_a)
        match = match_with(other, ClientFactory(organisation=world.org_a))
    response = client_for(world.volunteer_user).post(REPORT, _post(world, match=str(match.pk)))
    assert response.status_code == 200
    assert "match" in response.context["form"].errors
    assert "alert-danger" in response.content.decode()  # shown even with one match (hidden)
    assert not RelapseSignal.objects.exists()
    assert not Notification.objects.filter(kind="signal.reported").exists()


def test_with_two_matches_the_volunteer_chooses_the_client(world: World) -> None:
    second = ClientFactory(organisation=world.org_a, first_name="Sanne")
    match = match_with(world.volunteer, second)
    volunteer = client_for(world.volunteer_user)
    html = volunteer.get(REPORT).content.decode()
    assert '<select name="match"' in html and "Sanne" in html

    volunteer.post(REPORT, _post(world, match=str(match.pk)))
    assert RelapseSignal.objects.get().client == second


def test_without_an_active_match_there_is_no_form(world: World) -> None:
    lonely = user_in(world.org_a, Role.VOLUNTEER)
    VolunteerFactory(organisation=world.org_a, user=lonely)
    response = client_for(lonely).get(REPORT)
    assert response.status_code == 200
    assert response.context["has_matches"] is False
    assert 'id="signal-form"' not in response.content.decode()


# --- The volunteer follows up ----------------------------------------------------------------


def test_the_volunteer_sees_received_then_being_handled_but_not_the_action(
    world: World,
) -> None:
    signal = signal_for(world.match)
    volunteer = client_for(world.volunteer_user)
    detail = reverse("supervision:signal_detail", args=[signal.pk])

    assert _nl("Received") in volunteer.get(LIST).content.decode()
    assert _nl("Received") in volunteer.get(detail).content.decode()

    signals.signal_acknowledge(
        signal=signal, by=world.professional, action_taken="MARKER-ACTION Huisbezoek gepland."
    )
    for page in (volunteer.get(LIST), volunteer.get(detail)):
        html = page.content.decode()
        assert _nl("Being handled") in html
        assert "MARKER-ACTION" not in html
        assert world.client.code not in html
        assert world.client.last_name not in html


def test_a_volunteer_does_not_see_another_volunteers_signal(world: World) -> None:
    other = VolunteerFactory(organisation=world.org_a)
    theirs = signal_for(match_with(other, ClientFactory(organisation=world.org_a)))
    volunteer = client_for(world.volunteer_user)
    assert volunteer.get(reverse("supervision:signal_detail", args=[theirs.pk])).status_code == 404
    assert list(volunteer.get(LIST).context["page"]) == []


# --- The professional's list -----------------------------------------------------------------


def _aged(match: Any, severity: str, hours_ago: int, **fields: Any) -> RelapseSignal:
    at = timezone.now() - timedelta(hours=hours_ago)
    return signal_for(match, severity=severity, reported_at=at, observed_at=at, due_at=at, **fields)


def test_open_signals_come_first_most_serious_then_oldest(world: World) -> None:
    low_old = _aged(world.match, "low", 50)
    acute_new = _aged(world.match, "acute", 1)
    high_old = _aged(world.match, "high", 30)
    high_new = _aged(world.match, "high", 2)
    handled = _aged(
        world.match,
        "acute",
        3,
        acknowledged_at=timezone.now(),
        acknowledged_by=world.professional,
        action_taken="Gebeld.",
    )
    professional = client_for(world.professional)

    open_page = list(professional.get(LIST).context["page"])
    assert open_page == [acute_new, high_old, high_new, low_old]
    all_page = list(professional.get(LIST, {"state": "all"}).context["page"])
    assert all_page == [acute_new, high_old, high_new, low_old, handled]
    high_only = list(professional.get(LIST, {"severity": "high"}).context["page"])
    assert high_only == [high_old, high_new]


def test_a_professional_sees_only_their_own_caseload(world: World) -> None:
    ours = signal_for(world.match)
    colleague = user_in(world.org_a, Role.PROFESSIONAL)
    other_client = ClientFactory(organisation=world.org_a, responsible_professional=colleague)
    theirs = signal_for(match_with(VolunteerFactory(organisation=world.org_a), other_client))

    assert list(client_for(world.professional).get(LIST).context["page"]) == [ours]
    assert set(client_for(world.coordinator).get(LIST).context["page"]) == {ours, theirs}
    detail = reverse("supervision:signal_detail", args=[theirs.pk])
    assert client_for(world.professional).get(detail).status_code == 404


def test_the_team_lead_sees_their_teams_signals(world: World) -> None:
    lead = user_in(world.org_a, Role.PROFESSIONAL)
    world.professional.team_lead = lead
    world.professional.save()
    signal = signal_for(world.match)
    assert list(client_for(lead).get(LIST).context["page"]) == [signal]


@pytest.mark.parametrize("rows", [3, 30])
def test_the_staff_list_keeps_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any, rows: int
) -> None:
    for hours in range(rows):
        _aged(world.match, ["low", "medium", "high", "acute"][hours % 4], hours)
    professional = client_for(world.professional)
    with django_assert_max_num_queries(9):
        response = professional.get(LIST, {"state": "all"})
    assert len(response.context["page"]) == min(rows, 25)


@pytest.mark.parametrize("rows", [3, 30])
def test_the_volunteers_list_keeps_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any, rows: int
) -> None:
    for hours in range(rows):
        _aged(world.match, "medium", hours)
    volunteer = client_for(world.volunteer_user)
    with django_assert_max_num_queries(9):
        response = volunteer.get(LIST)
    assert len(response.context["page"]) == min(rows, 25)


# --- The signal page and the acknowledgement -------------------------------------------------


def test_reading_a_signal_is_audited_and_shows_what_the_professional_needs(
    world: World,
) -> None:
    signal = signal_for(world.match, observation=OBSERVATION)
    response = client_for(world.professional).get(
        reverse("supervision:signal_detail", args=[signal.pk])
    )
    html = response.content.decode()
    assert response.status_code == 200
    for text in (world.client.code, world.client.full_name, world.volunteer.full_name):
        assert text in html
    assert OBSERVATION in html
    assert 'name="action_taken"' in html
    assert AuditEvent.objects.filter(
        action="signal.read", actor=world.professional, object_id=str(signal.pk)
    ).exists()


def test_the_signal_page_shows_the_escalation_history(world: World) -> None:
    due = timezone.now() - timedelta(hours=1)
    signal = signal_for(world.match, reported_at=due, observed_at=due, due_at=due)
    signals.signal_escalation_sweep()
    response = client_for(world.coordinator).get(
        reverse("supervision:signal_detail", args=[signal.pk])
    )
    steps = response.context["escalations"]
    assert [(step["level"], step["recipients"]) for step in steps] == [
        ("1", [world.coordinator.full_name])
    ]


def test_the_professional_acknowledges_with_the_action(world: World) -> None:
    signal = signal_for(world.match)
    url = reverse("supervision:signal_acknowledge", args=[signal.pk])
    response = client_for(world.professional).post(url, {"action_taken": "Cliënt gebeld."})
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:signal_detail", args=[signal.pk])
    signal.refresh_from_db()
    assert (signal.acknowledged_by, signal.action_taken) == (world.professional, "Cliënt gebeld.")


def test_acknowledging_without_an_action_is_refused(world: World) -> None:
    signal = signal_for(world.match)
    url = reverse("supervision:signal_acknowledge", args=[signal.pk])
    response = client_for(world.professional).post(url, {"action_taken": ""})
    assert response.status_code == 200
    assert "action_taken" in response.context["form"].errors
    signal.refresh_from_db()
    assert signal.is_open


def test_a_second_acknowledgement_shows_a_clear_message(world: World) -> None:
    signal = signal_for(world.match)
    signals.signal_acknowledge(signal=signal, by=world.professional, action_taken="Eerste.")
    url = reverse("supervision:signal_acknowledge", args=[signal.pk])
    response = client_for(world.coordinator).post(url, {"action_taken": "Tweede."})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    signal.refresh_from_db()
    assert signal.action_taken == "Eerste."


# --- Team lead -------------------------------------------------------------------------------


def test_an_admin_sets_a_team_lead_from_the_users_page(world: World) -> None:
    lead = user_in(world.org_a, Role.PROFESSIONAL)
    url = reverse("supervision:team_lead_set", args=[world.professional.pk])
    response = client_for(world.admin).post(url, {"team_lead": str(lead.pk)})
    assert response.status_code == 302 and response["Location"] == reverse("user_list")
    world.professional.refresh_from_db()
    assert world.professional.team_lead == lead


def test_a_team_lead_of_another_organisation_is_refused(world: World) -> None:
    foreign = user_in(world.org_b, Role.PROFESSIONAL)
    url = reverse("supervision:team_lead_set", args=[world.professional.pk])
    response = client_for(world.admin).post(url, {"team_lead": str(foreign.pk)}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    world.professional.refresh_from_db()
    assert world.professional.team_lead is None


def test_the_team_lead_partial_offers_the_organisations_colleagues(world: World) -> None:
    lead = user_in(world.org_a, Role.PROFESSIONAL, full_name="Tom Lead")
    world.professional.team_lead = lead
    world.professional.save()
    request = RequestFactory().get("/")
    request.user = world.admin
    html = render_to_string(
        "supervision/partials/signal_team_lead_form.html",
        {
            "member": world.professional,
            "team_leads": signals.team_lead_candidates(by=world.admin),
        },
        request=request,
    )
    assert reverse("supervision:team_lead_set", args=[world.professional.pk]) in html
    assert f'<option value="{lead.pk}" selected>Tom Lead</option>' in html
    assert f'value="{world.professional.pk}"' not in html  # not their own lead
    assert world.outsider.full_name not in html
    # Only professionals get the form.
    assert "<form" not in render_to_string(
        "supervision/partials/signal_team_lead_form.html",
        {"member": world.coordinator, "team_leads": []},
        request=request,
    )


def test_the_report_keeps_a_browser_draft_that_is_forgotten_once_sent(world: World) -> None:
    key = f"u{world.volunteer_user.pk}-signal"
    volunteer = client_for(world.volunteer_user)
    assert f'data-draft="{key}"' in volunteer.get(REPORT).content.decode()

    detail = volunteer.post(REPORT, _post(world), follow=True).content.decode()
    assert f'data-draft-clear="{key}"' in detail
    again = volunteer.get(
        reverse("supervision:signal_detail", args=[RelapseSignal.objects.get().pk])
    )
    assert "data-draft-clear" not in again.content.decode()
