"""The suggestions page of a client: the best volunteers with each criterion explained, the
volunteers left out with every rule they break, and making a match from a suggestion or from
one's own pick.

Messages of this area are compared through gettext (the tests hold before and after the Dutch
catalogue is compiled); the engine's explanations, already in the catalogue, are checked in
Dutch."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext

from clients.models import Client
from matching.models import ConflictOfInterest, FlagTraining, Match, MatchingPolicy
from reclass_volunteers.models import AuditEvent, Organisation, User
from tests.conftest import World, client_for
from tests.factories import ClientFactory, VolunteerFactory, match_with
from tests.volunteers.factories_training import CourseFactory, EnrolmentFactory, SessionFactory
from volunteers.models import Certificate, Enrolment, Volunteer

OVERRIDE_EXPLAINED = (
    "Why this choice? Required when you do not choose the best suggestion: number 1 for a match "
    "with one volunteer, the first ones for a circle (for a circle of 4: numbers 1 to 4). Your "
    "judgement counts: write down why, so that the next coordinator knows."
)
NOBODY_ELIGIBLE = (
    "No volunteer meets every rule for this client. Below you see why volunteers are left out. "
    "You can also refer the client to a partner organisation."
)


def ready_volunteer(organisation: Organisation, **fields: Any) -> Volunteer:
    """An active volunteer with a current certificate of conduct and a free place."""
    fields.setdefault("postcode", "7511 AB")
    fields.setdefault("activity_preferences", ["social"])
    volunteer = VolunteerFactory(organisation=organisation, **fields)
    assert isinstance(volunteer, Volunteer)
    issued = date.today() - timedelta(days=30)
    Certificate.objects.create(
        volunteer=volunteer, requested_on=issued - timedelta(days=10), issued_on=issued
    )
    return volunteer


def waiting_client(world: World, **fields: Any) -> Client:
    fields.setdefault("postcode", "7511 CD")
    fields.setdefault("needs", {"social": 1})
    client = ClientFactory(
        organisation=world.org_a, responsible_professional=world.professional, **fields
    )
    assert isinstance(client, Client)
    return client


def _url(client: Client) -> str:
    return reverse("matching:client_suggestions", args=[client.pk])


def _html(msgid: str) -> str:
    return str(escape(gettext(msgid)))


def _messages(response: Any) -> list[str]:
    from django.contrib.messages import get_messages

    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def three(world: World) -> tuple[Client, list[Volunteer]]:
    """A waiting client and three eligible volunteers, best first: Anna lives closest and helps
    with the client's need; Bram helps too but lives further; Cas helps with nothing."""
    client = waiting_client(world, postcode="7511 CD", needs={"social": 1, "housing": 2})
    anna = ready_volunteer(
        world.org_a,
        first_name="Anna",
        last_name="Aalbers",
        postcode="7511 AB",
        activity_preferences=["social", "housing"],
    )
    bram = ready_volunteer(
        world.org_a,
        first_name="Bram",
        last_name="Bakker",
        postcode="7600 AA",
        activity_preferences=["social"],
    )
    cas = ready_volunteer(
        world.org_a,
        first_name="Cas",
        last_name="Cornelissen",
        postcode="9000 AA",
        activity_preferences=[],
    )
    return client, [anna, bram, cas]


# --- The page --------------------------------------------------------------------------------


def test_the_suggestions_are_ranked_and_explained_in_dutch(
    world: World, three: tuple[Client, list[Volunteer]]
) -> None:
    client, (anna, bram, cas) = three
    response = client_for(world.coordinator).get(_url(client))
    body = response.content.decode()
    assert response.status_code == 200

    rows = response.context["suggestions"]
    assert [row.id for row in rows] == [anna.pk, bram.pk, cas.pk]
    assert rows[0].total > rows[1].total > rows[2].total
    assert rows[2].total >= 0 and rows[0].total <= 100
    # Anna helps with both needs and lives in the same PC4: every point of those criteria.
    need, distance = rows[0].criteria[0], rows[0].criteria[1]
    assert (need.percent, distance.percent) == (100, 100)
    assert round(need.max_points) == 30 and need.points == pytest.approx(30)
    # The engine's explanations, in Dutch, per criterion.
    assert "Ongeveer 0 km verderop." in body
    assert "Helpt bij 2 van de 2 hulpvragen" in body
    assert "Afstand" in body
    # A bar per criterion: six per suggestion, no inline style (strict CSP).
    assert body.count("<progress") == 18
    assert 'value="100" max="100"' in body
    assert "style=" not in body
    # Scores shown as whole numbers out of 100; the checkboxes to choose.
    assert f'name="volunteers" value="{anna.pk}"' in body
    assert _html(OVERRIDE_EXPLAINED) in body


