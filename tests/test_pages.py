"""List pages and home pages: scoped rows, search and filters, pagination, pinned query counts,
and what each role's home page shows."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from clients.models import Client
from matching.models import Match
from reclass_volunteers import outbox, services
from reclass_volunteers.models import AuditEvent, Role, User
from tests.conftest import World, client_for
from tests.factories import ClientFactory, UserFactory, VolunteerFactory, match_with
from volunteers.models import Volunteer

LIST_PAGES = (
    "volunteers:volunteer_list",
    "clients:client_list",
    "matching:match_list",
    "user_list",
)


def _rows(response: Any) -> list[Any]:
    return list(response.context["page"].object_list)


def _next_page_params(response: Any) -> dict[str, list[str]]:
    """The query of the "next page" link, as the browser would send it."""
    links = re.findall(r'<a class="page-link" href="\?([^"]*)"', response.content.decode())
    assert links, "no pagination links"
    return parse_qs(html.unescape(links[-1]))


# --- Volunteers -----------------------------------------------------------------------------


def test_volunteer_list_shows_own_organisation_only(world: World) -> None:
    own = VolunteerFactory(organisation=world.org_a, first_name="Aart", last_name="Appelboom")
    foreign = VolunteerFactory(organisation=world.org_b, first_name="Bert", last_name="Bezemer")

    response = client_for(world.coordinator).get(reverse("volunteers:volunteer_list"))
    assert response.status_code == 200
    content = response.content.decode()
    assert {v.pk for v in _rows(response)} == {world.volunteer.pk, own.pk}
    assert "Aart Appelboom" in content
    assert "Bezemer" not in content
    assert world.foreign_volunteer.last_name not in content

    response = client_for(world.outsider).get(reverse("volunteers:volunteer_list"))
    assert {v.pk for v in _rows(response)} == {world.foreign_volunteer.pk, foreign.pk}
    assert "Appelboom" not in response.content.decode()


def test_volunteer_list_for_a_professional_is_their_scope(world: World) -> None:
    VolunteerFactory(organisation=world.org_a, last_name="Onbekendsen")
    response = client_for(world.professional).get(reverse("volunteers:volunteer_list"))
    assert response.status_code == 200
    assert {v.pk for v in _rows(response)} == {world.volunteer.pk}
    assert "Onbekendsen" not in response.content.decode()


def test_volunteer_list_search_and_status_filter(world: World) -> None:
    aart = VolunteerFactory(
        organisation=world.org_a, first_name="Aart", last_name="Appelboom", postcode="7411AB"
    )
    paused = VolunteerFactory(
        organisation=world.org_a, last_name="Pauzemans", status=Volunteer.Status.PAUSED
    )
    VolunteerFactory(organisation=world.org_b, first_name="Aart", last_name="Anderorg")
    http = client_for(world.coordinator)
    url = reverse("volunteers:volunteer_list")

    response = http.get(url, {"q": "aart"})
    assert [v.pk for v in _rows(response)] == [aart.pk]
    assert response.context["query"] == "aart"
    assert "Anderorg" not in response.content.decode()

    response = http.get(url, {"q": "7411 AB"})
    assert [v.pk for v in _rows(response)] == [aart.pk]

    response = http.get(url, {"status": Volunteer.Status.PAUSED})
    assert [v.pk for v in _rows(response)] == [paused.pk]
    assert '<option value="paused" selected>' in response.content.decode()

    response = http.get(url, {"q": "aart", "status": Volunteer.Status.PAUSED})
    assert _rows(response) == []

    # An unknown status is ignored rather than an error.
    response = http.get(url, {"status": "nonsense"})
    assert response.status_code == 200
    assert len(_rows(response)) == Volunteer.objects.filter(organisation=world.org_a).count()


def test_volunteer_list_pagination_keeps_the_filters(world: World) -> None:
    for _ in range(30):
        VolunteerFactory(
            organisation=world.org_a, last_name="Zoekmans", status=Volunteer.Status.TRAINING
        )
    VolunteerFactory(organisation=world.org_a, last_name="Zoekmans", status=Volunteer.Status.PAUSED)
    http = client_for(world.coordinator)
    url = reverse("volunteers:volunteer_list")

    response = http.get(url, {"q": "zoekmans", "status": "training"})
    assert response.context["page"].paginator.count == 30
    assert len(_rows(response)) == 25
    params = _next_page_params(response)
    assert params == {"q": ["zoekmans"], "status": ["training"], "page": ["2"]}

    response = http.get(url, {k: v[0] for k, v in params.items()})
    assert response.status_code == 200
    assert response.context["page"].number == 2
    assert len(_rows(response)) == 5
    assert all(v.status == Volunteer.Status.TRAINING for v in _rows(response))
    assert _next_page_params(response) == {
        "q": ["zoekmans"],
        "status": ["training"],
        "page": ["1"],
    }


# --- Clients --------------------------------------------------------------------------------


def test_client_list_shows_own_organisation_only(world: World) -> None:
    own = ClientFactory(organisation=world.org_a, code="A-777", last_name="Appelboom")
    foreign = ClientFactory(organisation=world.org_b, code="B-777", last_name="Bezemer")

    response = client_for(world.coordinator).get(reverse("clients:client_list"))
    assert response.status_code == 200
    content = response.content.decode()
    assert {c.pk for c in _rows(response)} == {world.client.pk, own.pk}
    assert "A-777" in content
    assert "B-777" not in content
    assert "Bezemer" not in content
    assert world.foreign_client.code not in content

    response = client_for(world.outsider).get(reverse("clients:client_list"))
    assert {c.pk for c in _rows(response)} == {world.foreign_client.pk, foreign.pk}
    assert "A-777" not in response.content.decode()


def test_client_list_for_a_professional_shows_only_their_clients(world: World) -> None:
    colleague = UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)
    ClientFactory(organisation=world.org_a, code="COLLEGA-1", responsible_professional=colleague)
    response = client_for(world.professional).get(reverse("clients:client_list"))
    assert [c.pk for c in _rows(response)] == [world.client.pk]
    assert "COLLEGA-1" not in response.content.decode()


def test_client_list_search_and_status_filter(world: World) -> None:
    kees = ClientFactory(organisation=world.org_a, code="OOST-001", first_name="Kees")
    closed = ClientFactory(organisation=world.org_a, code="OOST-002", status=Client.Status.CLOSED)
    ClientFactory(organisation=world.org_b, code="OOST-003", first_name="Kees")
    http = client_for(world.coordinator)
    url = reverse("clients:client_list")

    response = http.get(url, {"q": "kees"})
    assert [c.pk for c in _rows(response)] == [kees.pk]
    response = http.get(url, {"q": "oost-"})
    assert [c.pk for c in _rows(response)] == [kees.pk, closed.pk]
    assert "OOST-003" not in response.content.decode()
    response = http.get(url, {"status": Client.Status.CLOSED})
    assert [c.pk for c in _rows(response)] == [closed.pk]
    response = http.get(url, {"q": "kees", "status": Client.Status.CLOSED})
    assert _rows(response) == []


def test_client_list_pagination_keeps_the_filters(world: World) -> None:
    for n in range(30):
        ClientFactory(organisation=world.org_a, code=f"ZK-{n:03d}", status=Client.Status.MATCHED)
    ClientFactory(organisation=world.org_a, code="ZK-999", status=Client.Status.CLOSED)
    http = client_for(world.coordinator)
    url = reverse("clients:client_list")

    response = http.get(url, {"q": "zk-", "status": "matched"})
    assert response.context["page"].paginator.count == 30
    params = _next_page_params(response)
    assert params == {"q": ["zk-"], "status": ["matched"], "page": ["2"]}
    response = http.get(url, {k: v[0] for k, v in params.items()})
    assert [c.code for c in _rows(response)] == [f"ZK-{n:03d}" for n in range(25, 30)]


# --- Matches --------------------------------------------------------------------------------


def test_match_list_shows_own_organisation_only_and_filters_by_status(world: World) -> None:
    ended_client = ClientFactory(organisation=world.org_a, code="EIND-1")
    ended = match_with(
        VolunteerFactory(organisation=world.org_a), ended_client, status=Match.Status.ENDED
    )
    http = client_for(world.coordinator)
    url = reverse("matching:match_list")

    response = http.get(url)
    assert response.status_code == 200
    assert {m.pk for m in _rows(response)} == {world.match.pk, ended.pk}
    content = response.content.decode()
    assert world.client.code in content
    assert world.volunteer.full_name in content
    assert world.foreign_client.code not in content
    assert world.foreign_volunteer.full_name not in content

    response = http.get(url, {"status": Match.Status.ENDED})
    assert [m.pk for m in _rows(response)] == [ended.pk]
    response = http.get(url, {"status": Match.Status.ACTIVE})
    assert [m.pk for m in _rows(response)] == [world.match.pk]

    response = client_for(world.outsider).get(url)
    assert [m.pk for m in _rows(response)] == [world.foreign_match.pk]
    assert world.client.code not in response.content.decode()


def test_match_list_pagination_keeps_the_filter(world: World) -> None:
    for _ in range(30):
        match_with(
            VolunteerFactory(organisation=world.org_a),
            ClientFactory(organisation=world.org_a),
            status=Match.Status.PROPOSED,
        )
    http = client_for(world.coordinator)
    url = reverse("matching:match_list")
    response = http.get(url, {"status": "proposed"})
    assert response.context["page"].paginator.count == 30
    params = _next_page_params(response)
    assert params == {"status": ["proposed"], "page": ["2"]}
    response = http.get(url, {k: v[0] for k, v in params.items()})
    assert len(_rows(response)) == 5
    assert all(m.status == Match.Status.PROPOSED for m in _rows(response))


# --- Users ----------------------------------------------------------------------------------


def test_user_list_shows_own_organisation_only_and_searches(world: World) -> None:
    http = client_for(world.admin)
    url = reverse("user_list")

    response = http.get(url)
    assert response.status_code == 200
    assert {u.pk for u in _rows(response)} == set(
        User.objects.filter(organisation=world.org_a).values_list("pk", flat=True)
    )
    content = response.content.decode()
    assert world.coordinator.email in content
    assert world.outsider.email not in content
    assert world.outsider.full_name not in content

    response = http.get(url, {"q": "piet"})
    assert [u.pk for u in _rows(response)] == [world.professional.pk]
    response = http.get(url, {"q": world.volunteer_user.email.upper()})
    assert [u.pk for u in _rows(response)] == [world.volunteer_user.pk]
    response = http.get(url, {"q": "otto"})
    assert _rows(response) == []


def test_user_list_pagination_keeps_the_search(world: World) -> None:
    for n in range(30):
        UserFactory(organisation=world.org_a, role=Role.VOLUNTEER, full_name=f"Zoek {n:02d}")
    http = client_for(world.admin)
    response = http.get(reverse("user_list"), {"q": "zoek"})
    assert response.context["page"].paginator.count == 30
    params = _next_page_params(response)
    assert params == {"q": ["zoek"], "page": ["2"]}
    response = http.get(reverse("user_list"), {k: v[0] for k, v in params.items()})
    assert [u.full_name for u in _rows(response)] == [f"Zoek {n:02d}" for n in range(25, 30)]


# --- Query counts ---------------------------------------------------------------------------


def _grow(world: World, n: int) -> None:
    """n more rows of everything each page lists, for organisation A (all within the persona
    professional's scope too) and, as noise, organisation B."""
    for i in range(n):
        volunteer = VolunteerFactory(organisation=world.org_a, supervisor=world.professional)
        client = ClientFactory(
            organisation=world.org_a, responsible_professional=world.professional
        )
        match = match_with(volunteer, client)
        # A circle: the persona volunteer joins every match, so their home page grows too.
        match.memberships.create(volunteer=world.volunteer)
        UserFactory(organisation=world.org_a, role=Role.VOLUNTEER)
        services.invitation_create(
            by=world.admin,
            email=f"invitee{i}@example.org",
            full_name=f"Invitee {i}",
            role=Role.VOLUNTEER,
            base_url="http://testserver/",
        )
        match_with(
            VolunteerFactory(organisation=world.org_b), ClientFactory(organisation=world.org_b)
        )
        for role in ("coordinator", "professional", "volunteer", "admin"):
            outbox.notify(kind="test", recipient=world.user(role), title="t", occasion=str(i))


# Pinned maxima: the same at 3 and at 30 rows, so a template that queries per row fails.
PAGE_QUERIES = [
    ("coordinator", "volunteers:volunteer_list", 10),
    ("professional", "volunteers:volunteer_list", 10),
    ("coordinator", "clients:client_list", 11),
    ("professional", "clients:client_list", 10),
    ("coordinator", "matching:match_list", 11),
    ("professional", "matching:match_list", 11),
    ("admin", "user_list", 11),
    ("coordinator", "home", 23),
    ("professional", "home", 16),
    ("volunteer", "home", 10),
    ("admin", "home", 25),
]


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize(("role", "name", "max_queries"), PAGE_QUERIES)
def test_query_count_does_not_grow_with_the_rows(
    world: World,
    django_assert_max_num_queries: Callable[..., Any],
    size: int,
    role: str,
    name: str,
    max_queries: int,
) -> None:
    _grow(world, size)
    http = client_for(world.user(role))
    with django_assert_max_num_queries(max_queries):
        response = http.get(reverse(name))
    assert response.status_code == 200
    if name != "home":
        assert len(_rows(response)) >= min(size, 25)


def test_every_list_page_has_a_pinned_query_count() -> None:
    assert set(LIST_PAGES) <= {name for _, name, _ in PAGE_QUERIES}


# --- Home pages -----------------------------------------------------------------------------


def test_coordinator_home_shows_the_counts_of_own_organisation(world: World) -> None:
    ClientFactory(organisation=world.org_a, status=Client.Status.WAITING)
    ClientFactory(organisation=world.org_a, status=Client.Status.CLOSED)
    for _ in range(4):
        ClientFactory(organisation=world.org_b, status=Client.Status.WAITING)
    VolunteerFactory(organisation=world.org_a, status=Volunteer.Status.PAUSED)
    VolunteerFactory(organisation=world.org_b, status=Volunteer.Status.PAUSED)
    match_with(
        VolunteerFactory(organisation=world.org_a),
        ClientFactory(organisation=world.org_a, status=Client.Status.MATCHED),
        status=Match.Status.ENDED,
    )

    response = client_for(world.coordinator).get(reverse("home"))
    assert response.status_code == 200
    assert "home/coordinator.html" in [t.name for t in response.templates]
    # world.client (waiting) and the one above; not B's four.
    assert response.context["waiting_clients"] == 2
    assert response.context["live_matches"] == 1
    counts = dict(response.context["volunteer_counts"])
    assert counts[Volunteer.Status.ACTIVE.label] == 2
    assert counts[Volunteer.Status.PAUSED.label] == 1
    assert sum(counts.values()) == Volunteer.objects.filter(organisation=world.org_a).count()
    content = response.content.decode()
    assert f"{reverse('clients:client_list')}?status=waiting" in content
    # Our nl catalogue ("Clients waiting for a volunteer").
    assert "Cliënten die wachten op een vrijwilliger" in content
    assert "Gebruiker uitnodigen" not in content


def test_professional_home_shows_my_clients_and_supervised_volunteers(world: World) -> None:
    colleague = UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)
    ClientFactory(organisation=world.org_a, code="COLLEGA-1", responsible_professional=colleague)
    VolunteerFactory(organisation=world.org_a, supervisor=colleague, last_name="Anderman")

    response = client_for(world.professional).get(reverse("home"))
    assert response.status_code == 200
    assert "home/professional.html" in [t.name for t in response.templates]
    assert list(response.context["my_clients"]) == [world.client]
    assert list(response.context["my_volunteers"]) == [world.volunteer]
    content = response.content.decode()
    # Our nl catalogue ("My clients").
    assert "Mijn cliënten" in content
    assert reverse("clients:client_detail", args=[world.client.pk]) in content
    assert world.client.code in content
    assert world.volunteer.full_name in content
    assert "COLLEGA-1" not in content
    assert "Anderman" not in content
    assert "waiting_clients" not in response.context


