"""The waiting-list pages: the page, its htmx proposal, and accepting a pair."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import Client
from matching.models import Match
from reclass_volunteers.models import Organisation
from tests.conftest import World, client_for
from tests.matching.test_waiting import make_client, make_volunteer

LIST = reverse("matching:waiting_list")
PROPOSAL = reverse("matching:waiting_list_proposal")
ACCEPT = reverse("matching:waiting_accept")


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_page_fetches_the_proposal_with_htmx_and_shows_progress(world: World) -> None:
    response = client_for(world.coordinator).get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'hx-get="{PROPOSAL}"' in html
    assert 'hx-trigger="load"' in html
    assert "spinner-border" in html
    assert response.context["waiting"] == 1  # the personas' client has status waiting


def test_the_proposal_shows_each_pair_with_its_explanation(world: World) -> None:
    volunteer = make_volunteer(world.org_a, first_name="Wilma", last_name="Wachter")
    client = make_client(world.org_a, code="WL-001")
    response = client_for(world.coordinator).get(PROPOSAL)
    html = response.content.decode()
    pairs = response.context["proposal"].pairs
    assert [(p.client.pk, p.volunteer.id) for p in pairs] == [(client.pk, volunteer.pk)]
    assert "WL-001" in html and "Wilma Wachter" in html
    assert "Helpt bij 1 van de 1 hulpvraag: Huisvesting vinden" in html  # the engine's words
    assert f'action="{ACCEPT}"' in html
    assert f'name="volunteer_pk" value="{volunteer.pk}"' in html
    # The personas' client waits too, but their only volunteer has no room.
    assert [u.client for u in response.context["proposal"].unassigned] == [world.client]


def test_accepting_a_pair_makes_the_match(world: World) -> None:
    volunteer = make_volunteer(world.org_a)
    client = make_client(world.org_a)
    response = client_for(world.coordinator).post(
        ACCEPT, {"client_pk": client.pk, "volunteer_pk": volunteer.pk}, follow=True
    )
    assert response.redirect_chain == [(LIST, 302)]
    match = Match.objects.get(client=client)
    assert list(match.volunteers.all()) == [volunteer]
    assert match.kind == Match.Kind.BUDDY
    assert match.created_by == world.coordinator
    assert match.suggested_score is not None and match.suggested_score > 0
    client.refresh_from_db()
    assert client.status == Client.Status.MATCHED
    assert len(_messages(response)) == 1


def test_accepting_a_pair_that_is_not_the_clients_own_best_is_allowed(world: World) -> None:
    # The assignment may give the client's best volunteer to someone else; the match records
    # why (match_create asks for a reason when the choice differs from the top suggestion).
    make_volunteer(world.org_a, postcode="7511 AB")
    second_best = make_volunteer(world.org_a, postcode="1011 AB")
    client = make_client(world.org_a, postcode="7511 CD")
    client_for(world.coordinator).post(
        ACCEPT, {"client_pk": client.pk, "volunteer_pk": second_best.pk}
    )
    match = Match.objects.get(client=client)
    assert match.override_reason


def test_a_rule_that_breaks_is_shown_and_nothing_is_made(world: World) -> None:
    volunteer = make_volunteer(world.org_a, max_matches=1)
    make_client(world.org_a, code="FULL-1")
    taken = make_client(world.org_a, code="FULL-2")
    http = client_for(world.coordinator)
    # Someone else took the volunteer's only place a moment ago.
    http.post(ACCEPT, {"client_pk": taken.pk, "volunteer_pk": volunteer.pk}, follow=True)
    late = Client.objects.get(code="FULL-1", organisation=world.org_a)
    response = http.post(ACCEPT, {"client_pk": late.pk, "volunteer_pk": volunteer.pk}, follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    assert not Match.objects.filter(client=late).exists()
    [message] = _messages(response)
    assert volunteer.full_name in message


def test_a_client_without_consent_is_refused(world: World) -> None:
    volunteer = make_volunteer(world.org_a)
    client = make_client(world.org_a, code="NOC-1", consent_on=None, consent_method="")
    response = client_for(world.coordinator).post(
        ACCEPT, {"client_pk": client.pk, "volunteer_pk": volunteer.pk}, follow=True
    )
    assert not Match.objects.filter(client=client).exists()
    [message] = _messages(response)
    assert "NOC-1" in message


def test_another_organisations_client_or_volunteer_is_not_found(world: World) -> None:
    mine_v, mine_c = make_volunteer(world.org_a), make_client(world.org_a)
    their_v, their_c = make_volunteer(world.org_b), make_client(world.org_b)
    http = client_for(world.coordinator)
    for client, volunteer in ((their_c, mine_v), (mine_c, their_v)):
        response = http.post(ACCEPT, {"client_pk": client.pk, "volunteer_pk": volunteer.pk})
        assert response.status_code == 404
    assert not Match.objects.filter(client__in=[mine_c, their_c]).exists()


def test_bad_input_changes_nothing(world: World) -> None:
    before = Match.objects.count()
    response = client_for(world.coordinator).post(
        ACCEPT, {"client_pk": "x", "volunteer_pk": ""}, follow=True
    )
    assert response.redirect_chain == [(LIST, 302)]
    assert Match.objects.count() == before
    assert len(_messages(response)) == 1


def _grow(organisation: Organisation, count: int) -> None:
    for i in range(count):
        make_volunteer(organisation, max_matches=1 + i % 3)
        make_client(organisation, risk_flags=["addiction"] if i % 4 == 0 else [])
    make_client(organisation, consent_on=None, consent_method="")


def test_the_proposal_keeps_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    http = client_for(world.coordinator)
    _grow(world.org_a, 3)
    with CaptureQueriesContext(connection) as small:
        response = http.get(PROPOSAL)
    # The personas' client waits too.
    assert len(response.context["proposal"].pairs) == 4
    _grow(world.org_a, 27)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = http.get(PROPOSAL)
    assert len(response.context["proposal"].pairs) == 31
