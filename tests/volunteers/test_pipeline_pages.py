"""The thank-you letter (PDF) and the pipeline overview."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from reclass_volunteers.models import AuditEvent
from tests.conftest import World, client_for
from tests.factories import VolunteerFactory
from tests.volunteers.factories_pipeline import farewell_of, volunteer_in
from volunteers import letters
from volunteers.models import StatusChange, Volunteer
from volunteers.services import pipeline as services

S = Volunteer.Status
OVERVIEW = reverse("volunteers:pipeline_overview")
# Session, user, organisation, the counts, the days, unread notifications in the menu, and the
# session renewed (savepoint, update, release): whatever the number of volunteers.
QUERIES = 9


def _client(user: Any, language: str = "en") -> HttpClient:
    http = client_for(user)
    http.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return http


def _letter_url(volunteer: Volunteer) -> str:
    return reverse("volunteers:pipeline_farewell_letter", kwargs={"pk": volunteer.pk})


# --- Thank-you letter ---------------------------------------------------------------------------


def test_the_thank_you_letter_is_a_pdf_attachment_after_the_farewell(world: World) -> None:
    services.volunteer_farewell(
        volunteer=world.volunteer,
        by=world.coordinator,
        held_on=timezone.localdate(),
        reason="moved",
        expected_status=S.ACTIVE,
    )
    for user in (world.coordinator, world.admin):
        response = _client(user, "nl").get(_letter_url(world.volunteer))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert re.fullmatch(
            r'attachment; filename="[a-z0-9-]+\.pdf"', response["Content-Disposition"]
        )
        assert response.content.startswith(b"%PDF-")
        assert response.content.rstrip().endswith(b"%%EOF")
    assert (
        AuditEvent.objects.filter(
            action="volunteer.farewell_letter", object_id=str(world.volunteer.pk)
        ).count()
        == 2
    )


@pytest.mark.parametrize("status", [s for s in S.values if s != S.FAREWELL])
def test_there_is_no_letter_before_the_farewell(world: World, status: str) -> None:
    volunteer = volunteer_in(status, world.org_a)
    assert _client(world.coordinator).get(_letter_url(volunteer)).status_code == 404


def test_the_letter_thanks_for_the_period_with_names_and_dates(world: World) -> None:
    volunteer = VolunteerFactory(
        organisation=world.org_a, first_name="Marloes", last_name="Ëzer-Łukasz"
    )
    StatusChange.objects.create(
        volunteer=volunteer,
        from_status=S.TRAINING,
        to_status=S.ACTIVE,
        at=timezone.make_aware(timezone.datetime(2024, 3, 4, 10)),
    )
    farewell = farewell_of(volunteer, by=world.coordinator, held_on=date(2026, 9, 30))
    with translation.override("en"):
        salutation, body = letters._paragraphs(
            volunteer=volunteer, farewell=farewell, started_on=date(2024, 3, 4)
        )
        pdf = letters.thank_you_letter(
            volunteer=volunteer,
            farewell=farewell,
            started_on=date(2024, 3, 4),
            signed_by=world.coordinator,
        )
    assert salutation == "Dear Marloes,"
    assert body[0].startswith(
        "From 4 March 2024 to 30 September 2026 you volunteered with Reclassering A."
    )
    assert pdf.startswith(b"%PDF-")
    # A name outside the core font's encoding is written without its accent, not refused.
    assert letters._printable("Ëzer-Łukasz “dank”") == "Ëzer-Lukasz “dank”"


def test_a_letter_after_someone_died_is_addressed_to_the_relatives(world: World) -> None:
    volunteer = VolunteerFactory(organisation=world.org_a, first_name="Henk")
    farewell = farewell_of(volunteer, reason="deceased")
    with translation.override("en"):
        salutation, body = letters._paragraphs(
            volunteer=volunteer, farewell=farewell, started_on=None
        )
    assert salutation == f"To the relatives of {volunteer.full_name},"
    assert "all the best for the future" not in " ".join(body)


def test_someone_who_never_started_is_thanked_for_their_interest(world: World) -> None:
    volunteer = volunteer_in(S.SCREENING, world.org_a)
    services.volunteer_farewell(
        volunteer=volunteer,
        by=world.coordinator,
        held_on=timezone.localdate(),
        reason="did_not_start",
        expected_status=S.SCREENING,
    )
    volunteer.refresh_from_db()
    with translation.override("en"):
        _salutation, body = letters._paragraphs(
            volunteer=volunteer, farewell=volunteer.farewell, started_on=None
        )
    assert "From your application on" in body[0]
    assert any("we will remove your personal data on" in p for p in body)
    response = _client(world.coordinator).get(_letter_url(volunteer))
    assert response.content.startswith(b"%PDF-")


# --- Overview -----------------------------------------------------------------------------------


def _row(html: str, label: str) -> list[str]:
    match = re.search(rf">{re.escape(label)}</a></th>(.*?)</tr>", html, re.S)
    assert match, label
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td.*?</td>", match[1])]


def test_the_overview_counts_stages_and_measures_the_wait(world: World) -> None:
    now = timezone.now()
    for days in (3, 5, 20):
        VolunteerFactory(
            organisation=world.org_a,
            status=S.SCREENING,
            status_changed_at=now - timedelta(days=days, hours=2),
        )
    VolunteerFactory(organisation=world.org_b, status=S.SCREENING)  # another organisation's
    VolunteerFactory(organisation=world.org_a, status=S.REJECTED, rejection_reason="x")
    response = _client(world.coordinator).get(OVERVIEW)
    assert response.status_code == 200
    html = response.content.decode()
    assert _row(html, "Screening") == ["3", "5", "20"]
    assert _row(html, "Active") == ["1", "0", "0"]
    assert _row(html, "Rejected") == ["1", "—", "—"]
    assert _row(html, "Training") == ["0", "—", "—"]
    chart = response.context["chart"]
    assert chart["counts"][S.values.index(S.SCREENING)] == 3
    assert chart["longest"][S.values.index(S.SCREENING)] == 20


def test_the_overview_passes_its_data_as_json_and_loads_its_script(world: World) -> None:
    html = _client(world.admin).get(OVERVIEW).content.decode()
    assert '<script id="pipeline-data" type="application/json">' in html
    assert "js/pipeline-chart.js" in html
    assert "chart.js-4.5.1.umd.min.js" in html
    # No inline script (strict CSP): every other <script> has a src.
    scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
    assert scripts == []
    assert " style=" not in html


def _overview_queries(world: World, volunteers: int) -> int:
    existing = Volunteer.objects.filter(organisation=world.org_a).count()
    now = timezone.now()
    Volunteer.objects.bulk_create(
        Volunteer(
            organisation=world.org_a,
            first_name="V",
            last_name=str(n),
            email=f"bulk{n}@example.org",
            status=S.values[n % len(S.values)],
            rejection_reason="x",
            status_changed_at=now - timedelta(days=n % 40),
        )
        for n in range(existing, volunteers)
    )
    http = _client(world.coordinator)
    http.get(OVERVIEW)  # warm up the session and the policy rows
    with CaptureQueriesContext(connection) as queries:
        response = http.get(OVERVIEW)
    assert response.status_code == 200
    assert sum(f.count for f in response.context["figures"]) == volunteers
    return len(queries)


def test_the_overview_does_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    small = _overview_queries(world, 5)
    large = _overview_queries(world, 200)
    assert small == large
    http = _client(world.coordinator)
    http.get(OVERVIEW)
    with django_assert_max_num_queries(QUERIES):
        http.get(OVERVIEW)


def test_the_coordinator_home_page_links_to_the_overview(world: World) -> None:
    html = _client(world.coordinator).get(reverse("home")).content.decode()
    assert f'href="{OVERVIEW}"' in html


def test_reading_a_volunteer_page_writes_no_policy_row(world: World) -> None:
    from volunteers.models import Volunteer, VolunteerPolicy

    # In training the page lists what is missing, which reads the policy.
    Volunteer.objects.filter(pk=world.volunteer.pk).update(status=Volunteer.Status.TRAINING)
    assert not VolunteerPolicy.objects.filter(organisation=world.org_a).exists()
    response = client_for(world.coordinator).get(
        reverse("volunteers:volunteer_detail", args=[world.volunteer.pk])
    )
    assert response.status_code == 200
    assert not VolunteerPolicy.objects.filter(organisation=world.org_a).exists()
