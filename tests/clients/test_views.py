"""Client pages through the browser's requests: the list's filters and sorting, adding and
changing a record (bad input re-renders with the user's input and writes nothing), the staff
page and the volunteer's page, closing and reopening, conflicts of interest, fixed query
counts, and the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from clients.models import Client, NeedPriority, RiskFlag
from matching.models import ConflictOfInterest, Match, Referral
from reclass_volunteers import audit
from reclass_volunteers.models import AuditEvent, Role
from tests.conftest import World, client_for
from tests.factories import (
    ClientFactory,
    OrganisationFactory,
    UserFactory,
    VolunteerFactory,
    match_with,
)
from volunteers.choices import ActivityType

LIST = "clients:client_list"


def _nl(text: Any) -> str:
    """A label as the (Dutch) page shows it."""
    with translation.override("nl"):
        return gettext(str(text)) if isinstance(text, str) else str(text)


def _codes(response: Any) -> list[str]:
    return [c.code for c in response.context["page"].object_list]


# --- The list --------------------------------------------------------------------------------


@pytest.fixture
def spread(world: World) -> dict[str, Any]:
    """Organisation A's clients, each standing out on one filter."""
    colleague = UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)
    now = timezone.now()
    Client.objects.filter(pk=world.client.pk).update(
        code="A-000", created_at=now - timedelta(days=5)
    )
    return {
        "housing": ClientFactory(
            organisation=world.org_a,
            code="A-001",
            responsible_professional=world.professional,
            needs={"housing": 1, "social": 3},
            region="Twente",
            created_at=now - timedelta(days=40),
        ),
        "flagged": ClientFactory(
            organisation=world.org_a,
            code="A-002",
            risk_flags=["sex_offence", "violence"],
            region="Salland",
            responsible_professional=colleague,
            created_at=now - timedelta(days=10),
        ),
        "abroad": ClientFactory(
            organisation=world.org_a,
            code="A-003",
            responsible_professional=world.professional,
            abroad_country="ES",
            abroad_prison="Centro Penitenciario Málaga",
            consent_on=None,
            consent_method="",
            created_at=now - timedelta(days=1),
        ),
        "colleague": colleague,
    }


def test_list_filters(world: World, spread: dict[str, Any]) -> None:
    ClientFactory(organisation=world.org_b, code="B-001", needs={"housing": 1}, region="Twente")
    http = client_for(world.coordinator)
    url = reverse(LIST)
    assert _codes(http.get(url)) == ["A-000", "A-001", "A-002", "A-003"]
    assert _codes(http.get(url, {"need": "housing"})) == ["A-001"]
    assert _codes(http.get(url, {"need": "social"})) == ["A-001"]
    assert _codes(http.get(url, {"risk_flag": "violence"})) == ["A-002"]
    assert _codes(http.get(url, {"risk_flag": "addiction"})) == []
    assert _codes(http.get(url, {"region": "Twente"})) == ["A-001"]
    assert _codes(http.get(url, {"region": "__abroad__"})) == ["A-003"]
    assert _codes(http.get(url, {"consent_missing": "on"})) == ["A-003"]
    assert _codes(http.get(url, {"professional": spread["colleague"].pk})) == ["A-002"]
    assert _codes(http.get(url, {"professional": world.professional.pk})) == [
        "A-000",
        "A-001",
        "A-003",
    ]
    assert _codes(http.get(url, {"q": "a-00", "status": "waiting", "need": "housing"})) == ["A-001"]
    # Longest waiting first, and the other way round.
    assert _codes(http.get(url, {"sort": "waiting"})) == ["A-001", "A-002", "A-000", "A-003"]
    assert _codes(http.get(url, {"sort": "-waiting"})) == ["A-003", "A-000", "A-002", "A-001"]
    assert _codes(http.get(url, {"sort": "-code"})) == ["A-003", "A-002", "A-001", "A-000"]


def test_a_foreign_or_unknown_filter_value_is_not_applied(world: World) -> None:
    foreign_professional = world.foreign_client.responsible_professional
    http = client_for(world.coordinator)
    response = http.get(reverse(LIST), {"professional": foreign_professional.pk, "need": "x"})
    assert _codes(response) == [world.client.code]
    assert foreign_professional.full_name not in response.content.decode()


