"""Referral pages through the browser's requests: referring a client, the lists of referrals
sent and received, a referral's page on each side and the answers on it. The partner never sees
the client record nor referrals sent to other partners; every page names the professional who
keeps final responsibility; lists keep a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from clients.models import Client
from matching.models import Referral
from reclass_volunteers.models import AuditEvent, Organisation, Role, User
from tests.conftest import World, client_for
from tests.factories import ClientFactory, UserFactory
from tests.matching.factories_referrals import PartnerFactory, referral_for

S = Referral.Status


@dataclass
class Partner:
    organisation: Organisation
    coordinator: User
    other: Organisation
    other_coordinator: User


@pytest.fixture
def partner(world: World) -> Partner:
    organisation = PartnerFactory(name="Humanitas Oost")
    other = PartnerFactory(name="Stichting Present")
    world.professional.email = "piet@reclassering-a.example"
    world.professional.phone = "053 1234567"
    world.professional.save()
    return Partner(
        organisation=organisation,
        coordinator=UserFactory(organisation=organisation, role=Role.COORDINATOR),
        other=other,
        other_coordinator=UserFactory(organisation=other, role=Role.COORDINATOR),
    )


def _waiting_client(world: World, **extra: Any) -> Client:
    fields: dict[str, Any] = {
        "organisation": world.org_a,
        "responsible_professional": world.professional,
        "first_name": "Jan",
        "last_name": "Achterhuis",
        "code": "CL-7777",
        "region": "Enschede",
        "postcode": "7511 AB",
        "phone": "06 12345678",
        "staff_note": "MARKER-STAFFNOTE",
        "needs": {"housing": 1},
        **extra,
    }
    return ClientFactory(**fields)


def _post_referral(user: User, client: Client, **data: Any) -> Any:
    payload: dict[str, Any] = {
        "partner": "",
        "question": "Een maatje voor sociale activiteiten.",
        "share": ["first_name", "region"],
        "consent_confirmed": "on",
        **data,
    }
    return client_for(user).post(reverse("matching:referral_create", args=[client.pk]), payload)


# --- Referring -------------------------------------------------------------------------------


def test_the_form_offers_partner_organisations_and_sensible_defaults(
    world: World, partner: Partner
) -> None:
    client = _waiting_client(world)
    response = client_for(world.professional).get(
        reverse("matching:referral_create", args=[client.pk])
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.fields["partner"].queryset) == [partner.organisation, partner.other]
    assert "phone" not in form["share"].initial and "first_name" in form["share"].initial
    html = response.content.decode()
    # Each choice shows what it would share; the page names the responsible professional.
    assert "Enschede (7511)" in html
    assert world.professional.full_name in html
    assert "piet@reclassering-a.example" in html
    assert AuditEvent.objects.filter(action="client.read", object_id=str(client.pk)).exists()


def test_a_client_without_consent_gets_a_message_and_no_form(
    world: World, partner: Partner
) -> None:
    client = _waiting_client(world, consent_on=None, consent_method="")
    response = client_for(world.coordinator).get(
        reverse("matching:referral_create", args=[client.pk])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert _("No consent recorded") in html
    assert 'name="partner"' not in html
    assert _("Send the referral") not in html


def test_coordinator_refers_a_client(world: World, partner: Partner) -> None:
    client = _waiting_client(world)
    response = _post_referral(
        world.coordinator,
        client,
        partner=partner.organisation.pk,
        # Extra fields are ignored.
        status="matched",
        organisation=world.org_b.pk,
        responsible_professional=world.coordinator.pk,
    )
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("matching:referral_detail", args=[referral.pk])
    assert (referral.organisation, referral.partner, referral.status) == (
        world.org_a,
        partner.organisation,
        S.SENT,
    )
    assert referral.responsible_professional == world.professional
    assert [item["key"] for item in referral.shared_data["items"]] == ["first_name", "region"]
    client.refresh_from_db()
    assert client.status == Client.Status.REFERRED


def test_an_unconfirmed_consent_is_shown_on_the_form_and_nothing_is_sent(
    world: World, partner: Partner
) -> None:
    client = _waiting_client(world)
    response = _post_referral(
        world.coordinator, client, partner=partner.organisation.pk, consent_confirmed=""
    )
    assert response.status_code == 200
    assert "consent_confirmed" in response.context["form"].errors
    html = response.content.decode()
    # The user's input is kept.
    assert "Een maatje voor sociale activiteiten." in html
    assert not Referral.objects.exists()
    assert Client.objects.get(pk=client.pk).status == Client.Status.WAITING


@pytest.mark.parametrize("which", ["probation", "own", "missing"])
def test_a_partner_outside_the_choices_makes_the_form_invalid(
    world: World, partner: Partner, which: str
) -> None:
    target = {"probation": world.org_b.pk, "own": world.org_a.pk, "missing": 999999}[which]
    response = _post_referral(world.coordinator, _waiting_client(world), partner=target)
    assert response.status_code == 200
    assert "partner" in response.context["form"].errors
    assert not Referral.objects.exists()


def test_a_service_refusal_is_shown_and_the_form_kept(world: World, partner: Partner) -> None:
    client = _waiting_client(world)
    response = _post_referral(world.coordinator, client, partner=partner.organisation.pk, share=[])
    assert response.status_code == 200
    assert response.context["form"].errors["share"] == [
        _("Choose at least one thing the partner needs to know.")
    ]
    assert not Referral.objects.exists()


def test_a_client_with_an_open_referral_is_pointed_to_it(world: World, partner: Partner) -> None:
    client = _waiting_client(world)
    referral = referral_for(client, partner.organisation)
    response = client_for(world.coordinator).get(
        reverse("matching:referral_create", args=[client.pk])
    )
    html = response.content.decode()
    assert reverse("matching:referral_detail", args=[referral.pk]) in html
    assert _("Send the referral") not in html


# --- Lists -----------------------------------------------------------------------------------


def _list(user: User, **params: str) -> Any:
    return client_for(user).get(reverse("matching:referral_list"), params)


def test_sent_and_received_lists(world: World, partner: Partner) -> None:
    mine = referral_for(_waiting_client(world), partner.organisation)
    to_other = referral_for(_waiting_client(world, code="CL-8888"), partner.other)
    foreign = referral_for(world.foreign_client, partner.organisation)

    assert list(_list(world.coordinator).context["page"]) == [to_other, mine]
    # The partner sees by default what it received, and only what was sent to it.
    response = _list(partner.coordinator)
    assert response.context["box"] == "received"
    assert list(response.context["page"]) == [foreign, mine]
    html = response.content.decode()
    assert "CL-7777" not in html and "CL-8888" not in html
    assert list(_list(partner.other_coordinator).context["page"]) == [to_other]
    assert list(_list(partner.coordinator, box="sent").context["page"]) == []
    assert list(_list(world.outsider, box="received").context["page"]) == []


def test_professionals_see_the_referrals_of_their_own_clients(
    world: World, partner: Partner
) -> None:
    mine = referral_for(_waiting_client(world), partner.organisation)
    colleague = UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)
    referral_for(
        ClientFactory(organisation=world.org_a, responsible_professional=colleague), partner.other
    )
    assert list(_list(world.professional).context["page"]) == [mine]


def test_the_list_filters_by_status_and_paginates(world: World, partner: Partner) -> None:
    accepted = referral_for(_waiting_client(world), partner.organisation, status=S.ACCEPTED)
    for _n in range(26):
        referral_for(ClientFactory(organisation=world.org_a), partner.organisation, status=S.ENDED)
    assert list(_list(world.coordinator, status="accepted").context["page"]) == [accepted]
    page = _list(world.coordinator).context["page"]
    assert (len(page), page.paginator.count) == (25, 27)
    assert len(_list(world.coordinator, page="2").context["page"]) == 2


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize("box", ["sent", "received"])
def test_the_list_runs_a_fixed_number_of_queries(
    world: World,
    partner: Partner,
    django_assert_max_num_queries: Any,
    rows: int,
    box: str,
) -> None:
    for _n in range(rows):
        client = ClientFactory(organisation=world.org_a)
        referral_for(client, partner.organisation)
    user = world.coordinator if box == "sent" else partner.coordinator
    http = client_for(user)
    with django_assert_max_num_queries(12):
        response = http.get(reverse("matching:referral_list"), {"box": box})
    assert response.status_code == 200
    assert len(response.context["page"]) == min(rows, 25)


# --- One referral, two sides -----------------------------------------------------------------


def _detail(user: User, referral: Referral) -> Any:
    return client_for(user).get(reverse("matching:referral_detail", args=[referral.pk]))


def test_the_partner_sees_only_what_was_shared(world: World, partner: Partner) -> None:
    client = _waiting_client(world)
    _post_referral(world.coordinator, client, partner=partner.organisation.pk)
    referral = Referral.objects.get()
    response = _detail(partner.coordinator, referral)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Een maatje voor sociale activiteiten." in html
    assert "Jan" in html and "Enschede (7511)" in html
    assert "Reclassering A" in html
    # The professional who keeps final responsibility, with work contact details.
    assert world.professional.full_name in html
    assert "piet@reclassering-a.example" in html and "053 1234567" in html
    # Nothing of the client record beyond the snapshot.
    for secret in ("Achterhuis", "CL-7777", "MARKER-STAFFNOTE", "06 12345678"):
        assert secret not in html
    assert reverse("clients:client_detail", args=[client.pk]) not in html
    assert AuditEvent.objects.filter(
        action="referral.read", actor=partner.coordinator, object_id=str(referral.pk)
    ).exists()


def test_the_sender_sees_the_client_and_the_responsible_professional(
    world: World, partner: Partner
) -> None:
    client = _waiting_client(world)
    referral = referral_for(client, partner.organisation)
    html = _detail(world.professional, referral).content.decode()
    assert reverse("clients:client_detail", args=[client.pk]) in html
    assert "CL-7777" in html and "Humanitas Oost" in html
    assert "piet@reclassering-a.example" in html


def test_partner_users_never_see_the_client_record(world: World, partner: Partner) -> None:
    client = _waiting_client(world)
    referral_for(client, partner.organisation)
    response = client_for(partner.coordinator).get(
        reverse("clients:client_detail", args=[client.pk])
    )
    assert response.status_code == 404


def test_other_partners_and_partner_professionals_do_not_find_the_referral(
    world: World, partner: Partner
) -> None:
    referral = referral_for(_waiting_client(world), partner.organisation)
    assert _detail(partner.other_coordinator, referral).status_code == 404
    professional = UserFactory(organisation=partner.organisation, role=Role.PROFESSIONAL)
    assert _detail(professional, referral).status_code == 404
    colleague = UserFactory(organisation=world.org_a, role=Role.PROFESSIONAL)
    assert _detail(colleague, referral).status_code == 404


@pytest.mark.parametrize(
    ("status", "partner_actions", "sender_actions"),
    [
        (S.SENT, {"referral_accept", "referral_decline"}, {"referral_withdraw"}),
        (S.ACCEPTED, {"referral_report_match", "referral_end"}, {"referral_withdraw"}),
        (S.MATCHED, {"referral_end"}, set()),
        (S.DECLINED, set(), set()),
        (S.ENDED, set(), set()),
        (S.WITHDRAWN, set(), set()),
    ],
)
def test_the_actions_offered_depend_on_status_and_side(
    world: World,
    partner: Partner,
    status: str,
    partner_actions: set[str],
    sender_actions: set[str],
) -> None:
    referral = referral_for(_waiting_client(world), partner.organisation, status=status)
    names = {
        "referral_accept",
        "referral_decline",
        "referral_report_match",
        "referral_end",
        "referral_withdraw",
    }

    def offered(user: User) -> set[str]:
        html = _detail(user, referral).content.decode()
        return {n for n in names if reverse(f"matching:{n}", args=[referral.pk]) in html}

    assert offered(partner.coordinator) == partner_actions
    assert offered(world.coordinator) == sender_actions
    assert offered(world.professional) == sender_actions


# --- Answers ---------------------------------------------------------------------------------


def _post(user: User, name: str, referral: Referral, **data: Any) -> Any:
    return client_for(user).post(reverse(f"matching:{name}", args=[referral.pk]), data)


def test_the_partner_accepts_reports_a_volunteer_and_the_end(
    world: World, partner: Partner
) -> None:
    client = _waiting_client(world)
    referral = referral_for(client, partner.organisation)
    detail = reverse("matching:referral_detail", args=[referral.pk])
    today = date.today().isoformat()

    response = _post(partner.coordinator, "referral_accept", referral)
    assert (response.status_code, response["Location"]) == (302, detail)
    response = _post(
        partner.coordinator,
        "referral_report_match",
        referral,
        partner_volunteer="Henk de Vries",
        matched_on=today,
    )
    assert response.status_code == 302
    response = _post(
        partner.coordinator,
        "referral_end",
        referral,
        ended_on=today,
        end_note="Doelen bereikt.",
        client_needs_more_support="on",
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.partner_volunteer, referral.end_note) == (
        S.ENDED,
        "Henk de Vries",
        "Doelen bereikt.",
    )
    assert Client.objects.get(pk=client.pk).status == Client.Status.WAITING
    # The sender reads the outcome.
    html = _detail(world.coordinator, referral).content.decode()
    assert "Henk de Vries" in html and "Doelen bereikt." in html


def test_declining_without_a_reason_shows_the_error_and_changes_nothing(
    world: World, partner: Partner
) -> None:
    referral = referral_for(_waiting_client(world), partner.organisation)
    response = _post(partner.coordinator, "referral_decline", referral, reason="")
    assert response.status_code == 200
    assert "reason" in response.context["decline_form"].errors
    assert Referral.objects.get(pk=referral.pk).status == S.SENT

    response = _post(partner.coordinator, "referral_decline", referral, reason="Geen plek.")
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.decline_reason) == (S.DECLINED, "Geen plek.")
    assert Client.objects.get(pk=referral.client_id).status == Client.Status.WAITING


def test_a_future_volunteer_date_is_shown_on_the_form(world: World, partner: Partner) -> None:
    referral = referral_for(_waiting_client(world), partner.organisation, status=S.ACCEPTED)
    response = _post(
        partner.coordinator,
        "referral_report_match",
        referral,
        partner_volunteer="Henk",
        matched_on=(date.today() + timedelta(days=3)).isoformat(),
    )
    assert response.status_code == 200
    assert "matched_on" in response.context["match_form"].errors
    assert "Henk" in response.content.decode()
    assert Referral.objects.get(pk=referral.pk).status == S.ACCEPTED


def test_answering_a_referral_that_moved_on_gives_a_clear_message(
    world: World, partner: Partner
) -> None:
    referral = referral_for(_waiting_client(world), partner.organisation, status=S.WITHDRAWN)
    response = client_for(partner.coordinator).post(
        reverse("matching:referral_accept", args=[referral.pk]), follow=True
    )
    expected = _("This referral cannot be accepted any more: it is “%(status)s” now.") % {
        "status": _("Withdrawn")
    }
    assert [str(m) for m in response.context["messages"]] == [expected]
    assert Referral.objects.get(pk=referral.pk).status == S.WITHDRAWN


def test_the_sender_cannot_answer_and_the_partner_cannot_withdraw(
    world: World, partner: Partner
) -> None:
    referral = referral_for(_waiting_client(world), partner.organisation)
    assert _post(world.coordinator, "referral_accept", referral).status_code == 403
    assert _post(partner.coordinator, "referral_withdraw", referral).status_code == 403
    assert Referral.objects.get(pk=referral.pk).status == S.SENT


def test_the_responsible_professional_withdraws(world: World, partner: Partner) -> None:
    referral = referral_for(_waiting_client(world), partner.organisation, status=S.ACCEPTED)
    response = _post(world.professional, "referral_withdraw", referral)
    assert response.status_code == 302
    assert Referral.objects.get(pk=referral.pk).status == S.WITHDRAWN
    assert Client.objects.get(pk=referral.client_id).status == Client.Status.WAITING
