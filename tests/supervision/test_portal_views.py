"""The volunteer portal: my active matches with their buttons, my recent reports with read
status and replies, my discussion points with responses, the links of other areas, the draft
keys to clear after a submit, and a fixed number of queries."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.conftest import World, client_for
from tests.factories import ClientFactory, UserFactory, VolunteerFactory, match_with
from tests.supervision.factories_reports import (
    ContactReportFactory,
    DiscussionPointFactory,
    ReportReplyFactory,
    circle_with,
)

PORTAL = "supervision:portal"


def test_portal_shows_my_active_matches_with_their_actions(world: World) -> None:
    world.match.goals = "Samen de administratie op orde."
    world.match.save()
    ended = match_with(world.volunteer, ClientFactory(organisation=world.org_a), status="ended")
    response = client_for(world.volunteer_user).get(reverse(PORTAL))
    assert response.status_code == 200
    body = response.content.decode()
    assert [m.pk for m in response.context["matches"]] == [world.match.pk]
    assert world.client.first_name in body
    assert world.client.last_name not in body  # volunteers see the first name only
    assert "Samen de administratie op orde." in body
    assert reverse("supervision:report_create", args=[world.match.pk]) in body
    assert reverse("supervision:discussion_create") + f"?match={world.match.pk}" in body
    assert reverse("supervision:report_create", args=[ended.pk]) not in body
    # A buddy match has no minutes to file.
    assert reverse("supervision:minutes_create", args=[world.match.pk]) not in body


def test_only_the_lead_of_a_circle_gets_the_minutes_button(world: World) -> None:
    other = VolunteerFactory(
        organisation=world.org_a, user=UserFactory(organisation=world.org_a, role="volunteer")
    )
    circle = circle_with(world.volunteer, other)
    url = reverse("supervision:minutes_create", args=[circle.pk])
    assert url in client_for(world.volunteer_user).get(reverse(PORTAL)).content.decode()
    assert url not in client_for(other.user).get(reverse(PORTAL)).content.decode()


def test_portal_shows_read_status_replies_and_questions(world: World) -> None:
    unread = ContactReportFactory(
        match=world.match, volunteer=world.volunteer, happened_on=date.today()
    )
    read = ContactReportFactory(
        match=world.match,
        volunteer=world.volunteer,
        happened_on=date.today() - timedelta(days=3),
        read_at=timezone.now(),
        read_by=world.professional,
    )
    ReportReplyFactory(report=read, author=world.professional, is_question=True)
    response = client_for(world.volunteer_user).get(reverse(PORTAL))
    reports = response.context["reports"]
    assert [r.pk for r in reports] == [unread.pk, read.pk]
    assert reports[0].open_question is None
    assert reports[1].open_question is not None
    body = response.content.decode()
    assert world.professional.get_short_name() in body
    assert reverse("supervision:portal_report", args=[read.pk]) in body


def test_portal_shows_only_my_own_reports_and_points(world: World) -> None:
    other = VolunteerFactory(organisation=world.org_a)
    their_match = match_with(other, ClientFactory(organisation=world.org_a))
    ContactReportFactory(match=their_match, volunteer=other)
    DiscussionPointFactory(volunteer=other, text="Niet van mij")
    mine = DiscussionPointFactory(
        volunteer=world.volunteer,
        addressed_at=timezone.now(),
        addressed_by=world.professional,
        response="Fijn dat je het vertelde.",
    )
    response = client_for(world.volunteer_user).get(reverse(PORTAL))
    assert response.context["reports"] == []
    assert [p.pk for p in response.context["points"]] == [mine.pk]
    assert "Fijn dat je het vertelde." in response.content.decode()


def test_a_volunteer_account_without_a_volunteer_record_has_no_portal(world: World) -> None:
    stray = UserFactory(organisation=world.org_a, role="volunteer")
    assert client_for(stray).get(reverse(PORTAL)).status_code == 404


def test_links_of_other_areas_appear_only_when_their_route_exists(
    world: World, monkeypatch: Any
) -> None:
    from supervision.views import portal

    monkeypatch.setattr(
        portal,
        "PORTAL_LINKS",
        (
            ("supervision:report_create", "Per koppeling"),  # takes match_pk
            ("supervision:discussion_create", "Voor alles"),  # takes nothing
            ("supervision:does_not_exist", "Nergens"),
        ),
    )
    response = client_for(world.volunteer_user).get(reverse(PORTAL))
    match = response.context["matches"][0]
    assert match.links == [
        {
            "url": reverse("supervision:report_create", args=[world.match.pk]),
            "label": "Per koppeling",
        }
    ]
    assert response.context["general_links"] == [
        {"url": reverse("supervision:discussion_create"), "label": "Voor alles"}
    ]
    assert "Nergens" not in response.content.decode()


def test_a_sent_report_tells_the_browser_to_forget_its_draft_once(world: World) -> None:
    http = client_for(world.volunteer_user)
    key = f"u{world.volunteer_user.pk}-report-{world.match.pk}"
    http.post(
        reverse("supervision:report_create", args=[world.match.pk]),
        {
            "happened_on": date.today().isoformat(),
            "duration_minutes": "30",
            "kind": "phone",
            "how_it_went": "3",
            "notes": "Kort gebeld.",
        },
    )
    first = http.get(reverse(PORTAL)).content.decode()
    assert f'data-draft-clear="{key}"' in first
    assert "js/drafts.js" in first
    assert "data-draft-clear" not in http.get(reverse(PORTAL)).content.decode()


def test_a_refused_report_keeps_the_draft(world: World) -> None:
    http = client_for(world.volunteer_user)
    http.post(
        reverse("supervision:report_create", args=[world.match.pk]),
        {"happened_on": date.today().isoformat(), "duration_minutes": "0", "kind": "phone"},
    )
    assert "data-draft-clear" not in http.get(reverse(PORTAL)).content.decode()


def test_portal_query_count_does_not_grow(world: World, django_assert_max_num_queries: Any) -> None:
    http = client_for(world.volunteer_user)

    def add(n: int) -> None:
        for _i in range(n):
            client = ClientFactory(organisation=world.org_a)
            match = match_with(world.volunteer, client)
            report = ContactReportFactory(match=match, volunteer=world.volunteer)
            ReportReplyFactory(report=report, author=world.professional, is_question=True)
            DiscussionPointFactory(volunteer=world.volunteer, match=match)

    add(3)
    http.get(reverse(PORTAL))
    with CaptureQueriesContext(connection) as small:
        response = http.get(reverse(PORTAL))
    assert len(response.context["matches"]) == 4
    add(27)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = http.get(reverse(PORTAL))
    assert len(response.context["matches"]) == 31
    assert len(response.context["reports"]) == 10


def test_portal_fits_a_phone(world: World) -> None:
    """Phone first: buttons stack full-width (d-grid) and tables are not used."""
    body = client_for(world.volunteer_user).get(reverse(PORTAL)).content.decode()
    assert "d-grid" in body
    assert "<table" not in body


def test_volunteer_pages_show_no_staff_only_client_fields(world: World) -> None:
    """SECURITY.md field level: the client's last name, code, postcode and staff note never
    appear on the portal pages, including the report and minutes forms."""
    from tests.supervision.matrix_reports import ROWS

    world.client.staff_note = "MARKER-OFFENCE-123"
    world.client.last_name = "MARKER-LASTNAME"
    world.client.postcode = "MRK-PC1"
    world.client.save()
    http = client_for(world.volunteer_user)
    pages = [
        reverse(name, kwargs=row.own(world) if row.own else None)
        for name, row in ROWS.items()
        if row.method == "get" and row.expect_own["volunteer"] == 200
    ]
    assert len(pages) == 5
    for url in pages:
        html = http.get(url).content.decode()
        for marker in ("MARKER-OFFENCE-123", "MARKER-LASTNAME", "MRK-PC1", world.client.code):
            assert marker not in html, (marker, url)