def test_list_shows_the_columns(world: World, spread: dict[str, Any]) -> None:
    response = client_for(world.coordinator).get(reverse(LIST))
    content = response.content.decode()
    rows = {row.client.code: row for row in response.context["rows"]}
    assert rows["A-001"].most_urgent_need == _nl(ActivityType.HOUSING.label)
    housing = spread["housing"]
    assert (
        rows["A-001"].days_waiting
        == (timezone.localdate() - timezone.localtime(housing.created_at).date()).days
    )
    assert rows["A-001"].days_waiting >= 39
    assert "Centro Penitenciario Málaga" in content
    assert "Twente" in content
    assert world.professional.full_name in content
    assert reverse("clients:client_create") in content


def test_professionals_see_only_their_clients_and_no_professional_filter(
    world: World, spread: dict[str, Any]
) -> None:
    response = client_for(world.professional).get(reverse(LIST))
    assert _codes(response) == ["A-000", "A-001", "A-003"]
    assert "professional" not in response.context["form"].fields
    # The flagged client is the colleague's: not in the list, nor reachable by filtering.
    response = client_for(world.professional).get(reverse(LIST), {"risk_flag": "violence"})
    assert _codes(response) == []


def _grow_list(world: World, n: int) -> None:
    for i in range(n):
        ClientFactory(
            organisation=world.org_a,
            responsible_professional=world.professional,
            region=f"Regio {i % 7}",
            needs={"housing": 1, "social": 2},
        )
        ClientFactory(organisation=world.org_b)


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize(("role", "max_queries"), [("coordinator", 11), ("professional", 10)])
def test_list_query_count_is_fixed(
    world: World,
    django_assert_max_num_queries: Callable[..., Any],
    size: int,
    role: str,
    max_queries: int,
) -> None:
    _grow_list(world, size)
    http = client_for(world.user(role))
    with django_assert_max_num_queries(max_queries):
        response = http.get(
            reverse(LIST), {"need": "housing", "consent_missing": "", "region": "Regio 1"}
        )
    assert response.status_code == 200
    with django_assert_max_num_queries(max_queries):
        response = http.get(reverse(LIST))
    assert len(response.context["rows"]) == min(size + 1, 25)


# --- Create and edit -------------------------------------------------------------------------


def _payload(world: World, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "NW-001",
        "first_name": "Kees",
        "last_name": "Jansen",
        "phone": "06-12345678",
        "postcode": "7511ab",
        "region": "Twente",
        "languages": "nederlands, engels",
        "gender": "male",
        "age_band": "24-34",
        "need_housing": "1",
        "need_social": "3",
        "need_relapse": "",
        "availability": ["mon_morning", "fri_evening"],
        "preferences": ["social"],
        "preferences_note": "Liefst iemand uit de buurt.",
        "consent_on": (date.today() - timedelta(days=3)).isoformat(),
        "consent_method": "written",
        "risk_flags": ["violence"],
        "staff_note": "Geweldsdelict 2019.",
        "responsible_professional": str(world.professional.pk),
    }
    data.update(changes)
    return data


def test_coordinator_adds_a_client(world: World) -> None:
    response = client_for(world.coordinator).post(
        reverse("clients:client_create"),
        # Extra fields are ignored: status, organisation and consent_recorded_by are not inputs.
        _payload(
            world,
            status="closed",
            organisation=str(world.org_b.pk),
            consent_recorded_by=str(world.admin.pk),
        ),
    )
    client = Client.objects.get(code="NW-001")
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:client_detail", args=[client.pk])
    assert client.organisation == world.org_a
    assert client.status == Client.Status.WAITING
    assert client.consent_recorded_by == world.coordinator
    assert client.needs == {"housing": 1, "social": 3}
    assert client.languages == ["Nederlands", "Engels"]
    assert (client.phone, client.postcode) == ("06 12345678", "7511 AB")
    assert client.availability == ["mon_morning", "fri_evening"]
    assert client.risk_flags == ["violence"]
    assert AuditEvent.objects.filter(action="client.create", object_id=str(client.pk)).exists()


