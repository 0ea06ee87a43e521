"""Referrals straight into the database (the services are tested in test_referrals_services)."""

from __future__ import annotations

from datetime import date
from typing import Any

import factory

from clients.models import Client
from matching.models import Referral
from reclass_volunteers.models import Organisation
from tests.factories import ClientFactory, OrganisationFactory


class PartnerFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Partner {n}")
    kind = Organisation.Kind.PARTNER


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referral

    client = factory.SubFactory(ClientFactory, status=Client.Status.REFERRED)
    organisation = factory.SelfAttribute("client.organisation")
    partner = factory.SubFactory(PartnerFactory)
    responsible_professional = factory.SelfAttribute("client.responsible_professional")
    sent_by = factory.SelfAttribute("client.responsible_professional")
    status = Referral.Status.SENT
    question = "Een maatje voor sociale activiteiten."
    shared_data = factory.LazyAttribute(
        lambda r: {"items": [{"key": "first_name", "label": "Voornaam", "value": "Jan"}]}
    )
    consent_confirmed = True


def referral_for(client: Client, partner: Organisation, **extra: Any) -> Referral:
    """A referral of an existing client; the client's status follows an open referral."""
    status = extra.get("status", Referral.Status.SENT)
    if status == Referral.Status.DECLINED:
        extra.setdefault("decline_reason", "Geen plek")
    if status in (Referral.Status.MATCHED, Referral.Status.ENDED):
        extra.setdefault("partner_volunteer", "Henk de Vries")
        extra.setdefault("matched_on", date.today())
    if status in Referral.OPEN_STATUSES and client.status != Client.Status.REFERRED:
        client.status = Client.Status.REFERRED
        client.save(update_fields=["status"])
    return ReferralFactory(client=client, partner=partner, **extra)


def make_partner(organisation: Organisation) -> Organisation:
    organisation.kind = Organisation.Kind.PARTNER
    organisation.save(update_fields=["kind"])
    return organisation
