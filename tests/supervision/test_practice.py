"""Shared ways of working: writing and editing one's own note, the list with tag filters, text
search and pages, comments and questions to the author."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from reclass_volunteers.models import AuditEvent, Notification, Role
from supervision.models import PracticeComment, PracticeNote
from tests.conftest import World, client_for
from tests.factories import UserFactory
from tests.supervision.factories_guidance import PracticeCommentFactory, PracticeNoteFactory


def _note_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Wat ik doe als een vrijwilliger een cadeau krijgt",
        "body": "Ik vraag door en we spreken samen een grens af.",
        "roles": ["buddy", "circle_member"],
        "activities": ["emotional"],
    }
    data.update(overrides)
    return data


# --- Writing ---------------------------------------------------------------------------------


def test_a_professional_shares_a_way_of_working(world: World) -> None:
    response = client_for(world.professional).post(
        reverse("supervision:practice_create"),
        _note_data(organisation=world.org_b.pk, author=world.outsider.pk),
    )
    note = PracticeNote.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:practice_detail", args=[note.pk])
    assert (note.organisation, note.author) == (world.org_a, world.professional)
    # Tags are stored in the order of the choices.
    assert note.roles == ["buddy", "circle_member"]
    assert note.activities == ["emotional"]
    assert AuditEvent.objects.filter(action="practice.note.create").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"roles": ["wizard"]}, "roles"),
        ({"activities": ["emotional", "flying"]}, "activities"),
        ({"title": ""}, "title"),
        ({"body": "   "}, "body"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_bad_note_input_is_refused_and_nothing_is_saved(
    world: World, overrides: dict[str, Any], field: str
) -> None:
    response = client_for(world.coordinator).post(
        reverse("supervision:practice_create"), _note_data(**overrides)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not PracticeNote.objects.exists()


def test_the_author_edits_their_note(world: World) -> None:
    note = PracticeNoteFactory(organisation=world.org_a, author=world.professional)
    response = client_for(world.professional).post(
        reverse("supervision:practice_edit", args=[note.pk]),
        _note_data(title="Nieuwe titel", roles=[], activities=["relapse", "housing"]),
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert (note.title, note.roles, note.activities) == ("Nieuwe titel", [], ["housing", "relapse"])


@pytest.mark.parametrize("role", ["coordinator", "other_professional"])
def test_only_the_author_edits(world: World, role: str) -> None:
    note = PracticeNoteFactory(organisation=world.org_a, author=world.professional, title="Oud")
    user = (
        world.coordinator
        if role == "coordinator"
        else UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)
    )
    response = client_for(user).post(
        reverse("supervision:practice_edit", args=[note.pk]), _note_data(title="Overschreven")
    )
    assert response.status_code == 403
    note.refresh_from_db()
    assert note.title == "Oud"
    detail = client_for(user).get(reverse("supervision:practice_detail", args=[note.pk]))
    assert reverse("supervision:practice_edit", args=[note.pk]) not in detail.content.decode()


# --- The list --------------------------------------------------------------------------------


def test_the_list_filters_by_tag_and_text(world: World) -> None:
    buddy = PracticeNoteFactory(
        organisation=world.org_a, roles=["buddy"], activities=["practical"], title="Verhuizen"
    )
    helper = PracticeNoteFactory(
        organisation=world.org_a,
        roles=["practical_help"],
        activities=["administration"],
        title="Formulieren",
        body="Samen de brieven van de gemeente doornemen.",
    )
    circle = PracticeNoteFactory(
        organisation=world.org_a, roles=["circle_member"], activities=["relapse"], title="Cirkel"
    )
    PracticeNoteFactory(organisation=world.org_b, roles=["buddy"], title="Elders")
    http = client_for(world.coordinator)
    url = reverse("supervision:practice_list")

    def titles(**params: str) -> set[str]:
        return {note.title for note in http.get(url, params).context["page"]}

    assert titles() == {"Verhuizen", "Formulieren", "Cirkel"}
    assert titles(role="buddy") == {buddy.title}
    # "practical" is one activity, "practical_help" a role: neither finds the other.
    assert titles(activity="practical") == {buddy.title}
    assert titles(role="practical_help") == {helper.title}
    assert titles(q="gemeente brieven") == {helper.title}
    assert titles(q="CIRKEL") == {circle.title}
    assert titles(q="gemeente", role="buddy") == set()
    # An unknown tag is not applied and does not fail the page.
    response = http.get(url, {"role": "wizard"})
    assert response.status_code == 200


def test_the_list_has_pages(world: World) -> None:
    PracticeNoteFactory.create_batch(23, organisation=world.org_a)
    http = client_for(world.professional)
    url = reverse("supervision:practice_list")
    first = http.get(url).context["page"]
    assert (len(first), first.paginator.count) == (20, 23)
    assert len(http.get(url, {"page": "2"}).context["page"]) == 3


@pytest.mark.parametrize("rows", [3, 30])
def test_the_list_runs_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any, rows: int
) -> None:
    for _n in range(rows):
        note = PracticeNoteFactory(organisation=world.org_a)
        PracticeCommentFactory(note=note)
    http = client_for(world.professional)
    with django_assert_max_num_queries(10):
        response = http.get(reverse("supervision:practice_list"), {"role": "buddy"})
    assert len(response.context["page"]) == min(rows, 20)
    assert response.context["page"][0].comment_count == 1


@pytest.mark.parametrize("rows", [3, 30])
def test_the_note_page_runs_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any, rows: int
) -> None:
    note = PracticeNoteFactory(organisation=world.org_a)
    PracticeCommentFactory.create_batch(rows, note=note)
    http = client_for(world.coordinator)
    with django_assert_max_num_queries(10):
        response = http.get(reverse("supervision:practice_detail", args=[note.pk]))
    assert len(response.context["comments"]) == rows


# --- Comments and questions ------------------------------------------------------------------


def test_a_question_is_sent_to_the_author(world: World) -> None:
    note = PracticeNoteFactory(organisation=world.org_a, author=world.professional)
    response = client_for(world.coordinator).post(
        reverse("supervision:practice_comment", args=[note.pk]),
        {"text": "Hoe doe je dat bij een cirkel?", "is_question": "on"},
    )
    assert response.status_code == 302
    comment = PracticeComment.objects.get()
    assert (comment.author, comment.is_question) == (world.coordinator, True)
    notification = Notification.objects.get(recipient=world.professional)
    assert notification.kind == "practice.question"
    assert notification.url.endswith(f"#comment-{comment.pk}")


def test_a_comment_or_an_own_question_tells_nobody(world: World) -> None:
    note = PracticeNoteFactory(organisation=world.org_a, author=world.professional)
    client_for(world.coordinator).post(
        reverse("supervision:practice_comment", args=[note.pk]), {"text": "Herkenbaar!"}
    )
    client_for(world.professional).post(
        reverse("supervision:practice_comment", args=[note.pk]),
        {"text": "Aanvulling van mezelf?", "is_question": "on"},
    )
    assert PracticeComment.objects.count() == 2
    assert not Notification.objects.exists()


def test_an_empty_comment_is_refused(world: World) -> None:
    note = PracticeNoteFactory(organisation=world.org_a)
    response = client_for(world.admin).post(
        reverse("supervision:practice_comment", args=[note.pk]), {"text": "  ", "is_question": "on"}
    )
    assert response.status_code == 200
    assert "text" in response.context["comment_form"].errors
    assert not PracticeComment.objects.exists()
    assert not Notification.objects.exists()


def test_volunteers_cannot_read_or_write_ways_of_working(world: World) -> None:
    note = PracticeNoteFactory(organisation=world.org_a)
    http = client_for(world.volunteer_user)
    assert http.get(reverse("supervision:practice_list")).status_code == 403
    assert http.get(reverse("supervision:practice_detail", args=[note.pk])).status_code == 403
    response = http.post(
        reverse("supervision:practice_comment", args=[note.pk]), {"text": "Mag ik meelezen?"}
    )
    assert response.status_code == 403
    assert not PracticeComment.objects.exists()