def test_volunteer_home_shows_the_clients_first_name_only(world: World) -> None:
    Client.objects.filter(pk=world.client.pk).update(
        first_name="Kees", last_name="Zwartenberg", staff_note="Inbraak; risico hoog"
    )
    ended_client = ClientFactory(organisation=world.org_a, first_name="Gerrit")
    match_with(world.volunteer, ended_client, status=Match.Status.ENDED)

    response = client_for(world.volunteer_user).get(reverse("home"))
    assert response.status_code == 200
    assert "home/volunteer.html" in [t.name for t in response.templates]
    assert [m.pk for m in response.context["my_matches"]] == [world.match.pk]
    content = response.content.decode()
    assert "Kees" in content
    assert reverse("clients:client_detail", args=[world.client.pk]) in content
    assert "Zwartenberg" not in content
    assert "Inbraak" not in content
    assert world.client.code not in content
    assert "Gerrit" not in content
    # Our nl catalogue ("The people I support").
    assert "De mensen die ik ondersteun" in content


def test_admin_home_shows_the_invite_button(world: World) -> None:
    response = client_for(world.admin).get(reverse("home"))
    assert response.status_code == 200
    assert "home/admin.html" in [t.name for t in response.templates]
    content = response.content.decode()
    assert f'href="{reverse("user_invite")}"' in content
    assert f'href="{reverse("user_list")}"' in content
    # Our nl catalogue ("Invite a user").
    assert "Gebruiker uitnodigen" in content
    users_by_role = {row["role"]: row["n"] for row in response.context["users_by_role"]}
    assert users_by_role == {
        Role.ADMIN: 1,
        Role.COORDINATOR: 1,
        Role.PROFESSIONAL: 1,
        Role.VOLUNTEER: 1,
    }
    # The admin is a coordinator of the organisation too.
    assert response.context["waiting_clients"] == 1


