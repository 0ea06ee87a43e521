"""Contact reports: a volunteer reports a contact for their own active match only; bad input is
shown next to the field and saves nothing; staff in scope mark reports read (once), reply or ask
a question, and the volunteer answers; the list is scoped, filtered and keeps a fixed number of
queries."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reclass_volunteers.models import AuditEvent, Notification, Role
from supervision.models import ContactReport, ReportReply
from tests.conftest import World, client_for
from tests.factories import ClientFactory, UserFactory, VolunteerFactory, match_with
from tests.supervision.factories_reports import ContactReportFactory, ReportReplyFactory


def _data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "happened_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "duration_minutes": "90",
        "kind": "meeting",
        "activities": ["administration", "emotional"],
        "how_it_went": "4",
        "notes": "We hebben de post doorgenomen.",
    }
    data.update(overrides)
    return data


def _create_url(world: World) -> str:
    return reverse("supervision:report_create", args=[world.match.pk])


# --- Reporting a contact ---------------------------------------------------------------------


def test_volunteer_reports_a_contact(world: World) -> None:
    http = client_for(world.volunteer_user)
    response = http.get(_create_url(world))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'data-draft="u{world.volunteer_user.pk}-report-{world.match.pk}"' in body
    assert "js/drafts.js" in body

    response = http.post(
        _create_url(world),
        # Posting someone else's ids changes nothing: the match comes from the address and the
        # volunteer from the log-in.
        _data(volunteer=str(world.foreign_volunteer.pk), match=str(world.foreign_match.pk)),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:portal")
    report = ContactReport.objects.get()
    assert (report.match, report.volunteer) == (world.match, world.volunteer)
    assert report.duration_minutes == 90
    assert report.activities == ["administration", "emotional"]
    assert (report.how_it_went, report.read_at) == (4, None)
    assert AuditEvent.objects.filter(action="report.create", object_id=str(report.pk)).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"happened_on": (date.today() + timedelta(days=2)).isoformat()}, "happened_on"),
        ({"duration_minutes": "0"}, "duration_minutes"),
        ({"duration_minutes": "-30"}, "duration_minutes"),
        ({"duration_minutes": str(24 * 60 + 1)}, "duration_minutes"),
        ({"kind": "telepathy"}, "kind"),
        ({"activities": ["smuggling"]}, "activities"),
        ({"how_it_went": "6"}, "how_it_went"),
        ({"happened_on": "gisteren"}, "happened_on"),
    ],
)
def test_bad_report_input_is_refused_and_nothing_is_saved(
    world: World, overrides: dict[str, Any], field: str
) -> None:
    response = client_for(world.volunteer_user).post(_create_url(world), _data(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    body = response.content.decode()
    assert "is-invalid" in body
    # The volunteer's text is kept, and the form is marked as bound so the draft script
    # leaves it alone.
    assert "We hebben de post doorgenomen." in body
    assert "data-draft-bound" in body
    assert not ContactReport.objects.exists()


def test_a_future_date_gets_a_clear_message(world: World) -> None:
    # The browser's picker stops at today; the server refuses a later date all the same.
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    http = client_for(world.volunteer_user)
    form_page = http.get(_create_url(world)).content.decode()
    assert f'max="{timezone.localdate().isoformat()}"' in form_page
    response = http.post(_create_url(world), _data(happened_on=tomorrow))
    assert response.context["form"].errors["happened_on"] == [
        "De datum kan niet in de toekomst liggen."
    ]
    assert not ContactReport.objects.exists()


def test_a_contact_before_the_match_started_is_refused(world: World) -> None:
    started = world.match.started_on
    assert started is not None
    before = (started - timedelta(days=1)).isoformat()
    response = client_for(world.volunteer_user).post(_create_url(world), _data(happened_on=before))
    assert response.status_code == 200
    [message] = response.context["form"].errors["happened_on"]
    assert message.startswith("De koppeling begon op")
    assert not ContactReport.objects.exists()


def test_a_report_for_another_volunteers_client_is_not_found(world: World) -> None:
    other = VolunteerFactory(organisation=world.org_a)
    their_match = match_with(other, ClientFactory(organisation=world.org_a))
    http = client_for(world.volunteer_user)
    for match in (their_match, world.foreign_match):
        url = reverse("supervision:report_create", args=[match.pk])
        assert http.get(url).status_code == 404
        assert http.post(url, _data()).status_code == 404
    assert not ContactReport.objects.exists()
    assert AuditEvent.objects.filter(action="access.denied").count() == 4


def test_an_ended_match_takes_no_more_reports(world: World) -> None:
    world.match.status = "ended"
    world.match.ended_on = date.today()
    world.match.end_reason = "goals_reached"
    world.match.save()
    response = client_for(world.volunteer_user).post(_create_url(world), _data())
    assert response.status_code == 404
    assert not ContactReport.objects.exists()


def test_report_service_refuses_a_match_the_volunteer_is_not_in(world: World) -> None:
    from django.core.exceptions import ValidationError

    from supervision.services.reports import contact_report_create

    other_match = match_with(
        VolunteerFactory(organisation=world.org_a), ClientFactory(organisation=world.org_a)
    )
    with pytest.raises(ValidationError):
        contact_report_create(
            volunteer=world.volunteer,
            match=other_match,
            by=world.volunteer_user,
            happened_on=date.today(),
            duration_minutes=30,
            kind="phone",
            how_it_went=3,
        )
    assert not ContactReport.objects.exists()


# --- Reading, replying, answering ------------------------------------------------------------


def _report(world: World, **kwargs: Any) -> ContactReport:
    return ContactReportFactory(match=world.match, volunteer=world.volunteer, **kwargs)


def test_responsible_professional_marks_a_report_read_once(world: World) -> None:
    report = _report(world)
    url = reverse("supervision:report_mark_read", args=[report.pk])
    response = client_for(world.professional).post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:report_detail", args=[report.pk])
    report.refresh_from_db()
    first = report.read_at
    assert report.read_by == world.professional and first is not None

    # Idempotent: a coordinator marking it again changes nothing.
    assert client_for(world.coordinator).post(url).status_code == 302
    report.refresh_from_db()
    assert (report.read_by, report.read_at) == (world.professional, first)
    assert AuditEvent.objects.filter(action="report.read").count() == 1

    page = client_for(world.volunteer_user).get(reverse("supervision:portal"))
    assert world.professional.get_short_name() in page.content.decode()


def test_opening_a_report_does_not_mark_it_read(world: World) -> None:
    report = _report(world)
    response = client_for(world.professional).get(
        reverse("supervision:report_detail", args=[report.pk])
    )
    assert response.status_code == 200
    assert reverse("supervision:report_mark_read", args=[report.pk]) in response.content.decode()
    report.refresh_from_db()
    assert report.read_at is None
    assert AuditEvent.objects.filter(action="report.view", object_id=str(report.pk)).exists()


def test_supervisor_who_is_not_the_responsible_professional_may_acknowledge(
    world: World,
) -> None:
    supervisor = UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)
    world.volunteer.supervisor_id = supervisor.pk
    world.volunteer.save()
    report = _report(world)
    assert (
        client_for(supervisor)
        .post(reverse("supervision:report_mark_read", args=[report.pk]))
        .status_code
        == 302
    )
    report.refresh_from_db()
    assert report.read_by == supervisor


def test_a_professional_outside_the_caseload_cannot_see_or_mark(world: World) -> None:
    colleague = UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)
    report = _report(world)
    http = client_for(colleague)
    assert http.get(reverse("supervision:report_detail", args=[report.pk])).status_code == 404
    assert http.post(reverse("supervision:report_mark_read", args=[report.pk])).status_code == 404
    assert http.get(reverse("supervision:report_list")).context["page"].paginator.count == 0
    report.refresh_from_db()
    assert report.read_at is None


def test_admin_reads_but_does_not_answer(world: World) -> None:
    report = _report(world)
    http = client_for(world.admin)
    page = http.get(reverse("supervision:report_detail", args=[report.pk]))
    assert page.status_code == 200
    assert page.context["reply_form"] is None
    assert http.post(reverse("supervision:report_mark_read", args=[report.pk])).status_code == 403


def test_reply_reaches_the_volunteer_and_marks_read(world: World) -> None:
    report = _report(world)
    response = client_for(world.professional).post(
        reverse("supervision:report_reply", args=[report.pk]),
        {"text": "Mooi dat jullie de post hebben gedaan."},
    )
    assert response.status_code == 302
    reply = ReportReply.objects.get()
    assert (reply.author, reply.is_question) == (world.professional, False)
    report.refresh_from_db()
    assert report.read_by == world.professional
    notification = Notification.objects.get(kind="report.reply")
    assert notification.recipient == world.volunteer_user
    assert notification.url == reverse("supervision:portal_report", args=[report.pk])

    page = client_for(world.volunteer_user).get(notification.url)
    assert "Mooi dat jullie de post hebben gedaan." in page.content.decode()
    assert page.context["form"] is None  # a reply is not a question


def test_an_empty_reply_is_refused(world: World) -> None:
    report = _report(world)
    response = client_for(world.professional).post(
        reverse("supervision:report_reply", args=[report.pk]), {"text": "  "}
    )
    assert response.status_code == 200
    assert "text" in response.context["reply_form"].errors
    assert not ReportReply.objects.exists()
    assert not Notification.objects.exists()


def test_question_and_answer(world: World) -> None:
    report = _report(world)
    client_for(world.professional).post(
        reverse("supervision:report_reply", args=[report.pk]),
        {"text": "Hoe reageerde hij op de brief?", "is_question": "on"},
    )
    question = Notification.objects.get(kind="report.question")
    assert question.recipient == world.volunteer_user

    http = client_for(world.volunteer_user)
    page = http.get(reverse("supervision:portal_report", args=[report.pk]))
    assert page.context["form"] is not None
    portal = http.get(reverse("supervision:portal")).content.decode()
    assert "Hoe reageerde" not in portal  # the portal only flags it
    response = http.post(
        reverse("supervision:report_answer", args=[report.pk]), {"text": "Hij was opgelucht."}
    )
    assert response.status_code == 302
    answer = ReportReply.objects.get(author=world.volunteer_user)
    assert answer.text == "Hij was opgelucht."
    told = Notification.objects.get(kind="report.answer")
    assert told.recipient == world.professional
    assert told.url == reverse("supervision:report_detail", args=[report.pk])

    # Answered: no open question, a second answer is refused.
    response = http.post(
        reverse("supervision:report_answer", args=[report.pk]), {"text": "Nog iets."}
    )
    assert response.status_code == 200
    assert response.context["form"] is None
    assert ReportReply.objects.filter(author=world.volunteer_user).count() == 1


def test_answer_without_a_question_is_refused(world: World) -> None:
    report = _report(world)
    ReportReplyFactory(report=report, author=world.professional, is_question=False)
    response = client_for(world.volunteer_user).post(
        reverse("supervision:report_answer", args=[report.pk]), {"text": "Hallo"}
    )
    assert response.status_code == 200
    assert ReportReply.objects.count() == 1
    assert not Notification.objects.filter(kind="report.answer").exists()


def test_a_volunteer_cannot_answer_someone_elses_report(world: World) -> None:
    other = VolunteerFactory(organisation=world.org_a)
    match = match_with(other, ClientFactory(organisation=world.org_a))
    report = ContactReportFactory(match=match, volunteer=other)
    ReportReplyFactory(report=report, author=world.professional, is_question=True)
    response = client_for(world.volunteer_user).post(
        reverse("supervision:report_answer", args=[report.pk]), {"text": "Hallo"}
    )
    assert response.status_code == 404
    assert ReportReply.objects.count() == 1


# --- The staff list --------------------------------------------------------------------------


def test_list_filters_unread_match_and_volunteer(world: World) -> None:
    read = _report(world, read_at=timezone.now(), read_by=world.professional)
    unread = _report(world)
    second = VolunteerFactory(organisation=world.org_a, supervisor=world.professional)
    other_match = match_with(second, ClientFactory(organisation=world.org_a))
    theirs = ContactReportFactory(match=other_match, volunteer=second)
    ContactReportFactory(match=world.foreign_match, volunteer=world.foreign_volunteer)
    http = client_for(world.coordinator)
    url = reverse("supervision:report_list")

    def shown(**params: str) -> set[int]:
        return {r.pk for r in http.get(url, params).context["page"]}

    assert shown() == {read.pk, unread.pk, theirs.pk}
    assert shown(unread="1") == {unread.pk, theirs.pk}
    assert shown(match=str(world.match.pk)) == {read.pk, unread.pk}
    assert shown(volunteer=str(second.pk)) == {theirs.pk}
    assert shown(volunteer="abc", match="") == {read.pk, unread.pk, theirs.pk}
    # The filter menus offer only what is in scope.
    context = http.get(url).context
    assert {pk for pk, *_rest in context["volunteers"]} == {world.volunteer.pk, second.pk}


def test_list_is_paginated(world: World) -> None:
    ContactReportFactory.create_batch(30, match=world.match, volunteer=world.volunteer)
    http = client_for(world.professional)
    first = http.get(reverse("supervision:report_list"))
    assert len(first.context["page"]) == 25
    second = http.get(reverse("supervision:report_list"), {"page": "2"})
    assert len(second.context["page"]) == 5


@pytest.mark.parametrize("role", ["coordinator", "professional"])
def test_list_query_count_does_not_grow(
    world: World, role: str, django_assert_max_num_queries: Any
) -> None:
    http = client_for(world.user(role))
    url = reverse("supervision:report_list")

    def add(n: int) -> None:
        for i in range(n):
            report = _report(world, read_at=timezone.now() if i % 2 else None)
            ReportReplyFactory(report=report, author=world.professional)

    add(3)
    http.get(url)
    with CaptureQueriesContext(connection) as small:
        response = http.get(url)
    assert len(response.context["page"]) == 3
    add(27)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = http.get(url)
    assert len(response.context["page"]) == 25