def test_the_form_offers_needs_availability_and_the_professional_by_default(
    world: World,
) -> None:
    response = client_for(world.professional).get(reverse("clients:client_create"))
    content = response.content.decode()
    assert response.context["form"]["responsible_professional"].value() == world.professional.pk
    assert 'name="need_housing"' in content
    assert 'name="availability" value="mon_morning"' in content
    assert 'name="risk_flags"' in content
    # Only this organisation's professionals are offered.
    assert world.foreign_client.responsible_professional.full_name not in content


def test_a_professional_creates_a_client_for_themselves(world: World) -> None:
    response = client_for(world.professional).post(
        reverse("clients:client_create"), _payload(world)
    )
    client = Client.objects.get(code="NW-001")
    assert response.status_code == 302
    assert client.responsible_professional == world.professional


def test_a_duplicate_code_is_shown_on_the_code_and_the_input_is_kept(world: World) -> None:
    ClientFactory(organisation=world.org_a, code="NW-001")
    response = client_for(world.coordinator).post(
        reverse("clients:client_create"), _payload(world, first_name="Hendrikus")
    )
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    content = response.content.decode()
    assert 'value="Hendrikus"' in content
    assert "is-invalid" in content
    assert Client.objects.filter(code="NW-001").count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"phone": "12345"}, "phone"),
        ({"postcode": "abc"}, "postcode"),
        ({"need_housing": "7"}, "need_housing"),
        ({"availability": ["mon_night"]}, "availability"),
        ({"risk_flags": ["arson"]}, "risk_flags"),
        ({"consent_method": ""}, "consent_method"),
        ({"consent_on": (date.today() + timedelta(days=2)).isoformat()}, "consent_on"),
        ({"abroad_country": "Spanje"}, "abroad_country"),
        ({"languages": ",".join(f"taal{i}" for i in range(11))}, "languages"),
    ],
)
def test_bad_input_is_shown_next_to_the_field(
    world: World, changes: dict[str, Any], field: str
) -> None:
    before = Client.objects.count()
    response = client_for(world.coordinator).post(
        reverse("clients:client_create"), _payload(world, **changes)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Client.objects.count() == before


def test_a_foreign_professional_makes_the_form_invalid(world: World) -> None:
    foreign = world.foreign_client.responsible_professional
    response = client_for(world.coordinator).post(
        reverse("clients:client_create"),
        _payload(world, responsible_professional=str(foreign.pk)),
    )
    assert response.status_code == 200
    assert "responsible_professional" in response.context["form"].errors
    assert not Client.objects.filter(code="NW-001").exists()


def test_edit_shows_the_record_and_saves_changes(world: World) -> None:
    Client.objects.filter(pk=world.client.pk).update(needs={"recovery": 2})
    http = client_for(world.professional)
    url = reverse("clients:client_edit", args=[world.client.pk])
    response = http.get(url)
    assert response.context["form"]["need_recovery"].value() == "2"
    assert AuditEvent.objects.filter(action="client.read", object_id=str(world.client.pk))

    response = http.post(url, _payload(world, code=world.client.code, need_recovery="1"))
    assert response.status_code == 302
    world.client.refresh_from_db()
    assert world.client.needs == {"housing": 1, "social": 3, "recovery": 1}
    assert AuditEvent.objects.filter(action="client.update", actor=world.professional).exists()


def test_a_professional_cannot_reach_a_colleagues_client(world: World) -> None:
    colleague = UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)
    other = ClientFactory(organisation=world.org_a, responsible_professional=colleague)
    http = client_for(world.professional)
    for name in ("clients:client_detail", "clients:client_edit"):
        assert http.get(reverse(name, args=[other.pk])).status_code == 404
    response = http.post(
        reverse("clients:client_edit", args=[other.pk]), _payload(world, code=other.code)
    )
    assert response.status_code == 404
    assert http.post(reverse("clients:client_close", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.first_name != "Kees"
    assert other.status == Client.Status.WAITING


def test_an_outsider_cannot_change_a_client(world: World) -> None:
    http = client_for(world.outsider)
    response = http.post(
        reverse("clients:client_edit", args=[world.client.pk]),
        _payload(world, code=world.client.code),
    )
    assert response.status_code == 404
    world.client.refresh_from_db()
    assert world.client.first_name != "Kees"
    assert AuditEvent.objects.filter(
        action="access.denied", actor=world.outsider, object_id=str(world.client.pk)
    ).exists()


def test_handing_a_client_to_a_colleague_returns_to_the_list(world: World) -> None:
    colleague = UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)
    response = client_for(world.professional).post(
        reverse("clients:client_edit", args=[world.client.pk]),
        _payload(world, code=world.client.code, responsible_professional=str(colleague.pk)),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse(LIST)
    world.client.refresh_from_db()
    assert world.client.responsible_professional == colleague


# --- The staff page --------------------------------------------------------------------------


def test_detail_shows_the_whole_record_to_staff_and_audits_the_read(world: World) -> None:
    Client.objects.filter(pk=world.client.pk).update(
        needs={"social": 3, "housing": 1},
        risk_flags=["sex_offence"],
        staff_note="MARKER-NOTE",
        availability=["tue_evening"],
    )
    ended = match_with(
        VolunteerFactory(organisation=world.org_a), world.client, status=Match.Status.ENDED
    )
    response = client_for(world.coordinator).get(
        reverse("clients:client_detail", args=[world.client.pk])
    )
    content = response.content.decode()
    assert [label for label, _p, _l in response.context["needs"]] == [
        _nl(ActivityType.HOUSING.label),
        _nl(ActivityType.SOCIAL.label),
    ]
    assert "MARKER-NOTE" in content
    assert _nl(RiskFlag.SEX_OFFENCE.label) in content
    assert world.client.last_name in content
    for match in (world.match, ended):
        assert reverse("matching:match_detail", args=[match.pk]) in content
    assert AuditEvent.objects.filter(
        action="client.read", actor=world.coordinator, object_id=str(world.client.pk)
    ).exists()


def test_detail_warns_without_consent_and_hides_matching_buttons(world: World) -> None:
    client = ClientFactory(
        organisation=world.org_a,
        responsible_professional=world.professional,
        consent_on=None,
        consent_method="",
    )
    response = client_for(world.professional).get(
        reverse("clients:client_detail", args=[client.pk])
    )
    content = response.content.decode()
    with translation.override("nl"):
        warning = gettext("This client cannot be matched or referred until consent is recorded.")
    assert warning in content
    assert reverse("matching:client_suggestions", args=[client.pk]) not in content
    assert reverse("matching:referral_create", args=[client.pk]) not in content


def test_detail_offers_matching_for_a_waiting_client_with_consent(world: World) -> None:
    client = ClientFactory(organisation=world.org_a)
    content = (
        client_for(world.coordinator)
        .get(reverse("clients:client_detail", args=[client.pk]))
        .content.decode()
    )
    assert reverse("matching:client_suggestions", args=[client.pk]) in content
    assert reverse("matching:referral_create", args=[client.pk]) in content
    assert reverse("clients:client_edit", args=[client.pk]) in content
    assert reverse("clients:client_close", args=[client.pk]) in content
    assert "consent is recorded" not in content


def test_detail_lists_referrals(world: World) -> None:
    partner = OrganisationFactory(name="Humanitas Twente", kind="partner")
    Referral.objects.create(
        organisation=world.org_a,
        partner=partner,
        client=world.client,
        responsible_professional=world.professional,
        question="Een maatje.",
        consent_confirmed=True,
        status=Referral.Status.DECLINED,
        decline_reason="Geen plek.",
    )
    response = client_for(world.professional).get(
        reverse("clients:client_detail", args=[world.client.pk])
    )
    assert "Humanitas Twente" in response.content.decode()
    assert len(response.context["referrals"]) == 1


def test_audit_trail_shows_who_did_what(world: World) -> None:
    audit.record(action="client.update", user=world.admin, obj=world.client)
    # Another client's rows are not this client's trail.
    audit.record(action="client.update", user=world.admin, obj=world.foreign_client)
    response = client_for(world.professional).get(
        reverse("clients:client_detail", args=[world.client.pk])
    )
    trail = response.context["trail"]
    assert [(row.who, row.what) for row in trail] == [
        (world.professional.full_name, _nl("Viewed the record")),
        (world.admin.full_name, _nl("Changed the record")),
    ]
    assert world.admin.full_name in response.content.decode()


def test_an_outsiders_attempt_is_not_in_the_trail(world: World) -> None:
    client_for(world.outsider).get(reverse("clients:client_detail", args=[world.client.pk]))
    response = client_for(world.coordinator).get(
        reverse("clients:client_detail", args=[world.client.pk])
    )
    assert world.outsider.full_name not in response.content.decode()
    assert len(response.context["trail"]) == 1


def _grow_detail(world: World, n: int) -> None:
    partner = OrganisationFactory(kind="partner")
    for i in range(n):
        volunteer = VolunteerFactory(organisation=world.org_a)
        match = match_with(volunteer, world.client, status=Match.Status.ENDED)
        match.memberships.create(volunteer=VolunteerFactory(organisation=world.org_a))
        ConflictOfInterest.objects.create(
            client=world.client, volunteer=VolunteerFactory(organisation=world.org_a)
        )
        Referral.objects.create(
            organisation=world.org_a,
            partner=partner,
            client=world.client,
            responsible_professional=world.professional,
            question=f"Vraag {i}",
            consent_confirmed=True,
            status=Referral.Status.WITHDRAWN,
        )
        audit.record(action="client.update", user=world.admin, obj=world.client)


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize(("role", "max_queries"), [("coordinator", 16), ("professional", 15)])
def test_detail_query_count_is_fixed(
    world: World,
    django_assert_max_num_queries: Callable[..., Any],
    size: int,
    role: str,
    max_queries: int,
) -> None:
    _grow_detail(world, size)
    http = client_for(world.user(role))
    with django_assert_max_num_queries(max_queries):
        response = http.get(reverse("clients:client_detail", args=[world.client.pk]))
    assert response.status_code == 200
    assert len(response.context["conflicts"]) == size


# --- The volunteer's page --------------------------------------------------------------------


def test_volunteer_sees_the_minimum_never_flags_note_or_last_name(world: World) -> None:
    Client.objects.filter(pk=world.client.pk).update(
        first_name="Gerrit",
        last_name="MARKER-LASTNAME",
        code="MARKER-CODE",
        phone="06 11122233",
        postcode="9999 ZZ",
        risk_flags=["sex_offence", "violence"],
        staff_note="MARKER-STAFF-NOTE",
        preferences_note="MARKER-WISHES",
        needs={"housing": 1},
        languages=["Pools"],
        availability=["wed_afternoon"],
    )
    world.professional.phone = "020 1234567"
    world.professional.save()
    response = client_for(world.volunteer_user).get(
        reverse("clients:client_detail", args=[world.client.pk])
    )
    assert response.status_code == 200
    assert response.templates[0].name == "clients/client_detail_volunteer.html"
    content = response.content.decode()
    for shown in ("Gerrit", "06 11122233", _nl(ActivityType.HOUSING.label), "Pools", "020 1234567"):
        assert shown in content
    for hidden in (
        "MARKER-LASTNAME",
        "MARKER-CODE",
        "MARKER-STAFF-NOTE",
        "MARKER-WISHES",
        "9999 ZZ",
        _nl(RiskFlag.SEX_OFFENCE.label),
        _nl(RiskFlag.VIOLENCE.label),
        "sex_offence",
        _nl(NeedPriority.HIGH.label),
    ):
        assert hidden not in content
    assert AuditEvent.objects.filter(
        action="client.read", actor=world.volunteer_user, object_id=str(world.client.pk)
    ).exists()


def test_volunteer_of_an_ended_match_no_longer_sees_the_client(world: World) -> None:
    Match.objects.filter(pk=world.match.pk).update(
        status=Match.Status.ENDED, ended_on=date.today(), end_reason="goals_reached"
    )
    response = client_for(world.volunteer_user).get(
        reverse("clients:client_detail", args=[world.client.pk])
    )
    assert response.status_code == 404


# --- Close and reopen ------------------------------------------------------------------------


def test_close_with_a_live_match_is_refused_with_a_message(world: World) -> None:
    http = client_for(world.coordinator)
    response = http.post(reverse("clients:client_close", args=[world.client.pk]), follow=True)
    world.client.refresh_from_db()
    assert world.client.status == Client.Status.WAITING
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_close_and_reopen_through_the_page(world: World) -> None:
    client = ClientFactory(organisation=world.org_a, responsible_professional=world.professional)
    http = client_for(world.professional)
    response = http.post(reverse("clients:client_close", args=[client.pk]))
    assert response.status_code == 302
    client.refresh_from_db()
    assert client.status == Client.Status.CLOSED
    content = http.get(reverse("clients:client_detail", args=[client.pk])).content.decode()
    assert reverse("clients:client_reopen", args=[client.pk]) in content
    assert reverse("matching:client_suggestions", args=[client.pk]) not in content

    http.post(reverse("clients:client_reopen", args=[client.pk]))
    client.refresh_from_db()
    assert client.status == Client.Status.WAITING


# --- Conflicts of interest -------------------------------------------------------------------


def test_coordinator_records_and_removes_a_conflict(world: World) -> None:
    volunteer = VolunteerFactory(organisation=world.org_a, first_name="Bert", last_name="Buur")
    http = client_for(world.coordinator)
    response = http.post(
        reverse("clients:conflict_add", args=[world.client.pk]),
        {"volunteer": str(volunteer.pk), "note": "Buurman"},
    )
    assert response.status_code == 302
    conflict = ConflictOfInterest.objects.get()
    assert (conflict.volunteer, conflict.client, conflict.note) == (
        volunteer,
        world.client,
        "Buurman",
    )
    page = http.get(reverse("clients:client_detail", args=[world.client.pk])).content.decode()
    assert "Bert Buur" in page
    # Already recorded: no longer offered.
    assert f'value="{volunteer.pk}"' not in page

    response = http.post(reverse("clients:conflict_remove", args=[world.client.pk, conflict.pk]))
    assert response.status_code == 302
    assert not ConflictOfInterest.objects.exists()


def test_a_conflict_with_a_foreign_volunteer_is_refused_on_the_form(world: World) -> None:
    response = client_for(world.coordinator).post(
        reverse("clients:conflict_add", args=[world.client.pk]),
        {"volunteer": str(world.foreign_volunteer.pk), "note": "x"},
    )
    assert response.status_code == 200
    assert "volunteer" in response.context["conflict_form"].errors
    assert not ConflictOfInterest.objects.exists()


def test_a_conflict_of_another_client_cannot_be_removed_through_this_one(world: World) -> None:
    other = ClientFactory(organisation=world.org_a)
    conflict = ConflictOfInterest.objects.create(
        client=other, volunteer=VolunteerFactory(organisation=world.org_a)
    )
    response = client_for(world.coordinator).post(
        reverse("clients:conflict_remove", args=[world.client.pk, conflict.pk])
    )
    assert response.status_code == 404
    assert ConflictOfInterest.objects.filter(pk=conflict.pk).exists()


def test_professionals_see_conflicts_but_not_names_outside_their_view(world: World) -> None:
    stranger = VolunteerFactory(organisation=world.org_a, last_name="Vreemdeling")
    ConflictOfInterest.objects.create(client=world.client, volunteer=stranger)
    ConflictOfInterest.objects.create(client=world.client, volunteer=world.volunteer)
    response = client_for(world.professional).get(
        reverse("clients:client_detail", args=[world.client.pk])
    )
    content = response.content.decode()
    assert "Vreemdeling" not in content
    assert world.volunteer.last_name in content
    assert response.context["conflict_form"] is None
    assert "/conflicts/" not in content