@pytest.mark.parametrize("role", ["coordinator", "professional", "volunteer"])
def test_non_admin_home_has_no_invite_button(world: World, role: str) -> None:
    response = client_for(world.user(role)).get(reverse("home"))
    assert response.status_code == 200
    assert reverse("user_invite") not in response.content.decode()


def test_operations_home_for_a_superuser(db: Any) -> None:
    root = User.objects.create_superuser(email="root@example.org", password="x", full_name="Root")
    response = client_for(root).get(reverse("home"))
    assert response.status_code == 200
    assert "home/operations.html" in [t.name for t in response.templates]
    assert reverse("admin:index") in response.content.decode()


def test_home_requires_log_in(db: Any) -> None:
    response = HttpClient().get(reverse("home"))
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=/"


# --- Client detail as a volunteer -----------------------------------------------------------


def test_client_detail_for_a_volunteer_shows_the_minimum(world: World) -> None:
    User.objects.filter(pk=world.professional.pk).update(phone="06-11223344")
    Client.objects.filter(pk=world.client.pk).update(
        first_name="Kees",
        last_name="Zwartenberg",
        phone="06-99887766",
        staff_note="Veroordeeld voor inbraak; risicoscore hoog",
    )

    response = client_for(world.volunteer_user).get(
        reverse("clients:client_detail", args=[world.client.pk])
    )
    assert response.status_code == 200
    assert "clients/client_detail_volunteer.html" in [t.name for t in response.templates]
    content = response.content.decode()
    assert "Kees" in content
    assert "06-99887766" in content
    assert "06-11223344" in content
    assert world.professional.full_name in content
    assert "Zwartenberg" not in content
    assert "inbraak" not in content
    assert "risicoscore" not in content
    assert world.client.code not in content
    # The read is in the audit log.
    assert AuditEvent.objects.filter(
        action="client.read", actor=world.volunteer_user, object_id=str(world.client.pk)
    ).exists()