def test_the_excluded_volunteers_are_counted_per_rule_and_listed_with_every_reason(
    world: World,
) -> None:
    client = waiting_client(world, risk_flags=["sex_offence"])
    course = CourseFactory(organisation=world.org_a, name="Cirkeltraining")
    FlagTraining.objects.create(organisation=world.org_a, flag="sex_offence", course=course)
    # No certificate, not willing, no training: three rules at once.
    VolunteerFactory(organisation=world.org_a, first_name="Dirk", last_name="Dekker")
    paused = ready_volunteer(
        world.org_a,
        first_name="Eva",
        last_name="Evers",
        status=Volunteer.Status.PAUSED,
        willing_sex_offences=True,
    )
    EnrolmentFactory(
        session=SessionFactory(course=course),
        volunteer=paused,
        status=Enrolment.Status.COMPLETED,
        completed_on=date.today(),
    )
    conflicted = ready_volunteer(
        world.org_a, first_name="Fleur", last_name="Franken", willing_sex_offences=True
    )
    ConflictOfInterest.objects.create(volunteer=conflicted, client=client)

    response = client_for(world.coordinator).get(_url(client))
    body = response.content.decode()

    counts = {rule.key: rule.count for rule in response.context["rule_counts"]}
    # world.volunteer (no certificate, no free place, no training, not willing) is left out too.
    assert counts["no_certificate"] == 2
    assert counts["missing_training"] == 3
    assert counts["not_willing"] == 2
    assert counts["inactive"] == 1
    assert counts["conflict_of_interest"] == 1
    assert counts["at_capacity"] == 1
    assert response.context["excluded_total"] == 4
    assert response.context["suggestions"] == []
    # Every rule a volunteer breaks, not only the first, in plain Dutch.
    dirk = next(e for e in response.context["exclusions"] if e.name == "Dirk Dekker")
    assert len(dirk.reasons) == 3
    assert "De vrijwilliger heeft geen geldige VOG." in body
    assert "Cirkeltraining" in body
    assert _html("Declared a conflict of interest with this client") in body
    assert _html(NOBODY_ELIGIBLE) in body


def test_the_client_summary_shows_needs_flags_and_required_trainings(world: World) -> None:
    course = CourseFactory(organisation=world.org_a, name="Agressietraining")
    FlagTraining.objects.create(organisation=world.org_a, flag="violence", course=course)
    client = waiting_client(
        world,
        needs={"housing": 1, "social": 3},
        risk_flags=["violence"],
        languages=["Arabisch"],
        availability=["mon_evening"],
    )
    body = client_for(world.admin).get(_url(client)).content.decode()
    summary = body[body.index("client-summary-heading") :]
    assert _html("Finding housing") in summary and _html("Urgent") in summary
    assert _html("Violence") in summary
    assert "Agressietraining" in summary
    assert "Arabisch" in summary


def test_only_the_policys_number_of_suggestions_is_shown(world: World) -> None:
    MatchingPolicy.objects.create(organisation=world.org_a, suggestions_shown=2)
    client = waiting_client(world)
    for _ in range(4):
        ready_volunteer(world.org_a)
    response = client_for(world.coordinator).get(_url(client))
    assert len(response.context["suggestions"]) == 2
    assert response.context["eligible_total"] == 4
    assert response.content.decode().count('name="volunteers"') == 2


def test_reading_the_suggestions_is_audited(world: World) -> None:
    client = waiting_client(world)
    client_for(world.coordinator).get(_url(client))
    event = AuditEvent.objects.get(action="client.suggestions")
    assert (event.actor, event.object_id) == (world.coordinator, str(client.pk))


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        (
            {"consent_on": None, "consent_method": ""},
            "%(client)s has not consented to volunteer support. Record the consent on the "
            "client's page first: until then no volunteer can be suggested or matched.",
        ),
        (
            {"status": Client.Status.MATCHED},
            "%(client)s is not waiting for a volunteer (status: %(status)s). Suggestions are "
            "made only for clients on the waiting list.",
        ),
    ],
)
def test_a_client_without_consent_or_not_waiting_gets_an_explanation_and_no_form(
    world: World, fields: dict[str, Any], reason: str
) -> None:
    client = waiting_client(world, **fields)
    volunteer = ready_volunteer(world.org_a)
    http = client_for(world.coordinator)

    response = http.get(_url(client))
    body = response.content.decode()
    expected = gettext(reason) % {"client": client.code, "status": client.get_status_display()}
    assert response.status_code == 200
    assert str(escape(expected)) in body
    assert 'name="override_reason"' not in body and 'name="volunteers"' not in body
    assert "suggestions" not in response.context

    response = http.post(_url(client), {"kind": "buddy", "volunteers": [volunteer.pk]})
    assert response.status_code == 200
    assert str(escape(expected)) in response.content.decode()
    assert not Match.objects.filter(client=client).exists()


