"""The match pages through the browser's requests: the list with its filters and fixed queries,
the staff page with only the legal next steps, the volunteer's reduced page (no risk flags, staff
notes, override reasons or scores), the lifecycle and circle actions, and every read audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from matching.models import CircleReview, Match, MatchEvaluation, OuterCircleMember
from matching.services import lifecycle
from reclass_volunteers.models import AuditEvent, User
from tests.conftest import World, client_for
from tests.factories import UserFactory, VolunteerFactory
from tests.matching.matrix_matches import match_of

S = Match.Status


def _http(user: User) -> HttpClient:
    """Pages in English, so the assertions hold once the Dutch catalogue is filled in."""
    http = client_for(user)
    http.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return http


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _today() -> str:
    return timezone.localdate().isoformat()


def _detail(match: Match) -> str:
    return reverse("matching:match_detail", args=[match.pk])


def _action(name: str, match: Match) -> str:
    return reverse(f"matching:{name}", args=[match.pk])


# --- List ------------------------------------------------------------------------------------


def test_list_filters_by_status_kind_and_search(world: World) -> None:
    circle = match_of(world.org_a, kind=Match.Kind.CIRCLE)
    proposed = match_of(world.org_a, status=S.PROPOSED)
    wanted = VolunteerFactory.create(
        organisation=world.org_a, first_name="Henk", last_name="Zoekmans"
    )
    found = match_of(world.org_a, volunteers=[wanted])
    http = _http(world.coordinator)
    url = reverse("matching:match_list")

    def listed(**params: str) -> set[Match]:
        return set(http.get(url, params).context["page"])

    assert listed() == {world.match, circle, proposed, found}
    assert listed(status="proposed") == {proposed}
    assert listed(kind="circle") == {circle}
    assert listed(q=proposed.client.code) == {proposed}
    assert listed(q="henk zoek") == {found}
    assert listed(q="Henk Nobody") == set()
    # Unknown filter values are ignored rather than failing.
    assert listed(status="lost", kind="trio") == {world.match, circle, proposed, found}


def test_a_professional_lists_only_their_own_clients_matches(world: World) -> None:
    match_of(world.org_a)  # another professional's client
    response = _http(world.professional).get(reverse("matching:match_list"))
    assert list(response.context["page"]) == [world.match]


def test_circles_with_a_review_due_are_flagged(world: World) -> None:
    long_ago = timezone.localdate() - timedelta(weeks=13)
    due = match_of(world.org_a, kind=Match.Kind.CIRCLE, started_on=long_ago)
    reviewed = match_of(world.org_a, kind=Match.Kind.CIRCLE, started_on=long_ago)
    CircleReview.objects.create(
        match=reviewed,
        held_on=timezone.localdate() - timedelta(weeks=1),
        summary="Goed",
        next_review_on=timezone.localdate() + timedelta(weeks=11),
    )
    response = _http(world.coordinator).get(reverse("matching:match_list"), {"kind": "circle"})
    flags = {m.pk: m.review_due for m in response.context["page"]}
    assert flags == {due.pk: True, reviewed.pk: False}
    assert response.content.decode().count("Review due") == 1


def test_the_list_is_paginated(world: World) -> None:
    for _ in range(26):
        match_of(world.org_a)
    http = _http(world.coordinator)
    first = http.get(reverse("matching:match_list"))
    second = http.get(reverse("matching:match_list"), {"page": 2})
    assert len(first.context["page"]) == 25
    assert len(second.context["page"]) == 2


def _many(world: World, count: int) -> None:
    for number in range(count):
        kind = Match.Kind.CIRCLE if number % 2 else Match.Kind.BUDDY
        match = match_of(world.org_a, kind=kind)
        if kind == Match.Kind.CIRCLE:
            CircleReview.objects.create(match=match, held_on=timezone.localdate(), summary="Goed")


def test_the_list_does_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    http = _http(world.coordinator)
    url = reverse("matching:match_list")
    _many(world, 2)  # with the world's match: 3 rows
    http.get(url)  # warm the session
    with CaptureQueriesContext(connection) as small:
        response = http.get(url)
    assert len(response.context["page"]) == 3

    _many(world, 27)  # 30 rows
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = http.get(url, {"q": ""})
    assert len(response.context["page"]) == 25


# --- The staff page --------------------------------------------------------------------------


def test_staff_see_the_whole_match_and_the_read_is_audited(world: World) -> None:
    world.professional.phone = "06 11112222"
    world.professional.save()
    match = match_of(
        world.org_a,
        kind=Match.Kind.CIRCLE,
        professional=world.professional,
        goals="Werk vinden",
        override_reason="Kent de buurt goed",
        suggested_score=71.24,
    )
    OuterCircleMember.objects.create(match=match, role="police", name="Wijkagent Jansen")
    response = _http(world.coordinator).get(_detail(match))
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        match.client.code,
        reverse("clients:client_detail", args=[match.client.pk]),
        "Werk vinden",
        "Kent de buurt goed",
        "71.2",
        world.professional.full_name,
        "06 11112222",
        world.professional.email,
        "Wijkagent Jansen",
        "Lead volunteer",
        match.planned_end_on.strftime("%Y") if match.planned_end_on else "",
    ):
        assert text in html, text
    lead = match.memberships.get(is_lead=True).volunteer
    assert lead.full_name in html
    assert AuditEvent.objects.filter(
        action="match.read", object_id=str(match.pk), actor=world.coordinator
    ).exists()


def _offered(html: str, match: Match) -> set[str]:
    names = (
        "match_advance",
        "match_end",
        "match_evaluate",
        "match_set_lead",
        "match_outer_add",
        "match_review_add",
    )
    return {name for name in names if f'action="{_action(name, match)}"' in html}


@pytest.mark.parametrize(
    ("status", "coordinator", "professional"),
    [
        (S.PROPOSED, {"match_advance", "match_end"}, {"match_end"}),
        (S.INTRODUCTION, {"match_advance", "match_end"}, {"match_end"}),
        (S.ACTIVE, {"match_end"}, {"match_end", "match_evaluate"}),
        (S.ENDED, set(), {"match_evaluate"}),
    ],
)
def test_only_the_legal_next_steps_are_offered(
    world: World, status: str, coordinator: set[str], professional: set[str]
) -> None:
    match = match_of(world.org_a, status=status, professional=world.professional)
    for user, expected in ((world.coordinator, coordinator), (world.professional, professional)):
        html = _http(user).get(_detail(match)).content.decode()
        assert _offered(html, match) == expected, user


def test_an_active_circle_offers_its_lead_outer_circle_and_review_forms(world: World) -> None:
    circle = match_of(world.org_a, kind=Match.Kind.CIRCLE, professional=world.professional)
    html = _http(world.professional).get(_detail(circle)).content.decode()
    assert _offered(html, circle) == {
        "match_end",
        "match_evaluate",
        "match_set_lead",
        "match_outer_add",
        "match_review_add",
    }
    # Another professional of the organisation does not see the match at all.
    other = UserFactory(organisation=world.org_a, role="professional")
    assert _http(other).get(_detail(circle)).status_code == 404


def test_an_overdue_review_is_highlighted(world: World) -> None:
    started = timezone.localdate() - timedelta(weeks=20)
    circle = match_of(world.org_a, kind=Match.Kind.CIRCLE, started_on=started)
    CircleReview.objects.create(
        match=circle,
        held_on=started + timedelta(weeks=4),
        summary="Eerste evaluatie",
        next_review_on=started + timedelta(weeks=8),
    )
    response = _http(world.coordinator).get(_detail(circle))
    assert response.context["review_overdue"] is True
    assert response.context["next_review"] == started + timedelta(weeks=8)
    assert "Overdue" in response.content.decode()


# --- The volunteer's page --------------------------------------------------------------------


def test_a_volunteer_sees_the_minimum_and_never_flags_notes_or_scores(world: World) -> None:
    client = world.client
    client.first_name, client.last_name = "Kees", "MARKERLASTNAME"
    client.code = "MARKERCODE"
    client.risk_flags = ["sex_offence", "violence"]
    client.staff_note = "MARKERSTAFFNOTE"
    client.save()
    world.professional.phone = "06 33334444"
    world.professional.save()
    fellow = VolunteerFactory.create(
        organisation=world.org_a, first_name="Fenna", last_name="MARKERFELLOW"
    )
    circle = match_of(
        world.org_a,
        kind=Match.Kind.CIRCLE,
        client=client,
        volunteers=[fellow, world.volunteer],
        goals="Een dagritme opbouwen",
        override_reason="MARKEROVERRIDE",
        suggested_score=87.65,
    )
    OuterCircleMember.objects.create(match=circle, role="therapist", name="MARKEROUTER")
    CircleReview.objects.create(match=circle, held_on=timezone.localdate(), summary="MARKERREVIEW")

    response = _http(world.volunteer_user).get(_detail(circle))
    html = response.content.decode()
    assert response.status_code == 200
    for shown in ("Kees", "Een dagritme opbouwen", "Fenna", "Lead volunteer", "06 33334444"):
        assert shown in html, shown
    for hidden in (
        "MARKER",
        "sex_offence",
        "Sex offence",
        "Zedendelict",
        "Violence",
        "87.6",
        "87,6",
        "87.7",
        "87,7",
    ):
        assert hidden not in html, hidden
    assert f'action="{_action("match_evaluate", circle)}"' in html
    assert _offered(html, circle) == {"match_evaluate"}
    assert AuditEvent.objects.filter(
        action="match.read", object_id=str(circle.pk), actor=world.volunteer_user
    ).exists()


@pytest.mark.parametrize("status", [S.PROPOSED, S.INTRODUCTION, S.ENDED])
def test_a_volunteer_sees_no_match_that_is_not_active(world: World, status: str) -> None:
    match = match_of(world.org_a, status=status, volunteers=[world.volunteer])
    assert _http(world.volunteer_user).get(_detail(match)).status_code == 404


def test_a_volunteer_of_another_match_gets_404(world: World) -> None:
    other = match_of(world.org_a)
    assert _http(world.volunteer_user).get(_detail(other)).status_code == 404


# --- Lifecycle through the pages -------------------------------------------------------------


def test_coordinator_takes_a_proposal_to_an_active_circle(world: World) -> None:
    circle = match_of(world.org_a, kind=Match.Kind.CIRCLE, status=S.PROPOSED)
    http = _http(world.coordinator)
    response = http.post(
        _action("match_advance", circle), {"expected_status": "proposed"}, follow=True
    )
    assert response.redirect_chain == [(_detail(circle), 302)]
    assert _messages(response) == ["The introduction has started."]
    response = http.post(
        _action("match_advance", circle),
        {
            "expected_status": "introduction",
            "started_on": _today(),
            "starts_in_prison": "on",
            "review_every_weeks": "8",
        },
        follow=True,
    )
    circle.refresh_from_db()
    assert (circle.status, circle.starts_in_prison, circle.review_every_weeks) == (
        S.ACTIVE,
        True,
        8,
    )
    assert circle.planned_end_on == lifecycle.add_months(timezone.localdate(), 18)
    assert _messages(response)[0].startswith("The match is active from")


def test_a_start_date_too_far_ahead_is_shown_on_the_field(world: World) -> None:
    match = match_of(world.org_a, status=S.INTRODUCTION)
    later = (timezone.localdate() + timedelta(days=30)).isoformat()
    response = _http(world.coordinator).post(
        _action("match_advance", match), {"expected_status": "introduction", "started_on": later}
    )
    assert response.status_code == 200
    assert "started_on" in response.context["advance_form"].errors
    assert "is-invalid" in response.content.decode()
    assert Match.objects.get(pk=match.pk).status == S.INTRODUCTION


def test_activation_needs_a_start_date(world: World) -> None:
    match = match_of(world.org_a, status=S.INTRODUCTION)
    response = _http(world.coordinator).post(
        _action("match_advance", match), {"expected_status": "introduction", "started_on": ""}
    )
    assert response.status_code == 200
    assert "started_on" in response.context["advance_form"].errors
    assert Match.objects.get(pk=match.pk).status == S.INTRODUCTION


def test_a_user_on_an_outdated_page_is_told_and_sees_the_match_as_it_is(world: World) -> None:
    match = match_of(world.org_a, status=S.PROPOSED)
    _http(world.admin).post(_action("match_advance", match), {"expected_status": "proposed"})
    # The coordinator clicks on the page they opened before the admin acted.
    response = _http(world.coordinator).post(
        _action("match_advance", match), {"expected_status": "proposed"}, follow=True
    )
    assert Match.objects.get(pk=match.pk).status == S.INTRODUCTION
    assert response.redirect_chain == [(_detail(match), 302)]
    assert _messages(response) == [
        "Someone else changed this match a moment ago: it is now “Introduction”. "
        "Look at the page again before you continue."
    ]


def test_the_professional_ends_a_match_and_closes_the_client(world: World) -> None:
    response = _http(world.professional).post(
        _action("match_end", world.match),
        {
            "expected_status": "active",
            "ended_on": _today(),
            "reason": "moved",
            "note": "Verhuisd naar Groningen",
            "client_status": "closed",
        },
    )
    assert response.status_code == 302
    world.match.refresh_from_db()
    assert (world.match.status, world.match.end_reason) == (S.ENDED, "moved")
    assert Client.objects.get(pk=world.client.pk).status == Client.Status.CLOSED


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"reason": "other", "note": ""}, "note"),
        ({"ended_on": "2999-01-01"}, "ended_on"),
        ({"client_status": "referred"}, "client_status"),
    ],
)
def test_bad_end_input_is_shown_on_the_field(
    world: World, data: dict[str, str], field: str
) -> None:
    values = {
        "expected_status": "active",
        "ended_on": _today(),
        "reason": "goals_reached",
        "client_status": "waiting",
        **data,
    }
    response = _http(world.coordinator).post(_action("match_end", world.match), values)
    assert response.status_code == 200
    assert field in response.context["end_form"].errors
    assert Match.objects.get(pk=world.match.pk).status == S.ACTIVE


def test_a_volunteer_cannot_end_their_match(world: World) -> None:
    response = _http(world.volunteer_user).post(
        _action("match_end", world.match),
        {"expected_status": "active", "ended_on": _today(), "reason": "no_click"},
    )
    assert response.status_code == 403
    assert Match.objects.get(pk=world.match.pk).status == S.ACTIVE


# --- Evaluations -----------------------------------------------------------------------------


def test_a_volunteer_evaluates_once_from_their_page(world: World) -> None:
    http = _http(world.volunteer_user)
    url = _action("match_evaluate", world.match)
    response = http.post(url, {"rating": "4", "went_well": "Fijne gesprekken"})
    assert response.status_code == 302 and response["Location"] == _detail(world.match)
    evaluation = MatchEvaluation.objects.get()
    assert (evaluation.perspective, evaluation.rating, evaluation.author) == (
        "volunteer",
        4,
        world.volunteer_user,
    )
    # The page now shows the evaluation instead of the form.
    html = http.get(_detail(world.match)).content.decode()
    assert "Fijne gesprekken" in html and f'action="{url}"' not in html
    response = http.post(url, {"rating": "2"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "You have already written your evaluation of this match."
    ]
    assert MatchEvaluation.objects.count() == 1


def test_after_the_end_a_volunteer_still_evaluates_without_seeing_the_client(
    world: World,
) -> None:
    world.client.first_name = "MARKERFIRST"
    world.client.save()
    lifecycle.match_end(
        match=world.match,
        by=world.coordinator,
        expected_status=S.ACTIVE,
        ended_on=timezone.localdate(),
        reason=Match.EndReason.GOALS_REACHED,
    )
    http = _http(world.volunteer_user)
    url = _action("match_evaluate", world.match)
    page = http.get(url)
    assert page.status_code == 200
    assert "MARKER" not in page.content.decode()
    assert world.client.code not in page.content.decode()
    response = http.post(url, {"rating": "5"}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert "You rated this match 5 of 5" in response.content.decode()
    assert MatchEvaluation.objects.filter(author=world.volunteer_user).count() == 1


def test_a_bad_rating_is_shown_on_the_field(world: World) -> None:
    response = _http(world.professional).post(
        _action("match_evaluate", world.match), {"rating": "9"}
    )
    assert response.status_code == 200
    assert "rating" in response.context["form"].errors
    assert not MatchEvaluation.objects.exists()


def test_evaluations_are_listed_for_staff(world: World) -> None:
    lifecycle.match_evaluate(
        match=world.match, by=world.volunteer_user, rating=4, could_improve="Vaker bellen"
    )
    html = _http(world.coordinator).get(_detail(world.match)).content.decode()
    assert "Vaker bellen" in html and "Rating: 4 of 5" in html


# --- Circles through the pages ---------------------------------------------------------------


def _circle(world: World) -> Match:
    return match_of(world.org_a, kind=Match.Kind.CIRCLE, professional=world.professional)


def test_the_lead_changes_and_a_foreign_volunteer_is_refused(world: World) -> None:
    circle = _circle(world)
    http = _http(world.coordinator)
    other = circle.memberships.filter(is_lead=False).first()
    assert other is not None
    response = http.post(_action("match_set_lead", circle), {"volunteer": other.volunteer_id})
    assert response.status_code == 302
    assert circle.memberships.get(is_lead=True) == other
    for stranger in (world.volunteer, world.foreign_volunteer):
        response = http.post(_action("match_set_lead", circle), {"volunteer": stranger.pk})
        assert response.status_code == 200
        assert "volunteer" in response.context["lead_form"].errors
    assert circle.memberships.get(is_lead=True) == other


def test_the_outer_circle_is_added_to_and_removed_from(world: World) -> None:
    circle = _circle(world)
    http = _http(world.professional)
    response = http.post(
        _action("match_outer_add", circle),
        {"role": "probation_officer", "name": "Mw. De Vries", "phone": "0201234567"},
        follow=True,
    )
    assert _messages(response) == ["Mw. De Vries was added to the outer circle."]
    member = OuterCircleMember.objects.get()
    assert (member.match, member.phone) == (circle, "020 1234567")
    response = http.post(
        reverse("matching:match_outer_remove", args=[circle.pk, member.pk]), follow=True
    )
    assert _messages(response) == ["Mw. De Vries was removed from the outer circle."]
    assert not OuterCircleMember.objects.exists()


def test_a_bad_phone_number_is_shown_on_the_field(world: World) -> None:
    circle = _circle(world)
    response = _http(world.coordinator).post(
        _action("match_outer_add", circle), {"role": "police", "name": "Agent", "phone": "123"}
    )
    assert response.status_code == 200
    assert "phone" in response.context["outer_form"].errors
    assert not OuterCircleMember.objects.exists()


def test_an_outer_circle_member_of_another_match_is_not_found(world: World) -> None:
    circle, other = _circle(world), _circle(world)
    member = OuterCircleMember.objects.create(match=other, role="police", name="Agent")
    response = _http(world.coordinator).post(
        reverse("matching:match_outer_remove", args=[circle.pk, member.pk])
    )
    assert response.status_code == 404
    assert OuterCircleMember.objects.filter(pk=member.pk).exists()


def test_a_review_is_recorded_with_its_next_date(world: World) -> None:
    circle = _circle(world)
    response = _http(world.coordinator).post(
        _action("match_review_add", circle),
        {"held_on": _today(), "summary": "Het gaat goed", "decisions": "Door zo"},
        follow=True,
    )
    review = CircleReview.objects.get()
    assert review.next_review_on == timezone.localdate() + timedelta(weeks=12)
    assert _messages(response)[0].startswith("The review was recorded.")
    assert "Het gaat goed" in response.content.decode()


def test_a_review_in_the_future_is_shown_on_the_field(world: World) -> None:
    circle = _circle(world)
    later = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = _http(world.coordinator).post(
        _action("match_review_add", circle), {"held_on": later, "summary": "Te vroeg"}
    )
    assert response.status_code == 200
    assert "held_on" in response.context["review_form"].errors
    assert not CircleReview.objects.exists()


def test_a_circle_action_on_a_buddy_match_is_refused_with_a_message(world: World) -> None:
    response = _http(world.coordinator).post(
        _action("match_outer_add", world.match), {"role": "police", "name": "Agent"}, follow=True
    )
    assert response.redirect_chain == [(_detail(world.match), 302)]
    assert _messages(response) == [
        "Only a circle has a lead volunteer, an outer circle and reviews."
    ]
    assert not OuterCircleMember.objects.exists()


@pytest.mark.parametrize("status", [S.PROPOSED, S.INTRODUCTION])
def test_a_volunteer_finds_no_evaluation_page_before_the_match_is_active(
    world: World, status: str
) -> None:
    match = match_of(world.org_a, status=status, volunteers=[world.volunteer])
    assert _http(world.volunteer_user).get(_action("match_evaluate", match)).status_code == 404