def test_client_detail_for_staff_shows_the_staff_note(world: World) -> None:
    Client.objects.filter(pk=world.client.pk).update(
        last_name="Zwartenberg", staff_note="Veroordeeld voor inbraak"
    )
    response = client_for(world.professional).get(
        reverse("clients:client_detail", args=[world.client.pk])
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Zwartenberg" in content
    assert "Veroordeeld voor inbraak" in content


MENU_LINKS = {
    "matching:waiting_list": {Role.COORDINATOR, Role.ADMIN},
    "matching:referral_list": {Role.COORDINATOR, Role.PROFESSIONAL, Role.ADMIN},
    "matching:matching_policy": {Role.COORDINATOR, Role.ADMIN},
    "volunteers:policy_edit": {Role.COORDINATOR, Role.ADMIN},
    "audit_list": {Role.ADMIN},
}


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.PROFESSIONAL, Role.VOLUNTEER, Role.ADMIN])
def test_the_menu_offers_each_role_its_pages_with_settings_under_management(
    world: World, role: str
) -> None:
    page = client_for(world.user(role)).get(reverse("home")).content.decode()
    nav = page[page.index("<nav") : page.index("</nav>")]
    for name, roles in MENU_LINKS.items():
        assert (f'href="{reverse(name)}"' in nav) == (role in roles), name
    # The policies and administration sit in one dropdown, so the bar fits a laptop screen.
    has_management = role in (Role.COORDINATOR, Role.ADMIN)
    assert ('class="nav-link dropdown-toggle' in nav and "Beheer" in nav) == has_management


def test_admin_home_has_the_coordinators_dashboard(world: World) -> None:
    """The admin's home extends the coordinator's: its signal overview, matches and overdue
    supervision are filled in, not left empty."""
    response = client_for(world.admin).get(reverse("home"))
    assert response.status_code == 200
    assert "home/admin.html" in [t.name for t in response.templates]
    for key in ("signals", "match_rows", "overdue_supervision_total", "attention_total"):
        assert key in response.context, key
    assert [row.match for row in response.context["match_rows"]] == [world.match]