# --- Making the match ------------------------------------------------------------------------


def test_the_best_suggestion_becomes_a_match(
    world: World, three: tuple[Client, list[Volunteer]]
) -> None:
    client, (anna, _bram, _cas) = three
    http = client_for(world.coordinator)
    top_total = http.get(_url(client)).context["suggestions"][0].total

    response = http.post(
        _url(client), {"kind": "buddy", "volunteers": [anna.pk], "goals": "Samen sporten."}
    )

    match = Match.objects.get(client=client)
    assert response.status_code == 302
    assert response["Location"] == reverse("matching:match_detail", args=[match.pk])
    assert [str(m) for m in _messages(response)] == [
        gettext(
            "The match of %(client)s with %(volunteers)s is proposed. The responsible "
            "professional and the volunteers with an account have been notified."
        )
        % {"client": client.code, "volunteers": anna.full_name}
    ]
    assert (match.kind, match.status, match.goals, match.override_reason) == (
        Match.Kind.BUDDY,
        Match.Status.PROPOSED,
        "Samen sporten.",
        "",
    )
    assert match.suggested_score == pytest.approx(top_total)
    assert list(match.memberships.values_list("volunteer", "is_lead")) == [(anna.pk, True)]
    client.refresh_from_db()
    assert client.status == Client.Status.MATCHED


def test_a_circle_of_the_best_three_with_a_lead(
    world: World, three: tuple[Client, list[Volunteer]]
) -> None:
    client, (anna, bram, cas) = three
    response = client_for(world.admin).post(
        _url(client),
        {
            "kind": "circle",
            "volunteers": [anna.pk, bram.pk, cas.pk],
            "lead": bram.pk,
            "starts_in_prison": "on",
            "goals": "Een veilige terugkeer.",
        },
    )
    match = Match.objects.get(client=client)
    assert response.status_code == 302
    assert (match.kind, match.starts_in_prison, match.override_reason) == (
        Match.Kind.CIRCLE,
        True,
        "",
    )
    assert set(match.memberships.values_list("volunteer", "is_lead")) == {
        (anna.pk, False),
        (bram.pk, True),
        (cas.pk, False),
    }


def test_choosing_another_than_the_best_needs_a_reason(
    world: World, three: tuple[Client, list[Volunteer]]
) -> None:
    client, (_anna, bram, _cas) = three
    http = client_for(world.coordinator)

    response = http.post(
        _url(client), {"kind": "buddy", "volunteers": [bram.pk], "goals": "Wekelijks koffie."}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "override_reason" in response.context["form"].errors
    assert (
        _html(
            "You chose someone other than the best suggestion. Write down why: your judgement "
            "counts, and the next coordinator will want to know."
        )
        in body
    )
    assert not Match.objects.filter(client=client).exists()
    # Everything typed is kept.
    assert re.search(rf'name="volunteers" value="{bram.pk}"[^>]*checked', body)
    assert "Wekelijks koffie." in body

    response = http.post(
        _url(client),
        {
            "kind": "buddy",
            "volunteers": [bram.pk],
            "override_reason": "Bram kent de buurt en heeft ervaring met deze problematiek.",
        },
    )
    assert response.status_code == 302
    match = Match.objects.get(client=client)
    assert match.override_reason.startswith("Bram kent de buurt")


def test_someone_else_who_breaks_a_hard_rule_is_refused_with_the_reason(
    world: World, three: tuple[Client, list[Volunteer]]
) -> None:
    client, (anna, _bram, _cas) = three
    # Active, but without a certificate of conduct: never suggested, still in "someone else".
    daan = VolunteerFactory(organisation=world.org_a, first_name="Daan", last_name="Dijkstra")
    response = client_for(world.coordinator).post(
        _url(client),
        {
            "kind": "circle",
            "volunteers": [anna.pk],
            "others": [daan.pk, _bram.pk],
            "lead": daan.pk,
            "goals": "Structuur in de week.",
            "override_reason": "Daan kent de cliënt.",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert _html("This match breaks a rule that cannot be overridden.") in body
    assert "Daan Dijkstra: De vrijwilliger heeft geen geldige VOG." in body
    assert not Match.objects.filter(client=client).exists()
    # The input is kept: kind, the suggestion ticked, the others and the lead chosen, the text.
    assert re.search(r'value="circle"[^>]*checked', body)
    assert re.search(rf'name="volunteers" value="{anna.pk}"[^>]*checked', body)
    assert f'<option value="{daan.pk}" selected>' in body
    assert body.count(f'<option value="{daan.pk}" selected>') == 2  # others and lead
    assert "Structuur in de week." in body and "Daan kent de cliënt." in body


def test_a_volunteer_of_another_organisation_makes_the_form_invalid(
    world: World, three: tuple[Client, list[Volunteer]]
) -> None:
    client, _volunteers = three
    response = client_for(world.coordinator).post(
        _url(client), {"kind": "buddy", "others": [world.foreign_volunteer.pk]}
    )
    assert response.status_code == 200
    assert "others" in response.context["form"].errors
    assert not Match.objects.filter(client=client).exists()


def test_choosing_nobody_is_explained(world: World, three: tuple[Client, list[Volunteer]]) -> None:
    client, _volunteers = three
    response = client_for(world.coordinator).post(_url(client), {"kind": "buddy"})
    assert response.status_code == 200
    assert _html("Choose a volunteer: tick a suggestion or pick someone else.") in (
        response.content.decode()
    )
    assert not Match.objects.filter(client=client).exists()


def test_a_circle_too_small_for_the_policy_is_refused(
    world: World, three: tuple[Client, list[Volunteer]]
) -> None:
    client, (anna, bram, _cas) = three
    response = client_for(world.coordinator).post(
        _url(client), {"kind": "circle", "volunteers": [anna.pk, bram.pk]}
    )
    assert response.status_code == 200
    assert (
        _html("A circle has %(min)d to %(max)d volunteers; you chose %(count)d.")
        % {
            "min": 3,
            "max": 5,
            "count": 2,
        }
        in response.content.decode()
    )
    assert not Match.objects.filter(client=client).exists()


@pytest.mark.parametrize("who", ["professional", "volunteer_user"])
def test_professionals_and_volunteers_cannot_post_a_match(
    world: World, three: tuple[Client, list[Volunteer]], who: str
) -> None:
    client, (anna, _bram, _cas) = three
    user: User = getattr(world, who)
    response = client_for(user).post(_url(client), {"kind": "buddy", "volunteers": [anna.pk]})
    assert response.status_code == 403
    assert not Match.objects.filter(client=client).exists()


def test_the_outsider_cannot_post_a_match_for_our_client(
    world: World, three: tuple[Client, list[Volunteer]]
) -> None:
    client, (anna, _bram, _cas) = three
    response = client_for(world.outsider).post(
        _url(client), {"kind": "buddy", "volunteers": [anna.pk]}
    )
    assert response.status_code == 404
    assert not Match.objects.filter(client=client).exists()


# --- Queries ---------------------------------------------------------------------------------


def _crowd(world: World, size: int) -> Client:
    """A waiting client and `size` volunteers of every kind: suggested, excluded for several
    reasons, with matches, trainings and declared conflicts."""
    course = CourseFactory(organisation=world.org_a, validity_months=24)
    FlagTraining.objects.create(organisation=world.org_a, flag="violence", course=course)
    session = SessionFactory(course=course)
    client = waiting_client(world, risk_flags=["violence"])
    other = waiting_client(world)
    for i in range(size):
        if i % 5 == 4:
            VolunteerFactory(organisation=world.org_a)  # no certificate
            continue
        volunteer = ready_volunteer(world.org_a, max_matches=2)
        if i % 3:
            EnrolmentFactory(
                session=session,
                volunteer=volunteer,
                status=Enrolment.Status.COMPLETED,
                completed_on=date.today(),
            )
        if i % 4 == 0:
            match_with(volunteer, other)
        if i % 7 == 0:
            ConflictOfInterest.objects.create(volunteer=volunteer, client=client)
    return client


@pytest.mark.parametrize("size", [5, 60])
def test_the_page_takes_a_fixed_number_of_queries(
    world: World, size: int, django_assert_max_num_queries: Any
) -> None:
    client = _crowd(world, size)
    http = client_for(world.coordinator)
    with django_assert_max_num_queries(19):
        response = http.get(_url(client))
    assert response.status_code == 200
    assert response.context["considered_total"] == size + 1  # and world.volunteer
    assert response.context["suggestions"]


@pytest.mark.parametrize("size", [5, 60])
def test_a_refused_post_takes_a_fixed_number_of_queries(
    world: World, size: int, django_assert_max_num_queries: Any
) -> None:
    client = _crowd(world, size)
    http = client_for(world.coordinator)
    volunteers = [s.id for s in http.get(_url(client)).context["suggestions"][:2]]
    with django_assert_max_num_queries(25):
        response = http.post(_url(client), {"kind": "buddy", "volunteers": volunteers})
    assert response.status_code == 200
    assert not Match.objects.filter(client=client).exists()
